//! The request bodies of InfluxDB 2's alerting API, as its OpenAPI spec documents them.
//!
//! Field names follow the spec (`orgID`, `statusMessageTemplate`…). Every field the spec or the
//! server's validation requires is a plain (non-`Option`) field here, so a body without it
//! cannot be built: `name`, `orgID`, `query.text`, `every` and `type` for checks (InfluxDB 2
//! rejects a check without `every`: "Check Every must exist"); `timeSince`, `staleTime` and
//! `level` for deadman checks; `url`, `method`, `authMethod` for HTTP endpoints; `orgID`,
//! `endpointID`, `status`, `every`, `tagRules` and a non-empty `statusRules` for rules.
//! Read-only fields (`id`, `ownerID`, `createdAt`…) are never written.

use std::collections::BTreeMap;

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

/// A level a notification rule matches (`RuleStatusLevel`: a check level or `ANY`).
///
/// ```
/// use influxdb_http::alerting::RuleLevel;
/// assert_eq!(serde_json::to_string(&RuleLevel::Any).unwrap(), r#""ANY""#);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RuleLevel {
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
    /// `ANY`.
    Any,
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

/// HTTP method an HTTP endpoint uses.
///
/// ```
/// assert_eq!(serde_json::to_string(&influxdb_http::alerting::HttpMethod::Post).unwrap(), r#""POST""#);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    /// `POST` (InfluxDB sends the status as JSON).
    Post,
    /// `GET`.
    Get,
    /// `PUT`.
    Put,
}

/// How an HTTP endpoint authenticates (`authMethod`).
///
/// ```
/// assert_eq!(serde_json::to_string(&influxdb_http::alerting::AuthMethod::None).unwrap(), r#""none""#);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthMethod {
    /// No authentication.
    None,
    /// HTTP basic (username and password become InfluxDB secrets).
    Basic,
    /// `Authorization: Bearer` (the token becomes an InfluxDB secret).
    Bearer,
}

/// An HTTP notification endpoint (`HTTPNotificationEndpoint`).
///
/// ```
/// use influxdb_http::alerting::HttpEndpoint;
/// let e = HttpEndpoint::post("alerts", "http://alertmanager:9093/hook");
/// let json = serde_json::to_value(&e).unwrap();
/// assert_eq!((json["method"].as_str(), json["authMethod"].as_str()), (Some("POST"), Some("none")));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpEndpoint {
    /// Unique name within the organization.
    pub name: String,
    /// Owning organization; filled in before sending.
    #[serde(rename = "orgID")]
    pub org_id: String,
    /// `active` or `inactive`.
    pub status: TaskStatus,
    /// Free text shown in the UI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Where statuses are sent.
    pub url: String,
    /// HTTP method.
    pub method: HttpMethod,
    /// Authentication (`none` here: secrets are not managed by provisioning).
    pub auth_method: AuthMethod,
    /// Extra request headers.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
}

impl HttpEndpoint {
    /// An active endpoint that POSTs without authentication.
    ///
    /// ```
    /// let e = influxdb_http::alerting::HttpEndpoint::post("n", "http://h/x");
    /// assert_eq!(e.url, "http://h/x");
    /// ```
    pub fn post(name: impl Into<String>, url: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            org_id: String::new(),
            status: TaskStatus::Active,
            description: None,
            url: url.into(),
            method: HttpMethod::Post,
            auth_method: AuthMethod::None,
            headers: BTreeMap::new(),
        }
    }
}

/// A notification endpoint: the body of `POST /api/v2/notificationEndpoints` and `PUT …/{id}`.
///
/// ```
/// use influxdb_http::alerting::{HttpEndpoint, NotificationEndpoint};
/// let e = NotificationEndpoint::Http(HttpEndpoint::post("n", "http://h/x"));
/// assert_eq!(serde_json::to_value(&e).unwrap()["type"], "http");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum NotificationEndpoint {
    /// `type: http`.
    Http(HttpEndpoint),
}

