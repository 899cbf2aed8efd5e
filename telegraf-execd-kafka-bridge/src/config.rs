//! The bridge's options: one `[[inputs.kafka_bridge]]` table, loaded by
//! [`telegraf_execd::config`] (so `${VAR}` expansion and unknown-key errors come from there).
//!
//! The shipped `kafka-bridge.toml` documents every option; the types here hold the defaults.
//! librdkafka properties are not re-invented: the `[inputs.kafka_bridge.kafka]` table is passed
//! to librdkafka as is (SASL, TLS, compression…), except for the few properties exactly-once
//! depends on, which the bridge sets and refuses to have overridden ([`KafkaProperties`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use telegraf_execd::config::{ConfigError, PluginKind, load_plugin_config, parse_plugin_config};
use telegraf_execd::duration::GoDuration;
use telegraf_execd::logger::LogLevel;

use crate::timestamp::StartTime;

mod properties;
pub use properties::{KafkaProperties, PINNED_PRODUCER_PROPERTIES, canonical_property};

/// The plugin name in `[[inputs.<name>]]`.
pub const PLUGIN_NAME: &str = "kafka_bridge";

/// How a message value is encoded.
///
/// ```
/// use telegraf_execd_kafka_bridge::config::ValueFormat;
/// let f: ValueFormat = serde_json::from_str("\"json\"").unwrap();
/// assert_eq!(f, ValueFormat::Json);
/// assert_eq!(ValueFormat::default(), ValueFormat::Influx);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ValueFormat {
    /// One line-protocol line with its `\n`: what Telegraf's `outputs.kafka` sends with
    /// `data_format = "influx"`.
    #[default]
    Influx,
    /// The JSON object `lp json` prints for the point.
    Json,
}

/// The whole configuration.
///
/// ```
/// use telegraf_execd_kafka_bridge::config::BridgeConfig;
/// let c = BridgeConfig::from_toml(r#"
/// [[inputs.kafka_bridge]]
///   topic = "weather"
///   lateness = "5s"
///   [inputs.kafka_bridge.influxdb]
///     url = "http://127.0.0.1:8086"
///     database = "weather"
///   [inputs.kafka_bridge.kafka]
///     "bootstrap.servers" = "127.0.0.1:9092"
///     "linger.ms" = 5
/// "#, "example").unwrap();
/// assert_eq!(c.lateness.as_secs(), 5);
/// assert_eq!(c.key_tag, "station");
/// assert_eq!(c.kafka.get("linger.ms"), Some("5"));
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BridgeConfig {
    /// Topic the points are exported to.
    pub topic: String,
    /// Tag whose value is the message key (and decides the partition).
    pub key_tag: String,
    /// Message value encoding.
    pub value_format: ValueFormat,
    /// Export only points at least this much older than now, so late writes still make it.
    pub lateness: GoDuration,
    /// How often the export loop asks InfluxDB for new points.
    pub export_interval: GoDuration,
    /// Export points from this time on (RFC 3339 or integer ns); default: everything.
    pub start: Option<StartTime>,
    /// Exit non-zero when a message stays unacknowledged (or Kafka unreachable) this long.
    pub kafka_timeout: GoDuration,
    /// At start, the partition ends must stay unchanged this long before the tails are trusted:
    /// produce requests of a killed run can still land (see [`crate::resume`]). At least the
    /// producer's `request.timeout.ms`.
    pub startup_quiet_period: GoDuration,
    /// Longest wait between InfluxDB retries (the backoff doubles from 100 ms up to this).
    pub retry_max_backoff: GoDuration,
    /// Health metrics ticker (like the Go shim's `-poll_interval`); `0s` disables it.
    pub poll_interval: GoDuration,
    /// Warn (and count in `empty_measurements`) when a configured measurement has had no field
    /// for this long: a misspelled name would otherwise export nothing without a trace.
    pub empty_measurement_grace: GoDuration,
    /// How often already-exported time ranges are counted again to find late points
    /// (`late_points`); `0s` disables it.
    pub late_check_interval: GoDuration,
    /// Stderr log level.
    pub log_level: LogLevel,
    /// Where the points come from.
    pub influxdb: InfluxSettings,
    /// librdkafka properties, passed through.
    pub kafka: KafkaProperties,
    /// Topics `create-topics` makes.
    pub topics: Vec<TopicSpec>,
}

