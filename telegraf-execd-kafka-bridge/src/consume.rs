//! `consume`: read the topics back — print messages, live per-station statistics, or verify.
//!
//! Consumers here `assign()` every partition instead of joining a group: no group coordinator
//! round trips (tansu takes about 23 s for a first group assignment), no committed offsets, and
//! "read to the end" has a precise meaning (every partition reported its end).

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use line_protocol::{FieldValue, Precision, parse_point};
use rdkafka::config::{ClientConfig, FromClientConfigAndContext};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::{Headers, Message};
use rdkafka::{Offset, TopicPartitionList};

use crate::kafka::{LoggingContext, partition_count};
use crate::position::{ExportPosition, HEADER_POSITION};

/// One message read back.
///
/// ```
/// use telegraf_execd_kafka_bridge::consume::TopicMessage;
/// let m = TopicMessage { topic: "weather".into(), partition: 1, offset: 7, key: Some(b"paris".to_vec()),
///     value: b"weather,station=paris t=1 5\n".to_vec(), position: None };
/// assert_eq!(m.to_string(), "weather/1@7 key=paris weather,station=paris t=1 5");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicMessage {
    /// Topic name.
    pub topic: String,
    /// Partition.
    pub partition: i32,
    /// Offset in the partition.
    pub offset: i64,
    /// Key bytes.
    pub key: Option<Vec<u8>>,
    /// Value bytes.
    pub value: Vec<u8>,
    /// The bridge's export position header, when present.
    pub position: Option<ExportPosition>,
}

impl std::fmt::Display for TopicMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let key = self
            .key
            .as_deref()
            .map_or_else(|| "-".into(), String::from_utf8_lossy);
        let value = String::from_utf8_lossy(&self.value);
        write!(
            f,
            "{}/{}@{} key={} {}",
            self.topic,
            self.partition,
            self.offset,
            key,
            value.trim_end_matches(['\n', '\r'])
        )
    }
}

/// Why reading failed.
///
/// ```
/// let e = telegraf_execd_kafka_bridge::consume::ConsumeError::Timeout { topic: "weather".into(), waited: std::time::Duration::from_secs(1) };
/// assert!(e.to_string().contains("weather"));
/// ```
#[derive(Debug, thiserror::Error)]
pub enum ConsumeError {
    /// A Kafka call failed.
    #[error("reading topic {topic:?}: {source}")]
    Kafka {
        /// The topic.
        topic: String,
        /// The client error.
        #[source]
        source: KafkaError,
    },
    /// The topic could not be looked up.
    #[error(transparent)]
    Topic(#[from] crate::kafka::TopicLookupError),
    /// The partitions' ends were not reached in time.
    #[error("reading topic {topic:?} to its end took longer than {waited:?}")]
    Timeout {
        /// The topic.
        topic: String,
        /// The limit.
        waited: Duration,
    },
}

/// Whether to stop at the end of the partitions or keep waiting for new messages.
///
/// ```
/// assert_ne!(telegraf_execd_kafka_bridge::consume::ReadMode::ToEnd, telegraf_execd_kafka_bridge::consume::ReadMode::Follow);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadMode {
    /// Stop once every partition reported its end (bounded by the timeout).
    ToEnd,
    /// Keep reading until `on_message` returns `false` (the timeout bounds only idle gaps in
    /// partition discovery, not the reading).
    Follow,
}

/// What [`read_topic`] read.
///
/// ```
/// let s = telegraf_execd_kafka_bridge::consume::ReadSummary { messages: 3, partitions: 4 };
/// assert_eq!(s.messages, 3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadSummary {
    /// Messages read.
    pub messages: u64,
    /// The topic's partition count.
    pub partitions: i32,
}

