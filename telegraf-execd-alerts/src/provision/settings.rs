//! `[processors.alerts.provision]`: where `provision` sends the rules, in the rule file itself
//! (with `${VAR}` expansion like every option). Command-line flags and their environment
//! variables override these; the API token is never read from the file.

use serde::Deserialize;
use telegraf_execd::GoDuration;

/// The optional `[processors.alerts.provision]` table; the processor ignores it.
///
/// ```
/// use telegraf_execd_alerts::AlertsConfig;
/// let c = AlertsConfig::from_toml(r#"
/// [[processors.alerts]]
///   [processors.alerts.provision]
///     url = "http://influxdb:8086"
///     org = "lab"
///     endpoint_url = "http://hook:8080/alerts"
/// "#, "a.toml").unwrap();
/// let p = c.provision.unwrap();
/// assert_eq!(p.org.as_deref(), Some("lab"));
/// assert_eq!(p.bucket, None); // `weather` unless set
/// // The token has no place here: an unknown option is an error naming it.
/// let e = AlertsConfig::from_toml("[[processors.alerts]]\n[processors.alerts.provision]\ntoken = \"x\"\n", "a.toml").unwrap_err();
/// assert!(e.to_string().contains("unknown field `token`"), "{e}");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvisionSettings {
    /// InfluxDB 2 base URL (`-url`, `INFLUX_URL` override it).
    pub url: Option<String>,
    /// Organization name (`-org`, `INFLUX_ORG`).
    pub org: Option<String>,
    /// Bucket the checks query (`-bucket`, `INFLUX_BUCKET`); default `weather`.
    pub bucket: Option<String>,
    /// URL of the HTTP notification endpoint (`-endpoint_url`, `ALERT_ENDPOINT_URL`).
    pub endpoint_url: Option<String>,
    /// Name of the notification endpoint (`-endpoint_name`).
    pub endpoint_name: Option<String>,
    /// Interval of checks without `for`, deadman checks and the notification rule (`-every`).
    pub every: Option<GoDuration>,
}
