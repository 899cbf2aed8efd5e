//! The client: connection setup, authentication, ping and database creation.

use std::time::Duration;

use reqwest::{RequestBuilder, Response, Url};

use crate::query::Query;
use crate::{Api, ClientConfig, Error};

/// An InfluxDB HTTP client; cheap to clone (clones share the connection pool).
///
/// Writes: [`write`](Self::write). Queries: [`query_stream`](Self::query_stream),
/// [`query`](Self::query) and the `show_*` helpers. Admin: [`ping`](Self::ping),
/// [`create_database`](Self::create_database).
///
/// ```
/// use influxdb_http::{Api, ClientConfig, InfluxClient};
///
/// let client = InfluxClient::new(ClientConfig::new("http://127.0.0.1:8086", Api::v1("weather"))?)?;
/// assert_eq!(client.config().url.as_str(), "http://127.0.0.1:8086/");
/// # Ok::<(), influxdb_http::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct InfluxClient {
    pub(crate) http: reqwest::Client,
    pub(crate) config: ClientConfig,
    pub(crate) write_url: Url,
}

impl InfluxClient {
    /// Builds the client (no network traffic yet).
    ///
    /// ```
    /// # use influxdb_http::{Api, ClientConfig, InfluxClient};
    /// let cfg = ClientConfig::new("https://influx.example:8086", Api::v1("db"))?;
    /// let client = InfluxClient::new(cfg)?;
    /// # drop(client);
    /// # Ok::<(), influxdb_http::Error>(())
    /// ```
    pub fn new(config: ClientConfig) -> Result<Self, Error> {
        let mut builder = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .connect_timeout(config.timeout)
            // Bounds each wait for bytes, so a streamed query may run long but never hang.
            .read_timeout(config.timeout);
        if let Some(path) = &config.tls_ca {
            // Only the given CAs, as Telegraf's `tls_ca` does: a private CA's server is not
            // also trusted to be any public site.
            builder = builder.tls_built_in_root_certs(false);
            for cert in read_ca_file(path)? {
                builder = builder.add_root_certificate(cert);
            }
        }
        let http = builder
            .build()
            .map_err(|e| Error::Config(format!("cannot build HTTP client: {e}")))?;
        let write_url = write_url(&config)?;
        Ok(Self {
            http,
            config,
            write_url,
        })
    }

    /// The configuration the client was built with.
    ///
    /// ```
    /// # use influxdb_http::{Api, ClientConfig, InfluxClient};
    /// let client = InfluxClient::new(ClientConfig::new("http://localhost:8086", Api::v1("db"))?)?;
    /// assert_eq!(client.config().timeout, std::time::Duration::from_secs(5));
    /// # Ok::<(), influxdb_http::Error>(())
    /// ```
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Checks that the server answers `GET /ping`; returns its version (`X-Influxdb-Version`).
    ///
    /// ```
    /// # use influxdb_http::{Api, ClientConfig, InfluxClient, Error};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Error> {
    /// // Port 9 (discard) is closed on loopback: the ping fails with a connection error.
    /// let client = InfluxClient::new(ClientConfig::new("http://127.0.0.1:9", Api::v1("db"))?)?;
    /// assert!(matches!(client.ping().await, Err(Error::Connect { .. })));
    /// # Ok(()) }
    /// ```
    pub async fn ping(&self) -> Result<Option<String>, Error> {
        let url = self.endpoint("ping")?;
        let resp = self
            .send(self.authorize(self.http.get(url.clone())), &url, true)
            .await?;
        let version = resp
            .headers()
            .get("X-Influxdb-Version")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok(version)
    }

    /// Creates a database (InfluxQL `CREATE DATABASE`, a no-op when it exists).
    ///
    /// For tests and one-machine setups on InfluxDB 1.x; 2.x/3.x manage buckets elsewhere.
    ///
    /// ```
    /// # use influxdb_http::{Api, ClientConfig, InfluxClient, Error};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Error> {
    /// let client = InfluxClient::new(ClientConfig::new("http://127.0.0.1:9", Api::v1("db"))?)?;
    /// assert!(client.create_database("weather").await.is_err()); // nothing listens on port 9
    /// # Ok(()) }
    /// ```
    pub async fn create_database(&self, name: &str) -> Result<(), Error> {
        let statement = format!("CREATE DATABASE {}", crate::query::quote_ident(name));
        self.query("", &Query::new(statement)).await.map(drop)
    }

    /// `base URL` + `path` (relative, so a base path prefix is kept).
    pub(crate) fn endpoint(&self, path: &str) -> Result<Url, Error> {
        self.config
            .url
            .join(path)
            .map_err(|e| Error::Config(format!("cannot build URL for {path}: {e}")))
    }

    /// Adds the configured credentials to a request.
    pub(crate) fn authorize(&self, request: RequestBuilder) -> RequestBuilder {
        match &self.config.api {
            Api::V1 {
                auth: Some(creds), ..
            } => request.basic_auth(&creds.username, Some(creds.password.expose())),
            Api::V1 { auth: None, .. } => request,
            Api::V2 { token, .. } => request.header(
                reqwest::header::AUTHORIZATION,
                format!("Token {}", token.expose()),
            ),
        }
    }

