//! The export loop: poll InfluxDB, publish every point once, survive outages.
//!
//! Every `export_interval` the exporter queries the window from its cursor (the last point it
//! handled, at first the resume point recovered from the topic, see [`crate::resume`]) up to
//! `now - lateness`, and produces each point not already in the topic. Failures:
//! - InfluxDB unreachable or erroring: `W!`, retry with doubling backoff; nothing already sent
//!   is lost and the resume point in Kafka only ever reflects acknowledged messages.
//! - A broker down: librdkafka reconnects and follows leader changes; messages to the other
//!   partitions keep flowing; its complaints are logged as `W!`.
//! - No acknowledgement for `kafka_timeout`, a failed delivery, or a fatal producer error:
//!   [`ExportError`], which the binary logs as `E!` before exiting non-zero, so Telegraf's
//!   restart takes over (and the next run resumes from the topic).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use influxdb_http::InfluxClient;
use rdkafka::producer::{BaseProducer, Producer};
use rdkafka::util::Timeout;
use tokio::sync::watch;

use crate::checkpoint::AckTracker;
use crate::config::BridgeConfig;
use crate::health::HealthStats;
use crate::kafka::{
    DeliveryContext, DeliveryFailure, client_config, lock, partition_count, producer_config,
    serve_deliveries,
};
use crate::late::{ExportedCounts, archive_count_query, late_count_query};
use crate::message::MessageEncoder;
use crate::position::ExportPosition;
use crate::reader::{TimeGroup, WindowReader};
use crate::resume::{ResumePoint, read_settled_tails};
use crate::source::{MeasurementSchema, export_query, influx_client};

mod error;
mod send;
use error::WindowError;
pub use error::{ExportError, permanent_fix};
use send::SendClock;

/// The exporter: InfluxDB client, idempotent producer, and the bookkeeping between them.
pub struct Exporter {
    config: BridgeConfig,
    influx: InfluxClient,
    /// Its delivery reports are served by the export loop ([`serve_deliveries`]).
    producer: BaseProducer<DeliveryContext>,
    tracker: Arc<Mutex<AckTracker>>,
    failure: DeliveryFailure,
    stats: Arc<HealthStats>,
    encoder: MessageEncoder,
    /// Per partition: messages to send before the next one carrying the watermark header.
    watermark_due: Vec<u32>,
    resume: ResumePoint,
    cursor: Option<ExportPosition>,
    skip_warnings: u64,
    stall_warned: Mutex<Option<Instant>>,
    /// Values read per bucket, for the late-point check.
    counts: ExportedCounts,
    /// Exclusive lower bound of the rows the next window counts.
    count_after: Option<i64>,
    last_late_check: Instant,
    /// Configured measurements seen without fields, since when, and whether that was logged.
    empty_since: BTreeMap<String, (Instant, bool)>,
}

impl std::fmt::Debug for Exporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exporter")
            .field("topic", &self.config.topic)
            .field("cursor", &self.cursor)
            .finish()
    }
}

/// How often the export loop serves delivery reports while it waits (for InfluxDB, for room in
/// librdkafka's queue, or with messages in flight between windows).
const DELIVERY_POLL: Duration = Duration::from_millis(1);

/// Stderr warnings about skipped rows per run before they are only counted.
const MAX_SKIP_WARNINGS: u64 = 100;

fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

