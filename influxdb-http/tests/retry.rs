//! Retries, back-off, `Retry-After`, 413 splitting and giving up. The scripted listener plays
//! the statuses the real server cannot be made to produce, then forwards to the real InfluxDB,
//! which proves each batch is stored exactly once.

mod support;

use std::time::{Duration, Instant};

use influxdb_http::{ClientConfig, ContentEncoding, Error, InfluxClient, RetryPolicy, WriteError};
use support::listener::{Action, Listener};
use support::{count, fresh_db, influx, lines};

fn client_for(url: &str, db: &str, tune: impl FnOnce(&mut ClientConfig)) -> InfluxClient {
    let mut cfg = ClientConfig::new(url, influxdb_http::Api::v1(db)).unwrap();
    cfg.retry = support::fast_retries();
    tune(&mut cfg);
    InfluxClient::new(cfg).unwrap()
}

#[tokio::test]
async fn retries_503_then_stores_the_batch_once() {
    let Some(server) = influx() else { return };
    let (direct, db) = fresh_db(server.url(), "retry503").await;
    let proxy = Listener::start(
        Some(server.url()),
        Box::new(|i, _| {
            if i < 3 {
                Action::Respond(
                    503,
                    vec![("Retry-After", "0".into())],
                    "{\"error\":\"busy\"}".into(),
                )
            } else {
                Action::Forward
            }
        }),
    );
    let client = client_for(&proxy.url(), &db, |_| {});
    let body = lines("r", 1000);
    let outcome = client.write(&body).await.unwrap();
    assert_eq!((outcome.requests, outcome.retries), (4, 3));
    assert_eq!(proxy.forwarded(), 1);
    // Every attempt carried the same complete batch.
    let sent: Vec<_> = proxy.requests().into_iter().map(|r| r.body).collect();
    assert!(sent.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(count(&direct, &db, "r", "v").await, 1000);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let proxy = Listener::start(
        None,
        Box::new(|i, _| match i {
            0 => Action::Respond(429, vec![("Retry-After", "1".into())], String::new()),
            _ => Action::Respond(204, vec![], String::new()),
        }),
    );
    let client = client_for(&proxy.url(), "db", |_| {});
    let started = Instant::now();
    let outcome = client.write(b"m v=1i 1\n").await.unwrap();
    assert_eq!(outcome.retries, 1);
    // The fast policy alone would retry after at most 20 ms.
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn connection_refused_until_the_server_appears() {
    let Some(server) = influx() else { return };
    let (direct, db) = fresh_db(server.url(), "refused").await;
    // Reserve a port, close it (connection refused), and open it again later.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = client_for(&format!("http://127.0.0.1:{port}"), &db, |_| {});
    let upstream = server.url().to_owned();
    let opener = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(700));
        let socket = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
        Listener::start_on(socket, Some(&upstream), Box::new(|_, _| Action::Forward))
    });
    let outcome = client.write(&lines("c", 500)).await.unwrap();
    let proxy = opener.join().unwrap();
    assert!(outcome.retries >= 1, "{outcome:?}");
    assert_eq!((proxy.requests().len(), proxy.forwarded()), (1, 1));
    assert_eq!(count(&direct, &db, "c", "v").await, 500);
}

#[tokio::test]
async fn timeout_is_retried_and_not_duplicated() {
    let Some(server) = influx() else { return };
    let (direct, db) = fresh_db(server.url(), "timeout").await;
    let proxy = Listener::start(
        Some(server.url()),
        Box::new(|i, _| {
            if i == 0 {
                Action::Hang(Duration::from_secs(3))
            } else {
                Action::Forward
            }
        }),
    );
    let client = client_for(&proxy.url(), &db, |cfg| {
        cfg.timeout = Duration::from_millis(300)
    });
    let outcome = client.write(&lines("t", 200)).await.unwrap();
    assert_eq!((outcome.requests, outcome.retries), (2, 1));
    assert_eq!(proxy.forwarded(), 1);
    assert_eq!(count(&direct, &db, "t", "v").await, 200);
}

