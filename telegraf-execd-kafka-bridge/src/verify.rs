//! `consume --verify`: compare a topic with InfluxDB — missing, duplicated, out-of-order points.
//!
//! The topic is read to its end (every message's export position, partition, offset and a hash
//! of its decoded content); then the bridge's export query runs over the same range and
//! every row is read with the schema's types and looked up. The range is the configured `start` up to the newest position in the
//! topic (or `until`), so run it once the bridge has caught up. Problems:
//! - **missing**: in InfluxDB, not in the topic;
//! - **duplicated**: one position in several messages (each extra copy counts once);
//! - **out of order**: a message whose position is below an earlier one of its partition;
//! - **unexpected**: in the topic, not in InfluxDB;
//! - **mismatched**: in both, but the message's content (decoded back from its value) differs
//!   from the InfluxDB row, or the value cannot be decoded (see `content`: neither side uses the
//!   exporter's encoder);
//! - **misrouted**: on another partition than the key maps to;
//! - **without position**: a message without the bridge's `measurement` header (another producer
//!   writes to the topic), or whose value is not a point with a timestamp.
//!
//! Memory: every message read is remembered until the comparison, in 32 bytes plus each
//! distinct series key once (`positions`): about 32 MB per million messages, twice that at
//! most while the list grows, plus librdkafka's fetch buffer. InfluxDB's side is streamed.
//!
//! Progress goes to stderr as `I!` lines: every [`PROGRESS_EVERY`] while the topic is read (a
//! big topic takes minutes), then a summary of each phase.

use std::time::{Duration, Instant};

use influxdb_http::Error as InfluxError;

use crate::config::BridgeConfig;
use crate::config::ValueFormat;
use crate::consume::{ConsumeError, ReadMode, read_topic};
use crate::kafka::client_config;
use crate::partition::sarama_partition;
use crate::position::{ExportPosition, HEADER_MEASUREMENT};
use crate::source::{MeasurementSchema, export_query, influx_client};

mod content;
mod positions;
use content::{expected_row, message_hash};
use positions::{Positions, SortedPositions};

/// Stands for a message whose value could not be decoded (counted as mismatched when read).
const UNDECODABLE: u64 = 0;

/// Examples of problems kept for the report.
const MAX_EXAMPLES: usize = 20;

/// The outcome of a verification.
///
/// ```
/// let r = telegraf_execd_kafka_bridge::verify::VerifyReport::default();
/// assert!(r.is_clean());
/// assert!(r.to_string().starts_with("verify topic=\"\" messages=0 expected=0 missing=0"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyReport {
    /// The topic checked.
    pub topic: String,
    /// Messages read.
    pub messages: u64,
    /// Points InfluxDB holds in the checked range.
    pub expected: u64,
    /// In InfluxDB, not in the topic.
    pub missing: u64,
    /// Extra copies of a position.
    pub duplicated: u64,
    /// Messages below an earlier position of their partition.
    pub out_of_order: u64,
    /// In the topic, not in InfluxDB.
    pub unexpected: u64,
    /// Value differs from the expected message.
    pub mismatched: u64,
    /// On the wrong partition.
    pub misrouted: u64,
    /// Messages that are not the bridge's, or whose value is not a point with a timestamp.
    pub without_position: u64,
    /// Rows InfluxDB holds that cannot be line protocol (skipped by the bridge too).
    pub skipped_rows: u64,
    /// The first problems, described.
    pub examples: Vec<String>,
}

impl VerifyReport {
    /// True when no problem was found.
    ///
    /// ```
    /// let mut r = telegraf_execd_kafka_bridge::verify::VerifyReport::default();
    /// r.duplicated = 1;
    /// assert!(!r.is_clean());
    /// ```
    pub fn is_clean(&self) -> bool {
        self.missing == 0
            && self.duplicated == 0
            && self.out_of_order == 0
            && self.unexpected == 0
            && self.mismatched == 0
            && self.misrouted == 0
            && self.without_position == 0
    }

