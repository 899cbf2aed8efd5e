//! End-to-end export throughput of `telegraf-execd-kafka-bridge` beside InfluxDB's own ceiling:
//! a backlog of realistic weather points (1000 stations, all weather fields, city names that need
//! escaping) in a real InfluxDB (`INFLUX_URL`, else a local `influxd`), exported to librdkafka's
//! 3-broker mock cluster and to a tansu broker process (`TANSU_BIN` or `PATH`; skipped with a
//! notice when missing), exactly-once machinery included (idempotent producer, headers, ack
//! tracking).
//!
//! The ceiling is what InfluxDB serves for the bridge's own export query: one chunked `/query`
//! read to the end over plain HTTP, as JSON and as msgpack, nothing decoded. The bridge cannot be
//! faster; the target is ≥ 80 % of the better of the two, and ≤ 32 MB peak RSS. The medians and
//! their ratios are printed at the end, and, steadier on a machine whose speed drifts, the median
//! of each export sample's ratio to a ceiling read (JSON and msgpack) right before it. One more
//! InfluxDB row reads the query beside a thread spinning on one core: the yardstick for what any
//! neighbour wanting one core (the exporter and the broker together nearly do) leaves InfluxDB on
//! the machine at hand.
//!
//! Each export runs the `telegraf-execd-kafka-bridge` binary as users run it (built by cargo in
//! the release profile; `run -config FILE`, health lines on stdout, stopped by closing its stdin)
//! on a fresh topic, so the peak resident size (`VmHWM`) and CPU time are the exporter's alone; each
//! tansu sample gets a fresh tansu process too (its in-memory storage would otherwise hold every
//! earlier sample's messages and slow down).
//!
//! `BRIDGE_BENCH_POINTS` sets the backlog (default 1,000,000); `BRIDGE_BENCH_KAFKA` adds
//! librdkafka properties (`k=v,k=v`) to the exporter's config; `BRIDGE_BENCH_CHUNK_SIZE` sets
//! `influxdb.chunk_size` for the bridge and the ceiling's query alike. Run with
//! `cargo bench --bench bridge` (add `-- --warm-up-time 1 --measurement-time 3` for a short run).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group};
use execd_conformance::binaries::workspace_binary;
use influxdb_http::{Api, ClientConfig, InfluxClient, TestInflux};
use rdkafka::mocking::MockCluster;
use telegraf_execd_kafka_bridge::config::BridgeConfig;
use telegraf_execd_kafka_bridge::config::KafkaProperties;
use telegraf_execd_kafka_bridge::kafka::producer_config;
use telegraf_execd_kafka_bridge::local_tansu::{LocalTansu, tansu_binary};
use telegraf_execd_kafka_bridge::partition::sarama_partition;
use telegraf_execd_kafka_bridge::position::{
    HEADER_MEASUREMENT, HEADER_WATERMARK, WATERMARK_EVERY,
};
use telegraf_execd_kafka_bridge::source::{MeasurementSchema, export_query};

const STATIONS: usize = 1000;
/// City names as they come, several needing line-protocol escapes (space, comma, `=`).
const CITIES: [&str; 8] = [
    "Paris",
    "Le Mans",
    "Saint-Denis, Réunion",
    "Aix-en-Provence",
    "Bourg=Ville",
    "New York",
    "São Paulo",
    "Tokyo",
];
const T0: i64 = 1_600_000_000_000_000_000;

