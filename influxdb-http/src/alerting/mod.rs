//! InfluxDB 2's alerting API: checks, notification endpoints and notification rules, and
//! idempotent provisioning of them.
//!
//! ```no_run
//! use influxdb_http::{Api, ClientConfig, InfluxClient, Secret};
//! use influxdb_http::alerting::{provision, AlertSetup, AlertingApi, HttpEndpoint, NotificationEndpoint};
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let api = Api::V2 { org: "lab".into(), bucket: "weather".into(), token: Secret::from_env("INFLUX_TOKEN")? };
//! let alerting = AlertingApi::new(InfluxClient::new(ClientConfig::new("http://influxdb:8086", api)?)?)?;
//! let setup = AlertSetup {
//!     endpoint: NotificationEndpoint::Http(HttpEndpoint::post("hook", "http://hook:8080/")),
//!     checks: vec![],
//!     rules: vec![],
//! };
//! let report = provision(&alerting, setup, false).await?;
//! println!("{}", report.summary());
//! # Ok(()) }
//! ```
//!
//! Modules:
//! - [`model`]: the request bodies ([`Check`], [`NotificationEndpoint`], [`NotificationRule`]…)
//!   with every field the API requires;
//! - [`api`]: [`AlertingApi`]: org lookup, list (paged), create (`POST`), update (`PUT`);
//! - [`provision`](mod@provision): [`plan`] and [`provision()`]: create / update / unchanged by name;
//! - [`error`]: [`ApiError`] (401, 403, 404, unreachable, other statuses);
//! - `spec` and `test_server` (feature `test-server`): the documented body rules and
//!   [`Influx2TestServer`], a recording stand-in for InfluxDB 2 that enforces them.
//!
//! How this is tested: no InfluxDB 2 runs here. The tests (`tests/alerting_*.rs`) run the client
//! against [`Influx2TestServer`], which checks each body against the rules in `spec` (taken from
//! InfluxDB 2's OpenAPI spec and its server-side validation), and one test per required field
//! shows that the bodies carry it and that the server rejects a body without it.

pub mod api;
pub mod error;
pub mod model;
pub mod provision;
#[cfg(feature = "test-server")]
pub mod spec;
#[cfg(feature = "test-server")]
pub mod test_server;

pub use api::{AlertingApi, Resource, Stored};
pub use error::ApiError;
pub use model::{
    AuthMethod, Check, CheckBase, CheckLevel, DashboardQuery, DeadmanCheck, HttpEndpoint,
    HttpMethod, HttpRule, NotificationEndpoint, NotificationRule, RuleLevel, StatusRule, StatusTag,
    TagRule, TaskStatus, Threshold, ThresholdCheck,
};
pub use provision::{AlertSetup, Change, Outcome, Report, plan, provision};
#[cfg(feature = "test-server")]
pub use test_server::{Influx2TestServer, RecordedRequest};