#[tokio::test]
async fn too_large_splits_in_halves_at_line_boundaries() {
    let Some(server) = influx() else { return };
    let (direct, db) = fresh_db(server.url(), "split").await;
    // Bodies of more than 250 lines are "too large"; smaller ones go to the real server.
    let proxy = Listener::start(
        Some(server.url()),
        Box::new(|_, req| {
            if req.body.iter().filter(|&&b| b == b'\n').count() > 250 {
                Action::Respond(
                    413,
                    vec![],
                    "{\"error\":\"Request Entity Too Large\"}".into(),
                )
            } else {
                Action::Forward
            }
        }),
    );
    let client = client_for(&proxy.url(), &db, |cfg| {
        cfg.content_encoding = ContentEncoding::Identity
    });
    // String values holding newlines must not be cut.
    let mut body = Vec::new();
    for i in 1000..2000 {
        // Equal-length lines, so halves are exact and the split count is known.
        body.extend_from_slice(format!("s,k=a v={i}i,txt=\"line\\\"\n{i}\" {i}\n").as_bytes());
    }
    let outcome = client.write(&body).await.unwrap();
    // 1000 lines hold 2000 newlines: pieces of 1000, 500, 250 lines are refused, 125 pass.
    assert_eq!(outcome.splits, 7);
    assert_eq!(proxy.forwarded(), 8);
    assert_eq!(outcome.bytes, body.len());
    assert_eq!(count(&direct, &db, "s", "v").await, 1000);
    let forwarded: Vec<u8> = proxy
        .requests()
        .into_iter()
        .filter(|r| r.body.iter().filter(|&&b| b == b'\n').count() <= 250)
        .flat_map(|r| r.body)
        .collect();
    assert_eq!(
        forwarded, body,
        "pieces are sent in order and cover the body exactly"
    );
}

#[tokio::test]
async fn a_single_line_too_large_is_rejected() {
    let proxy = Listener::start(
        None,
        Box::new(|_, _| Action::Respond(413, vec![], String::new())),
    );
    let client = client_for(&proxy.url(), "db", |_| {});
    let err = client.write(b"m v=1i 1\n").await.unwrap_err();
    assert!(
        matches!(
            err,
            WriteError::Rejected {
                error: Error::Http { status: 413, .. },
                resume_offset: 0,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(proxy.requests().len(), 1);
}

#[tokio::test]
async fn gives_up_after_max_attempts_with_resume_offset() {
    // The first half is stored, the second keeps failing: resume where the second starts.
    let proxy = Listener::start(
        None,
        Box::new(|i, _| match i {
            0 => Action::Respond(413, vec![], String::new()),
            1 => Action::Respond(204, vec![], String::new()),
            _ => Action::Respond(
                503,
                vec![("X-Influxdb-Error", "engine: cache full".into())],
                String::new(),
            ),
        }),
    );
    let client = client_for(&proxy.url(), "db", |cfg| {
        cfg.content_encoding = ContentEncoding::Identity;
        cfg.retry = RetryPolicy {
            max_attempts: 3,
            ..support::fast_retries()
        };
    });
    let body = b"m v=1i 1\nm v=2i 2\n";
    let err = client.write(body).await.unwrap_err();
    match &err {
        WriteError::GaveUp {
            last:
                Error::Http {
                    status: 503,
                    reason,
                    ..
                },
            attempts: 3,
            resume_offset,
            ..
        } => {
            assert_eq!(reason, "engine: cache full");
            assert_eq!(&body[*resume_offset..], b"m v=2i 2\n");
        }
        other => panic!("expected GaveUp, got {other:?}"),
    }
    assert_eq!(proxy.requests().len(), 5);
}

#[tokio::test]
async fn gives_up_when_the_time_budget_is_spent() {
    let proxy = Listener::start(
        None,
        Box::new(|_, _| Action::Respond(503, vec![("Retry-After", "5".into())], String::new())),
    );
    let client = client_for(&proxy.url(), "db", |cfg| {
        cfg.retry = RetryPolicy {
            max_elapsed: Duration::from_secs(2),
            ..support::fast_retries()
        };
    });
    let err = client.write(b"m v=1i 1\n").await.unwrap_err();
    // Waiting 5 s would overrun the 2 s budget: stop at once rather than sleep in vain.
    assert!(
        matches!(err, WriteError::GaveUp { attempts: 1, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    for status in [400u16, 401, 403, 404] {
        let proxy = Listener::start(
            None,
            Box::new(move |_, _| Action::Respond(status, vec![], "{\"error\":\"nope\"}".into())),
        );
        let client = client_for(&proxy.url(), "db", |_| {});
        let err = client.write(b"m v=1i 1\n").await.unwrap_err();
        assert!(
            matches!(&err, WriteError::Rejected { error: Error::Http { reason, .. }, .. } if reason == "nope"),
            "{err:?}"
        );
        assert_eq!(proxy.requests().len(), 1, "status {status}");
    }
}
