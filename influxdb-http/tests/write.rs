//! Writes against the real InfluxDB: values, encodings, errors, partial writes.

mod support;

use influxdb_http::{
    Api, Batcher, ClientConfig, ContentEncoding, Error, FieldType, InfluxClient, Query, WriteError,
};
use serde_json::json;
use support::{count, fresh_db, influx, lines};

async fn round_trip(encoding: ContentEncoding) {
    let Some(server) = influx() else { return };
    let (mut client, db) = fresh_db(server.url(), "round_trip").await;
    let mut cfg = client.config().clone();
    cfg.content_encoding = encoding;
    client = InfluxClient::new(cfg).unwrap();
    let body = concat!(
        "weather,station=paris temp=21.5,whole=89,neg=-0.25,count=-5i,big=9223372036854775806i,",
        "ok=true,bad=F,note=\"he said \\\"hi\\\" \\\\ ok, a=b\" 1700000000123456789\n",
        "weather,station=oslo temp=-3.75,whole=1,neg=-1.5,count=0i,big=1i,ok=false,bad=t,note=\"\" 1700000000123456790\n",
    );
    let outcome = client.write(body.as_bytes()).await.unwrap();
    assert_eq!(
        (outcome.requests, outcome.retries, outcome.bytes),
        (1, 0, body.len())
    );

    let rows = client
        .query(&db, &Query::new("SELECT * FROM weather GROUP BY *"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    let paris = rows.iter().find(|s| s.tags["station"] == "paris").unwrap();
    let value = |name: &str| paris.values[0][paris.column(name).unwrap()].clone();
    assert_eq!(value("time"), json!(1_700_000_000_123_456_789i64));
    assert_eq!(value("temp"), json!(21.5));
    assert_eq!(value("whole"), json!(89)); // JSON loses the float: see show_field_keys
    assert_eq!(value("neg"), json!(-0.25));
    assert_eq!(value("count"), json!(-5));
    assert_eq!(value("big"), json!(9_223_372_036_854_775_806i64));
    assert_eq!(value("ok"), json!(true));
    assert_eq!(value("bad"), json!(false));
    assert_eq!(value("note"), json!(r#"he said "hi" \ ok, a=b"#));
    let oslo = rows.iter().find(|s| s.tags["station"] == "oslo").unwrap();
    assert_eq!(
        oslo.values[0][oslo.column("time").unwrap()],
        json!(1_700_000_000_123_456_790i64)
    );
    assert_eq!(oslo.values[0][oslo.column("note").unwrap()], json!(""));

    let types = client.show_field_keys(&db, "weather").await.unwrap();
    let expect = [
        ("bad", FieldType::Boolean),
        ("big", FieldType::Integer),
        ("count", FieldType::Integer),
        ("neg", FieldType::Float),
        ("note", FieldType::String),
        ("ok", FieldType::Boolean),
        ("temp", FieldType::Float),
        ("whole", FieldType::Float),
    ];
    assert_eq!(
        types.into_iter().collect::<Vec<_>>(),
        expect.map(|(k, t)| (k.to_owned(), t))
    );
}

#[tokio::test]
async fn round_trip_exact_values_gzip() {
    round_trip(ContentEncoding::Gzip).await;
}

#[tokio::test]
async fn round_trip_exact_values_identity() {
    round_trip(ContentEncoding::Identity).await;
}

#[tokio::test]
async fn unknown_database_is_a_permanent_error_quoting_influxdb() {
    let Some(server) = influx() else { return };
    let db = support::unique_db("missing");
    let client = support::client(server.url(), &db);
    let err = client.write(&lines("m", 3)).await.unwrap_err();
    let WriteError::Rejected {
        error: Error::Http { status, reason, .. },
        resume_offset,
        partial,
    } = &err
    else {
        panic!("expected a rejection, got {err:?}");
    };
    assert_eq!((*status, *resume_offset, partial.len()), (404, 0, 0));
    assert_eq!(reason, &format!("database not found: \"{db}\""));
    assert!(err.to_string().contains("database not found"), "{err}");
}

#[tokio::test]
async fn bad_line_is_rejected_with_the_reason_and_not_retried() {
    let Some(server) = influx() else { return };
    let (client, db) = fresh_db(server.url(), "bad_line").await;
    let err = client
        .write(b"this is not line protocol\n")
        .await
        .unwrap_err();
    match &err {
        WriteError::Rejected {
            error:
                Error::Http {
                    status: 400,
                    reason,
                    ..
                },
            resume_offset: 0,
            ..
        } => {
            assert!(
                reason.starts_with("unable to parse 'this is not line protocol'"),
                "{reason}"
            );
        }
        other => panic!("expected a 400 rejection, got {other:?}"),
    }
    assert_eq!(count(&client, &db, "this", "is").await, 0);
}

#[tokio::test]
async fn partial_write_keeps_good_lines_and_is_not_retried() {
    let Some(server) = influx() else { return };
    let (client, db) = fresh_db(server.url(), "partial").await;
    // Through a counting forwarder, to prove the request is sent exactly once.
    let proxy = support::listener::Listener::start(
        Some(server.url()),
        Box::new(|_, _| support::listener::Action::Forward),
    );
    let via_proxy = support::client(&proxy.url(), &db);
    client.write(b"m v=0i 0\n").await.unwrap(); // v is an integer from now on
    let body = b"m v=1i 1\nm v=\"text\" 2\nm v=3i 3\n";
    let err = via_proxy.write(body).await.unwrap_err();
    let WriteError::Partial { reasons, outcome } = &err else {
        panic!("expected a partial write, got {err:?}");
    };
    assert_eq!(reasons.len(), 1);
    assert!(
        reasons[0].starts_with("partial write: field type conflict"),
        "{reasons:?}"
    );
    assert_eq!(
        (outcome.requests, outcome.retries, outcome.bytes),
        (1, 0, body.len())
    );
    assert_eq!(err.resume_offset(), None);
    assert_eq!(proxy.forwarded(), 1);
    // The good integer lines are stored next to the first one; the string is not.
    assert_eq!(count(&client, &db, "m", "v").await, 3);

    // A parse error alone next to good lines: "partial write: unable to parse …".
    let err = client
        .write(b"p v=1 1\np v= 2\np v=3 3\n")
        .await
        .unwrap_err();
    match err {
        WriteError::Partial { reasons, .. } => {
            assert!(
                reasons[0].starts_with("partial write: unable to parse 'p v= 2'"),
                "{reasons:?}"
            )
        }
        other => panic!("expected a partial write, got {other:?}"),
    }
    assert_eq!(count(&client, &db, "p", "v").await, 2);
}

#[tokio::test]
async fn batcher_feeds_writes_without_loss() {
    let Some(server) = influx() else { return };
    let (client, db) = fresh_db(server.url(), "batcher").await;
    let body = lines("b", 12_345);
    let mut batcher = Batcher::new(5000, 1 << 20);
    let mut writes = 0;
    for line in body.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        if let Some(batch) = batcher.push(line) {
            client.write(&batch.bytes).await.unwrap();
            writes += 1;
        }
    }
    client
        .write(&batcher.finish().unwrap().bytes)
        .await
        .unwrap();
    assert_eq!(writes, 2);
    assert_eq!(count(&client, &db, "b", "v").await, 12_345);
}

#[tokio::test]
async fn retention_policy_and_basic_auth_are_sent() {
    let Some(server) = influx() else { return };
    let (client, db) = fresh_db(server.url(), "rp").await;
    let api = Api::V1 {
        database: db.clone(),
        retention_policy: Some("autogen".into()),
        // Auth is disabled on the test server: the header must simply not break anything.
        auth: Some(influxdb_http::Credentials {
            username: "u".into(),
            password: influxdb_http::Secret::new("p"),
        }),
    };
    let with_rp = InfluxClient::new(ClientConfig::new(server.url(), api).unwrap()).unwrap();
    with_rp.write(&lines("r", 10)).await.unwrap();
    assert_eq!(count(&client, &db, "r", "v").await, 10);

    let mut missing_rp = client.config().clone();
    missing_rp.api = Api::V1 {
        database: db.clone(),
        retention_policy: Some("nope".into()),
        auth: None,
    };
    let err = InfluxClient::new(missing_rp)
        .unwrap()
        .write(&lines("r", 1))
        .await
        .unwrap_err();
    // 1.x answers 500 for a missing retention policy; it is a config error, so no retry.
    match err {
        WriteError::Rejected {
            error:
                Error::Http {
                    status: 500,
                    reason,
                    ..
                },
            ..
        } => {
            assert_eq!(reason, "retention policy not found: nope")
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
}

#[tokio::test]
async fn ping_reports_the_version() {
    let Some(server) = influx() else { return };
    let client = support::client(server.url(), "unused");
    let version = client.ping().await.unwrap();
    assert!(
        version.is_some_and(|v| v.starts_with('1')),
        "expected a 1.x server"
    );
}
