//! The Kafka side of the export loop: handing records to librdkafka with their headers, the
//! ack tracker's window, and the checks that end a run when Kafka does not acknowledge.

use std::time::{Duration, Instant};

use rdkafka::error::KafkaError;
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{BaseRecord, Producer};
use rdkafka::types::RDKafkaErrorCode;

use super::{ExportError, Exporter, WindowError, lock, now_ns};
use crate::kafka::serve_deliveries;
use crate::message::ExportRecord;
use crate::position::{HEADER_MEASUREMENT, HEADER_WATERMARK, WATERMARK_EVERY};

/// While sending, delivery reports are served before every this many messages: a report event
/// covers a whole batch of one partition (hundreds of messages at full speed), and even an empty
/// poll reads the clock three times.
const SERVE_EVERY: u64 = 32;

impl Exporter {
    pub(super) fn failure_reason(&self) -> Option<String> {
        if let Some(f) = lock(&self.failure).clone() {
            return Some(f);
        }
        self.producer
            .client()
            .fatal_error()
            .map(|(code, reason)| format!("producer fatal error {code:?}: {reason}"))
    }

    /// Serves the delivery reports, then fails when a delivery failed or the oldest message
    /// waits longer than `kafka_timeout`.
    pub(super) fn check_kafka(&self) -> Result<(), ExportError> {
        serve_deliveries(&self.producer);
        if let Some(reason) = self.failure_reason() {
            return Err(ExportError::Delivery(reason));
        }
        let tracker = lock(&self.tracker);
        self.stats.set_in_flight(tracker.in_flight());
        let Some(oldest) = tracker.oldest_unacked() else {
            return Ok(());
        };
        let waiting = oldest.elapsed();
        let limit = self.config.kafka_timeout.0;
        if waiting > limit {
            return Err(ExportError::KafkaTimeout {
                waited: limit,
                in_flight: tracker.in_flight(),
            });
        }
        // Half-way to giving up, say so (at most every 5 s): a partition whose leader is gone
        // stalls while the others keep flowing.
        if waiting > limit / 2 {
            let mut warned = lock(&self.stall_warned);
            if warned.is_none_or(|w| w.elapsed() > Duration::from_secs(5)) {
                *warned = Some(Instant::now());
                log::warn!(
                    "Kafka has not acknowledged the oldest of {} messages for {waiting:.1?}; giving up at kafka_timeout = {limit:?}",
                    tracker.in_flight()
                );
            }
        }
        Ok(())
    }

    /// Hands one record to librdkafka (sent at `now`), waiting while its queue is full; says
    /// whether it waited.
    pub(super) async fn send(
        &mut self,
        record: &ExportRecord,
        mut now: SendClock,
    ) -> Result<bool, WindowError> {
        // The position is not a header: it is the value's (see `crate::position`).
        let mut headers = OwnedHeaders::new_with_capacity(2).insert(Header {
            key: HEADER_MEASUREMENT,
            value: Some(record.measurement.as_bytes()),
        });
        let mut waited = false;
        let seq = loop {
            {
                // One lock for the room check and the registration. The watermark header is
                // copied into the message under it, so the text is never cloned.
                let mut t = lock(&self.tracker);
                if !t.is_full() {
                    let due = usize::try_from(record.partition)
                        .ok()
                        .and_then(|p| self.watermark_due.get_mut(p));
                    if let Some(due) = due {
                        if *due > 0 {
                            *due -= 1;
                        } else if let Some(w) = t.watermark_header() {
                            headers = headers.insert(Header {
                                key: HEADER_WATERMARK,
                                value: Some(w.as_bytes()),
                            });
                            *due = WATERMARK_EVERY - 1;
                        }
                    }
                    break t.register(record.position.clone(), now.instant);
                }
            }
            self.wait_for_tracker_room().await?;
            waited = true;
            now = SendClock::now();
        };
        if seq % SERVE_EVERY == 0 {
            serve_deliveries(&self.producer);
        }
        let seq = usize::try_from(seq).unwrap_or(usize::MAX);
        let mut message: BaseRecord<'_, [u8], [u8], usize> =
            BaseRecord::with_opaque_to(&self.config.topic, seq)
                .partition(record.partition)
                .payload(record.value.as_slice())
                .timestamp(now.unix_ms)
                .headers(headers);
        if let Some(key) = &record.key {
            message = message.key(&**key);
        }
        loop {
            match self.producer.send(message) {
                Ok(()) => break,
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    message = back;
                    waited = true;
                    self.check_kafka().map_err(WindowError::Fatal)?;
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                Err((e, _)) => {
                    return Err(WindowError::Fatal(ExportError::Delivery(format!(
                        "refused message at {}: {e}",
                        record.position
                    ))));
                }
            }
        }
        self.stats.add_sent(1);
        Ok(waited)
    }
}
impl Exporter {
    /// Waits while the ack tracker is full: a partition has not acknowledged its oldest message
    /// while the others acknowledged the tracker's capacity after it. Bounded by
    /// `kafka_timeout` through [`Exporter::check_kafka`].
    pub(super) async fn wait_for_tracker_room(&self) -> Result<(), WindowError> {
        let mut paused: Option<Instant> = None;
        let mut warned = false;
        loop {
            let (full, tracked) = {
                let t = lock(&self.tracker);
                (t.is_full(), t.tracked())
            };
            if !full {
                return Ok(());
            }
            let since = *paused.get_or_insert_with(Instant::now);
            // A full queue for a moment is ordinary back-pressure; a second is a stall.
            if !warned && since.elapsed() > Duration::from_secs(1) {
                warned = true;
                log::warn!(
                    "export paused: {tracked} messages sent since the oldest unacknowledged one, the most kept in memory (queue.buffering.max.messages); waiting for Kafka"
                );
            }
            self.check_kafka().map_err(WindowError::Fatal)?;
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
}

/// When records are handed to librdkafka: the monotonic instant the ack tracker measures
/// delivery latency from, and the wall-clock milliseconds that become the message's Kafka
/// timestamp (what librdkafka would read itself, once per message, when given none).
#[derive(Debug, Clone, Copy)]
pub(super) struct SendClock {
    instant: Instant,
    unix_ms: i64,
}

impl SendClock {
    pub(super) fn now() -> Self {
        SendClock {
            instant: Instant::now(),
            unix_ms: now_ns() / 1_000_000,
        }
    }
}
