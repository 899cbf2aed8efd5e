//! [`InfluxClient::query_rows`](crate::InfluxClient::query_rows) against the real InfluxDB:
//! msgpack answers decode to the same rows as the JSON ones, chunking, tags and errors.

use crate::{Api, Cell, ClientConfig, Error, InfluxClient, Query, RowSeries, Series, TestInflux};

/// A client on a fresh database, or `None` when no InfluxDB is available locally.
async fn fresh_db(test: &str) -> Option<(TestInflux, InfluxClient, String)> {
    let server = TestInflux::from_env().expect("an InfluxDB for the tests")?;
    let db = format!("t_rows_{test}_{}", std::process::id());
    let client =
        InfluxClient::new(ClientConfig::new(server.url(), Api::v1(db.clone())).unwrap()).unwrap();
    client.create_database(&db).await.unwrap();
    Some((server, client, db))
}

fn cells(s: &RowSeries) -> Vec<Vec<Cell<'_>>> {
    s.rows().map(|r| r.iter().collect()).collect()
}

/// The JSON rows as cells, for comparison with what `query_rows` decoded.
fn json_cells(s: &Series) -> Vec<Vec<Cell<'_>>> {
    s.values
        .iter()
        .map(|row| {
            row.iter()
                .map(|v| match v {
                    serde_json::Value::Null => Cell::Null,
                    serde_json::Value::Bool(b) => Cell::Bool(*b),
                    serde_json::Value::String(s) => Cell::String(s),
                    n => n
                        .as_i64()
                        .map(Cell::Integer)
                        .or_else(|| n.as_u64().map(Cell::Unsigned))
                        .or_else(|| n.as_f64().map(Cell::Float))
                        .expect("a scalar"),
                })
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn msgpack_rows_match_json_rows_for_every_type() {
    let Some((_server, client, db)) = fresh_db("types").await else {
        return;
    };
    client
        .write(
            concat!(
                "m,station=a\\ b f=21.5,i=-9223372036854775808i,s=\"q\\\"é\\\\ ☃\",b=true 1\n",
                "m,station=c f=89,i=9223372036854775807i,b=false 2\n",
                "m f=-0.0,s=\"\" 4\n",
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let q = Query::new("SELECT f, i, s, b, station FROM m");
    let mut rows = client.query_rows(&db, &q).await.unwrap();
    assert!(rows.is_msgpack(), "InfluxDB 1.x answers msgpack when asked");
    let typed = rows.next().await.unwrap().unwrap();
    assert!(rows.next().await.unwrap().is_none());
    let json = client.query(&db, &q).await.unwrap();
    assert_eq!(typed.columns, json[0].columns);
    let (t, j) = (cells(&typed), json_cells(&json[0]));
    assert_eq!(t.len(), 3);
    for (t, j) in t.iter().zip(&j) {
        for (a, b) in t.iter().zip(j) {
            // JSON turns a whole float into an integer; msgpack keeps it a float.
            match (a, b) {
                (Cell::Float(x), Cell::Integer(y)) => assert_eq!(*x, *y as f64),
                _ => assert_eq!(a, b),
            }
        }
    }
    assert_eq!(t[1][1], Cell::Float(89.0));
    assert_eq!(t[0][2], Cell::Integer(i64::MIN));
    assert_eq!(t[0][3], Cell::String("q\"é\\ ☃"));
    assert_eq!(t[0][5], Cell::String("a b"));
    assert_eq!(t[2][1], Cell::Float(-0.0));
    assert_eq!(t[2][5], Cell::Null);
    // (1.6.7 rejects unsigned fields, `u`; `Cell::Unsigned` is covered by the decoder tests.)
}

#[tokio::test]
async fn chunks_are_bounded_and_partial_series_carry_their_tags() {
    let Some((_server, client, db)) = fresh_db("chunks").await else {
        return;
    };
    let mut body = String::new();
    for i in 0..2_500 {
        body.push_str(&format!("c,station=s{} v={i}i {}\n", i % 2, 1_000 + i));
    }
    client.write(body.as_bytes()).await.unwrap();
    let q = Query::new("SELECT v FROM c GROUP BY *").chunk_size(300);
    let mut stream = client.query_rows(&db, &q).await.unwrap();
    let mut seen = std::collections::BTreeMap::<String, (i64, bool)>::new();
    while let Some(s) = stream.next().await.unwrap() {
        assert!(s.len() <= 300, "chunk of {} rows", s.len());
        let station = s.tags["station"].clone();
        let (rows, partial) = seen.entry(station).or_insert((0, true));
        assert!(*partial, "a chunk followed the last one of its series");
        for row in s.rows() {
            assert_eq!(
                row.get(1).and_then(|c| c.as_i64()),
                row.time().map(|t| t - 1_000)
            );
        }
        *rows += s.len() as i64;
        *partial = s.partial;
    }
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        [
            ("s0".to_string(), (1250, false)),
            ("s1".to_string(), (1250, false))
        ]
    );
}

#[tokio::test]
async fn errors_in_the_answer_are_query_errors() {
    let Some((_server, client, db)) = fresh_db("errors").await else {
        return;
    };
    let unknown = client
        .query_rows("no_such_database_rows", &Query::new("SELECT * FROM m"))
        .await
        .unwrap()
        .collect()
        .await;
    assert!(
        matches!(&unknown, Err(Error::Query { message, .. }) if message.contains("database not found")),
        "{unknown:?}"
    );
    let bad = client.query_rows(&db, &Query::new("SELEC x")).await;
    assert!(
        matches!(&bad, Err(Error::Query { message, .. }) if message.starts_with("error parsing query")),
        "{bad:?}"
    );
    client.write(b"m v=1i 1\n").await.unwrap();
    // A statement that fails at run time: its error comes after the first statement's rows,
    // and 1.x reports the rest as "not executed". 1.x's msgpack leaves `statement_id` out of
    // error results, so it is `None` there.
    let q = Query::new("SELECT v FROM m; SELECT v FROM m GROUP BY time(1m); SELECT v FROM m");
    let mut stream = client.query_rows(&db, &q).await.unwrap();
    assert_eq!(stream.next().await.unwrap().unwrap().statement_id, 0);
    let second = stream.next().await;
    assert!(
        matches!(&second, Err(Error::Query { statement_id: None | Some(1), message }) if message.contains("aggregate")),
        "{second:?}"
    );
    assert!(matches!(stream.next().await, Err(Error::Query { .. })));
    assert!(stream.next().await.unwrap().is_none());
}
