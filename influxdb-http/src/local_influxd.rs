//! A throw-away InfluxDB 1.x server for tests and one-machine runs (feature `test-server`).
//!
//! [`LocalInfluxd::start`] runs Debian's `influxd` (or the binary named by `$INFLUXD`) as a
//! child process with its files in a fresh temporary folder and both of its ports on free
//! loopback ports, waits until `/ping` answers, and stops it with SIGTERM when dropped.
//! [`TestInflux::from_env`] applies the team's test rule: use `$INFLUX_URL` when set, else
//! start a local server; when `influxd` is missing, skip, or fail when [`services_required`]
//! (`WEATHER_REQUIRE_SERVICES=1`, which `.ci/run` exports, or `CI` set).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Why a local server could not be started.
///
/// ```
/// let e = influxdb_http::LocalInfluxdError::NotReady { waited: std::time::Duration::from_secs(1), log: "x".into() };
/// assert!(e.to_string().contains("x"));
/// ```
#[derive(Debug, thiserror::Error)]
pub enum LocalInfluxdError {
    /// The `influxd` binary could not be run (not installed?).
    #[error("cannot run {binary} (install Debian's influxdb package or set INFLUXD): {source}")]
    Spawn {
        /// The binary tried.
        binary: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Preparing the temporary folder or a port failed.
    #[error("cannot prepare the server's folder or ports: {0}")]
    Io(#[from] std::io::Error),
    /// The server exited before answering `/ping`.
    #[error("influxd exited early ({status}); its log:\n{log}")]
    Exited {
        /// Exit status.
        status: std::process::ExitStatus,
        /// Its stderr/stdout.
        log: String,
    },
    /// `/ping` did not answer 204 in time.
    #[error("influxd did not answer /ping within {waited:?}; its log:\n{log}")]
    NotReady {
        /// How long we waited.
        waited: Duration,
        /// Its stderr/stdout.
        log: String,
    },
    /// Services are required ([`services_required`]) but no InfluxDB is there (no
    /// `INFLUX_URL`, `influxd` cannot run): tests must fail rather than skip.
    #[error("InfluxDB is required ({REQUIRE_SERVICES_VAR} or CI is set) but there is none: {0}")]
    RequiredButMissing(String),
}

/// The variable that makes every service-needing test fail instead of skip (`.ci/run` exports
/// `WEATHER_REQUIRE_SERVICES=1`).
///
/// ```
/// assert_eq!(influxdb_http::REQUIRE_SERVICES_VAR, "WEATHER_REQUIRE_SERVICES");
/// ```
pub const REQUIRE_SERVICES_VAR: &str = "WEATHER_REQUIRE_SERVICES";

/// Whether a test that needs a service (InfluxDB, tansu) must fail when it is missing instead
/// of skipping with a notice: `WEATHER_REQUIRE_SERVICES` is set to anything but `""` or `0`,
/// or `CI` is set (as CI systems do). The one place every test and test support asks.
///
/// ```
/// // `.ci/run` exports WEATHER_REQUIRE_SERVICES=1, so there this is true.
/// let required = influxdb_http::services_required();
/// # let _ = required;
/// ```
pub fn services_required() -> bool {
    let explicit =
        std::env::var_os(REQUIRE_SERVICES_VAR).is_some_and(|v| !v.is_empty() && v != "0");
    explicit || std::env::var_os("CI").is_some()
}

/// A running `influxd` child process with its own temporary data folder.
///
/// ```
/// use influxdb_http::LocalInfluxd;
///
/// match LocalInfluxd::start() {
///     Ok(server) => assert!(server.url().starts_with("http://127.0.0.1:")),
///     Err(e) => eprintln!("no local influxd here: {e}"),
/// } // dropped: SIGTERM, wait, folder removed
/// ```
#[derive(Debug)]
pub struct LocalInfluxd {
    child: Child,
    dir: PathBuf,
    url: String,
    http_addr: SocketAddr,
}

/// Time allowed for `/ping` to answer after launch.
const READY_TIMEOUT: Duration = Duration::from_secs(20);
/// Time allowed for a graceful exit after SIGTERM before SIGKILL.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

impl LocalInfluxd {
    /// Starts a server on free loopback ports and waits until it answers `/ping`.
    ///
    /// Retries twice with new ports if the server dies at start (a port taken in between).
    ///
    /// ```
    /// if let Ok(server) = influxdb_http::LocalInfluxd::start() {
    ///     assert!(server.url().starts_with("http://127.0.0.1:"));
    /// }
    /// ```
    pub fn start() -> Result<Self, LocalInfluxdError> {
        Self::start_with(None)
    }

    /// [`LocalInfluxd::start`] serving https only (`https-enabled`) with this certificate and
    /// private key (PEM); [`LocalInfluxd::url`] is then `https://127.0.0.1:PORT`. Ready once
    /// the port accepts connections (a plain-HTTP `/ping` cannot reach a TLS port).
    ///
    /// ```
    /// use influxdb_http::{LocalInfluxd, TestCa};
    /// if let Ok(ca) = TestCa::new() {
    ///     match LocalInfluxd::start_https(&ca.server_pem(), &ca.server_key()) {
    ///         Ok(server) => assert!(server.url().starts_with("https://127.0.0.1:")),
    ///         Err(e) => eprintln!("no local influxd here: {e}"),
    ///     }
    /// }
    /// ```
    pub fn start_https(certificate: &Path, private_key: &Path) -> Result<Self, LocalInfluxdError> {
        Self::start_with(Some((certificate, private_key)))
    }

    fn start_with(https: Option<(&Path, &Path)>) -> Result<Self, LocalInfluxdError> {
        let mut last = None;
        for _ in 0..3 {
            match Self::start_once(https) {
                Ok(server) => return Ok(server),
                Err(e @ LocalInfluxdError::Exited { .. }) => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.expect("three attempts were made"))
    }

    /// The base URL, e.g. `http://127.0.0.1:41234`.
    ///
    /// ```
    /// if let Ok(server) = influxdb_http::LocalInfluxd::start() {
    ///     assert_eq!(server.url(), format!("http://{}", server.http_addr()));
    /// }
    /// ```
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The HTTP listen address.
    ///
    /// ```
    /// if let Ok(server) = influxdb_http::LocalInfluxd::start() {
    ///     assert!(server.http_addr().ip().is_loopback());
    /// }
    /// ```
    pub fn http_addr(&self) -> SocketAddr {
        self.http_addr
    }

    /// The temporary folder holding config, data and log (removed on drop).
    ///
    /// ```
    /// if let Ok(server) = influxdb_http::LocalInfluxd::start() {
    ///     let dir = server.dir().to_owned();
    ///     assert!(dir.join("influxdb.conf").is_file());
    ///     drop(server);
    ///     assert!(!dir.exists());
    /// }
    /// ```
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn start_once(https: Option<(&Path, &Path)>) -> Result<Self, LocalInfluxdError> {
        let dir = unique_temp_dir()?;
        let http = TcpListener::bind("127.0.0.1:0")?;
        let rpc = TcpListener::bind("127.0.0.1:0")?;
        let http_addr = http.local_addr()?;
        let tls = match https {
            None => String::new(),
            Some((cert, key)) => format!(
                "  https-enabled = true\n  https-certificate = \"{}\"\n  https-private-key = \"{}\"\n",
                cert.display(),
                key.display()
            ),
        };
        let config = format!(
            "reporting-disabled = true\n\
             bind-address = \"{rpc}\"\n\
             [meta]\n  dir = \"{d}/meta\"\n\
             [data]\n  dir = \"{d}/data\"\n  wal-dir = \"{d}/wal\"\n  query-log-enabled = false\n\
             [monitor]\n  store-enabled = false\n\
             [http]\n  bind-address = \"{http_addr}\"\n  log-enabled = false\n{tls}\
             [logging]\n  level = \"warn\"\n",
            rpc = rpc.local_addr()?,
            d = dir.display(),
        );
        let config_path = dir.join("influxdb.conf");
        std::fs::write(&config_path, config)?;
        let log = std::fs::File::create(dir.join("influxd.log"))?;
        drop((http, rpc)); // free the ports just before the server binds them
        let binary = std::env::var("INFLUXD").unwrap_or_else(|_| "influxd".to_owned());
        let child = Command::new(&binary)
            .arg("run")
            .arg("-config")
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            // Its own process group: a terminal's Ctrl-C must reach the owner, which stops the
            // server in order (Drop), not kill it under a caller that still needs it.
            .process_group(0)
            .spawn()
            .map_err(|source| {
                let _ = std::fs::remove_dir_all(&dir);
                LocalInfluxdError::Spawn { binary, source }
            })?;
        let scheme = if https.is_some() { "https" } else { "http" };
        let mut server = Self {
            child,
            dir,
            url: format!("{scheme}://{http_addr}"),
            http_addr,
        };
        server.wait_ready(https.is_some())?;
        Ok(server)
    }

    fn wait_ready(&mut self, tls: bool) -> Result<(), LocalInfluxdError> {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Err(LocalInfluxdError::Exited {
                    status,
                    log: self.log(),
                });
            }
            let ready = if tls {
                TcpStream::connect_timeout(&self.http_addr, Duration::from_millis(200)).is_ok()
            } else {
                ping(self.http_addr)
            };
            if ready {
                return Ok(());
            }
            if started.elapsed() > READY_TIMEOUT {
                return Err(LocalInfluxdError::NotReady {
                    waited: READY_TIMEOUT,
                    log: self.log(),
                });
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// The server's output so far (it logs at `warn` level, so usually little).
    ///
    /// ```
    /// if let Ok(server) = influxdb_http::LocalInfluxd::start() {
    ///     let _log: String = server.log();
    /// }
    /// ```
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("influxd.log")).unwrap_or_default()
    }
}

impl Drop for LocalInfluxd {
    fn drop(&mut self) {
        // std can only SIGKILL; SIGTERM lets influxd close its files cleanly.
        let signalled = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        // Without a delivered SIGTERM there is nothing to wait for: go straight to SIGKILL.
        let deadline = Instant::now()
            + if signalled {
                STOP_TIMEOUT
            } else {
                Duration::ZERO
            };
        while Instant::now() < deadline {
            if !matches!(self.child.try_wait(), Ok(None)) {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `GET /ping` answered 204.
fn ping(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    if stream
        .write_all(b"GET /ping HTTP/1.0\r\nHost: localhost\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.ends_with(b" 204")
}

pub(crate) fn unique_temp_dir() -> std::io::Result<PathBuf> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!(
        "influxdb-http-{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir(&dir)?;
    Ok(dir)
}

/// The InfluxDB a test should use, per the team rule.
///
/// ```
/// use influxdb_http::TestInflux;
///
/// // In a test: skip (no server here) or fail (no server and services required).
/// let Some(influx) = TestInflux::from_env().expect("InfluxDB for tests") else { return };
/// assert!(influx.url().starts_with("http"));
/// ```
#[derive(Debug)]
pub enum TestInflux {
    /// A server given by `$INFLUX_URL`.
    External(String),
    /// A server started for this test, stopped on drop.
    Local(LocalInfluxd),
}

impl TestInflux {
    /// `$INFLUX_URL` if set; else a [`LocalInfluxd`]; when `influxd` cannot run, an error if
    /// [`services_required`], else `None` (with a notice on stderr: the test skips).
    ///
    /// ```
    /// match influxdb_http::TestInflux::from_env() {
    ///     Ok(Some(influx)) => assert!(influx.url().starts_with("http")),
    ///     Ok(None) => {}                       // no server locally: the test skips
    ///     Err(e) => eprintln!("a test fails here: {e}"),
    /// }
    /// ```
    pub fn from_env() -> Result<Option<Self>, LocalInfluxdError> {
        if let Ok(url) = std::env::var("INFLUX_URL")
            && !url.is_empty()
        {
            return Ok(Some(TestInflux::External(url)));
        }
        match LocalInfluxd::start() {
            Ok(server) => Ok(Some(TestInflux::Local(server))),
            Err(e @ LocalInfluxdError::Spawn { .. }) if services_required() => {
                Err(LocalInfluxdError::RequiredButMissing(e.to_string()))
            }
            Err(LocalInfluxdError::Spawn { .. }) => {
                eprintln!("notice: INFLUX_URL unset and influxd not installed; skipping");
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// A local https server ([`LocalInfluxd::start_https`]) under the same rule: `None` (with a
    /// notice: the test skips) when `influxd` cannot run, an error if [`services_required`].
    ///
    /// ```
    /// if let Ok(ca) = influxdb_http::TestCa::new() {
    ///     match influxdb_http::TestInflux::start_https(&ca.server_pem(), &ca.server_key()) {
    ///         Ok(Some(server)) => assert!(server.url().starts_with("https://")),
    ///         Ok(None) => {}                   // no influxd locally: the test skips
    ///         Err(e) => eprintln!("a test fails here: {e}"),
    ///     }
    /// }
    /// ```
    pub fn start_https(
        certificate: &Path,
        private_key: &Path,
    ) -> Result<Option<LocalInfluxd>, LocalInfluxdError> {
        match LocalInfluxd::start_https(certificate, private_key) {
            Ok(server) => Ok(Some(server)),
            Err(e @ LocalInfluxdError::Spawn { .. }) if services_required() => {
                Err(LocalInfluxdError::RequiredButMissing(e.to_string()))
            }
            Err(LocalInfluxdError::Spawn { .. }) => {
                eprintln!("notice: influxd not installed; skipping");
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// The server's base URL.
    ///
    /// ```
    /// let influx = influxdb_http::TestInflux::External("http://127.0.0.1:8086".into());
    /// assert_eq!(influx.url(), "http://127.0.0.1:8086");
    /// ```
    pub fn url(&self) -> &str {
        match self {
            TestInflux::External(url) => url,
            TestInflux::Local(server) => server.url(),
        }
    }
}
