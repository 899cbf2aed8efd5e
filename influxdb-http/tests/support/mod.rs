//! Shared by the integration tests: the real InfluxDB to use, unique databases, and a tiny
//! scripted HTTP listener for status sequences a real server cannot be made to produce.
#![allow(dead_code)] // each test binary uses a different subset

pub mod listener;

use std::sync::atomic::{AtomicU32, Ordering};

use influxdb_http::{Api, ClientConfig, InfluxClient, RetryPolicy, TestInflux};

/// The InfluxDB for this test: `$INFLUX_URL`, else a local one; `None` = skip (not under CI).
pub fn influx() -> Option<TestInflux> {
    TestInflux::from_env().expect("an InfluxDB for the tests")
}

/// A database name no other test uses.
pub fn unique_db(test: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "t_{test}_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Quick retries so tests spend their time on behaviour, not on waiting.
pub fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 20,
        max_elapsed: std::time::Duration::from_secs(30),
        initial_backoff: std::time::Duration::from_millis(20),
        max_backoff: std::time::Duration::from_millis(200),
    }
}

/// A client for `url` writing to `db`, with fast retries.
pub fn client(url: &str, db: &str) -> InfluxClient {
    let mut cfg = ClientConfig::new(url, Api::v1(db)).unwrap();
    cfg.retry = fast_retries();
    InfluxClient::new(cfg).unwrap()
}

/// A fresh database on the server at `url` and a client writing to it.
pub async fn fresh_db(url: &str, test: &str) -> (InfluxClient, String) {
    let db = unique_db(test);
    let c = client(url, &db);
    c.create_database(&db).await.unwrap();
    (c, db)
}

/// Number of points of `measurement` stored in `db` (`count` of field `field`).
pub async fn count(client: &InfluxClient, db: &str, measurement: &str, field: &str) -> i64 {
    let q = influxdb_http::Query::new(format!("SELECT count(\"{field}\") FROM \"{measurement}\""));
    let series = client.query(db, &q).await.unwrap();
    series
        .first()
        .and_then(|s| s.values.first())
        .and_then(|row| row.get(1))
        .and_then(|v| v.as_i64())
        .unwrap_or(0)
}

/// `n` lines `m,station=s v=<i>i <t0+i>` with distinct timestamps.
pub fn lines(measurement: &str, n: usize) -> Vec<u8> {
    let mut body = Vec::new();
    for i in 0..n {
        body.extend_from_slice(
            format!(
                "{measurement},station=s v={i}i {}\n",
                1_700_000_000_000_000_000i64 + i as i64
            )
            .as_bytes(),
        );
    }
    body
}
