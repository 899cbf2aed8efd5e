//! Exactly-once export without transactions: the resume point is recovered from the topic.
//!
//! None of the Kafka peers this project runs against hides aborted transactions from readers, so
//! the bridge cannot lean on them. Instead, each restart works out from the topic itself which
//! points are already there, and sends only the rest. The pieces:
//!
//! 1. **A total, repeatable order.** Points are exported in [`ExportPosition`] order
//!    (timestamp, then canonical series key). Re-running the same InfluxQL query yields the same
//!    points in the same order.
//! 2. **A partition that is a pure function of the point.** The bridge picks the partition
//!    itself (sarama's FNV-1a of the key tag, see [`crate::partition`]; points without the key tag
//!    hash their series key), so a point lands on the same partition before and after a restart.
//! 3. **Per-partition prefixes.** The producer is idempotent (`enable.idempotence=true`,
//!    `acks=all`, `message.timeout.ms=0` so nothing expires, `enable.gapless.guarantee=true` so a
//!    gap is a fatal error rather than a silent hole). Within one producer session each partition's
//!    log is therefore a *prefix* of the points sent to that partition, in export order, with no
//!    duplicates — however the process dies. So the last message of partition `p` (the position
//!    of the point it carries, `T_p`, see [`ExportPosition::of_value`]) says exactly which of
//!    `p`'s points are there: those at or before `T_p`.
//! 4. **A global low watermark `W` for empty or quiet partitions.** A partition that received
//!    nothing (or nothing lately) says little by its tail. So messages also carry the exporter's
//!    low watermark at send time ([`HEADER_WATERMARK`]): the last position of the longest prefix
//!    of the export order whose messages are all acknowledged (with `acks=all`), on every
//!    partition ([`crate::checkpoint::AckTracker`]). Not every message: one in
//!    [`WATERMARK_EVERY`] per partition, so any that many consecutive messages of a partition
//!    hold one (see there for what a header on each cost). It only grows and each one was true
//!    when sent, so the largest watermark among the partitions' last [`WATERMARK_EVERY`]
//!    messages, `W*`, is the newest found; every point at or before `W*` is in the topic.
//! 5. **Restart.** Read the last messages of each partition ([`read_tails`]). Partition `p`
//!    is complete up to `R_p = max(T_p, W*)`. Re-query InfluxDB from the smallest `R_p` (from the
//!    configured start if some partition has no `R_p`) and skip each point whose position is at or
//!    before its own partition's `R_p` ([`ResumePoint::is_exported`]); send the rest. A point is
//!    thus sent again only if it is not in the topic, and skipped only if it is.
//!
//! What this relies on, and its limits:
//! - InfluxDB answers the re-query with the same points: data older than the export position must
//!   not change (that is what the `lateness` option is for; a point written later than `lateness`
//!   behind real time, into an already exported range, is not exported).
//! - The killed process's last produce requests have reached the brokers (or never will) before
//!   the tails are read. A request can be on its way (a socket buffer, a proxy, a slow network)
//!   when the process dies and be appended after a restart at once (Docker's `restart:
//!   unless-stopped` takes ~100 ms) read the tails; the new run would then send those points
//!   again. So [`read_settled_tails`] trusts the tails only once the partition ends have stayed
//!   unchanged for `startup_quiet_period` (at least the producer's `request.timeout.ms`, after
//!   which a live producer would have given up on the request too), reading them again when they
//!   move. A transactional fence would close this window without waiting; none of the peers here
//!   hides aborted transactions from readers.
//! - The topic's partition count does not change between runs (the bridge checks it at start and
//!   routes by it), and no other producer writes to the topic: a partition whose last messages
//!   all lack the bridge's [`HEADER_MEASUREMENT`] header is an error.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use rdkafka::config::{ClientConfig, FromClientConfigAndContext};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Headers, Message};
use rdkafka::{Offset, TopicPartitionList};

use crate::consume::ReaderContext;
use crate::kafka::reader_config;
use crate::position::{
    ExportPosition, HEADER_MEASUREMENT, HEADER_WATERMARK, PositionParseError, WATERMARK_EVERY,
    message_position,
};

/// What the last bridge messages of one partition say.
///
/// ```
/// use telegraf_execd_kafka_bridge::{position::ExportPosition, resume::PartitionTail};
/// let t = PartitionTail { last: Some(ExportPosition::new(3, "m")), watermark: None };
/// assert!(t.last.is_some());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartitionTail {
    /// Position of the partition's last message (`None`: the partition is empty).
    pub last: Option<ExportPosition>,
    /// The newest low watermark among the partition's last [`WATERMARK_EVERY`] messages.
    pub watermark: Option<ExportPosition>,
}