/// Reads every partition of `topic` from the beginning, calling `on_message` for each message;
/// `on_message` returns `false` to stop.
///
/// ```no_run
/// use telegraf_execd_kafka_bridge::consume::{read_topic, ReadMode};
/// let mut c = rdkafka::ClientConfig::new();
/// c.set("bootstrap.servers", "127.0.0.1:9092");
/// let summary = read_topic(&c, "weather", ReadMode::ToEnd, std::time::Duration::from_secs(30), |m| {
///     println!("{m}");
///     true
/// })?;
/// # Ok::<(), telegraf_execd_kafka_bridge::consume::ConsumeError>(())
/// ```
pub fn read_topic(
    client: &ClientConfig,
    topic: &str,
    mode: ReadMode,
    timeout: Duration,
    mut on_message: impl FnMut(TopicMessage) -> bool,
) -> Result<ReadSummary, ConsumeError> {
    let kafka = |source| ConsumeError::Kafka {
        topic: topic.to_string(),
        source,
    };
    let mut config = client.clone();
    config
        .set("group.id", "telegraf-execd-kafka-bridge-consume")
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set("enable.partition.eof", "true")
        .set("isolation.level", "read_uncommitted")
        .set("fetch.wait.max.ms", "100");
    let consumer: BaseConsumer<LoggingContext> =
        BaseConsumer::from_config_and_context(&config, LoggingContext).map_err(kafka)?;
    let partitions = partition_count(consumer.client(), topic, timeout)?;
    // Explicit start offsets: a logical `Offset::Beginning` costs librdkafka an extra offset
    // query of about half a second.
    let mut assignment = TopicPartitionList::new();
    for p in 0..partitions {
        let (low, _) = consumer
            .fetch_watermarks(topic, p, timeout)
            .map_err(kafka)?;
        assignment
            .add_partition_offset(topic, p, Offset::Offset(low))
            .map_err(kafka)?;
    }
    consumer.assign(&assignment).map_err(kafka)?;
    let mut open: HashSet<i32> = (0..partitions).collect();
    let mut count = 0u64;
    let mut deadline = Instant::now() + timeout;
    loop {
        if mode == ReadMode::ToEnd && open.is_empty() {
            break;
        }
        if mode == ReadMode::ToEnd && Instant::now() > deadline {
            return Err(ConsumeError::Timeout {
                topic: topic.to_string(),
                waited: timeout,
            });
        }
        match consumer.poll(Duration::from_millis(100)) {
            None => {}
            Some(Err(KafkaError::PartitionEOF(p))) => {
                open.remove(&p);
            }
            Some(Err(e)) => log::warn!("reading {topic:?}: {e}"),
            Some(Ok(m)) => {
                // Progress extends the deadline: the timeout bounds stalls, not topic size.
                deadline = Instant::now() + timeout;
                count += 1;
                let position = m.headers().and_then(|h| {
                    h.iter()
                        .find(|h| h.key == HEADER_POSITION)
                        .and_then(|h| h.value)
                        .and_then(|v| ExportPosition::from_header(v).ok())
                });
                let message = TopicMessage {
                    topic: m.topic().to_string(),
                    partition: m.partition(),
                    offset: m.offset(),
                    key: m.key().map(<[u8]>::to_vec),
                    value: m.payload().map(<[u8]>::to_vec).unwrap_or_default(),
                    position,
                };
                if !on_message(message) {
                    break;
                }
            }
        }
    }
    Ok(ReadSummary {
        messages: count,
        partitions,
    })
}

/// Running min/mean/max of one numeric field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FieldStats {
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Sum, for the mean.
    pub sum: f64,
    /// Number of values.
    pub count: u64,
}

impl FieldStats {
    fn add(&mut self, v: f64) {
        self.min = self.min.min(v);
        self.max = self.max.max(v);
        self.sum += v;
        self.count += 1;
    }

    /// Mean of the values seen.
    ///
    /// ```
    /// let s = telegraf_execd_kafka_bridge::consume::FieldStats { min: 1.0, max: 3.0, sum: 4.0, count: 2 };
    /// assert_eq!(s.mean(), 2.0);
    /// ```
    pub fn mean(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum / self.count as f64
        }
    }
}

/// Per-station statistics over line-protocol (or `lp json`) message values.
///
/// ```
/// use telegraf_execd_kafka_bridge::consume::StationStats;
/// let mut s = StationStats::new("station");
/// s.add(b"weather,station=paris temperature=20.0,humidity=50i 1\n");
/// s.add(b"weather,station=paris temperature=22.0 2\n");
/// let t = s.field("paris", "temperature").unwrap();
/// assert_eq!((t.min, t.mean(), t.max), (20.0, 21.0, 22.0));
/// assert_eq!(s.messages("paris"), 2);
/// ```
#[derive(Debug, Clone)]
pub struct StationStats {
    tag: String,
    stations: BTreeMap<String, (u64, BTreeMap<String, FieldStats>)>,
    unparsable: u64,
}

impl StationStats {
    /// Statistics grouped by the value of `tag`.
    ///
    /// ```
    /// let s = telegraf_execd_kafka_bridge::consume::StationStats::new("station");
    /// assert_eq!(s.unparsable(), 0);
    /// ```
    pub fn new(tag: impl Into<String>) -> Self {
        StationStats {
            tag: tag.into(),
            stations: BTreeMap::new(),
            unparsable: 0,
        }
    }

