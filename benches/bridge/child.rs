//! One export by the bridge binary, run as users run it, and the config it gets.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use telegraf_execd_kafka_bridge::config::BridgeConfig;

use super::procfs::{UnreadSampler, process_usage};

/// What one export by the bridge process cost.
pub struct ChildRun {
    pub elapsed: Duration,
    /// Until the first health line with a point exported: start-up, Kafka metadata, the resume
    /// point, InfluxDB's first chunk.
    pub first_point: Duration,
    /// Peak resident size in bytes.
    pub peak_rss: u64,
    /// User + system CPU time of the whole exporter process (all threads, librdkafka's too).
    pub cpu: Duration,
    /// Bytes of InfluxDB's answer waiting unread in the exporter's socket, read every 10 ms,
    /// smallest first.
    pub unread: Vec<u64>,
}

/// One export by the bridge binary (on the CPUs `cpus`, a `taskset` list, if given): `run -config
/// FILE -poll_interval 10ms`, its health lines read
/// until `points_exported` reaches `n`; then the process's peak RSS and CPU time are read from
/// `/proc` and its stdin is closed, which stops it the way Telegraf does.
pub fn export_in_child(
    bin: &std::path::Path,
    url: &str,
    db: &str,
    bootstrap: &str,
    topic: &str,
    n: usize,
    cpus: Option<&str>,
) -> ChildRun {
    use std::io::BufRead;
    let config =
        std::env::temp_dir().join(format!("bridge-bench-{}-{topic}.toml", std::process::id()));
    std::fs::write(&config, bridge_config(url, db, bootstrap, topic)).expect("write config");
    let started = Instant::now();
    // `taskset` execs the bridge in its own process, so the pid stays the bridge's.
    let mut command = match cpus {
        Some(cpus) => {
            let mut c = Command::new("taskset");
            c.args(["-c", cpus]).arg(bin);
            c
        }
        None => Command::new(bin),
    };
    let mut child = command
        .arg("run")
        .arg("-config")
        .arg(&config)
        .args(["-poll_interval", "10ms"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn the bridge");
    let sampler = UnreadSampler::start(child.id(), influx_port(url));
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
            finished = Some((elapsed, first_point.unwrap_or(elapsed), peak_rss, cpu));
            break;
        }
    }
    drop(child.stdin.take());
    let status = child.wait().expect("wait for the bridge");
    std::fs::remove_file(&config).ok();
    assert!(status.success(), "the bridge exited with {status}");
    let (elapsed, first_point, peak_rss, cpu) =
        finished.expect("the bridge stopped before exporting the backlog");
    ChildRun {
        elapsed,
        first_point,
        peak_rss,
        cpu,
        unread: sampler.finish(),
    }
}

/// The port of an `http://host:port` URL.
fn influx_port(url: &str) -> u16 {
    url.trim_end_matches('/')
        .rsplit_once(':')
        .and_then(|(_, port)| port.parse().ok())
        .unwrap_or_else(|| panic!("no port in {url}"))
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
pub fn chunk_size() -> usize {
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
