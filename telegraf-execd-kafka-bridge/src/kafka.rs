//! Kafka clients as the bridge configures them: the idempotent producer with its delivery
//! bookkeeping, and a log bridge that speaks Telegraf's stderr prefixes.
//!
//! librdkafka recovers from broker outages by itself (reconnects, leader changes, retries), so
//! its complaints while it does are warnings (`W! `). The bridge decides what is fatal: a failed
//! delivery, a fatal producer error, or no acknowledgement within `kafka_timeout`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rdkafka::ClientContext;
use rdkafka::config::{ClientConfig, RDKafkaLogLevel};
use rdkafka::error::KafkaError;
use rdkafka::producer::{BaseProducer, DeliveryResult, Producer, ProducerContext};
use rdkafka::types::RDKafkaErrorCode;

use crate::checkpoint::AckTracker;
use crate::config::{KafkaProperties, PINNED_PRODUCER_PROPERTIES, canonical_property};
use crate::health::HealthStats;

/// librdkafka settings the bridge uses unless the config sets them: lz4 compression, in-memory
/// queues small enough to keep the resident size low, and a linger that batches messages into
/// few produce requests without adding much latency.
///
/// lz4 because the broker then stores, replicates and serves whole compressed batches instead
/// of records one by one (the bench's weather batches: 164 -> 26 bytes per message), and every
/// maintained Kafka client reads it (librdkafka, Java, sarama, franz-go; kafka-python with its
/// `lz4` package). Against tansu beside InfluxDB (1M points, alternating A/B runs) it cut the
/// broker's CPU by about 60 % at no measurable cost in the exporter's. `"compression.type" =
/// "none"` in the `kafka` table turns it off.
///
/// The message cap bounds the exporter's memory (each queued message costs librdkafka and the
/// ack tracker a few hundred bytes) and must cover a linger plus a round trip at full speed, or
/// the export waits for room instead of batching. In A/B runs of 1M points against tansu beside
/// InfluxDB (4 pairs, alternating), 10,000 messages with `linger.ms` 10 took 8-16 % less time
/// than 5,000 with 5, with 15 % less tansu CPU (fewer, larger requests) and 26-30 MB peak RSS
/// instead of 24-26; 20,000 with 20 was no faster and reached 32 MB.
///
/// `reconnect.backoff.ms` 20 (librdkafka: 100) because librdkafka also spaces its attempts to
/// open a first connection by half of it: at start-up the bootstrap broker is dropped once the
/// metadata names the real ones, the next request then found its connection attempt held back
/// and the export started ~50 ms late (first window 60-67 ms after launch against tansu in 5
/// runs, 18-23 ms with 20). Reconnects after an outage still back off exponentially to
/// `reconnect.backoff.max.ms` (10 s).
const PRODUCER_DEFAULTS: [(&str, &str); 6] = [
    ("compression.type", "lz4"),
    ("queue.buffering.max.messages", "10000"),
    ("queue.buffering.max.kbytes", "16384"),
    ("linger.ms", "10"),
    ("reconnect.backoff.ms", "20"),
    ("client.id", "telegraf-execd-kafka-bridge"),
];

/// The connection settings from the config's `kafka` table, as an rdkafka `ClientConfig`
/// (shared by the producer, the admin client and consumers).
///
/// ```
/// use telegraf_execd_kafka_bridge::config::KafkaProperties;
/// let mut k = KafkaProperties::default();
/// k.set("bootstrap.servers", "127.0.0.1:9092");
/// let c = telegraf_execd_kafka_bridge::kafka::client_config(&k);
/// assert_eq!(c.get("bootstrap.servers"), Some("127.0.0.1:9092"));
/// ```
pub fn client_config(properties: &KafkaProperties) -> ClientConfig {
    let mut config = ClientConfig::new();
    for (key, value) in properties.iter() {
        config.set(key, value);
    }
    config
}

/// librdkafka's producer-only properties (scope `P` in its `CONFIGURATION.md`, 2.12), global and
/// topic-level, by [`canonical_property`] name (aliases and `topic.` spellings resolve to these).
/// A consumer given one logs a `CONFWARN` ("is a producer property and will be ignored by this
/// consumer instance"), which would be a `W!` at every start of a bridge whose `kafka` table
/// tunes its producer.
const PRODUCER_ONLY_PROPERTIES: [&str; 26] = [
    "transactional.id",
    "transaction.timeout.ms",
    "enable.idempotence",
    "enable.gapless.guarantee",
    "queue.buffering.max.messages",
    "queue.buffering.max.kbytes",
    "queue.buffering.max.ms",
    "message.send.max.retries",
    "queue.buffering.backpressure.threshold",
    "compression.codec",
    "topic.compression.codec",
    "batch.num.messages",
    "batch.size",
    "delivery.report.only.error",
    "dr_cb",
    "dr_msg_cb",
    "sticky.partitioning.linger.ms",
    "request.required.acks",
    "request.timeout.ms",
    "message.timeout.ms",
    "queuing.strategy",
    "produce.offset.report",
    "partitioner",
    "partitioner_cb",
    "msg_order_cmp",
    "compression.level",
];

