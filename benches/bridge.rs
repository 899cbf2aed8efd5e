//! End-to-end export throughput of `telegraf-execd-kafka-bridge`: a backlog of weather points in
//! a real InfluxDB (`INFLUX_URL`, else a local `influxd`) exported to librdkafka's 3-broker mock
//! cluster, exactly-once machinery included (idempotent producer, headers, ack tracking).
//!
//! Each iteration exports the whole backlog to a fresh topic in a child process (this bench
//! executable re-run in exporter mode), so the peak resident size (`VmHWM`) is the exporter's
//! alone and starts from zero. Targets: ≥ 200k points/s, ≤ 64 MB peak RSS.
//!
//! `BRIDGE_BENCH_POINTS` sets the backlog (default 1,000,000); `BRIDGE_BENCH_KAFKA` adds
//! librdkafka properties (`k=v,k=v`) to the exporter's config. Run with
//! `cargo bench --bench bridge`.

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group};
use influxdb_http::{Api, ClientConfig, InfluxClient, TestInflux};
use rdkafka::mocking::MockCluster;
use telegraf_execd_kafka_bridge::config::BridgeConfig;
use telegraf_execd_kafka_bridge::export::Exporter;
use telegraf_execd_kafka_bridge::health::HealthStats;

const CHILD: &str = "BRIDGE_BENCH_CHILD";
const STATIONS: usize = 50;
const T0: i64 = 1_600_000_000_000_000_000;

fn backlog() -> usize {
    std::env::var("BRIDGE_BENCH_POINTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

/// Seeds `n` points (50 stations, one point per station per second) into a fresh database.
fn seed(url: &str, n: usize) -> String {
    let db = format!("bridge_bench_{}", std::process::id());
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let client = InfluxClient::new(ClientConfig::new(url, Api::v1(db.clone())).expect("config"))
        .expect("client");
    rt.block_on(client.create_database(&db))
        .expect("create database");
    let mut body = Vec::with_capacity(50_000 * 130);
    for i in 0..n {
        let station = i % STATIONS;
        let t = T0 + (i / STATIONS) as i64 * 1_000_000_000;
        body.extend_from_slice(
            format!(
                "weather,station=st{station:03},country=c{} temperature={:.1},humidity={}i,pressure={:.1},condition=\"clear\" {t}\n",
                station % 7,
                (i % 600) as f64 / 10.0 - 10.0,
                i % 100,
                950.0 + (i % 900) as f64 / 10.0
            )
            .as_bytes(),
        );
        if (i + 1) % 50_000 == 0 || i + 1 == n {
            rt.block_on(client.write(&body)).expect("seed write");
            body.clear();
        }
    }
    db
}

/// What one export in a child process cost.
struct ChildRun {
    elapsed: Duration,
    /// Peak resident size in bytes.
    peak_rss: u64,
    /// User + system CPU time of the whole exporter process (all threads, librdkafka's too).
    cpu: Duration,
}

/// One export in a child process.
fn export_in_child(url: &str, db: &str, bootstrap: &str, topic: &str, n: usize) -> ChildRun {
    let exe = std::env::current_exe().expect("bench executable");
    let out = Command::new(exe)
        .env(CHILD, "1")
        .env("BENCH_INFLUX_URL", url)
        .env("BENCH_DB", db)
        .env("BENCH_BOOTSTRAP", bootstrap)
        .env("BENCH_TOPIC", topic)
        .env("BENCH_POINTS", n.to_string())
        .output()
        .expect("spawn exporter child");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "exporter child failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut fields = stdout.split_whitespace();
    let nanos: u64 = fields
        .next()
        .and_then(|v| v.parse().ok())
        .expect("duration");
    let hwm: u64 = fields.next().and_then(|v| v.parse().ok()).expect("VmHWM");
    let cpu_ns: u64 = fields
        .next()
        .and_then(|v| v.parse().ok())
        .expect("CPU time");
    ChildRun {
        elapsed: Duration::from_nanos(nanos),
        peak_rss: hwm,
        cpu: Duration::from_nanos(cpu_ns),
    }
}

/// This process's user + system CPU time, from `/proc/self/stat` (fields 14 and 15, in clock
/// ticks of 1/100 s, the `USER_HZ` Linux exposes on every architecture it runs on).
fn own_cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The command name (field 2) may hold spaces; the fields after it never do.
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let ticks: u64 = after_name
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|v| v.parse::<u64>().ok())
        .sum();
    Duration::from_millis(ticks * 10)
}