/// Where a restarted export resumes, partition by partition.
///
/// ```
/// use telegraf_execd_kafka_bridge::position::ExportPosition;
/// use telegraf_execd_kafka_bridge::resume::{PartitionTail, ResumePoint};
///
/// let p = |t| ExportPosition::new(t, "m");
/// let r = ResumePoint::from_tails(vec![
///     PartitionTail { last: Some(p(9)), watermark: Some(p(4)) },
///     PartitionTail { last: None, watermark: None },      // never written
///     PartitionTail { last: Some(p(6)), watermark: Some(p(5)) },
/// ]);
/// assert_eq!(r.watermark(), Some(&p(5)));
/// assert_eq!(r.query_from(), Some(&p(5)), "partition 1 is complete up to W* = 5");
/// assert!(r.is_exported(0, &p(8)));
/// assert!(!r.is_exported(1, &p(6)));
/// assert!(r.is_exported(1, &p(5)));
/// assert!(!r.is_exported(2, &p(7)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResumePoint {
    /// `R_p = max(T_p, W*)` per partition.
    complete_to: Vec<Option<ExportPosition>>,
    watermark: Option<ExportPosition>,
    query_from: Option<ExportPosition>,
}

impl ResumePoint {
    /// A resume point for a topic holding nothing of ours: everything is still to export.
    ///
    /// ```
    /// let r = telegraf_execd_kafka_bridge::resume::ResumePoint::fresh(4);
    /// assert_eq!(r.query_from(), None);
    /// assert_eq!(r.partitions(), 4);
    /// ```
    pub fn fresh(partitions: usize) -> Self {
        Self::from_tails(vec![PartitionTail::default(); partitions])
    }

    /// Combines the partition tails (index = partition number).
    ///
    /// ```
    /// use telegraf_execd_kafka_bridge::{position::ExportPosition, resume::*};
    /// let r = ResumePoint::from_tails(vec![PartitionTail {
    ///     last: Some(ExportPosition::new(2, "m")),
    ///     watermark: Some(ExportPosition::new(1, "m")),
    /// }]);
    /// assert_eq!(r.query_from(), Some(&ExportPosition::new(2, "m")));
    /// ```
    pub fn from_tails(tails: Vec<PartitionTail>) -> Self {
        let watermark = tails.iter().filter_map(|t| t.watermark.clone()).max();
        let complete_to: Vec<Option<ExportPosition>> = tails
            .into_iter()
            .map(|t| t.last.max(watermark.clone()))
            .collect();
        // `None` sorts first, so one partition with nothing pins the query to the start.
        let query_from = complete_to.iter().min().cloned().flatten();
        ResumePoint {
            complete_to,
            watermark,
            query_from,
        }
    }

    /// The newest low watermark found (`W*`).
    ///
    /// ```
    /// assert!(telegraf_execd_kafka_bridge::resume::ResumePoint::fresh(1).watermark().is_none());
    /// ```
    pub fn watermark(&self) -> Option<&ExportPosition> {
        self.watermark.as_ref()
    }

    /// Every point at or before this position is already in the topic; re-query from its time
    /// (`None`: from the configured start).
    ///
    /// ```
    /// assert!(telegraf_execd_kafka_bridge::resume::ResumePoint::fresh(2).query_from().is_none());
    /// ```
    pub fn query_from(&self) -> Option<&ExportPosition> {
        self.query_from.as_ref()
    }

    /// Number of partitions this resume point covers.
    ///
    /// ```
    /// assert_eq!(telegraf_execd_kafka_bridge::resume::ResumePoint::fresh(3).partitions(), 3);
    /// ```
    pub fn partitions(&self) -> usize {
        self.complete_to.len()
    }

    /// Whether the point at `position`, routed to `partition`, is already in the topic.
    ///
    /// ```
    /// use telegraf_execd_kafka_bridge::{position::ExportPosition, resume::ResumePoint};
    /// assert!(!ResumePoint::fresh(1).is_exported(0, &ExportPosition::new(0, "m")));
    /// ```
    pub fn is_exported(&self, partition: i32, position: &ExportPosition) -> bool {
        usize::try_from(partition)
            .ok()
            .and_then(|p| self.complete_to.get(p))
            .and_then(Option::as_ref)
            .is_some_and(|done| position <= done)
    }
}