/// A tag condition of a notification rule (`TagRule`).
///
/// ```
/// let t = influxdb_http::alerting::TagRule::equal("source", "weather-alerts");
/// assert_eq!(serde_json::to_value(&t).unwrap()["operator"], "equal");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagRule {
    /// Tag key.
    pub key: String,
    /// Tag value (a regex for the regex operators).
    pub value: String,
    /// `equal`, `notequal`, `equalregex` or `notequalregex`.
    pub operator: String,
}

impl TagRule {
    /// `key == value`.
    ///
    /// ```
    /// assert_eq!(influxdb_http::alerting::TagRule::equal("a", "b").value, "b");
    /// ```
    pub fn equal(key: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            value: value.into(),
            operator: "equal".to_owned(),
        }
    }
}

/// A level change a notification rule reacts to (`StatusRule`); InfluxDB turns each into
/// `monitor.stateChanges(fromLevel: previousLevel or "any", toLevel: currentLevel)`.
///
/// ```
/// use influxdb_http::alerting::{RuleLevel, StatusRule};
/// let s = StatusRule::change(RuleLevel::Any, RuleLevel::Crit);
/// let json = serde_json::to_value(&s).unwrap();
/// assert_eq!((json["previousLevel"].as_str(), json["currentLevel"].as_str()), (Some("ANY"), Some("CRIT")));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusRule {
    /// Level after the change.
    pub current_level: RuleLevel,
    /// Level before it.
    pub previous_level: RuleLevel,
}

impl StatusRule {
    /// A change from `previous` to `current`.
    ///
    /// ```
    /// use influxdb_http::alerting::{RuleLevel, StatusRule};
    /// assert_eq!(StatusRule::change(RuleLevel::Ok, RuleLevel::Warn).current_level, RuleLevel::Warn);
    /// ```
    pub fn change(previous: RuleLevel, current: RuleLevel) -> Self {
        Self {
            current_level: current,
            previous_level: previous,
        }
    }
}

/// An HTTP notification rule (`HTTPNotificationRule`).
///
/// ```
/// use influxdb_http::alerting::{HttpRule, RuleLevel, StatusRule, TagRule};
/// let r = HttpRule::new("to-hook", "1m", vec![TagRule::equal("source", "weather-alerts")],
///     vec![StatusRule::change(RuleLevel::Any, RuleLevel::Crit)]);
/// let json = serde_json::to_value(&r).unwrap();
/// assert_eq!(json["status"], "active");
/// assert_eq!(json["endpointID"], ""); // set from the endpoint before sending
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpRule {
    /// Unique name within the organization.
    pub name: String,
    /// Owning organization; filled in before sending.
    #[serde(rename = "orgID")]
    pub org_id: String,
    /// The endpoint notified; filled in from the endpoint before sending.
    #[serde(rename = "endpointID")]
    pub endpoint_id: String,
    /// `active` or `inactive`.
    pub status: TaskStatus,
    /// Free text shown in the UI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// How often the rule looks at new statuses.
    pub every: String,
    /// Delay after each schedule point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<String>,
    /// Statuses must carry all these tags.
    pub tag_rules: Vec<TagRule>,
    /// Level changes that notify (at least one).
    pub status_rules: Vec<StatusRule>,
}

impl HttpRule {
    /// An active rule; `orgID` and `endpointID` are filled in when provisioning.
    ///
    /// ```
    /// let r = influxdb_http::alerting::HttpRule::new("n", "1m", vec![], vec![]);
    /// assert_eq!(r.every, "1m");
    /// ```
    pub fn new(
        name: impl Into<String>,
        every: impl Into<String>,
        tag_rules: Vec<TagRule>,
        status_rules: Vec<StatusRule>,
    ) -> Self {
        Self {
            name: name.into(),
            org_id: String::new(),
            endpoint_id: String::new(),
            status: TaskStatus::Active,
            description: None,
            every: every.into(),
            offset: None,
            tag_rules,
            status_rules,
        }
    }
}

/// A notification rule: the body of `POST /api/v2/notificationRules` and `PUT …/{id}`.
///
/// ```
/// use influxdb_http::alerting::{HttpRule, NotificationRule};
/// let r = NotificationRule::Http(HttpRule::new("n", "1m", vec![], vec![]));
/// assert_eq!(serde_json::to_value(&r).unwrap()["type"], "http");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum NotificationRule {
    /// `type: http`.
    Http(HttpRule),
}
