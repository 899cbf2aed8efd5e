//! tansu, a Kafka-compatible broker, in its own process (see `tests/tansu.rs` for the install
//! notes): found through `TANSU_BIN` or `PATH`, required under `CI`.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A tansu broker, killed on drop.
pub struct Tansu {
    child: Child,
    /// Where it listens.
    pub listen: String,
}

impl Drop for Tansu {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

fn bin() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("TANSU_BIN") {
        return Some(PathBuf::from(p));
    }
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("tansu"))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "tansu not found under CI: run scripts/install-tansu.sh or set TANSU_BIN"
        );
        eprintln!("notice: tansu not installed (scripts/install-tansu.sh); skipping");
    }
    found
}

/// Starts tansu on a free loopback port, telling clients to connect to `advertised` (a proxy
/// in front of it); returns once it accepts connections.
pub fn start_advertising(advertised: &str) -> Option<Tansu> {
    let bin = bin()?;
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(bin)
        .args(["broker", "--listener-url"])
        .arg(format!("tcp://127.0.0.1:{port}"))
        .arg("--advertised-listener-url")
        .arg(format!("tcp://{advertised}"))
        .args(["--storage-engine", "memory://tansu/"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start tansu");
    let tansu = Tansu {
        child,
        listen: format!("127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(&tansu.listen).is_err() {
        assert!(
            Instant::now() < deadline,
            "tansu did not listen on {}",
            tansu.listen
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    Some(tansu)
}