    fn note(&mut self, problem: String) {
        if self.examples.len() < MAX_EXAMPLES {
            self.examples.push(problem);
        }
    }
}

impl std::fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "verify topic={:?} messages={} expected={} missing={} duplicated={} out_of_order={} \
             unexpected={} mismatched={} misrouted={} without_position={} skipped_rows={}",
            self.topic,
            self.messages,
            self.expected,
            self.missing,
            self.duplicated,
            self.out_of_order,
            self.unexpected,
            self.mismatched,
            self.misrouted,
            self.without_position,
            self.skipped_rows
        )?;
        for e in &self.examples {
            write!(f, "\n  {e}")?;
        }
        Ok(())
    }
}

/// Why verification could not run.
///
/// ```
/// let e = telegraf_execd_kafka_bridge::verify::VerifyError::Influx(influxdb_http::Error::Config("x".into()));
/// assert!(e.to_string().contains("InfluxDB"));
/// ```
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// Reading the topic failed.
    #[error(transparent)]
    Consume(#[from] ConsumeError),
    /// Querying InfluxDB failed.
    #[error("InfluxDB: {0}")]
    Influx(#[from] InfluxError),
    /// The blocking reader task died.
    #[error("topic reader task failed: {0}")]
    Task(String),
}

/// Checks `config.topic` against InfluxDB. `until` (ns) limits the check to points at or
/// before it; by default the newest position in the topic is the limit.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use telegraf_execd_kafka_bridge::{config::BridgeConfig, verify::verify};
/// let config = BridgeConfig::load(std::path::Path::new("kafka-bridge.toml"))?;
/// let report = verify(&config, None, None, std::time::Duration::from_secs(30)).await?;
/// println!("{report}");
/// assert!(report.is_clean());
/// # Ok(()) }
/// ```
pub async fn verify(
    config: &BridgeConfig,
    influx_token: Option<String>,
    until: Option<i64>,
    timeout: Duration,
) -> Result<VerifyReport, VerifyError> {
    let client = client_config(&config.kafka);
    let topic = config.topic.clone();
    let format = config.value_format;
    let (mut seen, mut report, partitions) =
        tokio::task::spawn_blocking(move || read_positions(&client, &topic, format, timeout))
            .await
            .map_err(|e| VerifyError::Task(e.to_string()))??;
    report.topic = config.topic.clone();

    let newest = seen.newest();
    let bound_time = match (until, &newest) {
        (Some(u), _) => u,
        (None, Some(n)) => n.time,
        (None, None) => i64::MIN,
    };
    let in_range = |p: &ExportPosition| match (until, &newest) {
        (Some(u), _) => p.time <= u,
        (None, Some(n)) => p <= n,
        (None, None) => false,
    };

    let influx = influx_client(config, influx_token)?;
    let progress = Progress::new(format!("verify {:?}: compared", config.topic), "points");
    let i = &config.influxdb;
    for m in &i.measurements {
        if bound_time == i64::MIN {
            break;
        }
        let schema = MeasurementSchema::fetch(&influx, &i.database, m).await?;
        if schema.fields.is_empty() {
            continue;
        }
        let from = config.start.map(|s| s.nanos());
        let q = export_query(
            &schema,
            &i.database,
            &i.retention_policy,
            from,
            bound_time,
            &i.where_clause,
            i.chunk_size,
        );
        let mut rows = influx.query_rows(&i.database, &q).await?;
        while let Some(chunk) = rows.next().await? {
            for row in chunk.rows() {
                let (time, expected) = match expected_row(&schema, row, &config.key_tag) {
                    Ok(r) => r,
                    Err(_) => {
                        report.skipped_rows += 1;
                        continue;
                    }
                };
                let position = ExportPosition::new(time, expected.series);
                if !in_range(&position) {
                    continue;
                }
                report.expected += 1;
                let partition = sarama_partition(
                    expected
                        .key
                        .map_or(position.series.as_bytes(), str::as_bytes),
                    partitions,
                );
                match seen.take(&position) {
                    None => {
                        report.missing += 1;
                        report.note(format!("missing: {position}"));
                    }
                    Some(s) => {
                        if s.value_hash != expected.hash && s.value_hash != UNDECODABLE {
                            report.mismatched += 1;
                            report.note(format!(
                                "mismatched value at {position} (partition {} offset {}): InfluxDB holds {}",
                                s.partition, s.offset, expected.description
                            ));
                        }
                        if s.partition != partition {
                            report.misrouted += 1;
                            report.note(format!(
                                "misrouted: {position} on partition {} (offset {}), its key maps to {partition}",
                                s.partition, s.offset
                            ));
                        }
                    }
                }
            }
        }
    }
    progress.done(report.expected, "");
    // Sorted already, so the examples are the earliest ones.
    for p in seen.unmatched().filter(|p| in_range(p)) {
        report.unexpected += 1;
        report.note(format!("unexpected (not in InfluxDB): {p}"));
    }
    Ok(report)
}

/// Reads the whole topic: positions seen (one entry per position), order, duplicate and header
/// problems.
fn read_positions(
    client: &rdkafka::ClientConfig,
    topic: &str,
    format: ValueFormat,
    timeout: Duration,
) -> Result<(SortedPositions, VerifyReport, i32), ConsumeError> {
    let mut positions = Positions::default();
    let mut report = VerifyReport::default();
    log::info!("verify {topic:?}: reading the topic to its end");
    let mut progress = Progress::new(format!("verify {topic:?}: read"), "messages");
    let mut read = 0u64;
    let summary = read_topic(client, topic, ReadMode::ToEnd, timeout, |m| {
        read += 1;
        progress.tick(read);
        match m.position() {
            Ok(Some(position)) => {
                let hash = match message_hash(&m.value, format) {
                    Ok(h) => h,
                    Err(e) => {
                        report.mismatched += 1;
                        report.note(format!(
                            "undecodable value at {position} (partition {} offset {}): {e}",
                            m.partition, m.offset
                        ));
                        UNDECODABLE
                    }
                };
                positions.add(&position, m.partition, m.offset, hash, &mut report);
            }
            found => {
                report.without_position += 1;
                let why = match found {
                    Err(e) => format!("its value is not a point: {e}"),
                    _ => format!("no `{HEADER_MEASUREMENT}` header (another producer's)"),
                };
                report.note(format!(
                    "without position: partition {} offset {}: {why}",
                    m.partition, m.offset
                ));
            }
        }
        true
    })?;
    report.messages = summary.messages;
    progress.done(summary.messages, "; querying InfluxDB");
    let sorted = positions.sort(&mut report);
    Ok((sorted, report, summary.partitions))
}

/// How often `consume --verify` reports its progress.
///
/// ```
/// assert_eq!(telegraf_execd_kafka_bridge::verify::PROGRESS_EVERY.as_secs(), 2);
/// ```
pub const PROGRESS_EVERY: Duration = Duration::from_secs(2);

/// `I! verify "weather": read 1200000 messages (410000/s)` every [`PROGRESS_EVERY`].
struct Progress {
    what: String,
    unit: &'static str,
    started: Instant,
    last: Instant,
}

impl Progress {
    fn new(what: String, unit: &'static str) -> Self {
        let now = Instant::now();
        Progress {
            what,
            unit,
            started: now,
            last: now,
        }
    }

    fn tick(&mut self, count: u64) {
        // Checking the clock per message costs ~20 ns; every 1024th is plenty.
        if count % 1024 == 0 && self.last.elapsed() >= PROGRESS_EVERY {
            self.last = Instant::now();
            log::info!("{} {count} {} ({})", self.what, self.unit, self.rate(count));
        }
    }

    fn done(&self, count: u64, then: &str) {
        log::info!(
            "{} {count} {} in {:.1}s ({}){then}",
            self.what,
            self.unit,
            self.started.elapsed().as_secs_f64(),
            self.rate(count)
        );
    }

    fn rate(&self, count: u64) -> String {
        let secs = self.started.elapsed().as_secs_f64().max(1e-3);
        format!("{:.0}/s", count as f64 / secs)
    }
}