/// `BRIDGE_BENCH_KAFKA="linger.ms=20,batch.size=2000000"` as lines of the `kafka` table, to
/// try librdkafka settings without editing the bench.
fn extra_kafka_properties() -> String {
    let spec = std::env::var("BRIDGE_BENCH_KAFKA").unwrap_or_default();
    spec.split(',')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| format!("    {:?} = {:?}\n", k.trim(), v.trim()))
        .collect()
}

/// Exporter mode: export the backlog, print `<ns> <peak RSS bytes> <CPU ns>`.
fn child_main() {
    let var = |k: &str| std::env::var(k).unwrap_or_else(|_| panic!("{k} not set"));
    let n: u64 = var("BENCH_POINTS").parse().expect("BENCH_POINTS");
    let text = format!(
        r#"[[inputs.kafka_bridge]]
  topic = "{topic}"
  lateness = "0s"
  export_interval = "50ms"
  kafka_timeout = "60s"
  # A fresh topic per run: no earlier run's requests to wait for.
  startup_quiet_period = "0s"
  log_level = "warn"
  [inputs.kafka_bridge.influxdb]
    url = "{url}"
    database = "{db}"
    measurements = ["weather"]
    timeout = "60s"
  [inputs.kafka_bridge.kafka]
    "bootstrap.servers" = "{bootstrap}"
{extra}"#,
        topic = var("BENCH_TOPIC"),
        url = var("BENCH_INFLUX_URL"),
        db = var("BENCH_DB"),
        bootstrap = var("BENCH_BOOTSTRAP"),
        extra = extra_kafka_properties(),
    );
    let config = BridgeConfig::from_toml(&text, "bench").expect("bench config");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let stats = Arc::new(HealthStats::new());
    let started = Instant::now();
    let exporter = Exporter::connect(config, None, Arc::clone(&stats)).expect("connect");
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let watcher = Arc::clone(&stats);
    rt.block_on(async move {
        let task = tokio::spawn(exporter.run(stop_rx));
        while watcher.exported() < n {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let _ = stop_tx.send(true);
        task.await.expect("exporter task").expect("export");
    });
    let elapsed = started.elapsed();
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let hwm_kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    println!(
        "{} {} {}",
        elapsed.as_nanos(),
        hwm_kb * 1024,
        own_cpu_time().as_nanos()
    );
}

fn bench_export(c: &mut Criterion) {
    let influx = match TestInflux::from_env() {
        Ok(Some(influx)) => influx,
        Ok(None) => {
            eprintln!("bridge bench: no InfluxDB (set INFLUX_URL or install influxd); skipping");
            return;
        }
        Err(e) => panic!("bridge bench needs InfluxDB: {e}"),
    };
    let n = backlog();
    let seeding = Instant::now();
    let db = seed(influx.url(), n);
    eprintln!("bridge bench: seeded {n} points in {:?}", seeding.elapsed());
    let cluster = MockCluster::new(3).expect("mock cluster");
    let bootstrap = cluster.bootstrap_servers();

    let mut group = c.benchmark_group("bridge");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(1));
    group.measurement_time(Duration::from_secs(1));
    group.throughput(Throughput::Elements(n as u64));
    let mut round = 0;
    let mut peak = 0u64;
    group.bench_function(format!("influxdb_to_kafka_{n}_points"), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                round += 1;
                let topic = format!("weather-bench-{round}");
                cluster.create_topic(&topic, 4, 3).expect("topic");
                let run = export_in_child(influx.url(), &db, &bootstrap, &topic, n);
                peak = peak.max(run.peak_rss);
                // CPU time is much less sensitive than wall time to what else the machine runs.
                eprintln!(
                    "bridge bench: {n} points in {:?} = {:.0} points/s, peak RSS {:.1} MB, exporter CPU {:.2} s",
                    run.elapsed,
                    n as f64 / run.elapsed.as_secs_f64(),
                    run.peak_rss as f64 / 1048576.0,
                    run.cpu.as_secs_f64()
                );
                total += run.elapsed;
            }
            total
        })
    });
    group.finish();
    eprintln!(
        "bridge bench: peak RSS over all runs {:.1} MB",
        peak as f64 / 1048576.0
    );
}

criterion_group!(benches, bench_export);

fn main() {
    if std::env::var_os(CHILD).is_some() {
        child_main();
        return;
    }
    benches();
    criterion::Criterion::default()
        .configure_from_args()
        .final_summary();
}
