//! The check bodies of InfluxDB 2's alerting API (`/api/v2/checks`), as its OpenAPI spec
//! documents them.
//!
//! Field names follow the spec (`orgID`, `statusMessageTemplate`…). Every field the spec or the
//! server's validation requires is a plain (non-`Option`) field here, so a body without it
//! cannot be built: `name`, `orgID`, `query.text`, `every` and `type` (InfluxDB 2 rejects a
//! check without `every`: "Check Every must exist"), and `timeSince`, `staleTime` and `level`
//! for deadman checks. Read-only fields (`id`, `ownerID`, `createdAt`…) are never written.

use serde::{Deserialize, Serialize};
/// A check's status level (`CheckStatusLevel`).
///
/// ```
/// use influxdb_http::alerting::CheckLevel;
/// assert_eq!(serde_json::to_string(&CheckLevel::Crit).unwrap(), r#""CRIT""#);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum CheckLevel {
    /// `UNKNOWN`.
    Unknown,
    /// `OK`.
    Ok,
    /// `INFO`.
    Info,
    /// `WARN`.
    Warn,
    /// `CRIT`.
    Crit,
}

/// `active` or `inactive` (`TaskStatusType`).
///
/// ```
/// use influxdb_http::alerting::TaskStatus;
/// assert_eq!(serde_json::to_string(&TaskStatus::Active).unwrap(), r#""active""#);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskStatus {
    /// The check or rule runs.
    #[default]
    Active,
    /// It exists but does not run.
    Inactive,
}

/// The Flux query of a check (`DashboardQuery`).
///
/// ```
/// use influxdb_http::alerting::DashboardQuery;
/// let q = DashboardQuery::flux(r#"from(bucket: "weather") |> range(start: -1m)"#);
/// assert_eq!(serde_json::to_value(&q).unwrap()["editMode"], "advanced");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DashboardQuery {
    /// The Flux text.
    pub text: String,
    /// `advanced` (hand-written Flux) or `builder`.
    pub edit_mode: String,
}

impl DashboardQuery {
    /// A hand-written Flux query.
    ///
    /// ```
    /// let q = influxdb_http::alerting::DashboardQuery::flux("x");
    /// assert_eq!(q.text, "x");
    /// ```
    pub fn flux(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            edit_mode: "advanced".to_owned(),
        }
    }
}

/// A tag a check writes into each status (the `tags` items of a check).
///
/// ```
/// let t = influxdb_http::alerting::StatusTag::new("source", "weather-alerts");
/// assert_eq!(serde_json::to_string(&t).unwrap(), r#"{"key":"source","value":"weather-alerts"}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusTag {
    /// Tag key.
    pub key: String,
    /// Tag value.
    pub value: String,
}

impl StatusTag {
    /// A key and value.
    ///
    /// ```
    /// assert_eq!(influxdb_http::alerting::StatusTag::new("a", "b").key, "a");
    /// ```
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            value: value.into(),
        }
    }
}

/// The fields every check carries (`CheckBase` plus the server's requirements).
///
/// ```
/// use influxdb_http::alerting::{CheckBase, DashboardQuery};
/// let base = CheckBase::new("hot", DashboardQuery::flux("…"), "1m");
/// let json = serde_json::to_value(&base).unwrap();
/// assert_eq!(json["every"], "1m");
/// assert!(json.get("id").is_none()); // read-only, never written
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckBase {
    /// Unique name within the organization (what provisioning matches on).
    pub name: String,
    /// Owning organization; filled in by [`AlertingApi`](super::AlertingApi) before sending.
    #[serde(rename = "orgID")]
    pub org_id: String,
    /// The Flux query: one `_field` filter, over `range(start: …)` (the server replaces the
    /// start with `-every`, and any `every:` with the check's `every`).
    pub query: DashboardQuery,
    /// Whether the check runs.
    pub status: TaskStatus,
    /// Free text shown in the UI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// How often the check runs (a Flux duration such as `1m`).
    pub every: String,
    /// Delay after each schedule point before the check runs; must be below `every`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<String>,
    /// Tags written into each status (notification rules match on them).
    #[serde(default)]
    pub tags: Vec<StatusTag>,
    /// Flux string template of the status message (`${r._check_name}` …).
    pub status_message_template: String,
}

impl CheckBase {
    /// A check base with status `active`, no tags and a generic message template.
    ///
    /// ```
    /// use influxdb_http::alerting::{CheckBase, DashboardQuery, TaskStatus};
    /// let b = CheckBase::new("n", DashboardQuery::flux("q"), "5m");
    /// assert_eq!(b.status, TaskStatus::Active);
    /// ```
    pub fn new(name: impl Into<String>, query: DashboardQuery, every: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            org_id: String::new(),
            query,
            status: TaskStatus::Active,
            description: None,
            every: every.into(),
            offset: None,
            tags: Vec::new(),
            status_message_template: "Check: ${ r._check_name } is: ${ r._level }".to_owned(),
        }
    }
}