fn backlog() -> usize {
    std::env::var("BRIDGE_BENCH_POINTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

/// The `i`-th point of the backlog as a line-protocol line with its newline: station `i % 1000`,
/// one second per 1000 points.
fn weather_line(i: usize) -> String {
    let station = i % STATIONS;
    let t = T0 + (i / STATIONS) as i64 * 1_000_000_000;
    let city = CITIES[station % CITIES.len()]
        .replace(',', "\\,")
        .replace(' ', "\\ ")
        .replace('=', "\\=");
    let x = (i % 997) as f64;
    format!(
        "weather,city={city},country=c{},station=st{station:04} temperature={:.2},humidity={:.1},pressure={:.2},wind_speed={:.1},wind_direction={}i,precipitation={:.1},dew_point={:.2},condition=\"{}\" {t}\n",
        station % 7,
        x / 20.0 - 10.0,
        20.0 + (i % 800) as f64 / 10.0,
        950.0 + x / 10.0,
        (i % 300) as f64 / 10.0,
        i % 360,
        (i % 50) as f64 / 10.0,
        x / 25.0 - 12.0,
        if i % 3 == 0 { "light rain" } else { "clear" }
    )
}

/// Seeds `n` points (1000 stations, one point per station per second, every weather field)
/// into a fresh database.
fn seed(url: &str, n: usize) -> String {
    let db = format!("bridge_bench_{}", std::process::id());
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let client = InfluxClient::new(ClientConfig::new(url, Api::v1(db.clone())).expect("config"))
        .expect("client");
    rt.block_on(client.create_database(&db))
        .expect("create database");
    let mut body = Vec::with_capacity(50_000 * 250);
    for i in 0..n {
        body.extend_from_slice(weather_line(i).as_bytes());
        if (i + 1) % 20_000 == 0 || i + 1 == n {
            rt.block_on(client.write(&body)).expect("seed write");
            body.clear();
        }
    }
    db
}

/// The bridge's export query for the whole backlog, as `/query` form fields.
fn export_query_form(url: &str, db: &str) -> String {
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
fn read_query_to_end(url: &str, form: &str, accept: &str) -> (Duration, u64) {
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
fn paired_ceiling(url: &str, form: &str, n: usize) -> f64 {
    ["application/x-msgpack", "application/json"]
        .iter()
        .map(|accept| n as f64 / read_query_to_end(url, form, accept).0.as_secs_f64())
        .fold(0.0, f64::max)
}

/// A thread that keeps one core busy until dropped.
struct BusyCore {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl BusyCore {
    fn start() -> Self {
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

/// The Kafka peers the bench exports to.
#[derive(Clone, Copy)]
enum Target {
    MockCluster,
    Tansu,
}

impl Target {
    fn name(self) -> &'static str {
        match self {
            Target::MockCluster => "mock_cluster",
            Target::Tansu => "tansu",
        }
    }
}

/// Creates a 4-partition topic through the admin API.
fn create_topic(bootstrap: &str, topic: &str) {
    use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
    let admin: AdminClient<rdkafka::client::DefaultClientContext> = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .expect("admin client");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let results = rt
        .block_on(admin.create_topics(
            &[NewTopic::new(topic, 4, TopicReplication::Fixed(1))],
            &AdminOptions::new().operation_timeout(Some(Duration::from_secs(10))),
        ))
        .expect("create topic");
    for r in results {
        r.map_err(|(t, e)| format!("{t}: {e}"))
            .expect("topic created");
    }
}

/// The Kafka side's ceiling: the backlog's messages (value, key, partition and the headers as
/// the bridge writes them: `measurement`, and a watermark on one message in `WATERMARK_EVERY`,
/// built beforehand) produced to `topic` by a plain rdkafka
/// producer with the bridge's producer settings (idempotent, `acks=all`, same queue caps and
/// linger), waiting only on librdkafka; returns the time until the last one is acknowledged.
fn produce_plain(bootstrap: &str, topic: &str, messages: &[PlainMessage]) -> Duration {
    use rdkafka::message::{Header, OwnedHeaders};
    use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
    let mut properties = KafkaProperties::default();
    properties.set("bootstrap.servers", bootstrap);
    let producer: BaseProducer = producer_config(&properties)
        .create()
        .expect("plain producer");
    let started = Instant::now();
    for (i, m) in messages.iter().enumerate() {
        let mut headers = OwnedHeaders::new_with_capacity(2).insert(Header {
            key: HEADER_MEASUREMENT,
            value: Some("weather"),
        });
        if i % WATERMARK_EVERY as usize == 0 {
            headers = headers.insert(Header {
                key: HEADER_WATERMARK,
                value: Some(m.position.as_str()),
            });
        }
        let mut record = BaseRecord::to(topic)
            .partition(m.partition)
            .key(m.key.as_str())
            .payload(m.value.as_str())
            .headers(headers);
        loop {
            match producer.send(record) {
                Ok(()) => break,
                Err((e, back)) => {
                    assert!(
                        e.rdkafka_error_code() == Some(rdkafka::types::RDKafkaErrorCode::QueueFull),
                        "plain produce: {e}"
                    );
                    record = back;
                    producer.poll(Duration::from_millis(1));
                }
            }
        }
        producer.poll(Duration::ZERO);
    }
    producer
        .flush(Duration::from_secs(120))
        .expect("plain producer flush");
    started.elapsed()
}

/// One message of the plain producer's run.
struct PlainMessage {
    partition: i32,
    key: String,
    value: String,
    position: String,
}

fn plain_messages(n: usize) -> Vec<PlainMessage> {
    (0..n)
        .map(|i| {
            let value = weather_line(i);
            let series = &value[..value.find(" temperature=").expect("series key")];
            let key = format!("st{:04}", i % STATIONS);
            let t = T0 + (i / STATIONS) as i64 * 1_000_000_000;
            PlainMessage {
                partition: sarama_partition(key.as_bytes(), 4),
                position: format!("{t} {series}"),
                key,
                value,
            }
        })
        .collect()
}

/// What one export by the bridge process cost.
struct ChildRun {
    elapsed: Duration,
    /// Until the first health line with a point exported: start-up, Kafka metadata, the resume
    /// point, InfluxDB's first chunk.
    first_point: Duration,
    /// Peak resident size in bytes.
    peak_rss: u64,
    /// User + system CPU time of the whole exporter process (all threads, librdkafka's too).
    cpu: Duration,
}

/// One export by the bridge binary: `run -config FILE -poll_interval 10ms`, its health lines read
/// until `points_exported` reaches `n`; then the process's peak RSS and CPU time are read from
/// `/proc` and its stdin is closed, which stops it the way Telegraf does.
fn export_in_child(
    bin: &std::path::Path,
    url: &str,
    db: &str,
    bootstrap: &str,
    topic: &str,
    n: usize,
) -> ChildRun {
    use std::io::BufRead;
    let config =
        std::env::temp_dir().join(format!("bridge-bench-{}-{topic}.toml", std::process::id()));
    std::fs::write(&config, bridge_config(url, db, bootstrap, topic)).expect("write config");
    let started = Instant::now();
    let mut child = Command::new(bin)
        .arg("run")
        .arg("-config")
        .arg(&config)
        .args(["-poll_interval", "10ms"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn the bridge");
    let stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let mut finished = None;
    let mut first_point = None;
    for line in stdout.lines() {
        let line = line.expect("bridge stdout");
        let exported: u64 = line
            .split_once("points_exported=")
            .and_then(|(_, rest)| rest.split_once('i'))
            .and_then(|(v, _)| v.parse().ok())
            .unwrap_or_else(|| panic!("not a health line: {line}"));
        if exported > 0 && first_point.is_none() {
            first_point = Some(started.elapsed());
        }
        if exported >= n as u64 {
            let elapsed = started.elapsed();
            let (peak_rss, cpu) = process_usage(child.id());
            finished = Some(ChildRun {
                elapsed,
                first_point: first_point.unwrap_or(elapsed),
                peak_rss,
                cpu,
            });
            break;
        }
    }
    drop(child.stdin.take());
    let status = child.wait().expect("wait for the bridge");
    std::fs::remove_file(&config).ok();
    assert!(status.success(), "the bridge exited with {status}");
    finished.expect("the bridge stopped before exporting the backlog")
}

/// A process's peak resident size (`VmHWM`, bytes) and user + system CPU time (all threads).
fn process_usage(pid: u32) -> (u64, Duration) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let hwm_kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM");
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    (hwm_kb * 1024, cpu_of_stat(&stat))
}

/// User + system CPU time from a `/proc/<pid>/stat` line: fields 14 and 15, in clock ticks of
/// 1/100 s (the `USER_HZ` Linux exposes on every architecture it runs on).
fn cpu_of_stat(stat: &str) -> Duration {
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

/// User + system CPU time of this process's children named `name` (`influxd`, `tansu`), from
/// `/proc`: what the peers spent beside the exporter, so a run can say who used the cores.
fn children_cpu_time(name: &str) -> Duration {
    let me = std::process::id().to_string();
    let mut total = Duration::ZERO;
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let Some((head, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        // Field 4 is the parent's pid.
        if head.ends_with(&format!("({name}")) && rest.split_whitespace().nth(1) == Some(&me) {
            total += cpu_of_stat(&stat);
        }
    }
    total
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

/// `influxdb.chunk_size` of the bridge and of the ceiling's query: `BRIDGE_BENCH_CHUNK_SIZE`,
/// else the bridge's default.
fn chunk_size() -> usize {
    std::env::var("BRIDGE_BENCH_CHUNK_SIZE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(BridgeConfig::default().influxdb.chunk_size)
}

/// The bridge's config for one export of the backlog to a fresh topic.
fn bridge_config(url: &str, db: &str, bootstrap: &str, topic: &str) -> String {
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
    chunk_size = {chunk}
  [inputs.kafka_bridge.kafka]
    "bootstrap.servers" = "{bootstrap}"
{extra}"#,
        extra = extra_kafka_properties(),
        chunk = chunk_size(),
    );
    // Checked here so a bad BRIDGE_BENCH_KAFKA fails before any run.
    BridgeConfig::from_toml(&text, "bench").expect("bench config");
    text
}

/// Per-run figures collected beside criterion's, for the medians and the ratio printed at the end.
#[derive(Default)]
struct Figures {
    rates: Vec<(String, f64)>,
    peak_rss: u64,
}

impl Figures {
    fn median(&self, name: &str) -> Option<f64> {
        let mut v: Vec<f64> = self
            .rates
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, r)| *r)
            .collect();
        v.sort_by(f64::total_cmp);
        (!v.is_empty()).then(|| v[v.len() / 2])
    }
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
    let form = export_query_form(influx.url(), &db);
    let figures = Mutex::new(Figures::default());
    let record = |name: &str, rate: f64| {
        figures.lock().unwrap().rates.push((name.to_string(), rate));
    };

    let mut group = c.benchmark_group("bridge");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(1));
    group.measurement_time(Duration::from_secs(1));
    group.throughput(Throughput::Elements(n as u64));

    // The third row is the yardstick of the module notes, not a ceiling.
    for (name, accept, busy) in [
        ("influxdb_ceiling_json", "application/json", false),
        ("influxdb_ceiling_msgpack", "application/x-msgpack", false),
        (
            "influxdb_msgpack_beside_one_busy_core",
            "application/x-msgpack",
            true,
        ),
    ] {
        group.bench_function(format!("{name}_{n}_points"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let spinning = busy.then(BusyCore::start);
                    let influxd_before = children_cpu_time("influxd");
                    let (took, bytes) = read_query_to_end(influx.url(), &form, accept);
                    drop(spinning);
                    eprintln!(
                        "bridge bench: {name}: {n} points ({:.0} MB) in {took:?} = {:.0} points/s, influxd CPU {:.2} s",
                        bytes as f64 / 1e6,
                        n as f64 / took.as_secs_f64(),
                        (children_cpu_time("influxd") - influxd_before).as_secs_f64()
                    );
                    record(name, n as f64 / took.as_secs_f64());
                    total += took;
                }
                total
            })
        });
    }

    // The bridge binary as users run it, built by cargo in this bench's (release) profile.
    let bridge = workspace_binary("telegraf-execd-kafka-bridge", "telegraf-execd-kafka-bridge")
        .unwrap_or_else(|e| panic!("{e}"));
    let cluster = MockCluster::new(3).expect("mock cluster");
    let mut targets = vec![Target::MockCluster];
    if tansu_binary().is_some() {
        targets.push(Target::Tansu);
    } else {
        eprintln!("bridge bench: tansu not installed (scripts/install-tansu.sh); skipping its run");
    }
    // A broker for one sample: the mock cluster is shared (it keeps nothing between topics that
    // slows it down); tansu starts afresh each time, because its in-memory storage grows by every
    // earlier sample's messages and it slows down with it (224k points/s on the first sample,
    // 182k on the fifth), which a broker storing to disk does not.
    let broker = |target: Target, topic: &str| -> (String, Option<LocalTansu>) {
        match target {
            Target::MockCluster => {
                cluster.create_topic(topic, 4, 3).expect("topic");
                (cluster.bootstrap_servers(), None)
            }
            Target::Tansu => {
                let tansu = LocalTansu::start().expect("start tansu");
                create_topic(tansu.bootstrap(), topic);
                (tansu.bootstrap().to_owned(), Some(tansu))
            }
        }
    };
    let mut round = 0;
    let messages = plain_messages(n);
    for &target in &targets {
        let label = format!("plain_producer_{}", target.name());
        group.bench_function(format!("{label}_{n}_points"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    round += 1;
                    let topic = format!("weather-bench-{round}");
                    let (bootstrap, tansu) = broker(target, &topic);
                    let took = produce_plain(&bootstrap, &topic, &messages);
                    eprintln!(
                        "bridge bench: {label}: {n} messages in {took:?} = {:.0} messages/s, tansu CPU {:.2} s",
                        n as f64 / took.as_secs_f64(),
                        children_cpu_time("tansu").as_secs_f64()
                    );
                    drop(tansu);
                    record(&label, n as f64 / took.as_secs_f64());
                    total += took;
                }
                total
            })
        });
    }
    drop(messages);
    for &target in &targets {
        let name = target.name();
        group.bench_function(format!("influxdb_to_{name}_{n}_points"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    round += 1;
                    let topic = format!("weather-bench-{round}");
                    // The ceiling again right before this sample: the machine's speed drifts by
                    // ±10 % over the minutes between the groups, so the ratio of each pair is
                    // steadier than the ratio of the groups' medians.
                    let ceiling = paired_ceiling(influx.url(), &form, n);
                    let (bootstrap, tansu) = broker(target, &topic);
                    let influxd_before = children_cpu_time("influxd");
                    let run = export_in_child(&bridge, influx.url(), &db, &bootstrap, &topic, n);
                    let influxd_cpu = children_cpu_time("influxd") - influxd_before;
                    let tansu_cpu = children_cpu_time("tansu");
                    drop(tansu);
                    let rate = n as f64 / run.elapsed.as_secs_f64();
                    {
                        let mut f = figures.lock().unwrap();
                        f.peak_rss = f.peak_rss.max(run.peak_rss);
                    }
                    // CPU time is much less sensitive than wall time to what else the machine runs.
                    eprintln!(
                        "bridge bench: {name}: {n} points in {:?} (first after {:?}) = {rate:.0} points/s, peak RSS {:.1} MB, exporter CPU {:.2} s, influxd CPU {:.2} s, tansu CPU {:.2} s",
                        run.elapsed,
                        run.first_point,
                        run.peak_rss as f64 / 1048576.0,
                        run.cpu.as_secs_f64(),
                        influxd_cpu.as_secs_f64(),
                        tansu_cpu.as_secs_f64()
                    );
                    eprintln!(
                        "bridge bench: {name}: paired ceiling {ceiling:.0} points/s, bridge at {:.0} % of it",
                        100.0 * rate / ceiling
                    );
                    record(name, rate);
                    record(&format!("paired_{name}"), rate / ceiling);
                    total += run.elapsed;
                }
                total
            })
        });
    }
    group.finish();
    let f = figures.into_inner().unwrap();
    let ceiling = ["influxdb_ceiling_json", "influxdb_ceiling_msgpack"]
        .iter()
        .filter_map(|c| f.median(c))
        .fold(0.0, f64::max);
    for name in [
        "influxdb_ceiling_json",
        "influxdb_ceiling_msgpack",
        "influxdb_msgpack_beside_one_busy_core",
        "plain_producer_mock_cluster",
        "plain_producer_tansu",
        "mock_cluster",
        "tansu",
    ] {
        match f.median(name) {
            Some(m) if ceiling > 0.0 => eprintln!(
                "bridge bench: median {name}: {m:.0} points/s = {:.0} % of InfluxDB's ceiling",
                100.0 * m / ceiling
            ),
            // The ceiling runs were filtered out.
            Some(m) => eprintln!("bridge bench: median {name}: {m:.0} points/s"),
            None => {}
        }
    }
    for name in ["mock_cluster", "tansu"] {
        if let Some(r) = f.median(&format!("paired_{name}")) {
            eprintln!(
                "bridge bench: median of {name}'s ratios to the ceiling measured right before each sample: {:.0} %",
                100.0 * r
            );
        }
    }
    eprintln!(
        "bridge bench: exporter peak RSS over all runs {:.1} MB (target <= 32 MB); target >= 80 % of the ceiling",
        f.peak_rss as f64 / 1048576.0
    );
}

criterion_group!(benches, bench_export);

fn main() {
    benches();
    criterion::Criterion::default()
        .configure_from_args()
        .final_summary();
}