impl Default for BridgeConfig {
    fn default() -> Self {
        BridgeConfig {
            topic: "weather".into(),
            key_tag: "station".into(),
            value_format: ValueFormat::Influx,
            lateness: GoDuration::from_secs(10),
            export_interval: GoDuration::from_secs(1),
            start: None,
            kafka_timeout: GoDuration::from_secs(60),
            startup_quiet_period: GoDuration::from_secs(30),
            retry_max_backoff: GoDuration::from_secs(30),
            poll_interval: GoDuration::from_secs(10),
            empty_measurement_grace: GoDuration::from_secs(300),
            late_check_interval: GoDuration::from_secs(60),
            log_level: LogLevel::Info,
            influxdb: InfluxSettings::default(),
            kafka: KafkaProperties::default(),
            topics: TopicSpec::lab_defaults(),
        }
    }
}

/// A configuration that loads but cannot work.
///
/// ```
/// use telegraf_execd_kafka_bridge::config::BridgeConfig;
/// let e = BridgeConfig::from_toml("[[inputs.kafka_bridge]]\ntopic = \"\"\n", "t").unwrap_err();
/// assert!(e.to_string().contains("topic"), "{e}");
/// ```
#[derive(Debug, thiserror::Error)]
pub enum BridgeConfigError {
    /// The file itself (syntax, unknown key, unset variable).
    #[error(transparent)]
    File(#[from] ConfigError),
    /// An option's value is unusable.
    #[error("{origin}: option `{option}`: {message}")]
    Invalid {
        /// The file name.
        origin: String,
        /// The option, dotted (`influxdb.measurements`).
        option: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The token file could not be read.
    #[error("{origin}: option `influxdb.token_file`: cannot read {path}: {source}")]
    TokenFile {
        /// The file name.
        origin: String,
        /// The token file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl BridgeConfig {
    /// Loads and checks the file at `path`.
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("b.toml");
    /// std::fs::write(&path, "[[inputs.kafka_bridge]]\n  topic = \"${T:-weather}\"\n").unwrap();
    /// let c = telegraf_execd_kafka_bridge::config::BridgeConfig::load(&path).unwrap();
    /// assert_eq!(c.topic, "weather");
    /// ```
    pub fn load(path: &Path) -> Result<Self, BridgeConfigError> {
        let config: BridgeConfig = load_plugin_config(path, PluginKind::Inputs, PLUGIN_NAME)?;
        config.checked(&path.display().to_string())
    }

    /// Parses and checks TOML text; `origin` names it in errors.
    ///
    /// ```
    /// let c = telegraf_execd_kafka_bridge::config::BridgeConfig::from_toml("", "empty").unwrap();
    /// assert_eq!(c.topic, "weather");
    /// ```
    pub fn from_toml(text: &str, origin: &str) -> Result<Self, BridgeConfigError> {
        let config: BridgeConfig =
            parse_plugin_config(text, origin, PluginKind::Inputs, PLUGIN_NAME)?;
        config.checked(origin)
    }

    fn checked(self, origin: &str) -> Result<Self, BridgeConfigError> {
        let invalid = |option, message: &str| BridgeConfigError::Invalid {
            origin: origin.to_string(),
            option,
            message: message.to_string(),
        };
        if self.topic.is_empty() {
            return Err(invalid("topic", "must not be empty"));
        }
        if self.key_tag.is_empty() {
            return Err(invalid("key_tag", "must not be empty"));
        }
        if self.influxdb.database.is_empty() {
            return Err(invalid("influxdb.database", "must not be empty"));
        }
        if self.influxdb.measurements.is_empty()
            || self.influxdb.measurements.iter().any(String::is_empty)
        {
            return Err(invalid(
                "influxdb.measurements",
                "must list at least one non-empty measurement",
            ));
        }
        if self.influxdb.chunk_size == 0 {
            return Err(invalid("influxdb.chunk_size", "must be at least 1"));
        }
        if self.export_interval.is_zero() {
            return Err(invalid("export_interval", "must be longer than 0s"));
        }
        if self.kafka_timeout.is_zero() {
            return Err(invalid("kafka_timeout", "must be longer than 0s"));
        }
        if self.influxdb.where_clause.contains(';') {
            return Err(invalid(
                "influxdb.where",
                "must be one condition, without `;`",
            ));
        }
        for (i, t) in self.topics.iter().enumerate() {
            if t.name.is_empty() || t.partitions < 1 || t.replication_factor < 1 {
                return Err(invalid(
                    "topics",
                    &format!(
                        "topic #{} needs a name, partitions >= 1 and replication_factor >= 1",
                        i + 1
                    ),
                ));
            }
        }
        self.kafka
            .check()
            .map_err(|message| invalid("kafka", &message))?;
        if let Some(ms) = self.kafka.get("request.timeout.ms")
            && let Ok(ms) = ms.trim().parse::<u64>()
            && Duration::from_millis(ms) > self.startup_quiet_period.0
        {
            return Err(invalid(
                "startup_quiet_period",
                &format!(
                    "{:?} is shorter than the producer's request.timeout.ms ({ms} ms): a killed run's last request could still be appended after the start-up check",
                    self.startup_quiet_period.0
                ),
            ));
        }
        Ok(self)
    }

    /// Fails unless the `kafka` table names brokers (`bootstrap.servers`). Separate from
    /// loading so the tools can take `--bootstrap-servers` instead.
    ///
    /// ```
    /// use telegraf_execd_kafka_bridge::config::BridgeConfig;
    /// let c = BridgeConfig::from_toml("", "defaults").unwrap();
    /// let e = c.require_brokers("defaults").unwrap_err();
    /// assert!(e.to_string().contains("bootstrap.servers"), "{e}");
    /// ```
    pub fn require_brokers(&self, origin: &str) -> Result<(), BridgeConfigError> {
        if self.kafka.get("bootstrap.servers").is_none() {
            return Err(BridgeConfigError::Invalid {
                origin: origin.to_string(),
                option: "kafka",
                message: "set \"bootstrap.servers\" (e.g. \"127.0.0.1:9092\")".into(),
            });
        }
        Ok(())
    }

    /// The InfluxDB token: `influxdb.token`, else the `influxdb.token_env` variable, else the
    /// first line of `influxdb.token_file`; `None` when none is set (InfluxDB 1.x without auth).
    ///
    /// ```
    /// let c = telegraf_execd_kafka_bridge::config::BridgeConfig::from_toml(
    ///     "[[inputs.kafka_bridge]]\n[inputs.kafka_bridge.influxdb]\ntoken = \"abc\"\n[inputs.kafka_bridge.kafka]\n\"bootstrap.servers\" = \"x:1\"\n", "t").unwrap();
    /// assert_eq!(c.influx_token("t").unwrap().as_deref(), Some("abc"));
    /// ```
    pub fn influx_token(&self, origin: &str) -> Result<Option<String>, BridgeConfigError> {
        let i = &self.influxdb;
        if !i.token.is_empty() {
            return Ok(Some(i.token.clone()));
        }
        if !i.token_env.is_empty()
            && let Ok(t) = std::env::var(&i.token_env)
            && !t.is_empty()
        {
            return Ok(Some(t));
        }
        if let Some(path) = &i.token_file {
            let text =
                std::fs::read_to_string(path).map_err(|source| BridgeConfigError::TokenFile {
                    origin: origin.to_string(),
                    path: path.clone(),
                    source,
                })?;
            let token = text.lines().next().unwrap_or("").trim().to_string();
            return Ok((!token.is_empty()).then_some(token));
        }
        Ok(None)
    }

    /// The health ticker, `None` when disabled.
    ///
    /// ```
    /// let c = telegraf_execd_kafka_bridge::config::BridgeConfig::default();
    /// assert_eq!(c.health_interval(), Some(std::time::Duration::from_secs(10)));
    /// ```
    pub fn health_interval(&self) -> Option<Duration> {
        (!self.poll_interval.is_zero()).then_some(self.poll_interval.0)
    }
}

/// Where points are read: an InfluxDB `/query` endpoint (1.x, 2.x v1-compat, 3.x).
///
/// ```
/// let i = telegraf_execd_kafka_bridge::config::InfluxSettings::default();
/// assert_eq!(i.measurements, ["weather"]);
/// assert_eq!(i.chunk_size, 10_000);
/// ```
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InfluxSettings {
    /// Base URL.
    pub url: String,
    /// PEM CA file trusted for an `https` URL instead of the web roots (Telegraf's `tls_ca`).
    pub tls_ca: Option<PathBuf>,
    /// Database (1.x), or the bucket's DBRP database name (2.x/3.x).
    pub database: String,
    /// Retention policy; empty = the database default.
    pub retention_policy: String,
    /// Measurements to export.
    pub measurements: Vec<String>,
    /// Extra InfluxQL condition ANDed to every query, e.g. `"station" = 'paris'`.
    #[serde(rename = "where")]
    pub where_clause: String,
    /// Token sent as `Authorization: Token …` (prefer `token_env` / `token_file`).
    pub token: String,
    /// Environment variable holding the token.
    pub token_env: String,
    /// File whose first line is the token.
    pub token_file: Option<PathBuf>,
    /// 1.x user name (with `password`), if authentication is on.
    pub username: String,
    /// 1.x password.
    pub password: String,
    /// Points per chunk of the chunked query.
    pub chunk_size: usize,
    /// Timeout of one HTTP request (a chunked response may take longer; this bounds each read).
    pub timeout: GoDuration,
}

/// Secrets show as `[redacted]` (an empty one as `""`, so a missing secret is still visible).
impl std::fmt::Debug for InfluxSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        fn secret(s: &str) -> &str {
            if s.is_empty() { "" } else { "[redacted]" }
        }
        f.debug_struct("InfluxSettings")
            .field("url", &self.url)
            .field("database", &self.database)
            .field("retention_policy", &self.retention_policy)
            .field("measurements", &self.measurements)
            .field("where_clause", &self.where_clause)
            .field("token", &secret(&self.token))
            .field("token_env", &self.token_env)
            .field("token_file", &self.token_file)
            .field("username", &self.username)
            .field("password", &secret(&self.password))
            .field("chunk_size", &self.chunk_size)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl Default for InfluxSettings {
    fn default() -> Self {
        InfluxSettings {
            url: "http://127.0.0.1:8086".into(),
            tls_ca: None,
            database: "weather".into(),
            retention_policy: String::new(),
            measurements: vec!["weather".into()],
            where_clause: String::new(),
            token: String::new(),
            token_env: "INFLUX_TOKEN".into(),
            token_file: None,
            username: String::new(),
            password: String::new(),
            chunk_size: 10_000,
            timeout: GoDuration::from_secs(30),
        }
    }
}

/// A topic `create-topics` makes (or finds already there with the same layout).
///
/// ```
/// let t = &telegraf_execd_kafka_bridge::config::TopicSpec::lab_defaults()[0];
/// assert_eq!((t.name.as_str(), t.partitions, t.replication_factor), ("weather", 4, 3));
/// assert_eq!(t.config.get("min.insync.replicas").map(String::as_str), Some("2"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopicSpec {
    /// Topic name.
    pub name: String,
    /// Number of partitions.
    pub partitions: i32,
    /// Replication factor.
    pub replication_factor: i32,
    /// Topic configs set at creation (`min.insync.replicas`, `retention.ms`, …).
    #[serde(default)]
    pub config: BTreeMap<String, String>,
}

impl TopicSpec {
    /// The lab's topics: `weather` (4 partitions, RF 3, `min.insync.replicas=2`),
    /// `weather-telegraf` and `weather-alerts` (Telegraf's alert metrics; 4 partitions, RF 3).
    ///
    /// ```
    /// assert_eq!(telegraf_execd_kafka_bridge::config::TopicSpec::lab_defaults().len(), 3);
    /// ```
    pub fn lab_defaults() -> Vec<TopicSpec> {
        vec![
            TopicSpec {
                name: "weather".into(),
                partitions: 4,
                replication_factor: 3,
                config: BTreeMap::from([("min.insync.replicas".into(), "2".into())]),
            },
            TopicSpec {
                name: "weather-telegraf".into(),
                partitions: 4,
                replication_factor: 3,
                config: BTreeMap::new(),
            },
            TopicSpec {
                name: "weather-alerts".into(),
                partitions: 4,
                replication_factor: 3,
                config: BTreeMap::new(),
            },
        ]
    }
}

#[cfg(test)]
mod tests;