impl Exporter {
    /// Creates the clients, looks up the topic's partitions and recovers the resume point from
    /// the topic. Blocking (librdkafka calls); bounded by `kafka_timeout`.
    ///
    /// ```no_run
    /// use std::sync::Arc;
    /// use telegraf_execd_kafka_bridge::{config::BridgeConfig, export::Exporter, health::HealthStats};
    /// let config = BridgeConfig::load(std::path::Path::new("kafka-bridge.toml"))?;
    /// let exporter = Exporter::connect(config, None, Arc::new(HealthStats::new()))?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn connect(
        config: BridgeConfig,
        influx_token: Option<String>,
        stats: Arc<HealthStats>,
    ) -> Result<Self, ExportError> {
        let influx = influx_client(&config, influx_token).map_err(ExportError::InfluxConfig)?;
        let timeout = config.kafka_timeout.0;
        let started = Instant::now();
        let producer_settings = producer_config(&config.kafka);
        // The tracker keeps no more messages than librdkafka's queue may hold.
        let limit = producer_settings
            .get("queue.buffering.max.messages")
            .and_then(|v| v.parse().ok())
            .unwrap_or(100_000);
        let tracker = Arc::new(Mutex::new(AckTracker::new(None).with_limit(limit)));
        let failure = DeliveryFailure::default();
        let context = DeliveryContext::new(
            Arc::clone(&tracker),
            Arc::clone(&stats),
            Arc::clone(&failure),
        );
        // The producer comes first and sends nothing before the resume point is known: the
        // idempotent producer acquires its producer id on a 500 ms timer once a broker
        // connection is up, which the metadata request below opens, so that wait overlaps with
        // reading the tails instead of stalling the first window (0.8 s against tansu).
        let producer: BaseProducer<DeliveryContext> = producer_settings
            .create_with_context(context)
            .map_err(ExportError::Producer)?;
        let partitions = partition_count(producer.client(), &config.topic, timeout)?;
        log::debug!("topic metadata in {:?}", started.elapsed());
        let tails = read_settled_tails(
            &client_config(&config.kafka),
            &config.topic,
            partitions,
            config.startup_quiet_period.0,
            timeout,
        )?;
        log::debug!("partition tails read after {:?}", started.elapsed());
        // librdkafka asks for the idempotent producer id when a metadata answer arrives, or on
        // a 500 ms timer if no broker connection was up then, as at the first request above. By
        // now the partition leaders are connected: asking again gets the id at once instead of
        // holding the first messages for up to half a second (0.4 s against tansu). Only a
        // nudge: if it fails, the timer still does it.
        if let Err(e) = producer
            .client()
            .fetch_metadata(Some(&config.topic), timeout)
        {
            log::debug!("metadata request for the producer id: {e}");
        }
        log::debug!("producer nudged after {:?}", started.elapsed());
        let resume = ResumePoint::from_tails(tails);
        match resume.query_from() {
            Some(p) => log::info!(
                "resuming export to {:?} ({partitions} partitions) after position {p}",
                config.topic
            ),
            None => log::info!(
                "exporting to {:?} ({partitions} partitions) from the start",
                config.topic
            ),
        }
        // Nothing was sent yet: the tracker starts over from the recovered watermark.
        *lock(&tracker) = AckTracker::new(resume.watermark().cloned()).with_limit(limit);
        if let Some(w) = resume.watermark() {
            stats.advance_position(w.time);
        }
        Ok(Exporter {
            encoder: MessageEncoder::new(config.value_format, config.key_tag.clone(), partitions),
            watermark_due: vec![0; usize::try_from(partitions).unwrap_or(0)],
            cursor: resume.query_from().cloned(),
            config,
            influx,
            producer,
            tracker,
            failure,
            stats,
            resume,
            skip_warnings: 0,
            stall_warned: Mutex::new(None),
            counts: ExportedCounts::default(),
            count_after: None,
            last_late_check: Instant::now(),
            empty_since: BTreeMap::new(),
        })
    }

    /// Exports until `stop` turns true, then flushes what is in flight (bounded) and returns.
    /// Returns an error only for conditions a restart must handle (see the module notes).
    ///
    /// ```no_run
    /// # async fn demo(exporter: telegraf_execd_kafka_bridge::export::Exporter) -> Result<(), telegraf_execd_kafka_bridge::export::ExportError> {
    /// let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    /// let task = tokio::spawn(exporter.run(stop_rx));
    /// stop_tx.send(true).ok();
    /// task.await.expect("exporter task")?;
    /// # Ok(()) }
    /// ```
    pub async fn run(mut self, mut stop: watch::Receiver<bool>) -> Result<(), ExportError> {
        let initial_backoff = Duration::from_millis(100);
        let mut backoff = initial_backoff;
        let mut caught_up_to = None;
        loop {
            if *stop.borrow() {
                break;
            }
            let hi = now_ns()
                .saturating_sub(i64::try_from(self.config.lateness.as_nanos()).unwrap_or(i64::MAX));
            let wait = match self.export_window(hi, &stop).await {
                Ok(()) => {
                    backoff = initial_backoff;
                    self.stats.add_batch();
                    caught_up_to = Some(hi);
                    self.config.export_interval.0
                }
                Err(WindowError::Fatal(e)) => return Err(e),
                Err(WindowError::Influx(e)) => {
                    self.stats.add_error();
                    log::warn!(
                        "InfluxDB query failed, retrying in {backoff:?} (export position unchanged at {}): {e}",
                        self.cursor
                            .as_ref()
                            .map_or("the start".to_string(), ToString::to_string)
                    );
                    let w = backoff;
                    backoff =
                        (backoff * 2).min(self.config.retry_max_backoff.0.max(initial_backoff));
                    w
                }
            };
            // Wait for the next window while watching Kafka.
            let until = Instant::now() + wait;
            while Instant::now() < until && !*stop.borrow() {
                self.check_kafka()?;
                let every = self.config.late_check_interval.0;
                if !every.is_zero() && self.last_late_check.elapsed() >= every {
                    self.last_late_check = Instant::now();
                    self.check_late().await;
                }
                if let Some(hi) = caught_up_to
                    && lock(&self.tracker).in_flight() == 0
                {
                    self.stats.advance_position(hi);
                }
                // Delivery reports are served here while messages are in flight.
                let in_flight = lock(&self.tracker).in_flight();
                let step = until
                    .saturating_duration_since(Instant::now())
                    .min(if in_flight > 0 {
                        DELIVERY_POLL
                    } else {
                        Duration::from_millis(200)
                    });
                tokio::select! {
                    _ = tokio::time::sleep(step) => {}
                    _ = stop.changed() => {}
                }
            }
        }
        self.finish()
    }

    /// Flushes the producer for at most 4 s (Telegraf sends SIGTERM 5 s after closing stdin);
    /// what is not acknowledged by then is re-sent by the next run, never duplicated.
    fn finish(&self) -> Result<(), ExportError> {
        let in_flight = lock(&self.tracker).in_flight();
        if in_flight > 0 {
            log::info!("stopping: flushing {in_flight} messages");
        }
        if let Err(e) = self.producer.flush(Timeout::After(Duration::from_secs(4))) {
            log::warn!(
                "stopping with {} messages unacknowledged ({e}); the next run sends them",
                lock(&self.tracker).in_flight()
            );
        }
        match self.failure_reason() {
            Some(reason) => Err(ExportError::Delivery(reason)),
            None => Ok(()),
        }
    }

    /// Exports the points from the cursor up to `hi` (inclusive).
    async fn export_window(
        &mut self,
        hi: i64,
        stop: &watch::Receiver<bool>,
    ) -> Result<(), WindowError> {
        let start = self.config.start.map(|s| s.nanos());
        let from = match (self.cursor.as_ref().map(|c| c.time), start) {
            (Some(c), Some(s)) => Some(c.max(s)),
            (c, s) => c.or(s),
        };
        if from.is_some_and(|f| f > hi) {
            return Ok(());
        }
        let i = &self.config.influxdb;
        let mut queries = Vec::with_capacity(i.measurements.len());
        for m in &i.measurements {
            let schema = MeasurementSchema::fetch(&self.influx, &i.database, m)
                .await
                .map_err(|e| WindowError::from_influx_in(e, &i.database))?;
            if schema.fields.is_empty() {
                let (since, warned) = self
                    .empty_since
                    .entry(m.clone())
                    .or_insert((Instant::now(), false));
                let grace = self.config.empty_measurement_grace.0;
                if !*warned && since.elapsed() >= grace {
                    *warned = true;
                    log::warn!(
                        "measurement {m:?} has had no fields in database {:?} for {grace:?}, so nothing of it is exported: check influxdb.measurements for a misspelling (SHOW MEASUREMENTS lists them)",
                        i.database
                    );
                }
                log::debug!("measurement {m:?} has no fields yet");
                continue;
            }
            self.empty_since.remove(m);
            let q = export_query(
                &schema,
                &i.database,
                &i.retention_policy,
                from,
                hi,
                &i.where_clause,
                i.chunk_size,
            );
            queries.push((schema, q));
        }
        self.stats.set_empty_measurements(
            self.empty_since
                .values()
                .filter(|(_, warned)| *warned)
                .count(),
        );
        let count_after = self
            .count_after
            .unwrap_or_else(|| from.map_or(i64::MIN, |f| f.saturating_sub(1)));
        if queries.is_empty() {
            self.counts.exported_through(Some(count_after), hi);
            self.count_after = Some(hi);
            return Ok(());
        }
        let started = Instant::now();
        let mut window = WindowReader::start(&self.influx, &i.database, queries);
        if !self.config.late_check_interval.is_zero() {
            window = window.counting_after(count_after);
        }
        let mut handled = 0u64;
        // Reused from one timestamp to the next, so its vectors are allocated once.
        let mut group = TimeGroup::default();
        loop {
            let read = {
                // Serve delivery reports while InfluxDB is slow to answer.
                let producer = &self.producer;
                let next = window.next_into(&mut self.encoder, &mut group);
                tokio::pin!(next);
                loop {
                    tokio::select! {
                        biased;
                        read = &mut next => break read,
                        () = tokio::time::sleep(DELIVERY_POLL) => {
                            serve_deliveries(producer);
                        }
                    }
                }
            };
            match read {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    // What was read is exported; the retry counts from there.
                    window.take_counts(&mut self.counts);
                    if let Some(t) = window.last_time() {
                        self.count_after = Some(t);
                    }
                    return Err(WindowError::from_influx_in(
                        e,
                        &self.config.influxdb.database,
                    ));
                }
            }
            for skipped in group.skipped.drain(..) {
                self.stats.add_skipped();
                self.skip_warnings += 1;
                if self.skip_warnings <= MAX_SKIP_WARNINGS {
                    log::warn!("{skipped}");
                } else if self.skip_warnings == MAX_SKIP_WARNINGS + 1 {
                    log::warn!(
                        "more rows skipped; counting them in kafka_bridge skipped_rows without logging each"
                    );
                }
            }
            // One clock reading per timestamp group (records are handed over within
            // microseconds), renewed after any wait for librdkafka's queue.
            let mut now = SendClock::now();
            for record in group.records.drain(..) {
                if self.cursor.as_ref().is_some_and(|c| record.position <= *c) {
                    continue;
                }
                if self.resume.is_exported(record.partition, &record.position) {
                    self.stats.add_resumed(1);
                } else {
                    if self.send(&record, now).await? {
                        now = SendClock::now();
                    }
                }
                self.cursor = Some(record.position);
                handled += 1;
                if handled % 1024 == 0 {
                    self.check_kafka().map_err(WindowError::Fatal)?;
                    if *stop.borrow() {
                        return Ok(());
                    }
                }
            }
        }
        window.take_counts(&mut self.counts);
        self.counts.exported_through(Some(count_after), hi);
        self.count_after = Some(hi);
        if handled > 0 {
            log::debug!(
                "window up to {hi}: {handled} points in {:?}",
                started.elapsed()
            );
        }
        Ok(())
    }

    /// Counts the exported range of the last hour again and reports points that were written
    /// into it after its export (see [`crate::late`]). InfluxDB errors only warn: the export
    /// itself reports them.
    async fn check_late(&mut self) {
        let Some((lo, hi)) = self.counts.range() else {
            return;
        };
        let archive = self.counts.archive_range();
        let i = &self.config.influxdb;
        for m in &i.measurements {
            let name = Arc::from(m.as_str());
            let (db, rp, filter) = (&i.database, &i.retention_policy, &i.where_clause);
            let mut found = Ok(0);
            if let Some((alo, ahi)) = archive {
                let q = archive_count_query(db, rp, m, alo, ahi, filter);
                found = match self.influx.query(db, &q).await {
                    Ok(answer) => Ok(self.counts.absorb_archive(&name, &answer)),
                    Err(e) => Err(e),
                };
            }
            let q = late_count_query(db, rp, m, lo, hi, filter);
            let found = match (found, self.influx.query(db, &q).await) {
                (Ok(old), Ok(answer)) => Ok(old + self.counts.absorb(&name, &answer)),
                (Err(e), _) | (_, Err(e)) => Err(e),
            };
            let lo = archive.map_or(lo, |a| a.0);
            match found {
                Ok(late) => {
                    if late > 0 {
                        self.stats.add_late_points(late);
                        log::warn!(
                            "{late} points of measurement {m:?} between {lo} and {hi} were written after that range was exported (later than lateness = {:?}, or a backfill behind the export position): they are not in the topic; counted in late_points",
                            self.config.lateness.0
                        );
                    }
                }
                Err(e) => log::warn!("counting exported points of {m:?} again failed: {e}"),
            }
        }
    }
}
