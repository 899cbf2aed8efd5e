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
//!     owner_tag: None,
//! };
//! let report = provision(&alerting, setup, false).await?;
//! println!("{}", report.summary());
//! # Ok(()) }
//! ```
//!
//! Modules:
//! - [`check`]: the check bodies ([`Check`]: [`ThresholdCheck`], [`DeadmanCheck`]) and
//!   [`notification`]: the endpoint and rule bodies ([`NotificationEndpoint`],
//!   [`NotificationRule`]), each with every field the API requires;
//! - [`api`]: [`AlertingApi`]: org lookup, list (paged), create (`POST`), update (`PUT`);
//! - [`provision`](mod@provision): [`plan`] and [`provision()`]: create / update / unchanged by name;
//! - [`error`]: [`ApiError`] (401, 403, 404, unreachable, other statuses);
//! - `spec` and `test_server` (feature `test-server`): the documented body rules and
//!   `Influx2TestServer`, a recording stand-in for InfluxDB 2 that enforces them.
//!
//! # What is tested how
//!
//! No InfluxDB 2 runs on the development machines, so nothing here has been run against a real
//! InfluxDB 2. What the tests do instead:
//! - **Request bodies against the documented schema** (`tests/alerting_spec.rs`): `spec` encodes
//!   the OpenAPI spec's required fields and enums (influxdata/openapi `src/common/schemas`:
//!   `CheckBase`, `ThresholdCheck`, `DeadmanCheck`, the `Threshold` types,
//!   `HTTPNotificationEndpoint`, `NotificationRuleBase`, `TagRule`, `StatusRule`) plus what
//!   InfluxDB 2's own validation adds (`every` on checks and rules, valid IDs, `timeSince` and
//!   `staleTime` on deadman checks, one `_field` filter in a threshold check's query, `offset`
//!   below `every`). One test per required field, named after it
//!   (`threshold_check_requires_query_text`, `rule_requires_status_rules`…), shows that the
//!   typed model writes the field and that a body without it is rejected naming it.
//! - **The HTTP exchange** (`tests/alerting_provision.rs`): the client and [`provision()`] run
//!   against `Influx2TestServer` on 127.0.0.1, which stores objects as InfluxDB 2 does (IDs,
//!   `ownerID`, timestamps, lists per `orgID` paged by `offset`/`limit` ≤ 100, `PUT` keeps the
//!   ID; numbers re-encoded the way Go writes them), checks the `Authorization: Token` header,
//!   answers InfluxDB 2's error bodies (`{"code","message"}`), and records every request. The
//!   tests check the first run (creates), the second (no write at all), a changed threshold (one
//!   `PUT` to the same ID), paging, duplicate names, 401, 403, 404 and an unreachable server.
//! - **Not modeled**: Flux compilation of the check and rule queries and the tasks InfluxDB
//!   creates to run them (the query's shape is checked by `spec` only: one `_field` filter), and
//!   the exact texts of InfluxDB's error messages (the stand-in's are modeled on them). The 403
//!   comes from a token the stand-in is told to treat as read-only.

pub mod api;
pub mod check;
pub mod error;
pub mod notification;
pub mod provision;
#[cfg(feature = "test-server")]
pub mod spec;
#[cfg(feature = "test-server")]
pub mod test_server;
#[cfg(feature = "test-server")]
mod wire;

pub use api::{AlertingApi, Resource, Stored};
pub use check::{
    Check, CheckBase, CheckLevel, DashboardQuery, DeadmanCheck, StatusTag, TaskStatus, Threshold,
    ThresholdCheck,
};
pub use error::ApiError;
pub use notification::{
    AuthMethod, HttpEndpoint, HttpMethod, HttpRule, NotificationEndpoint, NotificationRule,
    RuleLevel, StatusRule, TagRule,
};
pub use provision::{AlertSetup, Change, Outcome, Report, plan, provision};
#[cfg(feature = "test-server")]
pub use test_server::{Influx2TestServer, RecordedRequest};
