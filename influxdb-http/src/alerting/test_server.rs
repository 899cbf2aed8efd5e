//! An in-process stand-in for InfluxDB 2's alerting API on 127.0.0.1 (feature `test-server`).
//!
//! No InfluxDB 2 runs on these machines, so provisioning is tested against this server. It
//! keeps objects as InfluxDB 2 does (create assigns a 16-hex-digit ID, `ownerID` and
//! timestamps; lists filter by `orgID` and page with `offset`/`limit` ≤ 100; `PUT` replaces
//! an object and keeps its ID; check names are unique per organization, else 409, as InfluxDB's
//! index on `orgID` + `name`), checks the token (`Authorization: Token …`, else 401), checks
//! every `POST`/`PUT` body against the documented schema ([`spec`](super::spec); a bad body
//! gets InfluxDB's `400 {"code":"invalid"}`), and records every request. What it does not
//! model: Flux compilation and the tasks InfluxDB creates to run checks and rules.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{Value, json};

use super::spec::{Kind, Violation, check_body};
use super::wire::{read_request, respond, timestamp};

/// A request as received.
///
/// ```
/// let r = influxdb_http::alerting::RecordedRequest {
///     method: "GET".into(), path: "/api/v2/orgs".into(), query: vec![("org".into(), "lab".into())],
///     authorization: Some("Token t".into()), body: None, violation: None,
/// };
/// assert_eq!(r.query_value("org"), Some("lab"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    /// `GET`, `POST`, `PUT`…
    pub method: String,
    /// The path, without the query string.
    pub path: String,
    /// Decoded query parameters, in order.
    pub query: Vec<(String, String)>,
    /// The `Authorization` header.
    pub authorization: Option<String>,
    /// The JSON body, if any.
    pub body: Option<Value>,
    /// The schema rule the body broke, if any (it was then answered 400).
    pub violation: Option<Violation>,
}

impl RecordedRequest {
    /// The first value of query parameter `key`.
    ///
    /// ```
    /// let r = influxdb_http::alerting::RecordedRequest { method: "GET".into(), path: "/".into(),
    ///     query: vec![], authorization: None, body: None, violation: None };
    /// assert_eq!(r.query_value("orgID"), None);
    /// ```
    pub fn query_value(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Whether this request writes (`POST`, `PUT`, `PATCH`, `DELETE`).
    ///
    /// ```
    /// let r = influxdb_http::alerting::RecordedRequest { method: "PUT".into(), path: "/".into(),
    ///     query: vec![], authorization: None, body: None, violation: None };
    /// assert!(r.is_write());
    /// ```
    pub fn is_write(&self) -> bool {
        self.method != "GET"
    }
}

struct State {
    token: String,
    read_only_tokens: Vec<String>,
    orgs: Vec<(String, String)>,
    objects: Vec<(Kind, Value)>,
    requests: Vec<RecordedRequest>,
    next_id: u64,
}

impl State {
    fn new_id(&mut self) -> String {
        self.next_id += 1;
        format!("{:016x}", 0x0a00_0000_0000_0000u64 + self.next_id)
    }
}

/// The running server; stops when dropped.
///
/// ```
/// use influxdb_http::alerting::Influx2TestServer;
/// let server = Influx2TestServer::start("lab", "secret-token").unwrap();
/// assert!(server.url().starts_with("http://127.0.0.1:"));
/// assert_eq!(server.org_id().len(), 16);
/// assert!(server.requests().is_empty());
/// ```
pub struct Influx2TestServer {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    org_id: String,
}

impl Influx2TestServer {
    /// Starts on a free loopback port with one organization `org` and an all-access `token`.
    ///
    /// ```
    /// let server = influxdb_http::alerting::Influx2TestServer::start("lab", "t").unwrap();
    /// assert!(server.objects("checks").is_empty());
    /// ```
    pub fn start(org: &str, token: &str) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let mut state = State {
            token: token.to_owned(),
            read_only_tokens: Vec::new(),
            orgs: Vec::new(),
            objects: Vec::new(),
            requests: Vec::new(),
            next_id: 0,
        };
        let org_id = state.new_id();
        state.orgs.push((org_id.clone(), org.to_owned()));
        let state = Arc::new(Mutex::new(state));
        let stop = Arc::new(AtomicBool::new(false));
        let (shared, stopping) = (state.clone(), stop.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopping.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let shared = shared.clone();
                std::thread::spawn(move || serve(stream, &shared));
            }
        });
        Ok(Self {
            addr,
            state,
            stop,
            org_id,
        })
    }

    /// The base URL, e.g. `http://127.0.0.1:41234`.
    ///
    /// ```
    /// let server = influxdb_http::alerting::Influx2TestServer::start("lab", "t").unwrap();
    /// assert_eq!(server.url(), format!("http://{}", server.addr()));
    /// ```
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The listen address.
    ///
    /// ```
    /// let server = influxdb_http::alerting::Influx2TestServer::start("lab", "t").unwrap();
    /// assert!(server.addr().ip().is_loopback());
    /// ```
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The ID of the organization created at start.
    ///
    /// ```
    /// let server = influxdb_http::alerting::Influx2TestServer::start("lab", "t").unwrap();
    /// assert!(server.org_id().bytes().all(|c| c.is_ascii_hexdigit()));
    /// ```
    pub fn org_id(&self) -> &str {
        &self.org_id
    }

    /// Accepts `token` for reads; writes with it are answered `403 Forbidden`.
    ///
    /// ```
    /// let server = influxdb_http::alerting::Influx2TestServer::start("lab", "t").unwrap();
    /// server.add_read_only_token("reader");
    /// ```
    pub fn add_read_only_token(&self, token: &str) {
        self.lock().read_only_tokens.push(token.to_owned());
    }

    /// Stores an object directly (as if created earlier by hand); returns its new ID.
    ///
    /// ```
    /// let server = influxdb_http::alerting::Influx2TestServer::start("lab", "t").unwrap();
    /// let id = server.insert("checks", serde_json::json!({"name": "by hand", "type": "custom"}));
    /// assert_eq!(server.objects("checks")[0]["id"], id.as_str());
    /// ```
    pub fn insert(&self, kind: &str, mut object: Value) -> String {
        let kind = Kind::from_path_segment(kind)
            .expect("checks, notificationEndpoints or notificationRules");
        let mut state = self.lock();
        let id = state.new_id();
        object["id"] = json!(id);
        if object.get("orgID").is_none() {
            object["orgID"] = json!(self.org_id);
        }
        state.objects.push((kind, object));
        id
    }

    /// The stored objects of `kind` (`checks`, `notificationEndpoints`, `notificationRules`).
    ///
    /// ```
    /// let server = influxdb_http::alerting::Influx2TestServer::start("lab", "t").unwrap();
    /// assert!(server.objects("notificationRules").is_empty());
    /// ```
    pub fn objects(&self, kind: &str) -> Vec<Value> {
        let kind = Kind::from_path_segment(kind)
            .expect("checks, notificationEndpoints or notificationRules");
        let state = self.lock();
        state
            .objects
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, o)| o.clone())
            .collect()
    }

    /// Every request received so far, in order.
    ///
    /// ```
    /// let server = influxdb_http::alerting::Influx2TestServer::start("lab", "t").unwrap();
    /// assert!(server.requests().iter().all(|r| r.violation.is_none()));
    /// ```
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.clone()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for Influx2TestServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = TcpStream::connect(self.addr); // wakes the accept loop so it sees `stop`
    }
}

