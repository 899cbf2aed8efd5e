//! `LocalInfluxd`: a real `influxd` in a temp folder, stopped and cleaned on drop.

use influxdb_http::{Api, ClientConfig, InfluxClient, LocalInfluxd, LocalInfluxdError, Query};

#[tokio::test]
async fn starts_serves_and_cleans_up() {
    let server = match LocalInfluxd::start() {
        Ok(s) => s,
        Err(LocalInfluxdError::Spawn { .. }) if !influxdb_http::services_required() => {
            eprintln!("notice: influxd not installed; skipping");
            return;
        }
        Err(e) => panic!("{e}"),
    };
    assert!(server.url().starts_with("http://127.0.0.1:"));
    let client =
        InfluxClient::new(ClientConfig::new(server.url(), Api::v1("local")).unwrap()).unwrap();
    assert!(client.ping().await.unwrap().is_some());
    client.create_database("local").await.unwrap();
    client.write(b"m v=1i 1\n").await.unwrap();
    let rows = client
        .query("local", &Query::new("SELECT v FROM m"))
        .await
        .unwrap();
    assert_eq!(rows[0].values.len(), 1);
    assert!(server.dir().join("data").is_dir());

    let (addr, dir) = (server.http_addr(), server.dir().to_owned());
    drop(server);
    assert!(!dir.exists(), "temp folder removed");
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "server stopped"
    );
}

#[test]
fn a_missing_binary_is_reported_as_spawn_error() {
    // Run in a child process with INFLUXD set: changing our own environment would race with
    // the other test, which reads it.
    if std::env::var_os("INFLUXDB_HTTP_CHILD").is_some() {
        match LocalInfluxd::start() {
            Err(LocalInfluxdError::Spawn { binary, .. }) => {
                assert_eq!(binary, "/nonexistent/influxd")
            }
            other => panic!("expected a spawn error, got {other:?}"),
        }
        return;
    }
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "a_missing_binary_is_reported_as_spawn_error",
            "--nocapture",
        ])
        .env("INFLUXDB_HTTP_CHILD", "1")
        .env("INFLUXD", "/nonexistent/influxd")
        .status()
        .unwrap();
    assert!(status.success());
}