    /// Sends a request; a non-2xx answer becomes [`Error::Http`] with InfluxDB's reason.
    ///
    /// `whole_timeout` applies the configured timeout to the whole exchange (writes, pings);
    /// streamed queries rely on the per-read timeout instead.
    pub(crate) async fn send(
        &self,
        request: RequestBuilder,
        url: &Url,
        whole_timeout: bool,
    ) -> Result<Response, Error> {
        let request = if whole_timeout {
            request.timeout(self.config.timeout)
        } else {
            request
        };
        let shown = shown_url(url);
        let resp = request
            .send()
            .await
            .map_err(|e| Error::from_reqwest(e, &shown, self.config.timeout))?;
        if resp.status().is_success() {
            Ok(resp)
        } else {
            Err(error_from_response(resp, &shown, self.config.timeout).await)
        }
    }
}

/// The URL without its query string, for error messages.
pub(crate) fn shown_url(url: &Url) -> String {
    let mut url = url.clone();
    url.set_query(None);
    url.to_string()
}

/// The write URL with its fixed query string, built once.
fn write_url(config: &ClientConfig) -> Result<Url, Error> {
    let (path, pairs): (&str, Vec<(&str, &str)>) = match &config.api {
        Api::V1 {
            database,
            retention_policy,
            ..
        } => {
            let mut pairs = vec![("db", database.as_str())];
            if let Some(rp) = retention_policy {
                pairs.push(("rp", rp.as_str()));
            }
            ("write", pairs)
        }
        Api::V2 { org, bucket, .. } => (
            "api/v2/write",
            vec![("org", org.as_str()), ("bucket", bucket.as_str())],
        ),
    };
    let mut url = config
        .url
        .join(path)
        .map_err(|e| Error::Config(format!("cannot build write URL: {e}")))?;
    url.query_pairs_mut()
        .extend_pairs(pairs)
        .append_pair("precision", "ns");
    Ok(url)
}

/// Largest error body read; InfluxDB's are one short JSON object.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Turns a non-2xx response into [`Error::Http`], quoting InfluxDB's reason: the body's
/// (JSON, or msgpack when the query asked for it), else `X-Influxdb-Error`, else the status.
pub(crate) async fn error_from_response(mut resp: Response, url: &str, timeout: Duration) -> Error {
    let status = resp.status();
    let msgpack = crate::row_stream::is_msgpack(&resp);
    let header_reason = resp
        .headers()
        .get("X-Influxdb-Error")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let retry_after = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(crate::retry::parse_retry_after);
    let mut body = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) if body.len() < MAX_ERROR_BODY => body.extend_from_slice(&chunk),
            Ok(_) => break,
            Err(e) => return Error::from_reqwest(e, url, timeout),
        }
    }
    body.truncate(MAX_ERROR_BODY);
    let body_reason = if msgpack {
        crate::rows_msgpack::decode_document(&body)
            .ok()
            .and_then(|d| d.error)
    } else {
        reason_from_body(&body)
    };
    let reason = body_reason.or(header_reason).unwrap_or_else(|| {
        status
            .canonical_reason()
            .unwrap_or("no reason given")
            .to_owned()
    });
    Error::Http {
        url: url.to_owned(),
        status: status.as_u16(),
        reason,
        retry_after,
    }
}

/// The reason in an error body: JSON `error` (1.x, 3.x) or `message` (2.x), else the text.
fn reason_from_body(body: &[u8]) -> Option<String> {
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(body) {
        for key in ["error", "message"] {
            if let Some(serde_json::Value::String(s)) = map.get(key) {
                return Some(s.clone());
            }
        }
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// The certificates of a PEM CA file; an error names the file.
fn read_ca_file(path: &std::path::Path) -> Result<Vec<reqwest::Certificate>, Error> {
    let pem = std::fs::read(path)
        .map_err(|e| Error::Config(format!("tls_ca {}: {e}", path.display())))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|e| Error::Config(format!("tls_ca {}: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(Error::Config(format!(
            "tls_ca {}: no PEM certificate in the file",
            path.display()
        )));
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_taken_from_json_then_text() {
        assert_eq!(
            reason_from_body(br#"{"error":"database not found: \"x\""}"#).as_deref(),
            Some("database not found: \"x\"")
        );
        assert_eq!(
            reason_from_body(br#"{"code":"invalid","message":"bad bucket"}"#).as_deref(),
            Some("bad bucket")
        );
        assert_eq!(
            reason_from_body(b"  plain text\n").as_deref(),
            Some("plain text")
        );
        assert_eq!(reason_from_body(b""), None);
    }

    #[test]
    fn write_urls_keep_path_prefix_and_encode_names() {
        let cfg = ClientConfig::new(
            "http://h:1/pre",
            Api::V1 {
                database: "a b&c".into(),
                retention_policy: Some("rp".into()),
                auth: None,
            },
        )
        .unwrap();
        assert_eq!(
            write_url(&cfg).unwrap().as_str(),
            "http://h:1/pre/write?db=a+b%26c&rp=rp&precision=ns"
        );
        let cfg = ClientConfig::new(
            "https://h",
            Api::V2 {
                org: "o".into(),
                bucket: "b".into(),
                token: crate::Secret::new("t"),
            },
        )
        .unwrap();
        assert_eq!(
            write_url(&cfg).unwrap().as_str(),
            "https://h/api/v2/write?org=o&bucket=b&precision=ns"
        );
    }
}