/// Why the partition tails could not be read.
///
/// ```
/// use telegraf_execd_kafka_bridge::resume::ResumeError;
/// let e = ResumeError::Timeout { topic: "weather".into(), waited: std::time::Duration::from_secs(3) };
/// assert!(e.to_string().contains("weather"));
/// ```
#[derive(Debug, thiserror::Error)]
pub enum ResumeError {
    /// A Kafka call failed.
    #[error("reading the last messages of topic {topic:?}: {source}")]
    Kafka {
        /// The topic.
        topic: String,
        /// The client error.
        #[source]
        source: KafkaError,
    },
    /// The partitions' ends were not reached in time.
    #[error("reading the last messages of topic {topic:?} took longer than {waited:?}")]
    Timeout {
        /// The topic.
        topic: String,
        /// How long was waited.
        waited: Duration,
    },
    /// The partition ends kept moving at start-up.
    #[error(
        "the ends of topic {topic:?} kept moving for {waited:?} at start-up: another producer (a second bridge?) writes to it"
    )]
    Unsettled {
        /// The topic.
        topic: String,
        /// How long was waited.
        waited: Duration,
    },
    /// A partition holds messages, none of which the bridge wrote.
    #[error(
        "partition {partition} of topic {topic:?} holds messages without the bridge's `{HEADER_MEASUREMENT}` header: \
         another producer writes to it, so the bridge cannot tell what it already exported"
    )]
    ForeignMessages {
        /// The topic.
        topic: String,
        /// The partition.
        partition: i32,
    },
    /// A bridge message whose position (its value's point, or an older bridge's position header)
    /// or watermark header does not parse.
    #[error("partition {partition} of topic {topic:?}, offset {offset}: {source}")]
    BadPosition {
        /// The topic.
        topic: String,
        /// The partition.
        partition: i32,
        /// The message's offset.
        offset: i64,
        /// What is wrong with it.
        #[source]
        source: PositionParseError,
    },
}

/// How far back from the high watermark to start reading, per round: the last
/// [`WATERMARK_EVERY`] messages hold the newest watermark the partition carries; the wider
/// windows only matter if the tail holds other records.
const LOOK_BACK: [i64; 3] = [WATERMARK_EVERY as i64, 256, i64::MAX];

/// Reads the last bridge message of each of `partitions` partitions of `topic`, and the newest
/// watermark among its last [`WATERMARK_EVERY`] messages.
///
/// `client` holds the connection properties (`bootstrap.servers`, security settings); consumer
/// properties needed here are set on a copy. The whole read must finish within `timeout`.
/// Every partition is read to its end as the fetch responses report it, not just to the high
/// watermark fetched beforehand (which some brokers, e.g. tansu, under-report).
///
/// ```no_run
/// use rdkafka::config::ClientConfig;
/// use std::time::Duration;
/// let mut c = ClientConfig::new();
/// c.set("bootstrap.servers", "127.0.0.1:9092");
/// let tails = telegraf_execd_kafka_bridge::resume::read_tails(&c, "weather", 4, Duration::from_secs(30))?;
/// assert_eq!(tails.len(), 4);
/// # Ok::<(), telegraf_execd_kafka_bridge::resume::ResumeError>(())
/// ```
pub fn read_tails(
    client: &ClientConfig,
    topic: &str,
    partitions: i32,
    timeout: Duration,
) -> Result<Vec<PartitionTail>, ResumeError> {
    let deadline = Instant::now() + timeout;
    let kafka = |source| ResumeError::Kafka {
        topic: topic.to_string(),
        source,
    };
    let consumer: BaseConsumer<ReaderContext> =
        BaseConsumer::from_config_and_context(&tail_reader_config(client), ReaderContext)
            .map_err(kafka)?;
    let count = usize::try_from(partitions).unwrap_or(0);
    let mut tails = vec![PartitionTail::default(); count];
    // Explicit offsets, not logical ones (`OffsetTail`): librdkafka resolves those with a
    // separate offset query that adds about half a second per start.
    let mut ranges = Vec::with_capacity(count);
    for partition in 0..partitions {
        let (low, high) = consumer
            .fetch_watermarks(topic, partition, remaining(deadline, topic, timeout)?)
            .map_err(kafka)?;
        ranges.push((low, high));
    }
    // An empty partition has no tail to read.
    let mut todo: Vec<i32> = (0..partitions)
        .filter(|&p| ranges[p as usize].1 > ranges[p as usize].0)
        .collect();
    for look_back in LOOK_BACK {
        if todo.is_empty() {
            break;
        }
        let mut assignment = TopicPartitionList::new();
        for &p in &todo {
            let (low, high) = ranges[p as usize];
            let start = high.saturating_sub(look_back).max(low);
            assignment
                .add_partition_offset(topic, p, Offset::Offset(start))
                .map_err(kafka)?;
        }
        consumer.assign(&assignment).map_err(kafka)?;
        let seen = read_to_end(&consumer, topic, &todo, &mut tails, deadline, timeout)?;
        let mut wider = Vec::new();
        for p in todo {
            let (low, high) = ranges[p as usize];
            // Messages were there but none was ours: look further back, or give up once the
            // whole partition was read.
            if tails[p as usize].last.is_none() && seen.contains(&p) {
                if high.saturating_sub(look_back) <= low {
                    return Err(ResumeError::ForeignMessages {
                        topic: topic.to_string(),
                        partition: p,
                    });
                }
                wider.push(p);
            }
        }
        todo = wider;
    }
    close_in_background(consumer);
    Ok(tails)
}

