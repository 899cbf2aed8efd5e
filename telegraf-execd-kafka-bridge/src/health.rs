//! The bridge's own health metrics: what it prints on stdout, one line per gather.
//!
//! The export loop updates lock-free counters; a gather (stdin newline, signal or poll tick)
//! renders them as one line-protocol point of measurement `kafka_bridge`:
//!
//! | field | type | meaning |
//! |---|---|---|
//! | `points_exported` | int | points acknowledged by Kafka since start |
//! | `points_sent` | int | points handed to the producer since start |
//! | `points_resumed` | int | re-queried points skipped because the topic already held them |
//! | `batches` | int | InfluxDB query rounds completed |
//! | `lag_seconds` | float | now minus the export position (time up to which every point is acknowledged) |
//! | `delivery_latency_ms_mean` / `_max` | float | send-to-acknowledgement time since the previous gather (acknowledgements are taken up by the export loop, usually within a millisecond) |
//! | `in_flight` | int | messages sent and not yet acknowledged |
//! | `errors` | int | InfluxDB and Kafka errors since start (each retried) |
//! | `skipped_rows` | int | rows that cannot be line protocol (NaN, empty tag value, …) |
//! | `empty_measurements` | int | configured measurements without any field for longer than `empty_measurement_grace` (misspelled?) |
//! | `late_points` | int | points found in already-exported time ranges (written later than `lateness`, or a backfill behind the export position): not in the topic |

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use line_protocol::serialize::Serializer;
use line_protocol::{Field, Point, Tag};

/// Measurement name of the health metrics.
pub const MEASUREMENT: &str = "kafka_bridge";

/// Counters shared between the export loop, the delivery callback and the gather loop.
///
/// ```
/// use telegraf_execd_kafka_bridge::health::HealthStats;
/// let h = HealthStats::default();
/// h.add_sent(3);
/// h.add_exported(2);
/// h.record_latency(std::time::Duration::from_millis(4));
/// let line = h.render("weather", std::time::UNIX_EPOCH + std::time::Duration::from_secs(10));
/// assert!(line.starts_with("kafka_bridge,topic=weather points_exported=2i,points_sent=3i,"), "{line}");
/// assert!(line.contains("delivery_latency_ms_max=4.0"), "{line}");
/// assert!(line.ends_with(" 10000000000\n"));
/// ```
#[derive(Debug, Default)]
pub struct HealthStats {
    exported: AtomicU64,
    sent: AtomicU64,
    resumed: AtomicU64,
    batches: AtomicU64,
    errors: AtomicU64,
    skipped: AtomicU64,
    in_flight: AtomicU64,
    empty_measurements: AtomicU64,
    late_points: AtomicU64,
    /// Export position time in ns; `i64::MIN` = nothing known yet.
    position_ns: AtomicI64,
    /// Delivery latencies since the last render: count, sum and max in nanoseconds. Atomics, not
    /// a lock, because every acknowledgement records one; a render racing a delivery may count
    /// that delivery's latency in the next window instead, which a mean over thousands absorbs.
    latency_count: AtomicU64,
    latency_sum_ns: AtomicU64,
    latency_max_ns: AtomicU64,
}

impl HealthStats {
    /// Fresh counters with no export position.
    ///
    /// ```
    /// let h = telegraf_execd_kafka_bridge::health::HealthStats::new();
    /// assert_eq!(h.exported(), 0);
    /// ```
    pub fn new() -> Self {
        let h = HealthStats::default();
        h.position_ns.store(i64::MIN, Ordering::Relaxed);
        h
    }

    /// Counts acknowledged points.
    ///
    /// ```
    /// let h = telegraf_execd_kafka_bridge::health::HealthStats::new();
    /// h.add_exported(5);
    /// assert_eq!(h.exported(), 5);
    /// ```
    pub fn add_exported(&self, n: u64) {
        self.exported.fetch_add(n, Ordering::Relaxed);
    }

    /// Points acknowledged so far.
    ///
    /// ```
    /// assert_eq!(telegraf_execd_kafka_bridge::health::HealthStats::new().exported(), 0);
    /// ```
    pub fn exported(&self) -> u64 {
        self.exported.load(Ordering::Relaxed)
    }

