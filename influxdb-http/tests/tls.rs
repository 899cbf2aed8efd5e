//! https with a private CA against a real `influxd` serving TLS (`https-enabled`, certificate
//! from a test CA): the client trusts exactly its `tls_ca`; without it, with another CA, or in
//! plain http, nothing gets through. A failed handshake is a connection error.

use influxdb_http::{
    Api, ClientConfig, Error, InfluxClient, LocalInfluxd, Query, RetryPolicy, TestCa, TestInflux,
    WriteError,
};

fn https_server(ca: &TestCa) -> Option<LocalInfluxd> {
    TestInflux::start_https(&ca.server_pem(), &ca.server_key()).expect("InfluxDB over https")
}

fn client(url: &str, tls_ca: Option<std::path::PathBuf>) -> InfluxClient {
    let mut config = ClientConfig::new(url, Api::v1("tls")).unwrap();
    config.tls_ca = tls_ca;
    InfluxClient::new(config).unwrap()
}

/// The error and its causes, for matching on the TLS reason.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(&format!(": {s}"));
        source = s.source();
    }
    text
}

#[tokio::test]
async fn https_with_a_private_ca_is_trusted_only_through_tls_ca() {
    let ca = TestCa::new().expect("a test CA (Debian package openssl)");
    let Some(server) = https_server(&ca) else {
        return;
    };
    assert!(
        server.url().starts_with("https://127.0.0.1:"),
        "{}",
        server.url()
    );

    let trusted = client(server.url(), Some(ca.ca_pem()));
    assert!(
        trusted.ping().await.unwrap().is_some(),
        "X-Influxdb-Version"
    );
    trusted.create_database("tls").await.unwrap();
    trusted.write(b"m v=1i 1\n").await.unwrap();
    let rows = trusted
        .query("tls", &Query::new("SELECT v FROM m"))
        .await
        .unwrap();
    assert_eq!(rows[0].values.len(), 1);

    // The built-in web roots do not know the test CA.
    let e = client(server.url(), None).ping().await.unwrap_err();
    assert!(chain(&e).contains("certificate"), "{}", chain(&e));
    // Nor does another CA vouch for this server.
    let other = TestCa::new().unwrap();
    let e = client(server.url(), Some(other.ca_pem()))
        .ping()
        .await
        .unwrap_err();
    assert!(chain(&e).contains("certificate"), "{}", chain(&e));
    // Plain http to the TLS port gets no answer from InfluxDB (no X-Influxdb-Version at best).
    let plain = server.url().replacen("https://", "http://", 1);
    match client(&plain, None).ping().await {
        Err(_) | Ok(None) => {}
        Ok(Some(version)) => panic!("plaintext ping answered by InfluxDB {version}"),
    }
}

#[test]
fn a_bad_tls_ca_file_is_named() {
    let dir = std::env::temp_dir().join(format!("tls-ca-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let empty = dir.join("empty.pem");
    std::fs::write(&empty, "no certificate here\n").unwrap();
    for path in [empty.clone(), dir.join("missing.pem")] {
        let mut config = ClientConfig::new("https://127.0.0.1:1", Api::v1("x")).unwrap();
        config.tls_ca = Some(path.clone());
        let e = InfluxClient::new(config).unwrap_err().to_string();
        assert!(e.contains(&path.display().to_string()), "{e}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A plain-text answer where a TLS record belonged: a connection error, not a server reply.
#[tokio::test]
async fn https_handshake_is_attempted() {
    let socket = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = socket.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in socket.incoming().flatten() {
            use std::io::{Read, Write};
            let mut stream = stream;
            let mut buf = [0u8; 1024];
            let n = stream.read(&mut buf).unwrap_or(0);
            // A TLS ClientHello starts with record type 22 (handshake).
            let reply: &[u8] = if n > 0 && buf[0] == 22 {
                b"HTTP/1.1 400 Not TLS\r\n\r\n"
            } else {
                b""
            };
            let _ = stream.write_all(reply);
        }
    });
    let mut cfg = ClientConfig::new(&format!("https://{addr}"), Api::v1("db")).unwrap();
    cfg.retry = RetryPolicy::none();
    let client = InfluxClient::new(cfg).unwrap();
    let err = client.write(b"m v=1i 1\n").await.unwrap_err();
    let WriteError::GaveUp { last, .. } = &err else {
        panic!("{err:?}")
    };
    // rustls read the plain-text answer where a TLS record belonged.
    assert!(matches!(last, Error::Connect { .. }), "{last:?}");
    assert!(last.to_string().contains("InvalidContentType"), "{last}");
}