/// The connection settings for a consumer: `client` without the producer-only properties
/// (under any of their names), which the `kafka` table may hold for the exporter.
///
/// ```
/// let mut c = rdkafka::ClientConfig::new();
/// c.set("bootstrap.servers", "127.0.0.1:9092").set("linger.ms", "20").set("topic.acks", "all");
/// c.set("compression.type", "lz4").set("topic.delivery.timeout.ms", "0");
/// let r = telegraf_execd_kafka_bridge::kafka::reader_config(&c);
/// assert_eq!(r.get("bootstrap.servers"), Some("127.0.0.1:9092"));
/// assert_eq!((r.get("linger.ms"), r.get("topic.acks")), (None, None));
/// assert_eq!((r.get("compression.type"), r.get("topic.delivery.timeout.ms")), (None, None));
/// ```
pub fn reader_config(client: &ClientConfig) -> ClientConfig {
    let mut config = client.clone();
    let producer_only: Vec<String> = client
        .config_map()
        .keys()
        .filter(|key| PRODUCER_ONLY_PROPERTIES.contains(&&*canonical_property(key)))
        .map(|key| key.to_string())
        .collect();
    for key in producer_only {
        config.remove(&key);
    }
    config
}

/// The producer settings: the user's properties, the bridge's defaults where unset, and the
/// properties exactly-once depends on (see [`crate::resume`]). Each property appears under one
/// spelling only (a user's alias of a pinned property is replaced by the pinned value), so
/// which value librdkafka applies never depends on `ClientConfig`'s hash order.
///
/// ```
/// use telegraf_execd_kafka_bridge::config::KafkaProperties;
/// let mut k = KafkaProperties::default();
/// k.set("linger.ms", "20");
/// k.set("acks", "all");
/// let c = telegraf_execd_kafka_bridge::kafka::producer_config(&k);
/// assert_eq!(c.get("enable.idempotence"), Some("true"));
/// assert_eq!(c.get("request.required.acks"), Some("all"));
/// assert_eq!(c.get("acks"), None, "one spelling per property");
/// assert_eq!(c.get("linger.ms"), Some("20"));
/// assert_eq!(c.get("queue.buffering.max.messages"), Some("10000"));
/// assert_eq!(c.get("compression.type"), Some("lz4"));
/// assert_eq!(c.get("reconnect.backoff.ms"), Some("20"));
/// k.set("compression.codec", "none");
/// let c = telegraf_execd_kafka_bridge::kafka::producer_config(&k);
/// assert_eq!(c.get("compression.codec"), Some("none"));
/// assert_eq!(c.get("compression.type"), None, "the user's spelling replaces the default");
/// ```
pub fn producer_config(properties: &KafkaProperties) -> ClientConfig {
    let pinned = |key: &str| {
        let canonical = canonical_property(key);
        PINNED_PRODUCER_PROPERTIES
            .iter()
            .any(|(p, _)| *p == canonical)
    };
    let mut config = ClientConfig::new();
    for (key, value) in properties.iter().filter(|(k, _)| !pinned(k)) {
        config.set(key, value);
    }
    for (key, value) in PRODUCER_DEFAULTS {
        if properties.get(key).is_none() {
            config.set(key, value);
        }
    }
    for (key, value) in PINNED_PRODUCER_PROPERTIES {
        config.set(key, value);
    }
    config
}

/// The first delivery failure; once set, the export stops.
pub type DeliveryFailure = Arc<Mutex<Option<String>>>;

/// Producer context: acknowledges deliveries in the [`AckTracker`], feeds the health metrics,
/// and logs librdkafka with Telegraf prefixes.
#[derive(Debug)]
pub struct DeliveryContext {
    tracker: Arc<Mutex<AckTracker>>,
    stats: Arc<HealthStats>,
    failure: DeliveryFailure,
    /// Delivery reports handled so far (tells [`serve_deliveries`] when the queue is empty).
    reports: AtomicU64,
}

impl DeliveryContext {
    /// A context sharing the tracker, counters and failure slot with the exporter.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use telegraf_execd_kafka_bridge::{checkpoint::AckTracker, health::HealthStats, kafka::DeliveryContext};
    /// let ctx = DeliveryContext::new(
    ///     Arc::new(Mutex::new(AckTracker::new(None))),
    ///     Arc::new(HealthStats::new()),
    ///     Default::default(),
    /// );
    /// assert!(ctx.failure().is_none());
    /// ```
    pub fn new(
        tracker: Arc<Mutex<AckTracker>>,
        stats: Arc<HealthStats>,
        failure: DeliveryFailure,
    ) -> Self {
        DeliveryContext {
            tracker,
            stats,
            failure,
            reports: AtomicU64::new(0),
        }
    }

