//! The plugins under test, each with a working test config, and the checks every hosting
//! session must pass (clean stdout, prefixed stderr).
//!
//! - weather: `telegraf-execd-weather` with three stations (one with awkward tag values).
//! - kafka-bridge: `telegraf-execd-kafka-bridge run` against a real InfluxDB (`$INFLUX_URL`,
//!   or a local `influxd`) and an rdkafka `MockCluster` (3 brokers) living in this process.
//!   Its stdout carries `kafka_bridge` health metrics, which is what is checked here.
//!
//! `CONFORMANCE_PLUGINS=weather` (comma list) restricts the table, for local debugging only.

#![allow(dead_code)] // each test file uses a different part of this module

use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use execd_conformance::binaries::workspace_binary;
use execd_conformance::config::{ExecdConfig, GatherSignal};
use execd_conformance::host::ExecdHost;
use execd_conformance::transcript::Transcript;

/// Generous bound for anything that should take well under a second.
pub const WAIT: Duration = Duration::from_secs(10);

/// Awkward tag values the weather test config uses (must survive escaping).
pub const ODD_STATION: &str = "odd id=\"q\",\\x é";
pub const ODD_CITY: &str = "Saint-Denis, La Réunion = \"RE\"";

/// How the plugin's own schedule is set on its command line.
#[derive(Debug, Clone, Copy)]
pub enum Poll {
    /// `-poll_interval_disabled` (pair with `signal = "STDIN"`).
    Disabled,
    /// `-poll_interval <go duration>` (pair with `signal = "none"`).
    Every(&'static str),
}

/// One plugin binary with what the tests expect of it.
pub struct Subject {
    /// Short name for messages.
    pub name: &'static str,
    pub program: PathBuf,
    /// Arguments before the shim flags (`run` for the bridge).
    pub leading_args: Vec<String>,
    /// The measurement every stdout metric has.
    pub measurement: &'static str,
    /// Tags every stdout metric carries.
    pub tags: &'static [&'static str],
    /// Metrics one gather produces.
    pub per_gather: usize,
    /// Start-up log lines (any one), each logged once the plugin's stdin reader and signal
    /// handlers are in place: the readiness signal tests wait for instead of sleeping.
    pub ready_lines: &'static [&'static str],
    /// Makes a fresh working setup (config file, services) for one test.
    setup: fn(&Subject) -> Option<Setup>,
}

/// What one test needs to host a plugin; services it started stop when it is dropped.
pub struct Setup {
    pub name: &'static str,
    pub program: PathBuf,
    pub leading_args: Vec<String>,
    pub config_file: PathBuf,
    /// `environment` entries for this setup.
    pub environment: Vec<String>,
    /// Tag values every metric of this setup must carry (e.g. the bridge's topic, which
    /// reaches the plugin only through `environment`).
    pub expected_tags: Vec<(&'static str, String)>,
    _guards: Vec<Box<dyn std::any::Any>>,
}

impl Subject {
    /// A fresh setup, or None when the plugin cannot run here (a notice was printed).
    pub fn setup(&self) -> Option<Setup> {
        (self.setup)(self)
    }

    /// Every stdout record is line protocol of our measurement with our tags and a ns
    /// timestamp (the parser checks that), and every stderr line is prefixed and short.
    pub fn assert_clean(&self, t: &Transcript) {
        let bad: Vec<_> = t.bad_records().collect();
        assert!(
            bad.is_empty(),
            "{}: stdout records Telegraf would reject: {bad:?}",
            self.name
        );
        for (_, m) in t.metrics() {
            assert_eq!(
                m.measurement, self.measurement,
                "{}: unexpected metric {m:?}",
                self.name
            );
            for tag in self.tags {
                assert!(
                    m.tag(tag).is_some(),
                    "{}: metric without tag {tag}: {m:?}",
                    self.name
                );
            }
        }
        for line in t.log_lines() {
            assert!(
                line.prefixed,
                "{}: unprefixed stderr line (logged as error): {:?}",
                self.name, line.text
            );
            assert!(!line.too_long, "{}: stderr line over 64 KiB", self.name);
        }
    }

    /// Waits (at most [`WAIT`]) until `host`'s plugin logs one of its [`Subject::ready_lines`]
    /// or exits; true when it is ready and still running.
    pub fn wait_ready(&self, host: &ExecdHost) -> bool {
        let ready = |t: &Transcript| {
            t.log_lines()
                .any(|l| self.ready_lines.iter().any(|r| l.text.contains(r)))
        };
        host.wait_for(WAIT, |t| ready(t) || !t.exits().is_empty());
        let t = host.transcript();
        ready(&t) && t.exits().is_empty()
    }

