//! `consume`: read the topics back — print messages, live per-station statistics, or verify.
//!
//! Consumers here `assign()` every partition instead of joining a group: no group join (tansu
//! takes about 23 s for a first group assignment), no committed offsets, and "read to the end"
//! has a precise meaning (every partition reported its end).
//!
//! They still set a `group.id`: librdkafka (2.12) refuses `assign()` without one ("Requires a
//! consumer with group.id configured", `rd_kafka_assign0`; the group-less path is the legacy
//! `rd_kafka_consume_start` API, which rust-rdkafka does not wrap). A consumer with a group id
//! always looks up its group coordinator and connects to it, although nothing here uses it: no
//! subscribe, no commit, no committed-offset lookup (start offsets are explicit). So
//! [`ReaderContext`] logs the coordinator connection's trouble at debug level; the brokers that
//! lead the partitions read are still reported as warnings.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rdkafka::config::{ClientConfig, FromClientConfigAndContext, RDKafkaLogLevel};
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
use rdkafka::error::KafkaError;
use rdkafka::message::{Headers, Message};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{ClientContext, Offset, TopicPartitionList};

use crate::kafka::{LoggingContext, partition_count, reader_config};
use crate::position::{
    ExportPosition, HEADER_MEASUREMENT, HEADER_POSITION, HEADER_WATERMARK, PositionParseError,
    message_position,
};

mod stats;
pub use stats::{FieldStats, StationStats, TopicStats};

/// One message read back.
///
/// ```
/// use telegraf_execd_kafka_bridge::consume::TopicMessage;
/// let m = TopicMessage { topic: "weather".into(), partition: 1, offset: 7, key: Some(b"paris".to_vec()),
///     value: b"weather,station=paris t=1 5\n".to_vec(), marked: true, position_header: None, watermark: None };
/// assert_eq!(m.to_string(), "weather/1@7 key=paris weather,station=paris t=1 5");
/// assert_eq!(m.position().unwrap().unwrap().to_string(), "5 weather,station=paris");
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
    /// Whether the message carries the bridge's [`HEADER_MEASUREMENT`] header.
    pub marked: bool,
    /// The [`HEADER_POSITION`] header an older bridge wrote, when present.
    pub position_header: Option<Vec<u8>>,
    /// The bridge's low watermark header, when present (one message in
    /// [`crate::position::WATERMARK_EVERY`] per partition carries one).
    pub watermark: Option<ExportPosition>,
}

impl TopicMessage {
    /// The bridge's export position of the message ([`message_position`]), worked out on demand
    /// (it parses the value, which printing and `--stats` need not pay for); `Ok(None)` for
    /// another producer's message.
    pub fn position(&self) -> Result<Option<ExportPosition>, PositionParseError> {
        let marker = self.marked.then_some((HEADER_MEASUREMENT, None));
        let old = self
            .position_header
            .as_deref()
            .map(|v| (HEADER_POSITION, Some(v)));
        message_position(marker.into_iter().chain(old), &self.value)
    }
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

/// Client context of the `assign()`-only readers (`consume`, `--verify`, the resume point in
/// [`crate::resume`]): librdkafka's messages about the group coordinator connection go to
/// debug level (see the module notes: these readers never use the coordinator), everything
/// else is logged as [`LoggingContext`] does.
///
/// ```
/// use rdkafka::consumer::BaseConsumer;
/// use rdkafka::config::FromClientConfigAndContext;
/// use telegraf_execd_kafka_bridge::consume::ReaderContext;
/// let mut c = rdkafka::ClientConfig::new();
/// c.set("bootstrap.servers", "127.0.0.1:9092").set("group.id", "reader");
/// let consumer = BaseConsumer::from_config_and_context(&c, ReaderContext)?;
/// # drop(consumer);
/// # Ok::<(), rdkafka::error::KafkaError>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct ReaderContext;

impl ReaderContext {
    /// Whether a librdkafka log line or error reason is about the group coordinator
    /// connection: librdkafka names that connection's thread and messages `GroupCoordinator`.
    ///
    /// ```
    /// use telegraf_execd_kafka_bridge::consume::ReaderContext;
    /// assert!(ReaderContext::about_coordinator(
    ///     "[thrd:GroupCoordinator]: GroupCoordinator: 127.0.0.1:4000: Connect failed"
    /// ));
    /// assert!(ReaderContext::about_coordinator("GroupCoordinator: 127.0.0.1:4000: Connect failed"));
    /// assert!(!ReaderContext::about_coordinator("[thrd:127.0.0.1:4000/1]: 127.0.0.1:4000/1: Connect failed"));
    /// ```
    pub fn about_coordinator(text: &str) -> bool {
        text.starts_with("GroupCoordinator:") || text.starts_with("[thrd:GroupCoordinator]")
    }
}

impl ClientContext for ReaderContext {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, log_message: &str) {
        if Self::about_coordinator(log_message) {
            log::debug!("librdkafka {fac} (unused group coordinator): {log_message}");
        } else {
            LoggingContext.log(level, fac, log_message);
        }
    }

