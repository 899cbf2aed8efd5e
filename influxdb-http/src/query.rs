//! InfluxQL queries through `/query`, streamed chunk by chunk in bounded memory.
//!
//! The request asks for `epoch=ns` (times as integer nanoseconds) and `chunked=true`: InfluxDB
//! then sends one JSON document per chunk of at most `chunk_size` rows, each ended by a
//! newline. [`SeriesStream`] reads one document at a time, so memory stays bounded by the chunk
//! size however large the result.

use std::collections::BTreeMap;

use reqwest::Url;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::client::{error_from_response, shown_url};
use crate::row_stream::is_msgpack;
use crate::{Error, InfluxClient, RowStream, SeriesStream};

use crate::row_stream::MSGPACK;

/// An InfluxQL query with its bound parameters and chunk size.
///
/// ```
/// use influxdb_http::Query;
///
/// let q = Query::new("SELECT * FROM weather WHERE station = $s AND time >= $t")
///     .bind("s", "paris")
///     .bind("t", 1_700_000_000_000_000_000i64)
///     .chunk_size(1000);
/// assert_eq!(q.text(), "SELECT * FROM weather WHERE station = $s AND time >= $t");
/// assert_eq!(q.params_json(), r#"{"s":"paris","t":1700000000000000000}"#);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    text: String,
    params: Map<String, Value>,
    chunk_size: usize,
    max_document_bytes: usize,
}

impl Query {
    /// Default rows per chunk (InfluxDB's own default).
    ///
    /// ```
    /// assert_eq!(influxdb_http::Query::DEFAULT_CHUNK_SIZE, 10_000);
    /// ```
    pub const DEFAULT_CHUNK_SIZE: usize = 10_000;

    /// A query with no parameters, chunks of [`Query::DEFAULT_CHUNK_SIZE`] rows.
    ///
    /// ```
    /// assert_eq!(influxdb_http::Query::new("SHOW DATABASES").text(), "SHOW DATABASES");
    /// ```
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            params: Map::new(),
            chunk_size: Self::DEFAULT_CHUNK_SIZE,
            max_document_bytes: 512 * 1024 * 1024,
        }
    }

    /// Binds `$name` in the query to `value` (sent as `params={"name": value}`, never spliced
    /// into the text, so values need no escaping).
    ///
    /// ```
    /// let q = influxdb_http::Query::new("SELECT * FROM m WHERE t = $t").bind("t", "it's");
    /// assert_eq!(q.params_json(), r#"{"t":"it's"}"#);
    /// ```
    pub fn bind(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.params.insert(name.into(), value.into());
        self
    }

    /// Rows per chunk (at least 1).
    ///
    /// ```
    /// let q = influxdb_http::Query::new("SELECT * FROM m").chunk_size(0);
    /// assert_eq!(q.get_chunk_size(), 1);
    /// ```
    pub fn chunk_size(mut self, rows: usize) -> Self {
        self.chunk_size = rows.max(1);
        self
    }

    /// Largest single JSON document accepted (default 512 MiB); a guard against a server that
    /// ignores chunking, reported as [`Error::BadResponse`].
    ///
    /// ```
    /// let q = influxdb_http::Query::new("SELECT * FROM m").max_document_bytes(1 << 20);
    /// # drop(q);
    /// ```
    pub fn max_document_bytes(mut self, bytes: usize) -> Self {
        self.max_document_bytes = bytes;
        self
    }

    /// The InfluxQL text.
    ///
    /// ```
    /// assert_eq!(influxdb_http::Query::new("SHOW MEASUREMENTS").text(), "SHOW MEASUREMENTS");
    /// ```
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Rows per chunk.
    ///
    /// ```
    /// assert_eq!(influxdb_http::Query::new("x").get_chunk_size(), 10_000);
    /// ```
    pub fn get_chunk_size(&self) -> usize {
        self.chunk_size
    }

    /// The bound parameters as the JSON object sent in `params`.
    ///
    /// ```
    /// assert_eq!(influxdb_http::Query::new("x").params_json(), "{}");
    /// ```
    pub fn params_json(&self) -> String {
        Value::Object(self.params.clone()).to_string()
    }
}