    /// [`Subject::assert_clean`] and no error-level stderr line at all.
    pub fn assert_healthy(&self, t: &Transcript) {
        self.assert_clean(t);
        let errors: Vec<_> = t.error_lines().map(|l| l.text.clone()).collect();
        assert!(errors.is_empty(), "{}: error lines: {errors:?}", self.name);
    }
}

impl Setup {
    /// The `[[inputs.execd]]` config Telegraf would use for this plugin.
    pub fn execd(&self, signal: GatherSignal, poll: Poll) -> ExecdConfig {
        let mut args = vec![
            "-config".to_string(),
            self.config_file.display().to_string(),
        ];
        match poll {
            Poll::Disabled => args.push("-poll_interval_disabled".into()),
            Poll::Every(d) => args.extend(["-poll_interval".to_string(), d.to_string()]),
        }
        self.with_args(&args).signal(signal)
    }

    /// A config running the plugin with `args` after the leading ones (CLI tests).
    pub fn with_args<S: AsRef<str>>(&self, args: &[S]) -> ExecdConfig {
        let mut command: Vec<String> = vec![self.program.display().to_string()];
        command.extend(self.leading_args.iter().cloned());
        command.extend(args.iter().map(|a| a.as_ref().to_string()));
        let mut config = ExecdConfig::new(command).restart_delay(Duration::from_secs(60));
        for entry in &self.environment {
            config = config.env(entry.clone());
        }
        config
    }

    /// Every metric carries the setup's expected tag values.
    pub fn assert_expected_tags(&self, t: &Transcript) {
        for (_, m) in t.metrics() {
            for (key, value) in &self.expected_tags {
                assert_eq!(
                    m.tag(key),
                    Some(value.as_str()),
                    "{}: tag {key} of {m:?}",
                    self.name
                );
            }
        }
    }

    /// The config file's path as a string.
    pub fn config_path(&self) -> String {
        self.config_file.display().to_string()
    }
}

/// The plugins under test (binaries built once per test process).
pub fn subjects() -> &'static [Subject] {
    static SUBJECTS: OnceLock<Vec<Subject>> = OnceLock::new();
    SUBJECTS.get_or_init(|| {
        let wanted = std::env::var("CONFORMANCE_PLUGINS").ok();
        let wanted = |name: &str| {
            wanted
                .as_deref()
                .is_none_or(|w| w.split(',').any(|n| n.trim() == name))
        };
        let mut all = Vec::new();
        if wanted("weather") {
            all.push(Subject {
                name: "weather",
                program: workspace_binary("telegraf-execd-weather", "telegraf-execd-weather")
                    .expect("weather binary"),
                leading_args: Vec::new(),
                measurement: "weather",
                tags: &["station", "city", "country"],
                per_gather: 3,
                ready_lines: &["started: "],
                setup: weather_setup,
            });
        }
        if wanted("kafka-bridge") {
            all.push(Subject {
                name: "kafka-bridge",
                program: workspace_binary(
                    "telegraf-execd-kafka-bridge",
                    "telegraf-execd-kafka-bridge",
                )
                .expect("bridge binary"),
                leading_args: vec!["run".into()],
                measurement: "kafka_bridge",
                tags: &["topic"],
                per_gather: 1,
                ready_lines: &["exporting to ", "resuming export to "],
                setup: bridge_setup,
            });
        }
        assert!(!all.is_empty(), "no plugin under test");
        all
    })
}

fn base_setup(subject: &Subject, config_text: &str) -> Setup {
    let dir = tempfile::tempdir().expect("temp dir");
    let config_file = dir.path().join(format!("{}.toml", subject.name));
    std::fs::write(&config_file, config_text).expect("write plugin config");
    Setup {
        name: subject.name,
        program: subject.program.clone(),
        leading_args: subject.leading_args.clone(),
        config_file,
        environment: Vec::new(),
        expected_tags: Vec::new(),
        _guards: vec![Box::new(dir)],
    }
}

fn weather_setup(subject: &Subject) -> Option<Setup> {
    let odd_station = toml_string(ODD_STATION);
    let odd_city = toml_string(ODD_CITY);
    let text = format!(
        r#"[[inputs.weather]]
seed = 7
log_level = "debug"

[[inputs.weather.stations]]
id = "reunion"
city = "Saint-Denis"
country = "RE"
latitude = -20.88
longitude = 55.45
elevation = 30.0

[[inputs.weather.stations]]
id = {odd_station}
city = {odd_city}
country = "XX"
latitude = 48.85
longitude = 2.35

[[inputs.weather.stations]]
id = "summit"
city = "Zermatt"
country = "CH"
latitude = 45.98
longitude = 7.66
elevation = 3883.0
"#
    );
    Some(base_setup(subject, &text))
}