/// A status and a JSON body.
pub(super) struct Answer(pub(super) u16, pub(super) Value);

fn error(status: u16, code: &str, message: &str) -> Answer {
    Answer(status, json!({"code": code, "message": message}))
}

/// Serves one request on one connection, then closes it.
fn serve(stream: TcpStream, shared: &Mutex<State>) {
    let Some((mut recorded, raw_body)) = read_request(&stream) else {
        return;
    };
    let mut state = shared.lock().unwrap_or_else(|p| p.into_inner());
    let answer = route(&mut state, &mut recorded, &raw_body);
    state.requests.push(recorded);
    drop(state);
    respond(stream, answer);
}

fn route(state: &mut State, req: &mut RecordedRequest, raw_body: &[u8]) -> Answer {
    let token = req.authorization.as_deref().and_then(|h| {
        h.strip_prefix("Token ")
            .or_else(|| h.strip_prefix("Bearer "))
    });
    let read_only = token.is_some_and(|t| state.read_only_tokens.iter().any(|r| r == t));
    if !(token == Some(state.token.as_str()) || read_only) {
        return error(401, "unauthorized", "unauthorized access");
    }
    let segments: Vec<&str> = req.path.trim_matches('/').split('/').collect();
    let (kind, id) = match segments.as_slice() {
        ["api", "v2", "orgs"] if req.method == "GET" => return list_orgs(state, req),
        ["api", "v2", kind] => (Kind::from_path_segment(kind), None),
        ["api", "v2", kind, id] => (Kind::from_path_segment(kind), Some(id.to_string())),
        _ => (None, None),
    };
    let Some(kind) = kind else {
        return error(404, "not found", "path not found");
    };
    if req.is_write() && read_only {
        return error(
            403,
            "forbidden",
            &format!(
                "write:orgs/{}/{} is forbidden",
                state.orgs[0].0,
                kind.segment()
            ),
        );
    }
    match (req.method.as_str(), id) {
        ("GET", None) => list(state, kind, req),
        ("POST", None) | ("PUT", Some(_)) if req.body.is_none() => {
            let why = String::from_utf8_lossy(raw_body).into_owned();
            error(
                400,
                "invalid",
                &format!("failed to decode request body: {why}"),
            )
        }
        ("POST", None) => write(state, kind, req, None),
        ("PUT", Some(id)) => write(state, kind, req, Some(id)),
        _ => error(405, "method not allowed", "method not allowed"),
    }
}

