//! InfluxDB errors no retry can fix end the run: `E!` naming what to change, exit non-zero
//! (Telegraf restarts the bridge; the message stays in its log). Against real InfluxDB servers:
//! the shared one (missing database, a field with two types) and one started here with
//! authentication on (401, 403).

mod common;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use influxdb_http::{Api, ClientConfig, Credentials, InfluxClient, Query, Secret};
use rdkafka::mocking::MockCluster;

const T0: i64 = 1_700_000_000_000_000_000;
const DAY_NS: i64 = 86_400_000_000_000;

/// Runs the bridge until it exits on its own; returns its stderr.
fn run_to_failure(config: &std::path::Path) -> String {
    let mut bridge = Bridge::start(config);
    let status = wait_with_timeout(&mut bridge.child, Duration::from_secs(30));
    std::thread::sleep(Duration::from_millis(50)); // the stderr reader's last lines
    let stderr = bridge.stderr_text();
    assert!(!status.success(), "exit 0:\n{stderr}");
    stderr
}

fn error_line(stderr: &str) -> &str {
    stderr
        .lines()
        .find(|l| l.starts_with("E! "))
        .unwrap_or_else(|| panic!("no E! line:\n{stderr}"))
}

#[test]
fn a_missing_database_is_an_error_naming_the_option() {
    let Some(influx) = influx() else { return };
    let cluster = MockCluster::new(1).unwrap();
    cluster.create_topic("weather", 4, 1).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = BridgeFile::new(
        influx.url(),
        "no_such_database",
        &cluster.bootstrap_servers(),
        "weather",
    )
    .write(dir.path());
    let stderr = run_to_failure(&config);
    let e = error_line(&stderr);
    assert!(
        e.contains("database \"no_such_database\" does not exist")
            && e.contains("influxdb.database"),
        "{stderr}"
    );
}

#[test]
fn a_field_with_two_types_is_an_error_naming_field_and_fix() {
    let Some(influx) = influx() else { return };
    let rt = runtime();
    let (client, db) = fresh_database(&rt, influx.url(), "conflict");
    // Shard groups span 7 days by default: the same field as float, then as integer.
    write(
        &rt,
        &client,
        format!(
            "weather,station=a temperature=1.5 {T0}\nweather,station=a temperature=2i {}\n",
            T0 + 8 * DAY_NS
        )
        .as_bytes(),
    );
    let cluster = MockCluster::new(1).unwrap();
    cluster.create_topic("weather", 4, 1).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = BridgeFile::new(influx.url(), &db, &cluster.bootstrap_servers(), "weather")
        .write(dir.path());
    let stderr = run_to_failure(&config);
    let e = error_line(&stderr);
    assert!(
        e.contains("field \"temperature\" of measurement \"weather\" has different types")
            && e.contains("start"),
        "{stderr}"
    );
}

/// An influxd with authentication on, in its own folder, on free loopback ports.
struct AuthInfluxd {
    child: Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Drop for AuthInfluxd {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_auth_influxd() -> AuthInfluxd {
    let dir = tempfile::tempdir().unwrap();
    let (http, rpc) = (free_port(), free_port());
    let d = dir.path().display();
    let conf = format!(
        "reporting-disabled = true\nbind-address = \"127.0.0.1:{rpc}\"\n[meta]\n  dir = \"{d}/meta\"\n[data]\n  dir = \"{d}/data\"\n  wal-dir = \"{d}/wal\"\n  query-log-enabled = false\n[monitor]\n  store-enabled = false\n[http]\n  bind-address = \"127.0.0.1:{http}\"\n  auth-enabled = true\n  log-enabled = false\n[logging]\n  level = \"warn\"\n"
    );
    let path = dir.path().join("influxdb.conf");
    std::fs::write(&path, conf).unwrap();
    let binary = std::env::var("INFLUXD").unwrap_or_else(|_| "influxd".into());
    let child = Command::new(binary)
        .args(["run", "-config"])
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("influxd installed (Debian's influxdb package)");
    let server = AuthInfluxd {
        child,
        url: format!("http://127.0.0.1:{http}"),
        _dir: dir,
    };
    // Ready when /ping answers.
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", http)).is_err() {
        assert!(Instant::now() < deadline, "influxd with auth did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    server
}

fn query(url: &str, user: &str, password: &str, q: &str) {
    let rt = runtime();
    let api = Api::V1 {
        database: "weather".into(),
        retention_policy: None,
        auth: (!user.is_empty()).then(|| Credentials {
            username: user.into(),
            password: Secret::new(password),
        }),
    };
    let client = InfluxClient::new(ClientConfig::new(url, api).unwrap()).unwrap();
    rt.block_on(client.query("", &Query::new(q))).expect(q);
}

#[test]
fn rejected_credentials_and_missing_permissions_are_errors_naming_the_fix() {
    let server = start_auth_influxd();
    // The first user may be created without credentials, and must be an admin.
    query(
        &server.url,
        "",
        "",
        "CREATE USER admin WITH PASSWORD 'adminpw' WITH ALL PRIVILEGES",
    );
    query(&server.url, "admin", "adminpw", "CREATE DATABASE weather");
    query(
        &server.url,
        "admin",
        "adminpw",
        "CREATE USER reader WITH PASSWORD 'readerpw'",
    );
    let cluster = MockCluster::new(1).unwrap();
    cluster.create_topic("weather", 4, 1).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for (user, password, expect) in [
        ("admin", "wrong", "rejected the credentials"),
        ("reader", "readerpw", "may not read database \"weather\""),
    ] {
        let mut file = BridgeFile::new(
            &server.url,
            "weather",
            &cluster.bootstrap_servers(),
            "weather",
        );
        file.influx_extra = format!("    username = \"{user}\"\n    password = \"{password}\"\n");
        let config = file.write(dir.path());
        let stderr = run_to_failure(&config);
        let e = error_line(&stderr);
        assert!(e.contains(expect), "{user}: {stderr}");
        assert!(!stderr.contains(password), "the password leaked:\n{stderr}");
    }
}
