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
//! of each export sample's ratio to the mean of two ceiling reads (each the better of JSON and
//! msgpack), one right before and one right after it. One more
//! InfluxDB row reads the query beside a thread spinning on one core: the yardstick for what any
//! neighbour wanting one core (the exporter and the broker together nearly do) leaves InfluxDB on
//! the machine at hand.
//!
//! Each export runs the `telegraf-execd-kafka-bridge` binary as users run it (built by cargo in
//! the release profile; `run -config FILE`, health lines on stdout, stopped by closing its stdin)
//! on a fresh topic, so the peak resident size (`VmHWM`) and CPU time are the exporter's alone; each
//! tansu sample gets a fresh tansu process too (its in-memory storage would otherwise hold every
//! earlier sample's messages and slow down). Every 10 ms of each export the bench reads from
//! `/proc/net/tcp` how many bytes of InfluxDB's answer wait unread in the exporter's socket: if
//! the exporter held the export back, they would pile up (the kernel queues megabytes before
//! InfluxDB's writes block); near zero, InfluxDB sets the pace. A last row exports to tansu with
//! InfluxDB on CPU 0 and the exporter, tansu and the ceiling's reader on CPU 1 (ceiling reads
//! included): the ratio the bridge reaches when it does not compete with InfluxDB for a core.
//!
//! `BRIDGE_BENCH_POINTS` sets the backlog (default 1,000,000); `BRIDGE_BENCH_KAFKA` adds
//! librdkafka properties (`k=v,k=v`) to the exporter's config; `BRIDGE_BENCH_CHUNK_SIZE` sets
//! `influxdb.chunk_size` for the bridge and the ceiling's query alike. Run with
//! `cargo bench --bench bridge` (add `-- --warm-up-time 1 --measurement-time 3` for a short run).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group};
use execd_conformance::binaries::workspace_binary;
use influxdb_http::{Api, ClientConfig, InfluxClient, TestInflux};
use rdkafka::mocking::MockCluster;
use telegraf_execd_kafka_bridge::config::KafkaProperties;
use telegraf_execd_kafka_bridge::kafka::producer_config;
use telegraf_execd_kafka_bridge::local_tansu::{LocalTansu, tansu_binary};
use telegraf_execd_kafka_bridge::partition::sarama_partition;
use telegraf_execd_kafka_bridge::position::{
    HEADER_MEASUREMENT, HEADER_WATERMARK, WATERMARK_EVERY,
};

#[path = "bridge/ceiling.rs"]
mod ceiling;
#[path = "bridge/child.rs"]
mod child;
#[path = "bridge/procfs.rs"]
mod procfs;
use ceiling::{BusyCore, export_query_form, paired_ceiling, read_query_to_end};
use child::export_in_child;
use procfs::{children_cpu_time, children_pids, pin, process_usage, quantile};

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

/// The Kafka peers the bench exports to.
#[derive(Clone, Copy)]
enum Target {
    MockCluster,
    Tansu,
    /// Tansu, with InfluxDB on CPU 0 and the exporter, tansu and the ceiling's reader on CPU 1,
    /// for the ceiling reads as for the export: whether the bridge keeps InfluxDB's pace when
    /// it does not take InfluxDB's core.
    TansuInfluxdOwnCore,
}

impl Target {
    fn name(self) -> &'static str {
        match self {
            Target::MockCluster => "mock_cluster",
            Target::Tansu => "tansu",
            Target::TansuInfluxdOwnCore => "tansu_influxd_own_core",
        }
    }

    /// The CPUs of the exporter, the broker and the ceiling's reader, if not all.
    fn exporter_cpus(self) -> Option<&'static str> {
        matches!(self, Target::TansuInfluxdOwnCore).then_some("1")
    }
}

