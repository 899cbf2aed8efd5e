//! InfluxQL queries against the real InfluxDB: chunked streaming, parameters, schema, errors.

mod support;

use influxdb_http::{Batcher, Error, FieldType, Query};
use serde_json::json;
use support::{fresh_db, influx};

#[tokio::test]
async fn chunked_stream_yields_every_row_in_order_in_bounded_chunks() {
    let Some(server) = influx() else { return };
    let (client, db) = fresh_db(server.url(), "chunked").await;
    const N: i64 = 25_000;
    let mut batcher = Batcher::default();
    for i in 0..N {
        let line = format!("big,station=s1 v={i}i,f={i}.5 {}", 1_000_000_000 + i);
        if let Some(batch) = batcher.push(line.as_bytes()) {
            client.write(&batch.bytes).await.unwrap();
        }
    }
    if let Some(batch) = batcher.finish() {
        client.write(&batch.bytes).await.unwrap();
    }

    let q = Query::new("SELECT v, f FROM big").chunk_size(1000);
    let mut stream = client.query_stream(&db, &q).await.unwrap();
    let (mut rows, mut chunks, mut last_partial) = (0i64, 0, true);
    while let Some(series) = stream.next().await.unwrap() {
        assert!(last_partial, "a chunk followed the final one");
        assert_eq!(series.columns, ["time", "v", "f"]);
        assert!(
            series.values.len() <= 1000,
            "chunk of {} rows",
            series.values.len()
        );
        for row in &series.values {
            assert_eq!(row[0], json!(1_000_000_000 + rows));
            assert_eq!(row[1], json!(rows));
            assert_eq!(row[2].as_f64(), Some(rows as f64 + 0.5));
            rows += 1;
        }
        last_partial = series.partial;
        chunks += 1;
    }
    assert_eq!(rows, N);
    assert_eq!(chunks, 25);
    assert!(!last_partial, "the last chunk is not partial");
}

#[tokio::test]
async fn group_by_star_gives_tags_and_params_are_bound() {
    let Some(server) = influx() else { return };
    let (client, db) = fresh_db(server.url(), "params").await;
    client
        .write(b"w,station=a,kind=x v=1i 10\nw,station=b,kind=x v=2i 20\nw,station=it's v=3i 30\n")
        .await
        .unwrap();
    let q = Query::new("SELECT v FROM w WHERE station = $s AND time >= $t GROUP BY *")
        .bind("s", "b")
        .bind("t", 15);
    let series = client.query(&db, &q).await.unwrap();
    assert_eq!(series.len(), 1);
    assert_eq!(series[0].name, "w");
    assert_eq!(
        series[0]
            .tags
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect::<Vec<_>>(),
        [("kind", "x"), ("station", "b")]
    );
    assert_eq!(series[0].values, [[json!(20), json!(2)]]);

    // A quote in a bound value needs no escaping; a tag the series lacks comes back as "".
    let q = Query::new("SELECT v FROM w WHERE station = $s GROUP BY *").bind("s", "it's");
    let series = client.query(&db, &q).await.unwrap();
    assert_eq!(series[0].tags["kind"], "");
    assert_eq!(series[0].values, [[json!(30), json!(3)]]);
}

#[tokio::test]
async fn schema_queries() {
    let Some(server) = influx() else { return };
    let (client, db) = fresh_db(server.url(), "schema").await;
    client
        .write(b"weather,station=a,city=x temp=89,rh=40i,ok=true,note=\"n\" 1\nother v=1 1\n")
        .await
        .unwrap();
    let fields = client.show_field_keys(&db, "weather").await.unwrap();
    assert_eq!(
        fields.into_iter().collect::<Vec<_>>(),
        [
            ("note".to_owned(), FieldType::String),
            ("ok".to_owned(), FieldType::Boolean),
            ("rh".to_owned(), FieldType::Integer),
            ("temp".to_owned(), FieldType::Float),
        ]
    );
    assert_eq!(
        client.show_tag_keys(&db, "weather").await.unwrap(),
        ["city", "station"]
    );
    assert_eq!(
        client.show_measurements(&db).await.unwrap(),
        ["other", "weather"]
    );
    assert!(
        client
            .show_field_keys(&db, "missing")
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn unknown_database_error_inside_the_json_is_typed() {
    let Some(server) = influx() else { return };
    let client = support::client(server.url(), "unused");
    let db = support::unique_db("nodb");
    let mut stream = client
        .query_stream(&db, &Query::new("SELECT * FROM m"))
        .await
        .unwrap();
    match stream.next().await {
        Err(Error::Query {
            statement_id: Some(0),
            message,
        }) => {
            assert_eq!(message, format!("database not found: {db}"))
        }
        other => panic!("expected a query error, got {other:?}"),
    }
    assert!(stream.next().await.unwrap().is_none());
}

#[tokio::test]
async fn syntax_errors_and_later_statement_errors() {
    let Some(server) = influx() else { return };
    let (client, db) = fresh_db(server.url(), "stmts").await;
    client.write(b"m v=1i 1\nm v=2i 2\n").await.unwrap();

    match client.query(&db, &Query::new("SELEC * FROM m")).await {
        Err(Error::Query {
            statement_id: None,
            message,
        }) => {
            assert!(
                message.starts_with("error parsing query: found SELEC"),
                "{message}"
            )
        }
        other => panic!("expected a parse error, got {other:?}"),
    }

    // Statement 0 answers, statement 1 fails: the rows come first, then the error.
    let q = Query::new("SELECT v FROM m; SHOW FIELD KEYS ON no_such_db_xyz").chunk_size(1);
    let mut stream = client.query_stream(&db, &q).await.unwrap();
    let mut rows = 0;
    let error = loop {
        match stream.next().await {
            Ok(Some(series)) => {
                assert_eq!(series.statement_id, 0);
                rows += series.values.len();
            }
            Ok(None) => panic!("statement 1 should fail"),
            Err(e) => break e,
        }
    };
    assert_eq!(rows, 2);
    assert!(
        matches!(&error, Error::Query { statement_id: Some(1), message } if message.contains("database not found")),
        "{error:?}"
    );
}

#[tokio::test]
async fn create_database_is_idempotent() {
    let Some(server) = influx() else { return };
    let client = support::client(server.url(), "unused");
    let db = support::unique_db("create");
    client.create_database(&db).await.unwrap();
    client.create_database(&db).await.unwrap();
    let dbs = client
        .query("", &Query::new("SHOW DATABASES"))
        .await
        .unwrap();
    assert!(dbs[0].values.iter().any(|row| row[0] == json!(db)));
}
