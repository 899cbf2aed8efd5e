//! A throw-away tansu broker for tests and benchmarks (feature `test-broker`).
//!
//! tansu is a Kafka-compatible broker in one binary; `scripts/install-tansu.sh` installs it.
//! [`tansu_binary`] finds it (`$TANSU_BIN`, else `tansu` on `PATH`). [`LocalTansu::start`] runs
//! `tansu broker` with in-memory storage on a free loopback port as a child process, returns
//! once the port accepts connections, and kills it when dropped. [`LocalTansu::for_test`]
//! applies the team's test rule: when tansu is missing, skip with a `notice:` on stderr, or fail
//! when [`influxdb_http::services_required`] (`WEATHER_REQUIRE_SERVICES=1`, which `.ci/run`
//! exports, or `CI` set).
//!
//! ```no_run
//! use telegraf_execd_kafka_bridge::local_tansu::LocalTansu;
//!
//! // In a test: skip (no tansu here) or fail (no tansu and services required).
//! let Some(tansu) = LocalTansu::for_test().expect("tansu for tests") else { return };
//! assert!(tansu.bootstrap().starts_with("127.0.0.1:"));
//! ```

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The variable naming the tansu binary to use instead of `tansu` on `PATH`.
///
/// ```
/// assert_eq!(telegraf_execd_kafka_bridge::local_tansu::TANSU_BIN_VAR, "TANSU_BIN");
/// ```
pub const TANSU_BIN_VAR: &str = "TANSU_BIN";

/// Time allowed for a fresh broker to accept connections.
const READY_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a local broker could not be started.
///
/// ```
/// use telegraf_execd_kafka_bridge::local_tansu::LocalTansuError;
/// let e = LocalTansuError::NotFound;
/// assert!(e.to_string().contains("scripts/install-tansu.sh"));
/// assert!(e.to_string().contains("TANSU_BIN"));
/// ```
#[derive(Debug, thiserror::Error)]
pub enum LocalTansuError {
    /// Neither `$TANSU_BIN` nor `tansu` on `PATH`.
    #[error("tansu not found: run scripts/install-tansu.sh or set TANSU_BIN")]
    NotFound,
    /// Services are required ([`influxdb_http::services_required`]) but tansu is missing:
    /// tests must fail rather than skip.
    #[error(
        "tansu not found and services are required (WEATHER_REQUIRE_SERVICES or CI): \
         run scripts/install-tansu.sh or set TANSU_BIN"
    )]
    RequiredButMissing,
    /// The binary could not be run.
    #[error("cannot run {}: {source}", binary.display())]
    Spawn {
        /// The binary tried.
        binary: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Picking a free loopback port or checking on the child process failed.
    #[error("cannot pick a port for tansu or check on it: {0}")]
    Io(#[from] std::io::Error),
    /// The broker exited before accepting connections.
    #[error("tansu exited before listening on {listen} ({status})")]
    Exited {
        /// Where it was to listen.
        listen: String,
        /// Its exit status.
        status: ExitStatus,
    },
    /// The port did not accept connections in time.
    #[error("tansu did not listen on {listen} within {waited:?}")]
    NotReady {
        /// Where it was to listen.
        listen: String,
        /// How long we waited.
        waited: Duration,
    },
}

/// Where tansu is: `$TANSU_BIN` if set, else the first `tansu` file on `PATH`; `None` when
/// neither. Prints nothing: callers say why they skip.
///
/// ```
/// use telegraf_execd_kafka_bridge::local_tansu::tansu_binary;
/// match tansu_binary() {
///     Some(path) => println!("tansu at {}", path.display()),
///     None => eprintln!("notice: tansu not installed (scripts/install-tansu.sh); skipping"),
/// }
/// ```
pub fn tansu_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(TANSU_BIN_VAR) {
        return Some(PathBuf::from(path));
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join("tansu"))
        .find(|path| path.is_file())
}

/// A running `tansu broker` child process with in-memory storage, killed (and waited for) on
/// drop.
///
/// ```
/// use telegraf_execd_kafka_bridge::local_tansu::LocalTansu;
///
/// match LocalTansu::start() {
///     Ok(tansu) => assert!(tansu.bootstrap().starts_with("127.0.0.1:")),
///     Err(e) => eprintln!("no tansu here: {e}"),
/// } // dropped: killed
/// ```
#[derive(Debug)]
pub struct LocalTansu {
    child: Child,
    bootstrap: String,
}

impl LocalTansu {
    /// Starts a broker on a free loopback port that advertises that port, and waits until it
    /// accepts connections.
    ///
    /// ```
    /// if let Ok(tansu) = telegraf_execd_kafka_bridge::local_tansu::LocalTansu::start() {
    ///     assert!(std::net::TcpStream::connect(tansu.bootstrap()).is_ok());
    /// }
    /// ```
    pub fn start() -> Result<Self, LocalTansuError> {
        Self::start_with(None)
    }

