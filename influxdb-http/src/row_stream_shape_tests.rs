//! [`InfluxClient::query_rows`](crate::InfluxClient::query_rows) against answers InfluxDB 1.6.7
//! never gives but other servers may (2.x/3.x v1-compatible APIs): JSON to a msgpack request,
//! `406 Not Acceptable`, a msgpack error body without `X-Influxdb-Error`. A tiny scripted
//! loopback listener plays the server.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use crate::{Api, Cell, ClientConfig, Error, InfluxClient, Query};

/// One scripted answer: status line, content type, body.
type Answer = (&'static str, &'static str, Vec<u8>);

/// Serves `answers` in order, one per connection; returns the base URL and the `Accept`
/// header of each request received.
fn serve(answers: Vec<Answer>) -> (String, Arc<Mutex<Vec<String>>>) {
    let socket = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", socket.local_addr().unwrap());
    let accepts = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&accepts);
    std::thread::spawn(move || {
        for (status, content_type, body) in answers {
            let Ok((stream, _)) = socket.accept() else {
                return;
            };
            let mut reader = BufReader::new(stream);
            let (mut accept, mut length) = (String::new(), 0usize);
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                let (name, value) = line.split_once(':').unwrap_or((&line, ""));
                match name.to_ascii_lowercase().as_str() {
                    "accept" => accept = value.trim().to_string(),
                    "content-length" => length = value.trim().parse().unwrap_or(0),
                    _ => {}
                }
            }
            let mut request_body = vec![0; length];
            let _ = reader.read_exact(&mut request_body);
            seen.lock().unwrap().push(accept);
            let mut stream = reader.into_inner();
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    (url, accepts)
}

fn client(url: &str) -> InfluxClient {
    InfluxClient::new(ClientConfig::new(url, Api::v1("db")).unwrap()).unwrap()
}

const JSON_ROWS: &str = concat!(
    r#"{"results":[{"statement_id":0,"series":[{"name":"m","columns":["time","v"],"values":[[1,89]],"partial":true}],"partial":true}]}"#,
    "\n",
    r#"{"results":[{"statement_id":0,"series":[{"name":"m","columns":["time","v"],"values":[[2,"x"]]}]}]}"#,
    "\n"
);

#[tokio::test]
async fn a_json_answer_to_a_msgpack_request_is_read_as_json() {
    let (url, accepts) = serve(vec![(
        "200 OK",
        "application/json",
        JSON_ROWS.as_bytes().to_vec(),
    )]);
    let mut stream = client(&url)
        .query_rows("db", &Query::new("SELECT v FROM m"))
        .await
        .unwrap();
    assert!(!stream.is_msgpack());
    let first = stream.next().await.unwrap().unwrap();
    assert!(first.partial);
    assert_eq!(first.row(0).unwrap().get(1), Some(Cell::Integer(89)));
    let second = stream.next().await.unwrap().unwrap();
    assert_eq!(second.row(0).unwrap().get(1), Some(Cell::String("x")));
    assert!(stream.next().await.unwrap().is_none());
    assert_eq!(*accepts.lock().unwrap(), ["application/x-msgpack"]);
}

#[tokio::test]
async fn a_server_refusing_msgpack_is_asked_again_for_json() {
    let (url, accepts) = serve(vec![
        ("406 Not Acceptable", "text/plain", b"no msgpack".to_vec()),
        ("200 OK", "application/json", JSON_ROWS.as_bytes().to_vec()),
    ]);
    let all = client(&url)
        .query_rows("db", &Query::new("SELECT v FROM m"))
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(
        *accepts.lock().unwrap(),
        ["application/x-msgpack", "application/json"]
    );
}

#[tokio::test]
async fn a_msgpack_error_body_gives_the_reason() {
    // {"error":"error parsing query: bad"} with no X-Influxdb-Error header.
    let mut body = vec![0x81, 0xa5];
    body.extend_from_slice(b"error");
    let reason = "error parsing query: bad";
    body.push(0xa0 | reason.len() as u8);
    body.extend_from_slice(reason.as_bytes());
    let (url, _) = serve(vec![("400 Bad Request", "application/x-msgpack", body)]);
    let e = client(&url)
        .query_rows("db", &Query::new("SELEC"))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Query { statement_id: None, message } if message == reason),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_truncated_msgpack_body_is_a_bad_response() {
    // A document cut inside its first key.
    let (url, _) = serve(vec![(
        "200 OK",
        "application/x-msgpack",
        vec![0x81, 0xa7, b'r', b'e'],
    )]);
    let e = client(&url)
        .query_rows("db", &Query::new("SELECT v FROM m"))
        .await
        .unwrap()
        .next()
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::BadResponse { message, .. } if message.contains("msgpack")),
        "{e:?}"
    );
}
