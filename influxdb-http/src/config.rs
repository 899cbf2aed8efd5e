//! What the client talks to and how: endpoint, API flavour, timeouts, encoding, retries.

use std::time::Duration;

use reqwest::Url;

use crate::{Error, Secret};

/// Which InfluxDB write API (and credentials) to use.
///
/// Queries always go through the InfluxQL `/query` endpoint, which 1.x, 2.x (v1 compatibility,
/// authenticated with the token) and 3.x all serve.
///
/// ```
/// use influxdb_http::{Api, Credentials, Secret};
///
/// let v1 = Api::V1 {
///     database: "weather".into(),
///     retention_policy: None,
///     auth: Some(Credentials { username: "writer".into(), password: Secret::new("pw") }),
/// };
/// let v2 = Api::V2 { org: "acme".into(), bucket: "weather".into(), token: Secret::new("t") };
/// assert!(format!("{v1:?}{v2:?}").contains("Secret(***)"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Api {
    /// InfluxDB 1.x: `POST /write?db=&rp=&precision=ns`, optional HTTP basic auth.
    V1 {
        /// Database written to.
        database: String,
        /// Retention policy; `None` uses the database's default.
        retention_policy: Option<String>,
        /// Username and password, sent as HTTP basic auth (never in the URL).
        auth: Option<Credentials>,
    },
    /// InfluxDB 2.x/3.x: `POST /api/v2/write?org=&bucket=&precision=ns`, `Authorization: Token`.
    V2 {
        /// Organisation name.
        org: String,
        /// Bucket written to.
        bucket: String,
        /// API token.
        token: Secret,
    },
}

impl Api {
    /// The v1 API on `database`, default retention policy, no authentication.
    ///
    /// ```
    /// let api = influxdb_http::Api::v1("weather");
    /// assert!(matches!(api, influxdb_http::Api::V1 { ref database, .. } if database == "weather"));
    /// ```
    pub fn v1(database: impl Into<String>) -> Self {
        Api::V1 {
            database: database.into(),
            retention_policy: None,
            auth: None,
        }
    }
}

/// A username and password for InfluxDB 1.x.
///
/// ```
/// let c = influxdb_http::Credentials { username: "u".into(), password: influxdb_http::Secret::new("p") };
/// assert_eq!(format!("{c:?}"), r#"Credentials { username: "u", password: Secret(***) }"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The username.
    pub username: String,
    /// The password.
    pub password: Secret,
}

/// How write bodies are encoded on the wire.
///
/// ```
/// assert_eq!(influxdb_http::ContentEncoding::default(), influxdb_http::ContentEncoding::Gzip);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ContentEncoding {
    /// Plain line protocol.
    Identity,
    /// `Content-Encoding: gzip` at the fastest level: line protocol shrinks about 5–10×, and
    /// higher levels cost much more CPU for little gain.
    #[default]
    Gzip,
}

/// When to retry a failed write request and how long to wait between attempts.
///
/// Waits grow exponentially from `initial_backoff` up to `max_backoff`, each randomised to
/// between half and all of its nominal value (so many writers do not retry in lock-step). A
/// `Retry-After: <seconds>` header from the server replaces the computed wait. The client gives
/// up on a request after `max_attempts` attempts or when the next wait would end after
/// `max_elapsed` from its first attempt.
///
/// ```
/// use std::time::Duration;
/// use influxdb_http::RetryPolicy;
///
/// let p = RetryPolicy { max_attempts: 3, ..RetryPolicy::default() };
/// assert_eq!(p.max_attempts, 3);
/// assert_eq!(RetryPolicy::none().max_attempts, 1);
/// assert!(RetryPolicy::default().max_elapsed >= Duration::from_secs(60));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per request, the first included (1 = never retry; 0 counts as 1).
    pub max_attempts: u32,
    /// Time budget per request, measured from its first attempt.
    pub max_elapsed: Duration,
    /// Nominal wait before the first retry.
    pub initial_backoff: Duration,
    /// Cap on the nominal wait.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 10,
            max_elapsed: Duration::from_secs(120),
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(15),
        }
    }
}

impl RetryPolicy {
    /// A policy that makes one attempt only.
    ///
    /// ```
    /// assert_eq!(influxdb_http::RetryPolicy::none().max_attempts, 1);
    /// ```
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }
}

/// Everything [`InfluxClient::new`](crate::InfluxClient::new) needs.
///
/// Build it with [`ClientConfig::new`] and adjust the public fields.
///
/// ```
/// use std::time::Duration;
/// use influxdb_http::{Api, ClientConfig, ContentEncoding};
///
/// let mut cfg = ClientConfig::new("http://127.0.0.1:8086", Api::v1("weather"))?;
/// cfg.timeout = Duration::from_secs(10);
/// cfg.content_encoding = ContentEncoding::Identity;
/// assert_eq!(cfg.url.as_str(), "http://127.0.0.1:8086/");
/// assert!(ClientConfig::new("ftp://host", Api::v1("db")).is_err());
/// # Ok::<(), influxdb_http::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Base URL (`http` or `https`); may carry a path prefix such as `https://host/influx/`.
    pub url: Url,
    /// Write API flavour and credentials.
    pub api: Api,
    /// Time limit for each write, ping or admin request (default 5 s, as Telegraf). For
    /// streamed queries it limits connecting and each wait for more response bytes instead, so
    /// long result streams are not cut off.
    pub timeout: Duration,
    /// `User-Agent` header.
    pub user_agent: String,
    /// Write body encoding (default gzip).
    pub content_encoding: ContentEncoding,
    /// Retry policy for writes.
    pub retry: RetryPolicy,
    /// PEM file of the CA certificate(s) an `https` server's certificate must chain to, instead
    /// of the built-in web roots (Telegraf's `tls_ca`): for a server with a private CA.
    pub tls_ca: Option<std::path::PathBuf>,
}

impl ClientConfig {
    /// A config for `url` with defaults: 5 s timeout, gzip, [`RetryPolicy::default`].
    ///
    /// The URL must be `http` or `https` with a host.
    ///
    /// ```
    /// let cfg = influxdb_http::ClientConfig::new("https://influx.example/prefix", influxdb_http::Api::v1("db"))?;
    /// assert_eq!(cfg.url.path(), "/prefix/");
    /// # Ok::<(), influxdb_http::Error>(())
    /// ```
    pub fn new(url: &str, api: Api) -> Result<Self, Error> {
        let mut url =
            Url::parse(url).map_err(|e| Error::Config(format!("invalid URL {url:?}: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(Error::Config(format!(
                "URL {url} must be http:// or https:// with a host"
            )));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Error::Config(
                "credentials do not belong in the URL; use Api::V1 { auth } or Api::V2 { token }"
                    .into(),
            ));
        }
        // A trailing slash makes `join("write")` append to a path prefix instead of replacing it.
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        url.set_query(None);
        url.set_fragment(None);
        Ok(Self {
            url,
            api,
            timeout: Duration::from_secs(5),
            user_agent: concat!("influxdb-http/", env!("CARGO_PKG_VERSION")).to_owned(),
            content_encoding: ContentEncoding::default(),
            retry: RetryPolicy::default(),
            tls_ca: None,
        })
    }
}
