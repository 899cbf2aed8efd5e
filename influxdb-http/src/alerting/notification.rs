//! The notification bodies of InfluxDB 2's alerting API (`/api/v2/notificationEndpoints`,
//! `/api/v2/notificationRules`), as its OpenAPI spec documents them.
//!
//! Required fields are plain fields, so a body without them cannot be built: `url`, `method`
//! and `authMethod` for HTTP endpoints; `orgID`, `endpointID`, `status`, `every`, `tagRules`
//! and a non-empty `statusRules` for rules. Read-only fields are never written.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::TaskStatus;

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