/// One chunk of one series of a query result.
///
/// `time` (first column for `SELECT`) is integer nanoseconds. A series longer than the chunk
/// size arrives in several `Series` with the same name and tags, all but the last with
/// `partial = true`.
///
/// JSON loses the float/integer distinction for whole numbers (a float 89.0 arrives as `89`);
/// take field types from [`InfluxClient::show_field_keys`] when rebuilding line protocol. With
/// `GROUP BY *`, `tags` holds the series' tags; a tag the series lacks appears with value `""`.
///
/// ```
/// let s: influxdb_http::Series = serde_json::from_str(
///     r#"{"name":"m","tags":{"station":"a"},"columns":["time","temp"],"values":[[1,21.5]]}"#,
/// )?;
/// assert_eq!(s.column("temp"), Some(1));
/// assert_eq!(s.values[0][1], 21.5);
/// assert!(!s.partial);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct Series {
    /// Index of the statement (0-based) this series answers, for multi-statement queries.
    #[serde(skip)]
    pub statement_id: u64,
    /// Measurement name.
    #[serde(default)]
    pub name: String,
    /// Tags of the series (from `GROUP BY`).
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Column names, `time` first for `SELECT`.
    #[serde(default)]
    pub columns: Vec<String>,
    /// Rows, one value per column (`null` where a field is absent).
    #[serde(default)]
    pub values: Vec<Vec<Value>>,
    /// More rows of this series follow in the next chunk.
    #[serde(default)]
    pub partial: bool,
}

impl Series {
    /// Index of the column named `name`.
    ///
    /// ```
    /// let s = influxdb_http::Series { columns: vec!["time".into(), "f".into()], ..Default::default() };
    /// assert_eq!(s.column("f"), Some(1));
    /// assert_eq!(s.column("g"), None);
    /// ```
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }
}

impl InfluxClient {
    /// Runs an InfluxQL query on database `db` and streams its series chunk by chunk.
    ///
    /// Sent as `POST /query` with `db`, `q`, `epoch=ns`, `chunked=true`, `chunk_size` and
    /// `params` in a form body, with the configured credentials (a 2.x token works through its
    /// v1 compatibility API). `db` may be empty for statements that name no database.
    ///
    /// ```
    /// # use influxdb_http::{Api, ClientConfig, InfluxClient, Query, Error};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Error> {
    /// let client = InfluxClient::new(ClientConfig::new("http://127.0.0.1:9", Api::v1("db"))?)?;
    /// let q = Query::new("SELECT * FROM weather WHERE station = $s").bind("s", "paris");
    /// assert!(matches!(client.query_stream("weather", &q).await, Err(Error::Connect { .. })));
    /// # Ok(()) }
    /// ```
    pub async fn query_stream(&self, db: &str, query: &Query) -> Result<SeriesStream, Error> {
        let (response, url) = self.send_query(db, query, "application/json").await?;
        Ok(SeriesStream::new(
            response,
            url,
            self.config.timeout,
            query.max_document_bytes,
        ))
    }

    /// Runs an InfluxQL query like [`InfluxClient::query_stream`], with typed rows.
    ///
    /// Asks for msgpack (`Accept: application/x-msgpack`), which InfluxDB 1.x encodes about a
    /// third faster than JSON and which keeps floats and integers apart; a server answering
    /// JSON instead (the `Content-Type` says which) is read as JSON, and one refusing msgpack
    /// (`406 Not Acceptable`) is asked again for JSON.
    ///
    /// ```
    /// # use influxdb_http::{Api, ClientConfig, InfluxClient, Query, Error};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Error> {
    /// let client = InfluxClient::new(ClientConfig::new("http://127.0.0.1:9", Api::v1("db"))?)?;
    /// let q = Query::new("SELECT * FROM weather");
    /// assert!(matches!(client.query_rows("weather", &q).await, Err(Error::Connect { .. })));
    /// # Ok(()) }
    /// ```
    pub async fn query_rows(&self, db: &str, query: &Query) -> Result<RowStream, Error> {
        let (response, url) = match self.send_query(db, query, MSGPACK).await {
            // A server that cannot encode msgpack may refuse it instead of answering JSON.
            Err(Error::Http { status: 406, .. }) => {
                self.send_query(db, query, "application/json").await?
            }
            sent => sent?,
        };
        let msgpack = is_msgpack(&response);
        Ok(RowStream::new(
            response,
            url,
            self.config.timeout,
            query.max_document_bytes,
            msgpack,
        ))
    }

