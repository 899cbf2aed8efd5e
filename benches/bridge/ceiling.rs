//! InfluxDB's ceiling for the bridge's export query: the query as `/query` form fields, one
//! chunked read of it to the end, and a neighbour keeping one core busy.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use influxdb_http::{Api, ClientConfig, InfluxClient};
use telegraf_execd_kafka_bridge::source::{MeasurementSchema, export_query};

use super::child::chunk_size;

/// The bridge's export query for the whole backlog, as `/query` form fields.
pub fn export_query_form(url: &str, db: &str) -> String {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let client =
        InfluxClient::new(ClientConfig::new(url, Api::v1(db)).expect("config")).expect("client");
    let schema = rt
        .block_on(MeasurementSchema::fetch(&client, db, "weather"))
        .expect("schema");
    let chunk = chunk_size();
    let q = export_query(&schema, db, "", None, i64::MAX - 1, "", chunk);
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    format!(
        "db={}&q={}&epoch=ns&chunked=true&chunk_size={chunk}",
        enc(db),
        enc(q.text())
    )
}

/// InfluxDB's ceiling: one chunked `/query` answered in `accept`, read to the end and thrown
/// away. Returns the time and the bytes read.
pub fn read_query_to_end(url: &str, form: &str, accept: &str) -> (Duration, u64) {
    let addr = url.trim_start_matches("http://").trim_end_matches('/');
    let started = Instant::now();
    let mut stream = TcpStream::connect(addr).expect("connect to InfluxDB");
    write!(
        stream,
        "POST /query HTTP/1.1\r\nHost: {addr}\r\nAccept: {accept}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{form}",
        form.len()
    )
    .expect("send query");
    let mut buf = vec![0u8; 256 * 1024];
    let mut total = 0u64;
    let mut head = Vec::new();
    loop {
        let n = stream.read(&mut buf).expect("read answer");
        if n == 0 {
            break;
        }
        if head.len() < 64 {
            head.extend_from_slice(&buf[..n.min(64)]);
        }
        total += n as u64;
    }
    assert!(
        head.starts_with(b"HTTP/1.1 200"),
        "InfluxDB answered {:?}",
        String::from_utf8_lossy(&head)
    );
    (started.elapsed(), total)
}

/// InfluxDB's ceiling right now: the better of one msgpack and one JSON read of the export
/// query, in points/s.
pub fn paired_ceiling(url: &str, form: &str, n: usize) -> f64 {
    ["application/x-msgpack", "application/json"]
        .iter()
        .map(|accept| n as f64 / read_query_to_end(url, form, accept).0.as_secs_f64())
        .fold(0.0, f64::max)
}

/// A thread that keeps one core busy until dropped.
pub struct BusyCore {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl BusyCore {
    pub fn start() -> Self {
        use std::sync::atomic::{AtomicBool, Ordering};
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let flag = std::sync::Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                std::hint::spin_loop();
            }
        });
        BusyCore {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for BusyCore {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.join().ok();
        }
    }
}