/// Puts InfluxDB on CPU 0 and this thread (the ceiling's reader, the exporter's parent) on
/// `cpus`, or both back on every CPU.
fn split_cores(cpus: Option<&str>) {
    let all = format!(
        "0-{}",
        std::thread::available_parallelism().map_or(1, |n| n.get()) - 1
    );
    for pid in children_pids("influxd") {
        pin(pid, cpus.map_or(&*all, |_| "0"), true);
    }
    pin(std::process::id(), cpus.unwrap_or(&all), false);
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

    fn max(&self, name: &str) -> Option<f64> {
        self.rates
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, r)| *r)
            .reduce(f64::max)
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
    // The size of the msgpack answer the bridge reads, to tell bytes waiting in its socket as
    // milliseconds of InfluxDB's output.
    let answer_bytes = read_query_to_end(influx.url(), &form, "application/x-msgpack").1;
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
            Target::Tansu | Target::TansuInfluxdOwnCore => {
                let tansu = LocalTansu::start().expect("start tansu");
                if let Some(cpus) = target.exporter_cpus() {
                    for pid in children_pids("tansu") {
                        pin(pid, cpus, true);
                    }
                }
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
                    let cpu_before = process_usage(std::process::id()).1;
                    let took = produce_plain(&bootstrap, &topic, &messages);
                    // librdkafka's own cost for the bridge's messages: the floor of the
                    // exporter's CPU (with the mock cluster, its brokers' CPU is in it too).
                    let cpu = process_usage(std::process::id()).1 - cpu_before;
                    eprintln!(
                        "bridge bench: {label}: {n} messages in {took:?} = {:.0} messages/s, producer CPU {:.2} s, tansu CPU {:.2} s",
                        n as f64 / took.as_secs_f64(),
                        cpu.as_secs_f64(),
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
    if targets.len() > 1 && std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2) {
        targets.push(Target::TansuInfluxdOwnCore);
    }
    for &target in &targets {
        let name = target.name();
        group.bench_function(format!("influxdb_to_{name}_{n}_points"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    round += 1;
                    let topic = format!("weather-bench-{round}");
                    // The ceiling again right before and right after this sample: the machine's
                    // speed drifts by ±10 % over the minutes between the groups and by more within
                    // seconds, so the ratio to the mean of the two reads around the sample is
                    // steadier than the ratio of the groups' medians or to one read before it.
                    let cpus = target.exporter_cpus();
                    if cpus.is_some() {
                        split_cores(cpus);
                    }
                    let before = paired_ceiling(influx.url(), &form, n);
                    let (bootstrap, tansu) = broker(target, &topic);
                    let influxd_before = children_cpu_time("influxd");
                    let run =
                        export_in_child(&bridge, influx.url(), &db, &bootstrap, &topic, n, cpus);
                    let influxd_cpu = children_cpu_time("influxd") - influxd_before;
                    let tansu_cpu = children_cpu_time("tansu");
                    drop(tansu);
                    let after = paired_ceiling(influx.url(), &form, n);
                    if cpus.is_some() {
                        split_cores(None);
                    }
                    let ceiling = (before + after) / 2.0;
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
                        "bridge bench: {name}: paired ceiling {ceiling:.0} points/s ({before:.0} before, {after:.0} after), bridge at {:.0} % of it",
                        100.0 * rate / ceiling
                    );
                    // Bytes waiting unread in the exporter's socket, as time of InfluxDB's
                    // output at this sample's pace.
                    let pace = answer_bytes as f64 / run.elapsed.as_secs_f64() / 1000.0;
                    let ms = |q: f64| quantile(&run.unread, q) as f64 / pace;
                    eprintln!(
                        "bridge bench: {name}: InfluxDB's answer unread in the exporter's socket ({} samples): median {:.1} ms, 99th percentile {:.1} ms, max {:.1} ms of InfluxDB's output ({:.0} KB)",
                        run.unread.len(),
                        ms(0.5),
                        ms(0.99),
                        ms(1.0),
                        quantile(&run.unread, 1.0) as f64 / 1000.0
                    );
                    record(name, rate);
                    record(&format!("paired_{name}"), rate / ceiling);
                    record(&format!("unread_p99_ms_{name}"), ms(0.99));
                    record(&format!("unread_max_ms_{name}"), ms(1.0));
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
        "tansu_influxd_own_core",
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
    for name in ["mock_cluster", "tansu", "tansu_influxd_own_core"] {
        if let Some(r) = f.median(&format!("paired_{name}")) {
            eprintln!(
                "bridge bench: median of {name}'s ratios to the ceiling measured around each sample: {:.0} %",
                100.0 * r
            );
        }
        if let (Some(p99), Some(max)) = (
            f.max(&format!("unread_p99_ms_{name}")),
            f.max(&format!("unread_max_ms_{name}")),
        ) {
            eprintln!(
                "bridge bench: {name}: InfluxDB's answer unread in the exporter's socket, over all samples: 99th percentile <= {p99:.1} ms, max {max:.1} ms of InfluxDB's output"
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