    /// Sends `query` as `POST /query`, asking for `accept`; returns the response and the URL
    /// to name in errors.
    async fn send_query(
        &self,
        db: &str,
        query: &Query,
        accept: &str,
    ) -> Result<(reqwest::Response, String), Error> {
        let url = self.endpoint("query")?;
        let chunk_size = query.chunk_size.to_string();
        let params = query.params_json();
        let mut form = vec![
            ("q", query.text.as_str()),
            ("epoch", "ns"),
            ("chunked", "true"),
            ("chunk_size", chunk_size.as_str()),
        ];
        if !db.is_empty() {
            form.push(("db", db));
        }
        if !query.params.is_empty() {
            form.push(("params", params.as_str()));
        }
        let body = form_body(&form);
        let request = self
            .authorize(self.http.post(url.clone()))
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(reqwest::header::ACCEPT, accept)
            .body(body);
        let shown = shown_url(&url);
        let sent = match request.send().await {
            Ok(r) if r.status().is_success() => Ok(r),
            Ok(r) => Err(error_from_response(r, &shown, self.config.timeout).await),
            Err(e) => Err(Error::from_reqwest(e, &shown, self.config.timeout)),
        };
        match sent {
            Ok(r) => Ok((r, shown)),
            // 1.x answers 400 with {"error": …} for an unparsable query: that is a query error.
            Err(Error::Http {
                status: 400,
                reason,
                ..
            }) => Err(Error::Query {
                statement_id: None,
                message: reason,
            }),
            Err(e) => Err(e),
        }
    }

    /// Runs a query and collects every series chunk (for small results: schema, counts).
    ///
    /// ```
    /// # use influxdb_http::{Api, ClientConfig, InfluxClient, Query, Error};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Error> {
    /// let client = InfluxClient::new(ClientConfig::new("http://127.0.0.1:9", Api::v1("db"))?)?;
    /// assert!(client.query("weather", &Query::new("SELECT count(*) FROM weather")).await.is_err());
    /// # Ok(()) }
    /// ```
    pub async fn query(&self, db: &str, query: &Query) -> Result<Vec<Series>, Error> {
        self.query_stream(db, query).await?.collect().await
    }
}

/// `application/x-www-form-urlencoded` body.
fn form_body(pairs: &[(&str, &str)]) -> String {
    let mut url = Url::parse("http://form.invalid/").expect("constant URL parses");
    url.query_pairs_mut().extend_pairs(pairs);
    url.query().unwrap_or("").to_owned()
}

/// Quotes an InfluxQL identifier: `"name"` with `\` and `"` escaped.
///
/// ```
/// use influxdb_http::quote_ident;
/// assert_eq!(quote_ident("we\"ird"), "\"we\\\"ird\"");
/// ```
pub fn quote_ident(name: &str) -> String {
    let mut quoted = String::with_capacity(name.len() + 2);
    quoted.push('"');
    for c in name.chars() {
        if matches!(c, '"' | '\\') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote_ident(r#"we"ird\name"#), r#""we\"ird\\name""#);
    }

    #[test]
    fn form_bodies_are_encoded() {
        assert_eq!(
            form_body(&[("q", "SELECT * FROM \"m\" WHERE a='b c'"), ("db", "x&y")]),
            "q=SELECT+*+FROM+%22m%22+WHERE+a%3D%27b+c%27&db=x%26y"
        );
    }
}