/// Drops a tail reader on a thread of its own: closing a consumer with a `group.id` takes
/// librdkafka about 100 ms (against tansu), which the start of the export need not wait for.
fn close_in_background(consumer: BaseConsumer<ReaderContext>) {
    let closing = std::thread::Builder::new()
        .name("tail-reader-close".into())
        .spawn(move || drop(consumer));
    if let Err(e) = closing {
        // The consumer went down with the failed spawn's closure, closed on this thread.
        log::debug!("closing the tail reader on this thread: {e}");
    }
}

/// Like [`read_tails`], but returns only once the partition ends (high watermarks) have stayed
/// unchanged for `quiet` after the tails were read: produce requests of a killed run that land
/// late move them, and the tails are then read again. Gives up when the ends still move after
/// `quiet + timeout` (another producer writing to the topic).
///
/// ```no_run
/// use std::time::Duration;
/// let mut c = rdkafka::ClientConfig::new();
/// c.set("bootstrap.servers", "127.0.0.1:9092");
/// let tails = telegraf_execd_kafka_bridge::resume::read_settled_tails(
///     &c, "weather", 4, Duration::from_secs(30), Duration::from_secs(60))?;
/// # Ok::<(), telegraf_execd_kafka_bridge::resume::ResumeError>(())
/// ```
pub fn read_settled_tails(
    client: &ClientConfig,
    topic: &str,
    partitions: i32,
    quiet: Duration,
    timeout: Duration,
) -> Result<Vec<PartitionTail>, ResumeError> {
    if quiet.is_zero() {
        return read_tails(client, topic, partitions, timeout);
    }
    let kafka = |source| ResumeError::Kafka {
        topic: topic.to_string(),
        source,
    };
    let consumer: BaseConsumer<ReaderContext> =
        BaseConsumer::from_config_and_context(&tail_reader_config(client), ReaderContext)
            .map_err(kafka)?;
    let ends = || -> Result<Vec<i64>, ResumeError> {
        (0..partitions)
            .map(|p| {
                consumer
                    .fetch_watermarks(topic, p, timeout)
                    .map(|(_, high)| high)
                    .map_err(kafka)
            })
            .collect()
    };
    let give_up = Instant::now() + quiet + timeout;
    loop {
        let before = ends()?;
        let tails = read_tails(client, topic, partitions, timeout)?;
        log::debug!(
            "partition tails read; checking that the partition ends stay unchanged for {quiet:?}"
        );
        let read_at = Instant::now();
        let mut moved = false;
        while read_at.elapsed() < quiet {
            std::thread::sleep(quiet.saturating_sub(read_at.elapsed()).min(SETTLE_POLL));
            if ends()? != before {
                moved = true;
                break;
            }
        }
        if !moved {
            return Ok(tails);
        }
        if Instant::now() > give_up {
            return Err(ResumeError::Unsettled {
                topic: topic.to_string(),
                waited: quiet + timeout,
            });
        }
        log::warn!(
            "the ends of topic {topic:?} moved while starting (requests of a previous run landing late); reading the tails again once they stay unchanged for {quiet:?}"
        );
    }
}

/// How often the partition ends are compared while waiting for them to settle.
const SETTLE_POLL: Duration = Duration::from_millis(100);

/// The consumer settings for reading tails: no group membership, no commits, stop at the
/// partition end. The `group.id` is there only because librdkafka's `assign()` requires one; the
/// group coordinator it makes librdkafka look up is never used (see [`crate::consume`]), and
/// [`ReaderContext`] keeps that connection's trouble out of the warnings.
fn tail_reader_config(client: &ClientConfig) -> ClientConfig {
    let mut config = reader_config(client);
    config
        .set("group.id", "telegraf-execd-kafka-bridge-resume")
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set("enable.partition.eof", "true")
        .set("isolation.level", "read_uncommitted")
        // An empty fetch answers at once instead of waiting for data that is not coming.
        .set("fetch.wait.max.ms", "10");
    config
}