    /// Counts points handed to the producer.
    ///
    /// ```
    /// let h = telegraf_execd_kafka_bridge::health::HealthStats::new();
    /// h.add_sent(1);
    /// assert!(h.render("t", std::time::UNIX_EPOCH).contains("points_sent=1i"));
    /// ```
    pub fn add_sent(&self, n: u64) {
        self.sent.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts re-queried points skipped because they were already in the topic.
    ///
    /// ```
    /// let h = telegraf_execd_kafka_bridge::health::HealthStats::new();
    /// h.add_resumed(2);
    /// assert!(h.render("t", std::time::UNIX_EPOCH).contains("points_resumed=2i"));
    /// ```
    pub fn add_resumed(&self, n: u64) {
        self.resumed.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts one completed query round.
    ///
    /// ```
    /// let h = telegraf_execd_kafka_bridge::health::HealthStats::new();
    /// h.add_batch();
    /// assert!(h.render("t", std::time::UNIX_EPOCH).contains("batches=1i"));
    /// ```
    pub fn add_batch(&self) {
        self.batches.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one (retried) error.
    ///
    /// ```
    /// let h = telegraf_execd_kafka_bridge::health::HealthStats::new();
    /// h.add_error();
    /// assert!(h.render("t", std::time::UNIX_EPOCH).contains("errors=1i"));
    /// ```
    pub fn add_error(&self) {
        self.errors.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one row that could not become line protocol.
    ///
    /// ```
    /// let h = telegraf_execd_kafka_bridge::health::HealthStats::new();
    /// h.add_skipped();
    /// assert_eq!(h.skipped(), 1);
    /// ```
    pub fn add_skipped(&self) {
        self.skipped.fetch_add(1, Ordering::Relaxed);
    }

    /// Rows skipped so far.
    ///
    /// ```
    /// assert_eq!(telegraf_execd_kafka_bridge::health::HealthStats::new().skipped(), 0);
    /// ```
    pub fn skipped(&self) -> u64 {
        self.skipped.load(Ordering::Relaxed)
    }

    /// Sets the number of messages in flight.
    ///
    /// ```
    /// let h = telegraf_execd_kafka_bridge::health::HealthStats::new();
    /// h.set_in_flight(7);
    /// assert!(h.render("t", std::time::UNIX_EPOCH).contains("in_flight=7i"));
    /// ```
    pub fn set_in_flight(&self, n: usize) {
        self.in_flight.store(n as u64, Ordering::Relaxed);
    }

    /// Sets the number of configured measurements that have had no field for longer than the
    /// grace period.
    ///
    /// ```
    /// let h = telegraf_execd_kafka_bridge::health::HealthStats::new();
    /// h.set_empty_measurements(1);
    /// assert!(h.render("t", std::time::UNIX_EPOCH).contains("empty_measurements=1i"));
    /// ```
    pub fn set_empty_measurements(&self, n: usize) {
        self.empty_measurements.store(n as u64, Ordering::Relaxed);
    }

    /// Counts points found late in already-exported time ranges.
    ///
    /// ```
    /// let h = telegraf_execd_kafka_bridge::health::HealthStats::new();
    /// h.add_late_points(3);
    /// assert!(h.render("t", std::time::UNIX_EPOCH).contains("late_points=3i"));
    /// ```
    pub fn add_late_points(&self, n: u64) {
        self.late_points.fetch_add(n, Ordering::Relaxed);
    }

    /// Moves the export position (ns); it never moves back.
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// let h = telegraf_execd_kafka_bridge::health::HealthStats::new();
    /// h.advance_position(2_000_000_000);
    /// h.advance_position(1_000_000_000);
    /// assert!(h.render("t", UNIX_EPOCH + Duration::from_secs(5)).contains("lag_seconds=3.0"));
    /// ```
    pub fn advance_position(&self, ns: i64) {
        self.position_ns.fetch_max(ns, Ordering::Relaxed);
    }

    /// Records one delivery's send-to-acknowledgement time.
    ///
    /// ```
    /// let h = telegraf_execd_kafka_bridge::health::HealthStats::new();
    /// h.record_latency(std::time::Duration::from_millis(2));
    /// assert!(h.render("t", std::time::UNIX_EPOCH).contains("delivery_latency_ms_mean=2.0"));
    /// ```
    pub fn record_latency(&self, latency: Duration) {
        let ns = u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX);
        self.latency_sum_ns.fetch_add(ns, Ordering::Relaxed);
        self.latency_max_ns.fetch_max(ns, Ordering::Relaxed);
        self.latency_count.fetch_add(1, Ordering::Relaxed);
    }

    /// Renders the metrics as one line-protocol line stamped `now`, and starts a new latency
    /// window. Fields that are unknown yet (lag before any position, latency without a delivery)
    /// are left out rather than invented.
    ///
    /// ```
    /// let h = telegraf_execd_kafka_bridge::health::HealthStats::new();
    /// let line = h.render("weather", std::time::UNIX_EPOCH);
    /// assert!(!line.contains("lag_seconds"));
    /// assert!(!line.contains("delivery_latency"));
    /// ```
    pub fn render(&self, topic: &str, now: SystemTime) -> String {
        let latency_count = self.latency_count.swap(0, Ordering::Relaxed);
        let latency_sum_ns = self.latency_sum_ns.swap(0, Ordering::Relaxed);
        let latency_max_ns = self.latency_max_ns.swap(0, Ordering::Relaxed);
        let now_ns = now
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
        let count = |a: &AtomicU64| i64::try_from(a.load(Ordering::Relaxed)).unwrap_or(i64::MAX);
        let mut fields = vec![
            Field::new("points_exported", count(&self.exported)),
            Field::new("points_sent", count(&self.sent)),
            Field::new("points_resumed", count(&self.resumed)),
            Field::new("batches", count(&self.batches)),
        ];
        let position = self.position_ns.load(Ordering::Relaxed);
        if position != i64::MIN {
            let lag = (now_ns as f64 - position as f64) / 1e9;
            fields.push(Field::new("lag_seconds", lag.max(0.0)));
        }
        if latency_count > 0 {
            let mean = latency_sum_ns as f64 / 1e6 / latency_count as f64;
            fields.push(Field::new("delivery_latency_ms_mean", mean));
            fields.push(Field::new(
                "delivery_latency_ms_max",
                latency_max_ns as f64 / 1e6,
            ));
        }
        fields.push(Field::new("in_flight", count(&self.in_flight)));
        fields.push(Field::new("errors", count(&self.errors)));
        fields.push(Field::new("skipped_rows", count(&self.skipped)));
        fields.push(Field::new(
            "empty_measurements",
            count(&self.empty_measurements),
        ));
        fields.push(Field::new("late_points", count(&self.late_points)));
        let point = Point {
            measurement: MEASUREMENT.into(),
            tags: if topic.is_empty() {
                Vec::new()
            } else {
                vec![Tag::new("topic", topic)]
            },
            fields,
            timestamp: Some(now_ns),
        };
        // Every field is finite and every name non-empty, so this only fails on a topic name
        // line protocol cannot carry; fall back to the line without the tag.
        Serializer::canonical()
            .to_string(&point)
            .unwrap_or_else(|_| {
                let untagged = Point {
                    tags: Vec::new(),
                    ..point
                };
                Serializer::canonical()
                    .to_string(&untagged)
                    .unwrap_or_default()
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_window_resets_per_render() {
        let h = HealthStats::new();
        h.record_latency(Duration::from_millis(1));
        h.record_latency(Duration::from_millis(3));
        let first = h.render("t", UNIX_EPOCH);
        assert!(first.contains("delivery_latency_ms_mean=2.0"), "{first}");
        assert!(first.contains("delivery_latency_ms_max=3.0"), "{first}");
        let second = h.render("t", UNIX_EPOCH);
        assert!(!second.contains("delivery_latency"), "{second}");
    }

    #[test]
    fn lag_is_never_negative() {
        let h = HealthStats::new();
        h.advance_position(10_000_000_000);
        let line = h.render("t", UNIX_EPOCH + Duration::from_secs(1));
        assert!(line.contains("lag_seconds=0.0"), "{line}");
    }
}