fn toml_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The bridge against its own InfluxDB database and Kafka topic (None: no InfluxDB locally).
fn bridge_setup(subject: &Subject) -> Option<Setup> {
    let influx = influxdb_http::TestInflux::from_env().expect("InfluxDB for the bridge tests")?;
    static NEXT_DB: AtomicUsize = AtomicUsize::new(0);
    let database = format!(
        "execd_conformance_{}",
        NEXT_DB.fetch_add(1, Ordering::Relaxed)
    );
    seed_influx(influx.url(), &database);
    let cluster = kafka_cluster();
    let topic = cluster.new_topic();
    let text = format!(
        r#"[[inputs.kafka_bridge]]
topic = "${{CONFORMANCE_TOPIC}}"
key_tag = "station"
export_interval = "200ms"
lateness = "0s"
# Each test has a new topic that no earlier producer wrote; the start-up guard against a
# killed run's late requests (tested in the bridge's tansu_proxy tests) would only delay it.
startup_quiet_period = "0s"
kafka_timeout = "10s"
log_level = "debug"

[inputs.kafka_bridge.influxdb]
url = "{url}"
database = "{database}"
measurements = ["weather"]

[inputs.kafka_bridge.kafka]
"bootstrap.servers" = "{bootstrap}"
"#,
        url = influx.url(),
        bootstrap = cluster.bootstrap,
    );
    let mut setup = base_setup(subject, &text);
    // Through `environment`, as Telegraf would pass it; the config expands ${CONFORMANCE_TOPIC}.
    setup.environment.push(format!("CONFORMANCE_TOPIC={topic}"));
    setup.expected_tags.push(("topic", topic));
    setup._guards.push(Box::new(influx));
    Some(setup)
}

/// Writes a few weather points so the bridge has something to export.
fn seed_influx(url: &str, database: &str) {
    use influxdb_http::{Api, ClientConfig, InfluxClient};
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio");
    runtime.block_on(async {
        let client =
            InfluxClient::new(ClientConfig::new(url, Api::v1(database)).expect("client config"))
                .expect("client");
        client
            .create_database(database)
            .await
            .expect("create database");
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as i64;
        let body: String = (0..20)
            .map(|i| {
                format!(
                    "weather,station=s{},city=C,country=XX temperature={}.5 {}\n",
                    i % 4,
                    i,
                    now - 60_000_000_000 + i * 1_000_000_000
                )
            })
            .collect();
        client.write(body.as_bytes()).await.expect("seed points");
    });
}

/// A three-broker librdkafka mock cluster, owned by a thread that lives as long as the test
/// process (the cluster is not `Sync`); topics are created through a channel.
pub struct KafkaCluster {
    pub bootstrap: String,
    requests: std::sync::Mutex<mpsc::Sender<(String, mpsc::Sender<()>)>>,
}

impl KafkaCluster {
    /// Creates a fresh 4-partition topic (RF 3) and returns its name.
    pub fn new_topic(&self) -> String {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!("conformance-{}", NEXT.fetch_add(1, Ordering::Relaxed));
        let (done_tx, done_rx) = mpsc::channel();
        self.requests
            .lock()
            .unwrap()
            .send((name.clone(), done_tx))
            .expect("cluster thread alive");
        done_rx.recv_timeout(WAIT).expect("topic created");
        name
    }
}

pub fn kafka_cluster() -> &'static KafkaCluster {
    static CLUSTER: OnceLock<KafkaCluster> = OnceLock::new();
    CLUSTER.get_or_init(|| {
        let (boot_tx, boot_rx) = mpsc::channel();
        let (req_tx, req_rx) = mpsc::channel::<(String, mpsc::Sender<()>)>();
        std::thread::spawn(move || {
            let cluster = rdkafka::mocking::MockCluster::new(3).expect("mock cluster");
            boot_tx
                .send(cluster.bootstrap_servers())
                .expect("send bootstrap");
            for (topic, done) in req_rx {
                cluster.create_topic(&topic, 4, 3).expect("create topic");
                let _ = done.send(());
            }
            // All senders gone only at process exit; keep the brokers up until then.
            std::thread::park();
        });
        let bootstrap = boot_rx.recv_timeout(WAIT).expect("mock cluster started");
        KafkaCluster {
            bootstrap,
            requests: std::sync::Mutex::new(req_tx),
        }
    })
}

/// Runs `check` for every plugin under test, in parallel (one thread each), each with a fresh
/// setup; a failure in any of them fails the test.
pub fn for_each_subject(check: impl Fn(&Subject, &Setup) + Sync) {
    std::thread::scope(|scope| {
        let runs: Vec<_> = subjects()
            .iter()
            .map(|subject| {
                let check = &check;
                scope.spawn(move || {
                    if let Some(setup) = subject.setup() {
                        check(subject, &setup);
                    }
                })
            })
            .collect();
        for run in runs {
            if let Err(panic) = run.join() {
                std::panic::resume_unwind(panic);
            }
        }
    });
}
