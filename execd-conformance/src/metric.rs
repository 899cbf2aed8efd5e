//! One stdout record, parsed and checked against what Telegraf's influx reader accepts.
//!
//! Parsing uses the `influxdb-line-protocol` crate (a port of InfluxDB's Go scanner), not our
//! own parser, so the plugins are checked by an independent implementation.

use influxdb_line_protocol::{FieldValue, parse_lines};

/// Timestamps below this many nanoseconds (2001-09-09) are taken for seconds or milliseconds:
/// Telegraf reads every execd timestamp as nanoseconds, so those would land in 1970.
pub const MIN_PLAUSIBLE_NS: i64 = 1_000_000_000_000_000_000;

/// A field value as the plugin wrote it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `1.5`
    Float(f64),
    /// `1i`
    Integer(i64),
    /// `1u`
    UInteger(u64),
    /// `"text"` (unescaped)
    String(String),
    /// `t` / `true` / ...
    Boolean(bool),
}

/// A parsed line-protocol record.
///
/// ```
/// use execd_conformance::metric::{Metric, Value};
/// let m = Metric::parse("weather,station=a t=1.5,n=2i 1700000000000000000").unwrap();
/// assert_eq!(m.measurement, "weather");
/// assert_eq!(m.tag("station"), Some("a"));
/// assert_eq!(m.field("n"), Some(&Value::Integer(2)));
/// assert_eq!(m.timestamp, Some(1_700_000_000_000_000_000));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    /// Measurement name.
    pub measurement: String,
    /// Tags in the order written.
    pub tags: Vec<(String, String)>,
    /// Fields in the order written.
    pub fields: Vec<(String, Value)>,
    /// Timestamp as written (Telegraf reads it as nanoseconds).
    pub timestamp: Option<i64>,
}

/// Why a record is not acceptable line protocol for Telegraf.
///
/// ```
/// use execd_conformance::metric::{Metric, MetricError};
/// assert!(matches!(Metric::parse("no fields here"), Err(MetricError::Syntax(_))));
/// assert!(matches!(Metric::parse("m v=1 1700000000"), Err(MetricError::NotNanoseconds(1_700_000_000))));
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MetricError {
    /// The record is not line protocol.
    #[error("not line protocol: {0}")]
    Syntax(String),
    /// One framed record held more than one line-protocol line.
    #[error("one record parsed as {0} lines")]
    SeveralLines(usize),
    /// The record is not UTF-8.
    #[error("record is not UTF-8")]
    NotUtf8,
    /// The timestamp is too small to be nanoseconds.
    #[error("timestamp {0} is not in nanoseconds")]
    NotNanoseconds(i64),
}

impl Metric {
    /// Parses one framed record (no line ending) and checks its timestamp is nanoseconds.
    ///
    /// ```
    /// use execd_conformance::metric::{Metric, Value};
    /// let m = Metric::parse("m s=\"a \\\"b\\\"\nc\"").unwrap();
    /// assert_eq!(m.field("s"), Some(&Value::String("a \"b\"\nc".into())));
    /// assert_eq!(m.timestamp, None);
    /// ```
    pub fn parse(record: &str) -> Result<Self, MetricError> {
        let mut lines = parse_lines(record);
        let line = match lines.next() {
            Some(Ok(line)) => line,
            Some(Err(e)) => return Err(MetricError::Syntax(e.to_string())),
            None => return Err(MetricError::Syntax("empty record".into())),
        };
        let extra = lines.count();
        if extra > 0 {
            return Err(MetricError::SeveralLines(extra + 1));
        }
        if let Some(ts) = line.timestamp
            && ts.abs() < MIN_PLAUSIBLE_NS
        {
            return Err(MetricError::NotNanoseconds(ts));
        }
        let tags = line
            .series
            .tag_set
            .iter()
            .flatten()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let fields = line
            .field_set
            .iter()
            .map(|(k, v)| {
                let value = match v {
                    FieldValue::F64(f) => Value::Float(*f),
                    FieldValue::I64(i) => Value::Integer(*i),
                    FieldValue::U64(u) => Value::UInteger(*u),
                    FieldValue::String(s) => Value::String(s.to_string()),
                    FieldValue::Boolean(b) => Value::Boolean(*b),
                };
                (k.to_string(), value)
            })
            .collect();
        Ok(Self {
            measurement: line.series.measurement.to_string(),
            tags,
            fields,
            timestamp: line.timestamp,
        })
    }

    /// Parses raw bytes from stdout (see [`Metric::parse`]).
    ///
    /// ```
    /// use execd_conformance::metric::{Metric, MetricError};
    /// assert!(Metric::parse_bytes(b"m v=1").is_ok());
    /// assert_eq!(Metric::parse_bytes(b"m v=\xff"), Err(MetricError::NotUtf8));
    /// ```
    pub fn parse_bytes(record: &[u8]) -> Result<Self, MetricError> {
        let text = std::str::from_utf8(record).map_err(|_| MetricError::NotUtf8)?;
        Self::parse(text)
    }

    /// The value of tag `key`.
    ///
    /// ```
    /// use execd_conformance::metric::Metric;
    /// assert_eq!(Metric::parse("m,a=1 v=1").unwrap().tag("b"), None);
    /// ```
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The value of field `key`.
    ///
    /// ```
    /// use execd_conformance::metric::{Metric, Value};
    /// assert_eq!(Metric::parse("m ok=t").unwrap().field("ok"), Some(&Value::Boolean(true)));
    /// ```
    pub fn field(&self, key: &str) -> Option<&Value> {
        self.fields.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}
