//! How the export stops: [`ExportError`] ends the run, a window's InfluxDB error is retried
//! unless it is one that retrying cannot fix ([`permanent_fix`]).

use std::time::Duration;

use influxdb_http::Error as InfluxError;
use rdkafka::error::KafkaError;

use crate::kafka::TopicLookupError;
use crate::resume::ResumeError;

/// Why the export stopped for good.
///
/// ```
/// use telegraf_execd_kafka_bridge::export::ExportError;
/// let e = ExportError::KafkaTimeout { waited: std::time::Duration::from_secs(60), in_flight: 12 };
/// assert!(e.to_string().contains("12 messages"));
/// ```
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The InfluxDB client could not be configured.
    #[error("InfluxDB settings: {0}")]
    InfluxConfig(#[source] InfluxError),
    /// The export query is invalid (e.g. a bad `where` option); retrying cannot help.
    #[error("InfluxDB rejected the export query: {0}")]
    BadQuery(#[source] InfluxError),
    /// The producer could not be created.
    #[error("creating the Kafka producer: {0}")]
    Producer(#[source] KafkaError),
    /// The topic's partitions could not be looked up.
    #[error(transparent)]
    Topic(#[from] TopicLookupError),
    /// The resume point could not be read from the topic.
    #[error(transparent)]
    Resume(#[from] ResumeError),
    /// A message was not acknowledged in time.
    #[error("Kafka acknowledged nothing for {waited:?} ({in_flight} messages in flight)")]
    KafkaTimeout {
        /// The configured `kafka_timeout`.
        waited: Duration,
        /// Messages still unacknowledged.
        in_flight: usize,
    },
    /// InfluxDB refused the export for a reason only the operator can fix (credentials,
    /// permissions, a missing database or retention policy, a field with several types).
    #[error("{fix} (InfluxDB said: {source})")]
    InfluxPermanent {
        /// What to change.
        fix: String,
        /// InfluxDB's error.
        #[source]
        source: InfluxError,
    },
    /// A delivery failed permanently, or the producer hit a fatal error.
    #[error("Kafka {0}")]
    Delivery(String),
}

/// How one window failed.
pub(super) enum WindowError {
    /// Retry after a backoff.
    Influx(InfluxError),
    /// Stop the exporter.
    Fatal(ExportError),
}

/// What the operator must change when InfluxDB's answer cannot get better by retrying.
///
/// ```
/// let e = influxdb_http::Error::Http { url: "u".into(), status: 401, reason: "authorization failed".into(), retry_after: None };
/// let fix = telegraf_execd_kafka_bridge::export::permanent_fix(&e, "weather").unwrap();
/// assert!(fix.contains("influxdb.username"), "{fix}");
/// ```
pub fn permanent_fix(e: &InfluxError, database: &str) -> Option<String> {
    match e {
        InfluxError::Http { status: 401, .. } => Some(
            "InfluxDB rejected the credentials: fix influxdb.username/password or the token (influxdb.token, token_env, token_file)".into(),
        ),
        InfluxError::Http { status: 403, .. } => Some(format!(
            "the InfluxDB user may not read database {database:?}: grant it READ (GRANT READ ON \"{database}\" TO <user>) or configure another user or token"
        )),
        InfluxError::Query { message, .. } | InfluxError::Http { reason: message, .. }
            if message.starts_with("database not found") =>
        {
            Some(format!(
                "database {database:?} does not exist: fix influxdb.database (SHOW DATABASES lists them)"
            ))
        }
        InfluxError::Query { message, .. } | InfluxError::Http { reason: message, .. }
            if message.starts_with("retention policy not found") =>
        {
            Some(format!(
                "the retention policy does not exist in database {database:?}: fix influxdb.retention_policy (SHOW RETENTION POLICIES lists them)"
            ))
        }
        InfluxError::FieldTypeConflict {
            measurement,
            field,
            types,
        } => Some(format!(
            "field {field:?} of measurement {measurement:?} has different types in different shards ({types}), so its points cannot be exported with one type: drop the shards or series holding the wrong type, or set `start` after them"
        )),
        _ => None,
    }
}

impl WindowError {
    pub(super) fn from_influx_in(e: InfluxError, database: &str) -> Self {
        match permanent_fix(&e, database) {
            Some(fix) => WindowError::Fatal(ExportError::InfluxPermanent { fix, source: e }),
            None => Self::from_influx(e),
        }
    }

    pub(super) fn from_influx(e: InfluxError) -> Self {
        match &e {
            InfluxError::Config(_) => WindowError::Fatal(ExportError::InfluxConfig(e)),
            InfluxError::Query { message, .. } if message.contains("error parsing query") => {
                WindowError::Fatal(ExportError::BadQuery(e))
            }
            _ => WindowError::Influx(e),
        }
    }
}

impl From<ExportError> for WindowError {
    fn from(e: ExportError) -> Self {
        WindowError::Fatal(e)
    }
}
