//! Shared by the integration tests: a real InfluxDB with seeded weather points, config files,
//! the bridge binary as a child process, and reading topics back.

#![allow(dead_code)] // each test file uses a different subset

pub mod proxy;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use influxdb_http::{Api, ClientConfig, InfluxClient, TestInflux};
use rdkafka::ClientConfig as KafkaConfig;
use telegraf_execd_kafka_bridge::consume::{ReadMode, TopicMessage, read_topic};
use telegraf_execd_kafka_bridge::local_tansu::LocalTansu;

pub const BIN: &str = env!("CARGO_BIN_EXE_telegraf-execd-kafka-bridge");

/// The InfluxDB for a test (INFLUX_URL, else a local influxd; `None` = skip locally).
pub fn influx() -> Option<TestInflux> {
    TestInflux::from_env().expect("InfluxDB for tests (INFLUX_URL or a local influxd)")
}

/// A tansu broker for a test (`None` = skip locally; fails when services are required).
pub fn tansu() -> Option<LocalTansu> {
    LocalTansu::for_test().unwrap_or_else(|e| panic!("tansu for tests: {e}"))
}

/// [`tansu`] telling clients to connect to `advertised` (a proxy in front of it).
pub fn tansu_advertising(advertised: &str) -> Option<LocalTansu> {
    LocalTansu::for_test_advertising(advertised).unwrap_or_else(|e| panic!("tansu for tests: {e}"))
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// A fresh database with a unique name.
pub fn fresh_database(
    rt: &tokio::runtime::Runtime,
    url: &str,
    prefix: &str,
) -> (InfluxClient, String) {
    static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let name = format!(
        "{prefix}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    let client = InfluxClient::new(ClientConfig::new(url, Api::v1(name.clone())).unwrap()).unwrap();
    rt.block_on(client.create_database(&name))
        .expect("CREATE DATABASE");
    (client, name)
}

/// `n` weather points: `stations` stations, one point per station every second from `t0`
/// (so many points share a timestamp), with float, integer, string and boolean fields.
pub fn weather_lines(t0_ns: i64, n: usize, stations: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n * 120);
    for i in 0..n {
        let station = i % stations;
        let tick = (i / stations) as i64;
        let t = t0_ns + tick * 1_000_000_000;
        let temp = ((i * 37) % 400) as f64 / 10.0 - 5.0;
        // Every 7th point has a whole-number temperature: JSON would turn it into an integer.
        let temp = if i % 7 == 0 { temp.round() } else { temp };
        out.extend_from_slice(
            format!(
                "weather,station=st{station:02},city=c{} temperature={temp:?},humidity={}i,condition=\"{}\",raining={} {t}\n",
                station % 3,
                (i * 13) % 100,
                if i % 2 == 0 { "clear" } else { "light rain" },
                i % 5 == 0
            )
            .as_bytes(),
        );
    }
    out
}

pub fn write(rt: &tokio::runtime::Runtime, client: &InfluxClient, lines: &[u8]) {
    for chunk in lines
        .split_inclusive(|&b| b == b'\n')
        .collect::<Vec<_>>()
        .chunks(20_000)
    {
        let body: Vec<u8> = chunk.concat();
        rt.block_on(client.write(&body)).expect("write to InfluxDB");
    }
}

/// A bridge config file in `dir`.
pub struct BridgeFile {
    pub influx_url: String,
    pub database: String,
    pub bootstrap: String,
    pub topic: String,
    pub extra: String,
    pub influx_extra: String,
    pub kafka_extra: String,
    /// The `measurements` option (TOML array).
    pub measurements: String,
    /// The `startup_quiet_period` option.
    pub quiet: String,
}

impl BridgeFile {
    pub fn new(influx_url: &str, database: &str, bootstrap: &str, topic: &str) -> Self {
        BridgeFile {
            influx_url: influx_url.into(),
            database: database.into(),
            bootstrap: bootstrap.into(),
            topic: topic.into(),
            extra: String::new(),
            influx_extra: String::new(),
            kafka_extra: String::new(),
            measurements: "[\"weather\"]".into(),
            // Short, so restarts stay fast; `tansu_proxy` tests the guard itself.
            quiet: "0s".into(),
        }
    }

    pub fn write(&self, dir: &Path) -> PathBuf {
        let path = dir.join("kafka-bridge.toml");
        let text = format!(
            r#"[[inputs.kafka_bridge]]
  topic = "{topic}"
  lateness = "0s"
  export_interval = "100ms"
  kafka_timeout = "20s"
  poll_interval = "0s"
  startup_quiet_period = "{quiet}"
{extra}
  [inputs.kafka_bridge.influxdb]
    url = "{url}"
    database = "{db}"
    measurements = {measurements}
    chunk_size = 2000
{influx_extra}
  [inputs.kafka_bridge.kafka]
    "bootstrap.servers" = "{bootstrap}"
{kafka_extra}
"#,
            topic = self.topic,
            extra = self.extra,
            influx_extra = self.influx_extra,
            measurements = self.measurements,
            quiet = self.quiet,
            url = self.influx_url,
            db = self.database,
            bootstrap = self.bootstrap,
            kafka_extra = self.kafka_extra,
        );
        std::fs::write(&path, text).unwrap();
        path
    }
}

/// The bridge binary running `run`, its stderr collected.
pub struct Bridge {
    pub child: Child,
    pub stdin: Option<ChildStdin>,
    pub stdout: Option<BufReader<std::process::ChildStdout>>,
    pub stderr: Arc<Mutex<Vec<String>>>,
    /// Signalled when stderr reaches EOF (every line collected).
    stderr_closed: std::sync::mpsc::Receiver<()>,
}

impl Bridge {
    pub fn start(config: &Path) -> Bridge {
        Self::start_with(config, &[])
    }

    pub fn start_with(config: &Path, args: &[&str]) -> Bridge {
        let mut child = Command::new(BIN)
            .arg("-config")
            .arg(config)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn the bridge binary");
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let lines = Arc::clone(&stderr);
        let err = child.stderr.take().unwrap();
        let (closed_tx, stderr_closed) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line);
            }
            let _ = closed_tx.send(());
        });
        Bridge {
            stdin: child.stdin.take(),
            stdout: child.stdout.take().map(BufReader::new),
            child,
            stderr,
            stderr_closed,
        }
    }

    pub fn stderr_text(&self) -> String {
        self.stderr.lock().unwrap().join("\n")
    }

    /// Waits until a stderr line contains `needle` (the bridge's own readiness signals);
    /// panics with the stderr after `limit`.
    pub fn wait_for_log(&self, needle: &str, limit: Duration) {
        let deadline = Instant::now() + limit;
        while !self
            .stderr
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.contains(needle))
        {
            assert!(
                Instant::now() < deadline,
                "no stderr line with {needle:?} after {limit:?}:\n{}",
                self.stderr_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// One health gather: a newline on stdin, one line back.
    pub fn gather(&mut self) -> String {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(b"\n").unwrap();
        stdin.flush().unwrap();
        let mut line = String::new();
        self.stdout.as_mut().unwrap().read_line(&mut line).unwrap();
        line
    }

    /// Closes stdin (Telegraf's stop) and waits for the exit status.
    pub fn stop(mut self) -> (std::process::ExitStatus, String) {
        drop(self.stdin.take());
        let status = wait_with_timeout(&mut self.child, Duration::from_secs(15));
        (status, self.final_stderr())
    }

    /// All of stderr once the process has exited: waits (bounded) for the reader to see EOF.
    pub fn final_stderr(&self) -> String {
        let _ = self.stderr_closed.recv_timeout(Duration::from_secs(10));
        self.stderr_text()
    }

    pub fn kill9(mut self) {
        self.child.kill().ok(); // SIGKILL
        self.child.wait().ok();
    }
}

pub fn wait_with_timeout(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            child.kill().ok();
            panic!("process did not exit within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub fn kafka(bootstrap: &str) -> KafkaConfig {
    let mut c = KafkaConfig::new();
    c.set("bootstrap.servers", bootstrap);
    c
}

/// Every message of `topic`.
pub fn read_all(bootstrap: &str, topic: &str) -> Vec<TopicMessage> {
    let mut all = Vec::new();
    read_topic(
        &kafka(bootstrap),
        topic,
        ReadMode::ToEnd,
        Duration::from_secs(30),
        |m| {
            all.push(m);
            true
        },
    )
    .expect("read the topic");
    all
}

/// Polls until the topic holds at least `n` messages (or panics after `limit`).
pub fn wait_for_messages(
    bootstrap: &str,
    topic: &str,
    n: usize,
    limit: Duration,
) -> Vec<TopicMessage> {
    let deadline = Instant::now() + limit;
    loop {
        let all = read_all(bootstrap, topic);
        if all.len() >= n {
            return all;
        }
        assert!(
            Instant::now() < deadline,
            "only {} of {n} messages after {limit:?}",
            all.len()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Every stderr line carries a Telegraf prefix, and none is an error.
pub fn assert_prefixed_without_errors(stderr: &str) {
    for line in stderr.lines() {
        assert!(
            ["W! ", "I! ", "D! ", "T! "]
                .iter()
                .any(|p| line.starts_with(p)),
            "unexpected stderr line {line:?} in\n{stderr}"
        );
    }
}

/// A finished export of seeded points to librdkafka's 3-broker mock cluster (topic `weather`, 4
/// partitions, replication 3) by the bridge binary, stopped cleanly.
pub struct MockExport {
    /// Kept alive for reading the topic back; dropped with the export.
    pub cluster: rdkafka::mocking::MockCluster<'static, rdkafka::producer::DefaultProducerContext>,
    pub bootstrap: String,
    /// A client of the seeded database.
    pub client: InfluxClient,
    /// The bridge's config file (inside `_dir`).
    pub config: PathBuf,
    _dir: tempfile::TempDir,
    /// Every message of the topic once the bridge had exported all points.
    pub messages: Vec<TopicMessage>,
}

/// Seeds `n` points of `stations` stations into a fresh database named after `name`, runs the
/// bridge until the topic holds all of them, stops it and checks it exited cleanly.
pub fn export_to_mock_cluster(
    rt: &tokio::runtime::Runtime,
    influx: &TestInflux,
    name: &str,
    t0_ns: i64,
    n: usize,
    stations: usize,
) -> MockExport {
    let (client, db) = fresh_database(rt, influx.url(), name);
    write(rt, &client, &weather_lines(t0_ns, n, stations));
    let cluster = rdkafka::mocking::MockCluster::new(3).unwrap();
    let bootstrap = cluster.bootstrap_servers();
    cluster.create_topic("weather", 4, 3).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = BridgeFile::new(influx.url(), &db, &bootstrap, "weather").write(dir.path());
    let bridge = Bridge::start(&config);
    let messages = wait_for_messages(&bootstrap, "weather", n, Duration::from_secs(60));
    let (status, stderr) = bridge.stop();
    assert!(status.success(), "exit {status:?}\n{stderr}");
    assert_eq!(messages.len(), n, "{stderr}");
    MockExport {
        cluster,
        bootstrap,
        client,
        config,
        _dir: dir,
        messages,
    }
}
