//! `inject`: v1 against a real InfluxDB, v2 request shape against a tiny local listener.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use influxdb_http::{Api, ClientConfig, InfluxClient, Query, TestInflux};

const STATIONS: usize = 12;

fn inject(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_telegraf-execd-weather"));
    cmd.arg("inject")
        .args(args)
        .env_remove("INFLUX_TOKEN")
        .env_remove("INFLUX_URL");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run inject")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

async fn count(url: &str, db: &str, query: &str) -> i64 {
    let client = InfluxClient::new(ClientConfig::new(url, Api::v1(db)).unwrap()).unwrap();
    let series = client.query(db, &Query::new(query)).await.unwrap();
    series
        .first()
        .and_then(|s| s.values.first())
        .and_then(|row| row[1].as_i64())
        .unwrap_or(0)
}

#[test]
fn v1_backfill_stores_every_point_exactly_once() {
    let Some(influx) = TestInflux::from_env().expect("InfluxDB for tests") else {
        return;
    };
    let db = format!("weather_inject_{}", std::process::id());
    let args = [
        "--url",
        influx.url(),
        "--database",
        &db,
        "--start",
        "2026-01-01T00:00:00Z",
        "--duration",
        "3h",
        "--step",
        "1m",
        "--batch-size",
        "500",
    ];
    let out = inject(&args, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.is_empty(), "inject writes nothing on stdout");
    let log = stderr(&out);
    assert!(log.contains("I! backfill done: 2160/2160 lines"), "{log}");
    assert!(
        log.lines()
            .all(|l| l.starts_with("I! ") || l.starts_with("W! ")),
        "{log}"
    );

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let q = "SELECT count(temperature) FROM weather";
    assert_eq!(
        rt.block_on(count(influx.url(), &db, q)),
        (STATIONS * 180) as i64
    );
    let q = "SELECT count(condition) FROM weather WHERE station = 'sydney'";
    assert_eq!(rt.block_on(count(influx.url(), &db, q)), 180);

    // A second identical run overwrites the same points: still no duplicate.
    let out = inject(&args, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let q = "SELECT count(temperature) FROM weather";
    assert_eq!(
        rt.block_on(count(influx.url(), &db, q)),
        (STATIONS * 180) as i64
    );

    // A bad request is a clear error quoting InfluxDB's reason.
    let out = inject(
        &[
            "--url",
            influx.url(),
            "--database",
            "",
            "--duration",
            "1m",
            "--no-create-database",
        ],
        &[],
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("E! "), "{}", stderr(&out));
}

/// One recorded HTTP request.
#[derive(Debug, Clone)]
struct Request {
    target: String,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

/// A minimal HTTP/1.1 server answering with `responses` in order, then 204.
fn listener(responses: Vec<(u16, &'static str)>) -> (String, Arc<Mutex<Vec<Request>>>) {
    let server = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", server.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    let responses = Arc::new(Mutex::new(responses.into_iter()));
    std::thread::spawn(move || {
        for stream in server.incoming() {
            let Ok(stream) = stream else { break };
            let record = Arc::clone(&record);
            let responses = Arc::clone(&responses);
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut writer = stream;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let target = line.split(' ').nth(1).unwrap_or("").to_string();
                    let mut headers = BTreeMap::new();
                    loop {
                        let mut h = String::new();
                        reader.read_line(&mut h).unwrap();
                        let h = h.trim_end();
                        if h.is_empty() {
                            break;
                        }
                        let (k, v) = h.split_once(':').unwrap();
                        headers.insert(k.to_ascii_lowercase(), v.trim().to_string());
                    }
                    let len: usize = headers
                        .get("content-length")
                        .map_or(0, |v| v.parse().unwrap());
                    let mut body = vec![0; len];
                    reader.read_exact(&mut body).unwrap();
                    record.lock().unwrap().push(Request {
                        target,
                        headers,
                        body,
                    });
                    let (status, text) = responses.lock().unwrap().next().unwrap_or((204, ""));
                    let reply = format!(
                        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{text}",
                        text.len()
                    );
                    writer.write_all(reply.as_bytes()).unwrap();
                }
            });
        }
    });
    (url, seen)
}

fn decoded(r: &Request) -> String {
    assert_eq!(
        r.headers.get("content-encoding").map(String::as_str),
        Some("gzip")
    );
    let mut text = String::new();
    flate2::read::GzDecoder::new(&r.body[..])
        .read_to_string(&mut text)
        .unwrap();
    text
}

#[test]
fn v2_requests_have_the_documented_shape() {
    let (url, seen) = listener(vec![]);
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "file-token\n").unwrap();
    let base = [
        "--url",
        &url,
        "--api",
        "v2",
        "--org",
        "lab",
        "--bucket",
        "weather",
        "--duration",
        "1h",
        "--step",
        "1m",
    ];

    let out = inject(&base, &[("INFLUX_TOKEN", "env-token")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let with_file: Vec<&str> = base
        .iter()
        .copied()
        .chain(["--token-file", token_file.to_str().unwrap()])
        .collect();
    let out = inject(&with_file, &[]);
    assert!(out.status.success(), "{}", stderr(&out));

    let requests = seen.lock().unwrap().clone();
    assert!(!requests.is_empty());
    let mut lines_per_token: BTreeMap<String, usize> = BTreeMap::new();
    for r in &requests {
        assert_eq!(
            r.target,
            "/api/v2/write?org=lab&bucket=weather&precision=ns"
        );
        let auth = r.headers.get("authorization").cloned().unwrap_or_default();
        let body = decoded(r);
        for line in body.lines() {
            let p = line_protocol::parse_lines(line.as_bytes())
                .next()
                .unwrap()
                .unwrap();
            assert_eq!(p.measurement, "weather");
            assert!(p.timestamp.is_some());
        }
        *lines_per_token.entry(auth).or_default() += body.lines().count();
    }
    let expected = STATIONS * 60;
    assert_eq!(lines_per_token.get("Token env-token"), Some(&expected));
    assert_eq!(lines_per_token.get("Token file-token"), Some(&expected));
    assert_eq!(lines_per_token.len(), 2);
}

#[test]
fn v2_retries_server_errors_without_losing_or_duplicating_lines() {
    let (url, seen) = listener(vec![
        (503, r#"{"code":"unavailable","message":"busy"}"#),
        (500, "{}"),
    ]);
    let args = [
        "--url",
        &url,
        "--api",
        "v2",
        "--org",
        "o",
        "--bucket",
        "b",
        "--duration",
        "30m",
        "--step",
        "1m",
        "--batch-size",
        "100",
    ];
    let out = inject(&args, &[("INFLUX_TOKEN", "t")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let requests = seen.lock().unwrap().clone();
    // The first two answers failed; every later request was stored once.
    let stored: Vec<String> = requests[2..]
        .iter()
        .flat_map(|r| decoded(r).lines().map(str::to_string).collect::<Vec<_>>())
        .collect();
    assert_eq!(stored.len(), STATIONS * 30);
    let unique: std::collections::BTreeSet<&String> = stored.iter().collect();
    assert_eq!(unique.len(), stored.len(), "a line was stored twice");
    assert_eq!(
        decoded(&requests[0]),
        decoded(&requests[2]),
        "the failed batch is resent first"
    );
}

#[test]
fn v2_client_error_is_final_and_quotes_the_reason() {
    let reason =
        r#"{"code":"invalid","message":"unable to parse 'weather,station=x': missing fields"}"#;
    let (url, seen) = listener(vec![(400, reason)]);
    let args = [
        "--url",
        &url,
        "--api",
        "v2",
        "--org",
        "o",
        "--bucket",
        "b",
        "--duration",
        "10m",
    ];
    let out = inject(&args, &[("INFLUX_TOKEN", "t")]);
    assert!(!out.status.success());
    let log = stderr(&out);
    let error = log
        .lines()
        .find(|l| l.starts_with("E! "))
        .unwrap_or_else(|| panic!("{log}"));
    assert!(error.contains("unable to parse"), "{error}");
    assert_eq!(seen.lock().unwrap().len(), 1, "4xx must not be retried");
}

#[test]
fn inject_option_errors_name_the_option() {
    for (args, env, needle) in [
        (
            vec![
                "--url",
                "http://127.0.0.1:9",
                "--api",
                "v2",
                "--org",
                "o",
                "--bucket",
                "b",
                "--duration",
                "1h",
            ],
            vec![],
            "INFLUX_TOKEN",
        ),
        (
            vec![
                "--url",
                "http://127.0.0.1:9",
                "--api",
                "v2",
                "--bucket",
                "b",
                "--duration",
                "1h",
            ],
            vec![("INFLUX_TOKEN", "t")],
            "--org",
        ),
        (vec!["--url", "http://127.0.0.1:9"], vec![], "nothing to do"),
        (
            vec!["--url", "http://127.0.0.1:9", "--duration", "3 days"],
            vec![],
            "--duration",
        ),
        (
            vec![
                "--url",
                "http://127.0.0.1:9",
                "--start",
                "2026-02-30",
                "--duration",
                "1h",
            ],
            vec![],
            "--start",
        ),
        (
            vec!["--url", "ftp://x", "--duration", "1h"],
            vec![],
            "--url",
        ),
    ] {
        let out = inject(&args, &env);
        assert!(!out.status.success(), "{args:?}");
        let log = stderr(&out);
        assert!(
            log.starts_with("E! ") && log.contains(needle),
            "{args:?}: {log}"
        );
    }
}

#[test]
fn live_mode_writes_each_tick_and_stops_on_sigterm() {
    let (url, seen) = listener(vec![]);
    let child = Command::new(env!("CARGO_BIN_EXE_telegraf-execd-weather"))
        .args([
            "inject", "--url", &url, "--api", "v2", "--org", "o", "--bucket", "b",
        ])
        .args(["--live", "--interval", "200ms"])
        .env("INFLUX_TOKEN", "t")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while seen.lock().unwrap().len() < 3 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let status = Command::new("kill")
        .args(["-s", "TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let requests = seen.lock().unwrap().clone();
    assert!(requests.len() >= 3, "{} requests", requests.len());
    let mut ticks = Vec::new();
    for r in &requests {
        let body = decoded(r);
        let ts: Vec<i64> = body
            .lines()
            .map(|l| l.rsplit(' ').next().unwrap().parse().unwrap())
            .collect();
        assert_eq!(ts.len(), STATIONS, "one line per station per tick");
        assert!(
            ts.iter().all(|&t| t == ts[0] && t % 200_000_000 == 0),
            "{ts:?}"
        );
        ticks.push(ts[0]);
    }
    assert!(ticks.windows(2).all(|w| w[1] > w[0]), "{ticks:?}");
    assert!(stderr(&out).contains("I! live: SIGTERM, stopping"));
}

#[test]
fn live_mode_resends_a_failed_tick_with_the_next_one() {
    let (url, seen) = listener(vec![(503, r#"{"code":"unavailable","message":"busy"}"#)]);
    let child = Command::new(env!("CARGO_BIN_EXE_telegraf-execd-weather"))
        .args([
            "inject", "--url", &url, "--api", "v2", "--org", "o", "--bucket", "b",
        ])
        .args(["--live", "--interval", "200ms", "--max-attempts", "1"])
        .env("INFLUX_TOKEN", "t")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while seen.lock().unwrap().len() < 2 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    Command::new("kill")
        .args(["-s", "TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let requests = seen.lock().unwrap().clone();
    let first = decoded(&requests[0]);
    let second = decoded(&requests[1]);
    assert_eq!(first.lines().count(), STATIONS);
    assert_eq!(
        second.lines().count(),
        2 * STATIONS,
        "the failed tick goes out again"
    );
    assert!(second.starts_with(&first));
    assert!(stderr(&out).contains("W! live:"), "{}", stderr(&out));
}

/// `-log_level` is global (accepted before or after `inject`) and every flag takes both
/// spellings: Go-shim `-log_level`/`--log_level`, kebab-case `--log-level`, and so on.
#[test]
fn inject_takes_the_log_level_in_every_spelling_and_position() {
    let (url, _seen) = listener(vec![]);
    let run = |before: &[&str], after: &[&str]| -> Output {
        Command::new(env!("CARGO_BIN_EXE_telegraf-execd-weather"))
            .args(before)
            .arg("inject")
            .args(["--url", &url, "--api", "v2", "--org", "o", "--bucket", "b"])
            .args(["--duration", "2m", "--step", "1m"])
            .args(after)
            .env("INFLUX_TOKEN", "t")
            .env_remove("INFLUX_URL")
            .output()
            .expect("run inject")
    };
    let default = run(&[], &[]);
    assert!(default.status.success(), "{}", stderr(&default));
    assert!(
        stderr(&default).contains("I! inject done"),
        "{}",
        stderr(&default)
    );
    let quiet: [(&[&str], &[&str]); 6] = [
        (&["-log_level", "error"], &[]),
        (&[], &["-log_level", "error"]),
        (&[], &["--log_level=error"]),
        (&[], &["--log-level", "error"]),
        (&["-log-level=error"], &[]),
        (
            &[],
            &[
                "-log_level",
                "error",
                "--batch_size",
                "1",
                "--max_attempts",
                "2",
            ],
        ),
    ];
    for (before, after) in quiet {
        let out = run(before, after);
        assert!(
            out.status.success(),
            "{before:?} {after:?}: {}",
            stderr(&out)
        );
        assert_eq!(
            stderr(&out),
            "",
            "{before:?} {after:?}: error level hides I! lines"
        );
    }
}

/// `--tls-ca`: inject writes to an InfluxDB serving https with a private CA; without the flag
/// the server's certificate is not trusted and nothing is written.
#[test]
fn inject_writes_over_https_with_a_private_ca() {
    let ca = influxdb_http::TestCa::new().expect("a test CA (Debian package openssl)");
    let Some(server) = influxdb_http::TestInflux::start_https(&ca.server_pem(), &ca.server_key())
        .expect("InfluxDB over https")
    else {
        return;
    };
    let ca_pem = ca.ca_pem().display().to_string();
    let args = [
        "--url",
        server.url(),
        "--database",
        "tlsdb",
        "--duration",
        "10m",
    ];
    let untrusted = inject(&[&args[..], &["--max-attempts", "1"]].concat(), &[]);
    assert!(!untrusted.status.success(), "{}", stderr(&untrusted));
    assert!(
        stderr(&untrusted).contains("certificate"),
        "{}",
        stderr(&untrusted)
    );
    let out = inject(&[&args[..], &["--tls-ca", &ca_pem]].concat(), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut config = ClientConfig::new(server.url(), Api::v1("tlsdb")).unwrap();
    config.tls_ca = Some(ca.ca_pem());
    let client = InfluxClient::new(config).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let series = rt
        .block_on(client.query(
            "tlsdb",
            &Query::new("SELECT count(temperature) FROM weather"),
        ))
        .unwrap();
    let count = series[0].values[0][1].as_i64().unwrap();
    assert_eq!(count, 10 * STATIONS as i64);
}