    /// Adds one message value.
    ///
    /// ```
    /// let mut s = telegraf_execd_kafka_bridge::consume::StationStats::new("station");
    /// s.add(b"not line protocol");
    /// assert_eq!(s.unparsable(), 1);
    /// ```
    pub fn add(&mut self, value: &[u8]) {
        let Some((station, numbers)) = self.numeric_fields(value) else {
            self.unparsable += 1;
            return;
        };
        let entry = self.stations.entry(station).or_default();
        entry.0 += 1;
        for (key, v) in numbers {
            entry
                .1
                .entry(key)
                .or_insert(FieldStats {
                    min: f64::INFINITY,
                    max: f64::NEG_INFINITY,
                    sum: 0.0,
                    count: 0,
                })
                .add(v);
        }
    }

    fn numeric_fields(&self, value: &[u8]) -> Option<(String, Vec<(String, f64)>)> {
        if value.first() == Some(&b'{') {
            let v: serde_json::Value = serde_json::from_slice(value).ok()?;
            let station = v["tags"]
                .as_array()?
                .iter()
                .find(|t| t[0] == self.tag.as_str())
                .and_then(|t| t[1].as_str())
                .unwrap_or("-")
                .to_string();
            let numbers = v["fields"]
                .as_array()?
                .iter()
                .filter_map(|f| Some((f[0].as_str()?.to_string(), f[1]["value"].as_f64()?)))
                .collect();
            return Some((station, numbers));
        }
        let point = parse_point(value, Precision::Nanoseconds).ok()?;
        let station = point.tag(&self.tag).unwrap_or("-").to_string();
        let numbers = point
            .fields
            .iter()
            .filter_map(|f| {
                let v = match f.value {
                    FieldValue::Float(v) => v,
                    FieldValue::Integer(v) => v as f64,
                    FieldValue::UInteger(v) => v as f64,
                    _ => return None,
                };
                Some((f.key.to_string(), v))
            })
            .collect();
        Some((station, numbers))
    }

    /// Statistics of one field of one station.
    ///
    /// ```
    /// let s = telegraf_execd_kafka_bridge::consume::StationStats::new("station");
    /// assert!(s.field("paris", "temperature").is_none());
    /// ```
    pub fn field(&self, station: &str, field: &str) -> Option<&FieldStats> {
        self.stations.get(station)?.1.get(field)
    }

    /// Messages seen for one station.
    ///
    /// ```
    /// assert_eq!(telegraf_execd_kafka_bridge::consume::StationStats::new("s").messages("x"), 0);
    /// ```
    pub fn messages(&self, station: &str) -> u64 {
        self.stations.get(station).map_or(0, |s| s.0)
    }

    /// Values that were neither line protocol nor `lp json`.
    ///
    /// ```
    /// assert_eq!(telegraf_execd_kafka_bridge::consume::StationStats::new("s").unparsable(), 0);
    /// ```
    pub fn unparsable(&self) -> u64 {
        self.unparsable
    }

    /// A text table: one line per station and field, `elapsed` giving the message rates.
    ///
    /// ```
    /// let mut s = telegraf_execd_kafka_bridge::consume::StationStats::new("station");
    /// s.add(b"weather,station=a t=1.0 1\n");
    /// let table = s.render(std::time::Duration::from_secs(1));
    /// assert!(table.contains("a"), "{table}");
    /// assert!(table.contains("1.0/s"), "{table}");
    /// ```
    pub fn render(&self, elapsed: Duration) -> String {
        let secs = elapsed.as_secs_f64().max(1e-9);
        let mut out = format!(
            "{:<24} {:>10} {:>10}  {:<20} {:>12} {:>12} {:>12}\n",
            self.tag, "messages", "rate", "field", "min", "mean", "max"
        );
        for (station, (count, fields)) in &self.stations {
            let rate = format!("{:.1}/s", *count as f64 / secs);
            let mut first = true;
            for (name, f) in fields {
                let (s, c, r) = if first {
                    (station.as_str(), count.to_string(), rate.clone())
                } else {
                    ("", String::new(), String::new())
                };
                first = false;
                out.push_str(&format!(
                    "{s:<24} {c:>10} {r:>10}  {name:<20} {:>12.3} {:>12.3} {:>12.3}\n",
                    f.min,
                    f.mean(),
                    f.max
                ));
            }
            if fields.is_empty() {
                out.push_str(&format!("{station:<24} {count:>10} {rate:>10}\n"));
            }
        }
        if self.unparsable > 0 {
            out.push_str(&format!("unparsable values: {}\n", self.unparsable));
        }
        out
    }
}
