//! The v2 write request shape, checked on a local listener (no InfluxDB 2 runs here).

mod support;

use std::io::Read;

use influxdb_http::{Api, ClientConfig, ContentEncoding, InfluxClient, Query, Secret};
use support::listener::{Action, Listener};

fn v2_client(url: &str, encoding: ContentEncoding) -> InfluxClient {
    let api = Api::V2 {
        org: "my org".into(),
        bucket: "weather/raw".into(),
        token: Secret::new("tok-123"),
    };
    let mut cfg = ClientConfig::new(url, api).unwrap();
    cfg.content_encoding = encoding;
    cfg.retry = support::fast_retries();
    InfluxClient::new(cfg).unwrap()
}

#[tokio::test]
async fn v2_write_shape_gzip() {
    let proxy = Listener::start(
        None,
        Box::new(|_, _| Action::Respond(204, vec![], String::new())),
    );
    let client = v2_client(&format!("{}/prefix", proxy.url()), ContentEncoding::Gzip);
    let body = b"weather,station=a temp=1.5 1700000000000000000\n".repeat(50);
    client.write(&body).await.unwrap();

    let requests = proxy.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.method, "POST");
    assert_eq!(
        r.target,
        "/prefix/api/v2/write?org=my+org&bucket=weather%2Fraw&precision=ns"
    );
    assert_eq!(r.header("authorization"), Some("Token tok-123"));
    assert_eq!(r.header("content-encoding"), Some("gzip"));
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    assert!(
        r.header("user-agent")
            .unwrap()
            .starts_with("influxdb-http/")
    );
    let mut plain = Vec::new();
    flate2::read::GzDecoder::new(&r.body[..])
        .read_to_end(&mut plain)
        .unwrap();
    assert_eq!(plain, body);
    assert!(
        r.body.len() < body.len() / 5,
        "gzip should shrink repetitive line protocol"
    );
}

#[tokio::test]
async fn v2_write_identity_and_429_retry() {
    let proxy = Listener::start(
        None,
        Box::new(|i, _| {
            if i == 0 {
                Action::Respond(
                    429,
                    vec![("Retry-After", "0".into())],
                    r#"{"code":"too many requests","message":"slow down"}"#.into(),
                )
            } else {
                Action::Respond(204, vec![], String::new())
            }
        }),
    );
    let client = v2_client(&proxy.url(), ContentEncoding::Identity);
    let outcome = client.write(b"m v=1i 1\n").await.unwrap();
    assert_eq!((outcome.requests, outcome.retries), (2, 1));
    let requests = proxy.requests();
    assert!(requests.iter().all(|r| r.body == b"m v=1i 1\n"));
    assert!(
        requests
            .iter()
            .all(|r| r.header("content-encoding").is_none())
    );
}

#[tokio::test]
async fn v2_error_message_is_quoted_and_422_is_partial() {
    let proxy = Listener::start(
        None,
        Box::new(|_, _| {
            Action::Respond(
                422,
                vec![],
                r#"{"code":"unprocessable entity","message":"failure writing points: points beyond retention policy"}"#.into(),
            )
        }),
    );
    let client = v2_client(&proxy.url(), ContentEncoding::Identity);
    match client.write(b"m v=1i 1\n").await.unwrap_err() {
        influxdb_http::WriteError::Partial { reasons, .. } => {
            assert_eq!(
                reasons,
                ["failure writing points: points beyond retention policy"]
            )
        }
        other => panic!("expected partial, got {other:?}"),
    }
    assert_eq!(proxy.requests().len(), 1);
}

#[tokio::test]
async fn v2_query_uses_the_token_and_v1_compat_endpoint() {
    let proxy = Listener::start(
        None,
        Box::new(|_, _| {
            Action::Respond(
                200,
                vec![("Content-Type", "application/json".into())],
                "{\"results\":[{\"statement_id\":0,\"series\":[{\"name\":\"m\",\"columns\":[\"time\",\"v\"],\"values\":[[1,2]]}]}]}\n".into(),
            )
        }),
    );
    let client = v2_client(&proxy.url(), ContentEncoding::Gzip);
    let q = Query::new("SELECT v FROM m WHERE s = $s")
        .bind("s", "a b")
        .chunk_size(7);
    let series = client.query("weather/raw", &q).await.unwrap();
    assert_eq!(
        series[0].values,
        [[serde_json::json!(1), serde_json::json!(2)]]
    );
    let r = &proxy.requests()[0];
    assert_eq!((r.method.as_str(), r.target.as_str()), ("POST", "/query"));
    assert_eq!(r.header("authorization"), Some("Token tok-123"));
    let form: Vec<(String, String)> = influxdb_http::Url::parse(&format!(
        "http://x/?{}",
        String::from_utf8(r.body.clone()).unwrap()
    ))
    .unwrap()
    .query_pairs()
    .into_owned()
    .collect();
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(get("q"), Some("SELECT v FROM m WHERE s = $s"));
    assert_eq!(get("db"), Some("weather/raw"));
    assert_eq!(get("epoch"), Some("ns"));
    assert_eq!(get("chunked"), Some("true"));
    assert_eq!(get("chunk_size"), Some("7"));
    assert_eq!(get("params"), Some(r#"{"s":"a b"}"#));
}