    /// [`LocalTansu::start`], but the broker tells clients to connect to `advertised`
    /// (`host:port`), e.g. a proxy or TLS terminator in front of it; [`LocalTansu::bootstrap`]
    /// stays where the broker itself listens.
    ///
    /// ```no_run
    /// use telegraf_execd_kafka_bridge::local_tansu::LocalTansu;
    /// let front = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let advertised = front.local_addr().unwrap().to_string();
    /// let tansu = LocalTansu::start_advertising(&advertised).unwrap();
    /// assert_ne!(tansu.bootstrap(), advertised); // the proxy forwards to tansu.bootstrap()
    /// ```
    pub fn start_advertising(advertised: &str) -> Result<Self, LocalTansuError> {
        Self::start_with(Some(advertised))
    }

    /// The team's test rule around [`LocalTansu::start`]: `Ok(None)` with a `notice:` line on
    /// stderr (the test skips) when tansu is missing, [`LocalTansuError::RequiredButMissing`]
    /// when it is missing and [`influxdb_http::services_required`]; any other failure to
    /// start is an error too.
    ///
    /// ```
    /// use telegraf_execd_kafka_bridge::local_tansu::LocalTansu;
    /// match LocalTansu::for_test() {
    ///     Ok(Some(tansu)) => assert!(tansu.bootstrap().starts_with("127.0.0.1:")),
    ///     Ok(None) => {}                       // no tansu locally: the test skips
    ///     Err(e) => eprintln!("a test fails here: {e}"),
    /// }
    /// ```
    pub fn for_test() -> Result<Option<Self>, LocalTansuError> {
        Self::for_test_with(None)
    }

    /// [`LocalTansu::for_test`] with [`LocalTansu::start_advertising`].
    ///
    /// ```no_run
    /// use telegraf_execd_kafka_bridge::local_tansu::LocalTansu;
    /// let front = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let advertised = front.local_addr().unwrap().to_string();
    /// let Some(tansu) = LocalTansu::for_test_advertising(&advertised).expect("tansu") else {
    ///     return; // skipped with a notice
    /// };
    /// # let _ = tansu;
    /// ```
    pub fn for_test_advertising(advertised: &str) -> Result<Option<Self>, LocalTansuError> {
        Self::for_test_with(Some(advertised))
    }

    /// Where the broker listens (`127.0.0.1:PORT`): the clients' `bootstrap.servers`, unless
    /// it advertises a front ([`LocalTansu::start_advertising`]).
    ///
    /// ```
    /// if let Ok(tansu) = telegraf_execd_kafka_bridge::local_tansu::LocalTansu::start() {
    ///     let addr: std::net::SocketAddr = tansu.bootstrap().parse().unwrap();
    ///     assert!(addr.ip().is_loopback());
    /// }
    /// ```
    pub fn bootstrap(&self) -> &str {
        &self.bootstrap
    }

    fn for_test_with(advertised: Option<&str>) -> Result<Option<Self>, LocalTansuError> {
        if tansu_binary().is_none() {
            if influxdb_http::services_required() {
                return Err(LocalTansuError::RequiredButMissing);
            }
            eprintln!("notice: tansu not installed (scripts/install-tansu.sh); skipping");
            return Ok(None);
        }
        Self::start_with(advertised).map(Some)
    }

    fn start_with(advertised: Option<&str>) -> Result<Self, LocalTansuError> {
        let binary = tansu_binary().ok_or(LocalTansuError::NotFound)?;
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let bootstrap = format!("127.0.0.1:{port}");
        let advertised = advertised.unwrap_or(&bootstrap);
        let child = Command::new(&binary)
            .arg("broker")
            .arg("--listener-url")
            .arg(format!("tcp://{bootstrap}"))
            .arg("--advertised-listener-url")
            .arg(format!("tcp://{advertised}"))
            .args(["--storage-engine", "memory://tansu/"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|source| LocalTansuError::Spawn { binary, source })?;
        let mut tansu = Self { child, bootstrap };
        tansu.wait_ready()?; // on error, dropping `tansu` kills it
        Ok(tansu)
    }

    fn wait_ready(&mut self) -> Result<(), LocalTansuError> {
        let deadline = Instant::now() + READY_TIMEOUT;
        while TcpStream::connect(&self.bootstrap).is_err() {
            if let Some(status) = self.child.try_wait()? {
                return Err(LocalTansuError::Exited {
                    listen: self.bootstrap.clone(),
                    status,
                });
            }
            if Instant::now() >= deadline {
                return Err(LocalTansuError::NotReady {
                    listen: self.bootstrap.clone(),
                    waited: READY_TIMEOUT,
                });
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }
}

impl Drop for LocalTansu {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}