    fn error(&self, error: KafkaError, reason: &str) {
        if Self::about_coordinator(reason) {
            log::debug!("kafka (unused group coordinator): {error}: {reason}");
        } else {
            LoggingContext.error(error, reason);
        }
    }
}

impl ConsumerContext for ReaderContext {}

/// Errors a consumer's poll reports and then recovers from by itself. Their cause was already
/// logged with the broker it concerns (librdkafka's `FAIL` lines), so the poll loop does not
/// repeat them as warnings.
fn recovers_by_itself(error: &KafkaError) -> bool {
    matches!(
        error.rdkafka_error_code(),
        Some(
            RDKafkaErrorCode::BrokerTransportFailure
                | RDKafkaErrorCode::NotLeaderForPartition
                | RDKafkaErrorCode::LeaderNotAvailable
                | RDKafkaErrorCode::RequestTimedOut
        )
    )
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
/// `on_message` returns `false` to stop. [`read_topic_until`] can also be stopped from outside.
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
    on_message: impl FnMut(TopicMessage) -> bool,
) -> Result<ReadSummary, ConsumeError> {
    read_topic_until(
        client,
        topic,
        mode,
        timeout,
        &AtomicBool::new(false),
        on_message,
    )
}

/// [`read_topic`] that also ends, within about 100 ms and without an error, once `stop` is set
/// (by a signal handler, say), even while no message arrives.
///
/// ```no_run
/// use std::sync::atomic::AtomicBool;
/// use telegraf_execd_kafka_bridge::consume::{read_topic_until, ReadMode};
/// let mut c = rdkafka::ClientConfig::new();
/// c.set("bootstrap.servers", "127.0.0.1:9092");
/// let stop = AtomicBool::new(false); // set from another thread to end the read
/// let summary = read_topic_until(&c, "weather", ReadMode::Follow, std::time::Duration::from_secs(30), &stop, |m| {
///     println!("{m}");
///     true
/// })?;
/// println!("{} messages", summary.messages);
/// # Ok::<(), telegraf_execd_kafka_bridge::consume::ConsumeError>(())
/// ```
pub fn read_topic_until(
    client: &ClientConfig,
    topic: &str,
    mode: ReadMode,
    timeout: Duration,
    stop: &AtomicBool,
    mut on_message: impl FnMut(TopicMessage) -> bool,
) -> Result<ReadSummary, ConsumeError> {
    let kafka = |source| ConsumeError::Kafka {
        topic: topic.to_string(),
        source,
    };
    let mut config = reader_config(client);
    config
        // Required by assign(), never used: see the module notes and `ReaderContext`.
        .set("group.id", "telegraf-execd-kafka-bridge-consume")
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set("enable.partition.eof", "true")
        .set("isolation.level", "read_uncommitted")
        .set("fetch.wait.max.ms", "100");
    let consumer: BaseConsumer<ReaderContext> =
        BaseConsumer::from_config_and_context(&config, ReaderContext).map_err(kafka)?;
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
        if stop.load(Ordering::Relaxed) || (mode == ReadMode::ToEnd && open.is_empty()) {
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
            Some(Err(e)) if recovers_by_itself(&e) => log::debug!("reading {topic:?}: {e}"),
            Some(Err(e)) => log::warn!("reading {topic:?}: {e}"),
            Some(Ok(m)) => {
                // Progress extends the deadline: the timeout bounds stalls, not topic size.
                deadline = Instant::now() + timeout;
                count += 1;
                let mut message = TopicMessage {
                    topic: m.topic().to_string(),
                    partition: m.partition(),
                    offset: m.offset(),
                    key: m.key().map(<[u8]>::to_vec),
                    value: m.payload().map(<[u8]>::to_vec).unwrap_or_default(),
                    marked: false,
                    position_header: None,
                    watermark: None,
                };
                for h in m.headers().iter().flat_map(|h| h.iter()) {
                    match (h.key, h.value) {
                        (HEADER_MEASUREMENT, _) => message.marked = true,
                        (HEADER_POSITION, Some(v)) => message.position_header = Some(v.to_vec()),
                        (HEADER_WATERMARK, Some(v)) => {
                            message.watermark = ExportPosition::from_header(v).ok();
                        }
                        _ => {}
                    }
                }
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