/// One level of a threshold check (`Threshold`: `greater`, `lesser` or `range`).
///
/// ```
/// use influxdb_http::alerting::{CheckLevel, Threshold};
/// let t = Threshold::Greater { level: CheckLevel::Crit, value: 35.0, all_values: false };
/// let json = serde_json::to_value(&t).unwrap();
/// assert_eq!(json["type"], "greater");
/// assert_eq!(json["value"], 35.0);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Threshold {
    /// `value > threshold`.
    Greater {
        /// Level recorded when it holds.
        level: CheckLevel,
        /// The threshold.
        value: f64,
        /// Spec: "if true, only alert if all values meet threshold".
        #[serde(rename = "allValues", default)]
        all_values: bool,
    },
    /// `value < threshold`.
    Lesser {
        /// Level recorded when it holds.
        level: CheckLevel,
        /// The threshold.
        value: f64,
        /// Spec: "if true, only alert if all values meet threshold".
        #[serde(rename = "allValues", default)]
        all_values: bool,
    },
    /// Inside (`within`) or outside `[min, max]`.
    Range {
        /// Level recorded when it holds.
        level: CheckLevel,
        /// Lower bound.
        min: f64,
        /// Upper bound.
        max: f64,
        /// Inside rather than outside.
        within: bool,
        /// Spec: "if true, only alert if all values meet threshold".
        #[serde(rename = "allValues", default)]
        all_values: bool,
    },
}

/// A threshold check (`ThresholdCheck`).
///
/// ```
/// use influxdb_http::alerting::{CheckBase, CheckLevel, DashboardQuery, Threshold, ThresholdCheck};
/// let c = ThresholdCheck {
///     base: CheckBase::new("hot", DashboardQuery::flux("…"), "1m"),
///     thresholds: vec![Threshold::Greater { level: CheckLevel::Warn, value: 30.0, all_values: false }],
/// };
/// assert_eq!(serde_json::to_value(&c).unwrap()["thresholds"][0]["level"], "WARN");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThresholdCheck {
    /// Common check fields.
    #[serde(flatten)]
    pub base: CheckBase,
    /// The levels, at most one per level.
    pub thresholds: Vec<Threshold>,
}

/// A deadman check (`DeadmanCheck`): a series that reports nothing for `timeSince` gets
/// `level`; series silent longer than `staleTime` are forgotten.
///
/// ```
/// use influxdb_http::alerting::{CheckBase, CheckLevel, DashboardQuery, DeadmanCheck};
/// let c = DeadmanCheck {
///     base: CheckBase::new("silent", DashboardQuery::flux("…"), "1m"),
///     time_since: "90s".into(), stale_time: "10m".into(), report_zero: false, level: CheckLevel::Crit,
/// };
/// assert_eq!(serde_json::to_value(&c).unwrap()["timeSince"], "90s");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeadmanCheck {
    /// Common check fields.
    #[serde(flatten)]
    pub base: CheckBase,
    /// Silence after which the level is raised.
    pub time_since: String,
    /// Silence after which a series is no longer checked.
    pub stale_time: String,
    /// Also trigger when only zero values were reported.
    pub report_zero: bool,
    /// Level recorded for a silent series.
    pub level: CheckLevel,
}

/// A check: the body of `POST /api/v2/checks` and `PUT /api/v2/checks/{id}`.
///
/// ```
/// use influxdb_http::alerting::{Check, CheckBase, DashboardQuery, ThresholdCheck};
/// let c = Check::Threshold(ThresholdCheck {
///     base: CheckBase::new("hot", DashboardQuery::flux("…"), "1m"),
///     thresholds: vec![],
/// });
/// assert_eq!(serde_json::to_value(&c).unwrap()["type"], "threshold");
/// assert_eq!(c.base().name, "hot");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Check {
    /// `type: threshold`.
    Threshold(ThresholdCheck),
    /// `type: deadman`.
    Deadman(DeadmanCheck),
}

impl Check {
    /// The common fields.
    ///
    /// ```
    /// # use influxdb_http::alerting::{Check, CheckBase, DashboardQuery, ThresholdCheck};
    /// let c = Check::Threshold(ThresholdCheck { base: CheckBase::new("n", DashboardQuery::flux("q"), "1m"), thresholds: vec![] });
    /// assert_eq!(c.base().every, "1m");
    /// ```
    pub fn base(&self) -> &CheckBase {
        match self {
            Check::Threshold(c) => &c.base,
            Check::Deadman(c) => &c.base,
        }
    }

    /// The common fields, mutable.
    ///
    /// ```
    /// # use influxdb_http::alerting::{Check, CheckBase, DashboardQuery, ThresholdCheck};
    /// let mut c = Check::Threshold(ThresholdCheck { base: CheckBase::new("n", DashboardQuery::flux("q"), "1m"), thresholds: vec![] });
    /// c.base_mut().org_id = "0123456789abcdef".into();
    /// assert_eq!(c.base().org_id, "0123456789abcdef");
    /// ```
    pub fn base_mut(&mut self) -> &mut CheckBase {
        match self {
            Check::Threshold(c) => &mut c.base,
            Check::Deadman(c) => &mut c.base,
        }
    }
}
