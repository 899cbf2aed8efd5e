//! HTTPS support is compiled in (rustls): a TLS handshake is attempted and its failure on a
//! plain-text listener is reported as a connection error.

use influxdb_http::{Api, ClientConfig, Error, InfluxClient, RetryPolicy, WriteError};

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