    /// The first delivery failure, if any.
    ///
    /// ```
    /// # use std::sync::{Arc, Mutex};
    /// # use telegraf_execd_kafka_bridge::{checkpoint::AckTracker, health::HealthStats, kafka::DeliveryContext};
    /// # let ctx = DeliveryContext::new(Arc::new(Mutex::new(AckTracker::new(None))), Arc::new(HealthStats::new()), Default::default());
    /// assert_eq!(ctx.failure(), None);
    /// ```
    pub fn failure(&self) -> Option<String> {
        lock(&self.failure).clone()
    }
}

/// Locks `m`, poisoned or not.
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A poisoned lock means a panic on another thread; the data is still consistent for our
    // purposes (counters and a queue only mutated under the lock).
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl ClientContext for DeliveryContext {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, log_message: &str) {
        log_librdkafka(level, fac, log_message);
    }

    fn error(&self, error: KafkaError, reason: &str) {
        if log_client_error(&error, reason) {
            self.stats.add_error();
        }
    }
}

impl ProducerContext for DeliveryContext {
    type DeliveryOpaque = usize;

    fn delivery(&self, result: &DeliveryResult<'_>, seq: usize) {
        self.reports.fetch_add(1, Ordering::Relaxed);
        match result {
            Ok(_) => {
                let now = Instant::now();
                let mut tracker = lock(&self.tracker);
                if let Some(latency) = tracker.acknowledge(seq as u64, now) {
                    self.stats.add_exported(1);
                    self.stats.record_latency(latency);
                }
                self.stats.set_in_flight(tracker.in_flight());
                if let Some(w) = tracker.watermark() {
                    self.stats.advance_position(w.time);
                }
            }
            Err((error, _)) => {
                self.stats.add_error();
                let mut failure = lock(&self.failure);
                if failure.is_none() {
                    *failure = Some(format!("delivery failed: {error}"));
                }
            }
        }
    }
}

/// Hands every delivery report librdkafka has queued to [`DeliveryContext`], without waiting.
///
/// The exporter calls this from its own loop (while sending, while waiting for InfluxDB or for
/// room in the queue, between windows) instead of dedicating a thread to it, as
/// `ThreadedProducer` does: the reports then cost no thread wake-up and no lock handed between
/// threads, and a message's memory in librdkafka is freed only once its report is served, so
/// the loop that fills the queue is also the one that empties it.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use rdkafka::producer::BaseProducer;
/// use telegraf_execd_kafka_bridge::{checkpoint::AckTracker, health::HealthStats, kafka::*};
/// let context = DeliveryContext::new(
///     Arc::new(Mutex::new(AckTracker::new(None))),
///     Arc::new(HealthStats::new()),
///     Default::default(),
/// );
/// let producer: BaseProducer<DeliveryContext> = rdkafka::ClientConfig::new()
///     .set("bootstrap.servers", "127.0.0.1:1")
///     .create_with_context(context)
///     .unwrap();
/// assert_eq!(serve_deliveries(&producer), 0, "nothing sent, nothing to report");
/// ```
pub fn serve_deliveries(producer: &BaseProducer<DeliveryContext>) -> u64 {
    let reports = &producer.context().reports;
    let start = reports.load(Ordering::Relaxed);
    loop {
        let before = reports.load(Ordering::Relaxed);
        // One event per call: a delivery report event holds a whole batch's messages.
        producer.poll(Duration::ZERO);
        if reports.load(Ordering::Relaxed) == before {
            return before - start;
        }
    }
}

/// A plain client context (admin client, consumers) that logs like [`DeliveryContext`].
///
/// ```
/// let _ = telegraf_execd_kafka_bridge::kafka::LoggingContext;
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct LoggingContext;

impl ClientContext for LoggingContext {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, log_message: &str) {
        log_librdkafka(level, fac, log_message);
    }

    fn error(&self, error: KafkaError, reason: &str) {
        log_client_error(&error, reason);
    }
}

impl rdkafka::consumer::ConsumerContext for LoggingContext {}

/// A client-level error: a warning (librdkafka retries by itself), except the end-of-partition
/// event consumers ask for, which is no error at all. Returns whether it was a real error.
fn log_client_error(error: &KafkaError, reason: &str) -> bool {
    if matches!(
        error.rdkafka_error_code(),
        Some(RDKafkaErrorCode::PartitionEOF)
    ) {
        log::trace!("kafka: {reason}");
        return false;
    }
    log::warn!("kafka: {error}: {reason}");
    true
}