fn list_orgs(state: &State, req: &RecordedRequest) -> Answer {
    let wanted = req.query_value("org");
    let orgs: Vec<Value> = state
        .orgs
        .iter()
        .filter(|(_, name)| wanted.is_none_or(|w| w == name))
        .map(|(id, name)| json!({"id": id, "name": name, "status": "active"}))
        .collect();
    match wanted {
        Some(name) if orgs.is_empty() => error(
            404,
            "not found",
            &format!("organization name \"{name}\" not found"),
        ),
        _ => Answer(
            200,
            json!({"links": {"self": "/api/v2/orgs"}, "orgs": orgs}),
        ),
    }
}

fn list(state: &State, kind: Kind, req: &RecordedRequest) -> Answer {
    let Some(org_id) = req.query_value("orgID") else {
        return error(400, "invalid", "Please provide either orgID or org");
    };
    let number = |key: &str, default: usize| {
        req.query_value(key)
            .map_or(Some(default), |v| v.parse().ok())
    };
    let (Some(offset), Some(limit)) = (number("offset", 0), number("limit", 20)) else {
        return error(400, "invalid", "offset and limit must be integers");
    };
    if !(1..=100).contains(&limit) {
        return error(400, "invalid", "limit must be between 1 and 100");
    }
    let page: Vec<Value> = state
        .objects
        .iter()
        .filter(|(k, o)| *k == kind && o["orgID"] == org_id)
        .map(|(_, o)| o.clone())
        .skip(offset)
        .take(limit)
        .collect();
    let path = format!("/api/v2/{}", kind.segment());
    Answer(200, json!({kind.segment(): page, "links": {"self": path}}))
}

fn write(state: &mut State, kind: Kind, req: &mut RecordedRequest, id: Option<String>) -> Answer {
    let body = req.body.clone().unwrap_or(Value::Null);
    if let Err(v) = check_body(kind, &body) {
        let message = v.to_string();
        req.violation = Some(v);
        return error(400, "invalid", &message);
    }
    if !state
        .orgs
        .iter()
        .any(|(oid, _)| body["orgID"] == oid.as_str())
    {
        return error(404, "not found", "organization not found");
    }
    if kind == Kind::NotificationRules {
        let endpoint = &body["endpointID"];
        let exists = state
            .objects
            .iter()
            .any(|(k, o)| *k == Kind::NotificationEndpoints && o["id"] == *endpoint);
        if !exists {
            return error(404, "not found", "notification endpoint not found");
        }
    }
    // InfluxDB indexes checks by (orgID, name) uniquely; endpoints and rules are not indexed.
    if kind == Kind::Checks {
        let taken = state.objects.iter().any(|(k, o)| {
            *k == kind
                && o["orgID"] == body["orgID"]
                && o["name"] == body["name"]
                && id.as_deref() != o["id"].as_str()
        });
        if taken {
            return error(409, "conflict", "check name is not unique");
        }
    }
    let mut object = body;
    go_numbers(&mut object);
    let now = json!(timestamp());
    match id {
        None => {
            let id = state.new_id();
            object["id"] = json!(id);
            object["ownerID"] = json!("0b00000000000001");
            object["createdAt"] = now.clone();
            object["updatedAt"] = now;
            object["links"] = json!({"self": format!("/api/v2/{}/{id}", kind.segment())});
            object["labels"] = json!([]);
            if object.get("status").is_none() {
                object["status"] = json!("active");
            }
            state.objects.push((kind, object.clone()));
            Answer(201, object)
        }
        Some(id) => {
            let Some((_, stored)) = state
                .objects
                .iter_mut()
                .find(|(k, o)| *k == kind && o["id"] == id.as_str())
            else {
                let what = kind.segment().trim_end_matches('s');
                return error(404, "not found", &format!("{what} not found"));
            };
            for key in ["id", "ownerID", "createdAt", "links", "labels"] {
                object[key] = stored[key].clone();
            }
            object["updatedAt"] = now;
            *stored = object.clone();
            Answer(200, object)
        }
    }
}

/// Re-encodes numbers as InfluxDB (Go's `encoding/json`) writes them back: a float64 without
/// a fraction comes back as an integer (`35.0` is answered as `35`).
fn go_numbers(value: &mut Value) {
    match value {
        Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15) {
                *value = json!(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(go_numbers),
        Value::Object(map) => map.values_mut().for_each(go_numbers),
        _ => {}
    }
}
