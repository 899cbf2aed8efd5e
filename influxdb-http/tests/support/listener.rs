//! A one-request-per-connection HTTP/1.1 listener on loopback whose answers a test scripts:
//! a fixed status, silence (to provoke a client timeout), or forwarding to the real InfluxDB.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A request as received.
#[derive(Debug, Clone)]
pub struct Captured {
    pub method: String,
    /// Path and query string.
    pub target: String,
    /// Header names lowercased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Captured {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What to do with request number `index` (0-based).
pub enum Action {
    /// Answer with this status, extra headers and body.
    Respond(u16, Vec<(&'static str, String)>, String),
    /// Pass the request to the real server and relay its answer.
    Forward,
    /// Read the request, say nothing for this long, then close.
    Hang(Duration),
}

pub type Script = Box<dyn Fn(usize, &Captured) -> Action + Send + Sync>;
type SharedScript = Arc<dyn Fn(usize, &Captured) -> Action + Send + Sync>;

/// A running listener; it stops when the test process ends.
pub struct Listener {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<Captured>>>,
    forwarded: Arc<Mutex<usize>>,
}

impl Listener {
    /// Listens on a free loopback port.
    pub fn start(upstream: Option<&str>, script: Script) -> Self {
        Self::start_on(TcpListener::bind("127.0.0.1:0").unwrap(), upstream, script)
    }

    /// Listens on an already bound socket.
    pub fn start_on(socket: TcpListener, upstream: Option<&str>, script: Script) -> Self {
        let addr = socket.local_addr().unwrap();
        let upstream = upstream.map(upstream_addr);
        let requests = Arc::new(Mutex::new(Vec::new()));
        let forwarded = Arc::new(Mutex::new(0));
        let (reqs, fwd) = (requests.clone(), forwarded.clone());
        let script: SharedScript = Arc::from(script);
        std::thread::spawn(move || {
            for stream in socket.incoming() {
                let Ok(stream) = stream else { continue };
                let (reqs, fwd, script) = (reqs.clone(), fwd.clone(), script.clone());
                // One thread per connection, so a hanging answer does not block the next.
                std::thread::spawn(move || {
                    let Some(request) = read_request(&stream) else {
                        return;
                    };
                    let index = {
                        let mut all = reqs.lock().unwrap();
                        all.push(request.clone());
                        all.len() - 1
                    };
                    match script(index, &request) {
                        Action::Respond(status, headers, body) => {
                            respond(stream, status, &headers, &body)
                        }
                        Action::Forward => {
                            let to = upstream.expect("a forwarding script needs an upstream");
                            // Counted first: the client may finish as soon as it has the answer.
                            *fwd.lock().unwrap() += 1;
                            forward(stream, to, &request);
                        }
                        Action::Hang(d) => {
                            std::thread::sleep(d);
                            drop(stream);
                        }
                    }
                });
            }
        });
        Self {
            addr,
            requests,
            forwarded,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<Captured> {
        self.requests.lock().unwrap().clone()
    }

    pub fn forwarded(&self) -> usize {
        *self.forwarded.lock().unwrap()
    }
}

fn upstream_addr(url: &str) -> SocketAddr {
    let url = influxdb_http::Url::parse(url).unwrap();
    (
        url.host_str().unwrap(),
        url.port_or_known_default().unwrap(),
    )
        .to_socket_addrs()
        .unwrap()
        .next()
        .unwrap()
}

fn read_request(stream: &TcpStream) -> Option<Captured> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (name, value) = h.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let len: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map_or(0, |(_, v)| v.parse().unwrap());
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    Some(Captured {
        method,
        target,
        headers,
        body,
    })
}

fn respond(mut stream: TcpStream, status: u16, headers: &[(&str, String)], body: &str) {
    let mut head = format!(
        "HTTP/1.1 {status} Scripted\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body.as_bytes());
}

fn forward(mut client: TcpStream, upstream: SocketAddr, request: &Captured) {
    let mut server = TcpStream::connect(upstream).unwrap();
    let mut head = format!("{} {} HTTP/1.1\r\n", request.method, request.target);
    for (name, value) in &request.headers {
        if name != "connection" {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    head.push_str("connection: close\r\n\r\n");
    server.write_all(head.as_bytes()).unwrap();
    server.write_all(&request.body).unwrap();
    let mut answer = Vec::new();
    server.read_to_end(&mut answer).unwrap();
    let _ = client.write_all(&answer);
}
