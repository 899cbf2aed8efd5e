//! An async InfluxDB HTTP client: line-protocol writes that never lose or duplicate a point,
//! and InfluxQL queries streamed chunk by chunk.
//!
//! ```
//! use influxdb_http::{Api, Batcher, ClientConfig, InfluxClient, Query, RetryPolicy};
//!
//! let mut config = ClientConfig::new("http://127.0.0.1:8086", Api::v1("weather"))?;
//! config.retry = RetryPolicy { max_attempts: 5, ..RetryPolicy::default() };
//! let client = InfluxClient::new(config)?;
//!
//! // Lines are grouped into batches for `client.write(&batch.bytes).await`.
//! let mut batcher = Batcher::new(5000, 4 << 20);
//! assert!(batcher.push(b"weather,station=paris temp=21.5 1700000000000000000").is_none());
//! let batch = batcher.finish().expect("one line pending");
//! assert_eq!(batch.lines, 1);
//!
//! // Queries stream with `client.query_stream("weather", &query).await?.next().await?`.
//! let query = Query::new("SELECT * FROM weather WHERE station = $s").bind("s", "paris");
//! # drop((client, query));
//! # Ok::<(), influxdb_http::Error>(())
//! ```
//!
//! Modules:
//! - [`alerting`]: InfluxDB 2's checks, notification endpoints and rules, idempotent provisioning
//!   (and, with `test-server`, a recording InfluxDB 2 stand-in that checks request bodies);
//! - [`config`]: endpoint, [`Api`] flavour (v1 database / v2 bucket), timeouts, encoding, retries;
//! - [`secret`]: tokens and passwords from the environment or a file, never printed;
//! - [`client`]: [`InfluxClient`], ping, `CREATE DATABASE`;
//! - [`write`](mod@write): writes with retries, 413 splitting and partial-write reporting (read its notes
//!   on why nothing is lost or written twice);
//! - [`batch`]: [`Batcher`] groups lines into batches;
//! - [`query`]: [`Query`], [`Series`], [`InfluxClient::query_stream`];
//! - [`series_stream`]: [`SeriesStream`] reads chunked results in bounded memory;
//! - [`rows`]: [`RowSeries`], [`Row`], [`Cell`]: typed result chunks without `serde_json::Value`;
//! - [`row_stream`]: [`RowStream`] ([`InfluxClient::query_rows`]) reads them from msgpack or JSON;
//! - [`schema`]: `SHOW FIELD KEYS` / `TAG KEYS` / `MEASUREMENTS`, [`FieldType`];
//! - [`error`]: [`Error`], [`WriteError`], [`WriteOutcome`];
//! - `local_influxd` (feature `test-server`): `LocalInfluxd` and `TestInflux` start or find a
//!   real InfluxDB for tests (also over https); `TestCa` makes a throw-away CA for TLS tests.

pub mod alerting;
pub mod batch;
pub mod client;
pub mod config;
pub mod error;
mod framing;
#[cfg(feature = "test-server")]
pub mod local_influxd;
pub mod query;
mod result_queue;
mod retry;
pub mod row_stream;
pub mod rows;
mod rows_json;
mod rows_msgpack;
pub mod schema;
pub mod secret;
pub mod series_stream;
mod split;
#[cfg(feature = "test-server")]
pub mod test_ca;
pub mod write;

pub use batch::{Batch, Batcher};
pub use client::InfluxClient;
pub use config::{Api, ClientConfig, ContentEncoding, Credentials, RetryPolicy};
pub use error::{Error, WriteError, WriteOutcome};
#[cfg(feature = "test-server")]
pub use local_influxd::{
    LocalInfluxd, LocalInfluxdError, REQUIRE_SERVICES_VAR, TestInflux, services_required,
};
pub use query::{Query, Series, quote_ident};
pub use reqwest::Url;
pub use row_stream::RowStream;
pub use rows::{Cell, Row, RowSeries};
pub use schema::FieldType;
pub use secret::{Secret, SecretError};
pub use series_stream::SeriesStream;
#[cfg(feature = "test-server")]
pub use test_ca::TestCa;
