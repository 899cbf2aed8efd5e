//! Shared by the pipeline tests: the real plugin binaries (built by cargo through
//! `execd_conformance::binaries::workspace_binary`),
//! the runner as a child process with its output timestamped, and InfluxDB look-ups.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use execd_conformance::binaries::workspace_binary;
use influxdb_http::{Api, ClientConfig, InfluxClient, Query};

/// The runner under test.
pub const RUNNER: &str = env!("CARGO_BIN_EXE_weather-pipeline");

/// Folder holding both plugin binaries, built once per test process in this test's profile.
/// Building through cargo (not a copy from elsewhere) means the test always runs the current
/// sources of `telegraf-execd-weather` and `telegraf-execd-kafka-bridge`.
pub fn plugin_bin_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let build =
            |package: &str| workspace_binary(package, package).unwrap_or_else(|e| panic!("{e}"));
        let weather = build("telegraf-execd-weather");
        let bridge = build("telegraf-execd-kafka-bridge");
        let alerts = build("telegraf-execd-alerts");
        let dir = weather.parent().expect("binary folder").to_path_buf();
        for other in [&bridge, &alerts] {
            assert_eq!(
                other.parent(),
                Some(dir.as_path()),
                "the plugin binaries land in one folder"
            );
        }
        dir
    })
    .clone()
}

/// One heavy pipeline at a time: they share two CPU cores, and their timings matter.
pub fn exclusive() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// A stderr line and when the test saw it.
#[derive(Debug, Clone)]
pub struct SeenLine {
    pub at: SystemTime,
    pub text: String,
}

/// The runner as a child process; stdout and stderr collected by threads.
pub struct Runner {
    pub child: Child,
    started: Instant,
    stderr: Arc<Mutex<Vec<SeenLine>>>,
    stdout: Option<JoinHandle<String>>,
    stderr_thread: Option<JoinHandle<()>>,
}

/// How a run ended.
#[derive(Debug)]
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: Vec<SeenLine>,
    pub wall: Duration,
}

impl Finished {
    /// All stderr lines, for assertion messages.
    pub fn stderr_text(&self) -> String {
        self.stderr
            .iter()
            .map(|l| l.text.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The children the runner reported starting (`I! started NAME (pid N)`), in order.
    pub fn started_children(&self) -> Vec<(String, u32)> {
        self.stderr
            .iter()
            .filter_map(|l| {
                let rest = l.text.strip_prefix("I! started ")?;
                let (name, pid) = rest.split_once(" (pid ")?;
                Some((name.to_string(), pid.trim_end_matches(')').parse().ok()?))
            })
            .collect()
    }

    /// The first stderr line containing `needle`.
    pub fn line(&self, needle: &str) -> Option<&SeenLine> {
        self.stderr.iter().find(|l| l.text.contains(needle))
    }
}

impl Runner {
    /// Starts the runner with `args` (plus `--bin-dir` of the freshly built plugins).
    pub fn start(args: &[&str]) -> Runner {
        // Built before the clock starts: a first build is not part of the run.
        Runner::start_with_bins(&plugin_bin_dir(), args)
    }

    /// Starts the runner with `args` and `--bin-dir bin_dir`.
    pub fn start_with_bins(bin_dir: &Path, args: &[&str]) -> Runner {
        let mut command = Command::new(RUNNER);
        command
            .args(args)
            .arg("--bin-dir")
            .arg(bin_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let started = Instant::now();
        let mut child = command.spawn().expect("starting weather-pipeline");
        let mut out = child.stdout.take().expect("stdout pipe");
        let stdout = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = out.read_to_string(&mut text);
            text
        });
        let err = child.stderr.take().expect("stderr pipe");
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&stderr);
        let stderr_thread = std::thread::spawn(move || {
            for line in BufReader::new(err).lines() {
                let Ok(text) = line else { break };
                eprintln!("runner: {text}");
                sink.lock().unwrap().push(SeenLine {
                    at: SystemTime::now(),
                    text,
                });
            }
        });
        Runner {
            child,
            started,
            stderr,
            stdout: Some(stdout),
            stderr_thread: Some(stderr_thread),
        }
    }

    /// Waits until a stderr line contains `needle`; panics after `limit` or if the runner
    /// exits first.
    pub fn wait_for_line(&mut self, needle: &str, limit: Duration) -> SeenLine {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(l) = self
                .stderr
                .lock()
                .unwrap()
                .iter()
                .find(|l| l.text.contains(needle))
            {
                return l.clone();
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the runner exited ({status}) before logging {needle:?}");
            }
            assert!(
                Instant::now() < deadline,
                "no {needle:?} on the runner's stderr within {limit:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits for the exit (killing the runner `limit` after its start, which fails the test).
    pub fn finish(mut self, limit: Duration) -> Finished {
        let started = self.started;
        let deadline = started + limit;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("waiting for the runner") {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("the runner did not exit within {limit:?}");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let wall = started.elapsed();
        let stdout = self
            .stdout
            .take()
            .map(|t| t.join().unwrap_or_default())
            .unwrap_or_default();
        if let Some(t) = self.stderr_thread.take() {
            let _ = t.join();
        }
        let stderr = std::mem::take(&mut *self.stderr.lock().unwrap());
        Finished {
            status,
            stdout,
            stderr,
            wall,
        }
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// A database name no other test uses.
pub fn unique_database(prefix: &str) -> String {
    static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    )
}

/// `SELECT count("temperature") FROM "weather" WHERE <condition>` in `database`.
pub fn count_points(url: &str, database: &str, condition: &str) -> u64 {
    let client =
        InfluxClient::new(ClientConfig::new(url, Api::v1(database)).expect("client config"))
            .expect("InfluxDB client");
    let text = if condition.is_empty() {
        "SELECT count(\"temperature\") FROM \"weather\"".to_string()
    } else {
        format!("SELECT count(\"temperature\") FROM \"weather\" WHERE {condition}")
    };
    let series = runtime()
        .block_on(client.query(database, &Query::new(text)))
        .expect("count query");
    let Some(s) = series.first() else { return 0 };
    let column = s.column("count").expect("count column");
    s.values[0][column].as_u64().expect("integer count")
}

/// Nanoseconds since the epoch.
pub fn epoch_ns(t: SystemTime) -> i64 {
    t.duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64)
}

/// True when `influxd` can be run here (the runner starts its own then).
pub fn influxd_installed() -> bool {
    Command::new(std::env::var("INFLUXD").unwrap_or_else(|_| "influxd".into()))
        .arg("version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Whether process `pid` still exists.
pub fn process_exists(pid: u32) -> bool {
    let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    else {
        return false;
    };
    rustix::process::test_kill_process(pid).is_ok()
}