/// librdkafka's own log lines: problems it recovers from are warnings, chatter is debug.
fn log_librdkafka(level: RDKafkaLogLevel, fac: &str, message: &str) {
    // The bridge sets this property on purpose (see `crate::resume`); its "experimental" notice
    // on every start is not worth a warning.
    if fac == "CONFWARN" && message.contains("enable.gapless.guarantee") {
        log::debug!("librdkafka {fac}: {message}");
        return;
    }
    // `FAIL` is a broker connection lost or refused: the outage an operator wants to see.
    if fac == "FAIL" {
        log::warn!("librdkafka {fac}: {message}");
        return;
    }
    match level {
        RDKafkaLogLevel::Emerg
        | RDKafkaLogLevel::Alert
        | RDKafkaLogLevel::Critical
        | RDKafkaLogLevel::Error
        | RDKafkaLogLevel::Warning => log::warn!("librdkafka {fac}: {message}"),
        RDKafkaLogLevel::Notice | RDKafkaLogLevel::Info => {
            log::info!("librdkafka {fac}: {message}")
        }
        RDKafkaLogLevel::Debug => log::debug!("librdkafka {fac}: {message}"),
    }
}

/// Number of partitions of `topic`, from the cluster's metadata.
///
/// ```no_run
/// use rdkafka::producer::{BaseProducer, Producer};
/// let p: BaseProducer = rdkafka::ClientConfig::new().set("bootstrap.servers", "127.0.0.1:9092").create()?;
/// let n = telegraf_execd_kafka_bridge::kafka::partition_count(p.client(), "weather", std::time::Duration::from_secs(5))?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn partition_count<C: ClientContext>(
    client: &rdkafka::client::Client<C>,
    topic: &str,
    timeout: Duration,
) -> Result<i32, TopicLookupError> {
    let metadata = client
        .fetch_metadata(Some(topic), timeout)
        .map_err(|source| TopicLookupError::Kafka {
            topic: topic.to_string(),
            source,
        })?;
    let found = metadata.topics().iter().find(|t| t.name() == topic);
    match found {
        Some(t) if t.error().is_none() && !t.partitions().is_empty() => {
            Ok(i32::try_from(t.partitions().len()).unwrap_or(i32::MAX))
        }
        Some(t) => Err(TopicLookupError::Missing {
            topic: topic.to_string(),
            detail: t
                .error()
                .map(|e| format!("{:?}", rdkafka::types::RDKafkaErrorCode::from(e)))
                .unwrap_or_else(|| "no partitions".into()),
        }),
        None => Err(TopicLookupError::Missing {
            topic: topic.to_string(),
            detail: "not in the cluster's metadata".into(),
        }),
    }
}

/// Why a topic's partition count is unknown.
///
/// ```
/// let e = telegraf_execd_kafka_bridge::kafka::TopicLookupError::Missing { topic: "weather".into(), detail: "UnknownTopicOrPartition".into() };
/// assert!(e.to_string().contains("create-topics"));
/// ```
#[derive(Debug, thiserror::Error)]
pub enum TopicLookupError {
    /// The metadata request failed (Kafka unreachable within the timeout).
    #[error("fetching metadata of topic {topic:?}: {source}")]
    Kafka {
        /// The topic.
        topic: String,
        /// The client error.
        #[source]
        source: KafkaError,
    },
    /// The topic does not exist.
    #[error(
        "topic {topic:?} is not usable ({detail}); create it first, e.g. with `telegraf-execd-kafka-bridge create-topics`"
    )]
    Missing {
        /// The topic.
        topic: String,
        /// The broker's answer.
        detail: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::canonical_property;

    /// Every property once, whatever spelling the user chose: `ClientConfig` is a `HashMap`,
    /// so two spellings would reach librdkafka in a different order from run to run.
    #[test]
    fn producer_config_holds_each_property_once_and_the_pinned_values_win() {
        let mut k = KafkaProperties::default();
        k.set("queue.buffering.max.ms", "50");
        k.set("topic.acks", "-1");
        k.set("delivery.timeout.ms", "0");
        k.set("max.in.flight", "3");
        let c = producer_config(&k);
        let mut seen = std::collections::BTreeMap::new();
        for key in c.config_map().keys() {
            if let Some(other) = seen.insert(canonical_property(key).into_owned(), *key) {
                panic!("{other} and {key} are one property: {:?}", c.config_map());
            }
        }
        assert_eq!(
            c.get("queue.buffering.max.ms"),
            Some("50"),
            "the user's value"
        );
        assert_eq!(c.get("linger.ms"), None, "the default under another name");
        for (key, value) in PINNED_PRODUCER_PROPERTIES {
            assert_eq!(c.get(key), Some(value));
        }
        assert_eq!(c.get("max.in.flight"), Some("3"));
    }
}