fn remaining(deadline: Instant, topic: &str, waited: Duration) -> Result<Duration, ResumeError> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(ResumeError::Timeout {
            topic: topic.to_string(),
            waited,
        });
    }
    Ok(left)
}

/// Polls until every partition in `todo` reported its end, keeping the newest bridge message's
/// position and the newest watermark read. Returns the partitions that yielded any message.
fn read_to_end(
    consumer: &BaseConsumer<ReaderContext>,
    topic: &str,
    todo: &[i32],
    tails: &mut [PartitionTail],
    deadline: Instant,
    timeout: Duration,
) -> Result<HashSet<i32>, ResumeError> {
    let mut open: HashSet<i32> = todo.iter().copied().collect();
    let mut seen = HashSet::new();
    while !open.is_empty() {
        let wait = remaining(deadline, topic, timeout)?.min(Duration::from_millis(200));
        match consumer.poll(wait) {
            None => {}
            Some(Err(KafkaError::PartitionEOF(p))) => {
                open.remove(&p);
            }
            Some(Err(e)) if is_transient(&e) => {}
            Some(Err(source)) => {
                return Err(ResumeError::Kafka {
                    topic: topic.to_string(),
                    source,
                });
            }
            Some(Ok(message)) => {
                let partition = message.partition();
                seen.insert(partition);
                let Some(headers) = message.headers() else {
                    continue;
                };
                let bad = |source| ResumeError::BadPosition {
                    topic: topic.to_string(),
                    partition,
                    offset: message.offset(),
                    source,
                };
                let last = message_position(
                    headers.iter().map(|h| (h.key, h.value)),
                    message.payload().unwrap_or_default(),
                )
                .map_err(bad)?;
                let mut watermark = None;
                for header in headers.iter() {
                    if let (HEADER_WATERMARK, Some(v)) = (header.key, header.value) {
                        watermark = Some(ExportPosition::from_header(v).map_err(bad)?);
                    }
                }
                if last.is_some()
                    && let Some(tail) = usize::try_from(partition)
                        .ok()
                        .and_then(|p| tails.get_mut(p))
                {
                    // Messages arrive in offset order; only one in WATERMARK_EVERY carries a
                    // watermark, and any older one is still true, so the largest counts.
                    tail.last = last;
                    tail.watermark = tail.watermark.take().max(watermark);
                }
            }
        }
    }
    Ok(seen)
}

/// Errors a consumer reports and then recovers from by itself (broker connections coming and
/// going while leaders move).
fn is_transient(error: &KafkaError) -> bool {
    matches!(
        error.rdkafka_error_code(),
        Some(
            RDKafkaErrorCode::BrokerTransportFailure
                | RDKafkaErrorCode::AllBrokersDown
                | RDKafkaErrorCode::NotLeaderForPartition
                | RDKafkaErrorCode::LeaderNotAvailable
                | RDKafkaErrorCode::RequestTimedOut
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(t: i64) -> Option<ExportPosition> {
        Some(ExportPosition::new(t, "m"))
    }

    #[test]
    fn empty_partition_without_watermark_restarts_from_the_start() {
        let r = ResumePoint::from_tails(vec![
            PartitionTail {
                last: p(9),
                watermark: None,
            },
            PartitionTail::default(),
        ]);
        assert_eq!(r.query_from(), None);
        assert!(r.is_exported(0, &ExportPosition::new(9, "m")));
        assert!(!r.is_exported(0, &ExportPosition::new(9, "n")));
        assert!(!r.is_exported(1, &ExportPosition::new(0, "m")));
    }

    #[test]
    fn newest_watermark_wins_even_from_an_older_tail() {
        let r = ResumePoint::from_tails(vec![
            PartitionTail {
                last: p(3),
                watermark: p(1),
            },
            PartitionTail {
                last: p(20),
                watermark: p(12),
            },
            PartitionTail {
                last: p(8),
                watermark: p(7),
            },
        ]);
        assert_eq!(r.watermark(), p(12).as_ref());
        assert_eq!(r.query_from(), p(12).as_ref());
        assert!(r.is_exported(0, &ExportPosition::new(12, "m")));
        assert!(!r.is_exported(0, &ExportPosition::new(13, "m")));
        assert!(r.is_exported(1, &ExportPosition::new(19, "m")));
    }

    #[test]
    fn out_of_range_partitions_are_never_exported() {
        let r = ResumePoint::from_tails(vec![PartitionTail {
            last: p(3),
            watermark: p(3),
        }]);
        assert!(!r.is_exported(1, &ExportPosition::new(0, "m")));
        assert!(!r.is_exported(-1, &ExportPosition::new(0, "m")));
    }
}
