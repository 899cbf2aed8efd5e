//! How `SeriesStream` frames a chunked body: documents split across reads, blank lines, a last
//! document without newline, truncation and oversized documents. A scripted listener sends
//! the exact bytes (the real server's framing is covered by `query.rs`).

mod support;

use influxdb_http::{Api, ClientConfig, Error, InfluxClient, Query};
use support::listener::{Action, Listener};

fn serve(body: String) -> (Listener, InfluxClient) {
    let listener = Listener::start(
        None,
        Box::new(move |_, _| Action::Respond(200, vec![], body.clone())),
    );
    let client =
        InfluxClient::new(ClientConfig::new(&listener.url(), Api::v1("db")).unwrap()).unwrap();
    (listener, client)
}

fn doc(statement: u64, rows: std::ops::Range<i64>, partial: bool) -> String {
    let values: Vec<String> = rows.map(|i| format!("[{i},{}]", i * 10)).collect();
    format!(
        r#"{{"results":[{{"statement_id":{statement},"series":[{{"name":"m","columns":["time","v"],"values":[{}],"partial":{partial}}}]}}]}}"#,
        values.join(",")
    )
}

#[tokio::test]
async fn documents_blank_lines_and_a_last_document_without_newline() {
    let big = doc(0, 0..5000, true); // larger than one socket read
    let body = format!(
        "{big}\n\n{}\n{}",
        doc(0, 5000..5001, false),
        doc(1, 7..8, false)
    );
    let (_listener, client) = serve(body);
    let series = client.query("db", &Query::new("x")).await.unwrap();
    let shape: Vec<(u64, usize, bool)> = series
        .iter()
        .map(|s| (s.statement_id, s.values.len(), s.partial))
        .collect();
    assert_eq!(shape, [(0, 5000, true), (0, 1, false), (1, 1, false)]);
    assert_eq!(
        series[0].values[4999],
        [serde_json::json!(4999), serde_json::json!(49990)]
    );
}

#[tokio::test]
async fn a_truncated_document_is_a_bad_response() {
    let body = format!(
        "{}\n{{\"results\":[{{\"statement_id\":0,\"ser",
        doc(0, 0..2, true)
    );
    let (_listener, client) = serve(body);
    let mut stream = client.query_stream("db", &Query::new("x")).await.unwrap();
    assert_eq!(stream.next().await.unwrap().unwrap().values.len(), 2);
    let err = stream.next().await.unwrap_err();
    assert!(matches!(err, Error::BadResponse { .. }), "{err:?}");
    assert!(stream.next().await.unwrap().is_none());
}

#[tokio::test]
async fn an_oversized_document_is_refused() {
    let (_listener, client) = serve(doc(0, 0..1000, false));
    let q = Query::new("x").max_document_bytes(1000);
    let err = client.query("db", &q).await.unwrap_err();
    assert!(err.to_string().contains("exceeds 1000 bytes"), "{err}");
}

#[tokio::test]
async fn top_level_error_document() {
    let (_listener, client) = serve("{\"error\":\"authorization failed\"}\n".into());
    let err = client.query("db", &Query::new("x")).await.unwrap_err();
    assert!(
        matches!(&err, Error::Query { statement_id: None, message } if message == "authorization failed"),
        "{err:?}"
    );
}
