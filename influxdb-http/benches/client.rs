//! Client-side costs, measured against a local HTTP responder so InfluxDB's own time is left
//! out: streaming a chunked query result into `Series` (peer: fetching the whole body with
//! reqwest and parsing each document into a generic `serde_json::Value`), and writing a
//! 5000-line batch gzip-compressed versus plain.
//!
//! Run: `cargo bench -p influxdb-http --bench client`. On the shared 2-core build machine
//! (busy): series stream ≈ 540k rows/s, the Value peer ≈ 510k rows/s; a 5000-line write
//! ≈ 4.5 ms with gzip, ≈ 1.0 ms plain.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use influxdb_http::{Api, ClientConfig, ContentEncoding, InfluxClient, Query};

const ROWS: usize = 100_000;
const CHUNK: usize = 10_000;

/// A chunked `/query` body shaped like the weather measurement.
fn query_body() -> Vec<u8> {
    let mut body = Vec::new();
    for chunk in 0..ROWS / CHUNK {
        let rows: Vec<String> = (0..CHUNK)
            .map(|i| {
                let n = chunk * CHUNK + i;
                format!(
                    "[{},{:.1},{},{:.2},\"st{}\",{:.3},{}]",
                    1_700_000_000_000_000_000u64 + n as u64 * 1_000_000_000,
                    40.0 + (n % 600) as f64 / 10.0,
                    1013,
                    980.0 + (n % 4000) as f64 / 100.0,
                    n % 50,
                    -10.0 + (n % 40_000) as f64 / 1000.0,
                    n % 360
                )
            })
            .collect();
        let partial = chunk + 1 < ROWS / CHUNK;
        body.extend_from_slice(
            format!(
                r#"{{"results":[{{"statement_id":0,"series":[{{"name":"weather","columns":["time","humidity","pressure_sea","pressure","station","temperature","wind_direction"],"values":[{}],"partial":{partial}}}],"partial":{partial}}}]}}"#,
                rows.join(",")
            )
            .as_bytes(),
        );
        body.push(b'\n');
    }
    body
}

/// Answers every request on a kept-alive connection with `status` and `body`.
fn responder(status: u16, body: Vec<u8>) -> String {
    let socket = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", socket.local_addr().unwrap());
    let body = Arc::new(body);
    std::thread::spawn(move || {
        for stream in socket.incoming().flatten() {
            let body = body.clone();
            std::thread::spawn(move || serve(stream, status, &body));
        }
    });
    url
}

fn serve(stream: TcpStream, status: u16, body: &[u8]) {
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    loop {
        let mut length = 0usize;
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        loop {
            line.clear();
            reader.read_line(&mut line).unwrap();
            let header = line.trim_end().to_ascii_lowercase();
            if header.is_empty() {
                break;
            }
            if let Some(v) = header.strip_prefix("content-length:") {
                length = v.trim().parse().unwrap();
            }
        }
        let mut request_body = vec![0; length];
        reader.read_exact(&mut request_body).unwrap();
        let head = format!(
            "HTTP/1.1 {status} OK\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        writer.write_all(head.as_bytes()).unwrap();
        writer.write_all(body).unwrap();
    }
}

fn query_stream(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let url = responder(200, query_body());
    let client = InfluxClient::new(ClientConfig::new(&url, Api::v1("db")).unwrap()).unwrap();
    let http = reqwest::Client::new();
    let query = Query::new("SELECT * FROM weather").chunk_size(CHUNK);

    let mut group = c.benchmark_group("query_100k_rows");
    group.throughput(Throughput::Elements(ROWS as u64));
    group.sample_size(20);
    group.bench_function("influxdb_http_series_stream", |b| {
        b.to_async(&runtime).iter(|| async {
            let mut stream = client.query_stream("db", &query).await.unwrap();
            let mut rows = 0;
            while let Some(series) = stream.next().await.unwrap() {
                rows += series.values.len();
            }
            assert_eq!(rows, ROWS);
        })
    });
    group.bench_function("reqwest_body_then_serde_value", |b| {
        b.to_async(&runtime).iter(|| async {
            let body = http
                .post(format!("{url}/query"))
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
            let mut rows = 0;
            for doc in body.split(|&b| b == b'\n').filter(|d| !d.is_empty()) {
                let v: serde_json::Value = serde_json::from_slice(doc).unwrap();
                rows += v["results"][0]["series"][0]["values"]
                    .as_array()
                    .unwrap()
                    .len();
            }
            assert_eq!(rows, ROWS);
        })
    });
    group.finish();
}

fn write_batch(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let url = responder(204, Vec::new());
    let batch: Vec<u8> = (0..5000)
        .flat_map(|i| {
            format!(
                "weather,station=st{} temperature={:.3},humidity={:.1},wind_direction={}i {}\n",
                i % 50,
                -10.0 + i as f64 / 1000.0,
                40.0 + (i % 600) as f64 / 10.0,
                i % 360,
                1_700_000_000_000_000_000u64 + i as u64
            )
            .into_bytes()
        })
        .collect();
    let mut group = c.benchmark_group("write_5000_lines");
    group.throughput(Throughput::Elements(5000));
    for (name, encoding) in [
        ("gzip", ContentEncoding::Gzip),
        ("identity", ContentEncoding::Identity),
    ] {
        let mut cfg = ClientConfig::new(&url, Api::v1("db")).unwrap();
        cfg.content_encoding = encoding;
        let client = InfluxClient::new(cfg).unwrap();
        group.bench_function(name, |b| {
            b.to_async(&runtime)
                .iter(|| async { client.write(&batch).await.unwrap() })
        });
    }
    group.finish();
}

criterion_group!(benches, query_stream, write_batch);
criterion_main!(benches);
