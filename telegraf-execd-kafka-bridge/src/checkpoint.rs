//! Which sent messages are acknowledged, and the low watermark that follows from it.
//!
//! Every message the exporter hands to librdkafka gets a sequence number in export order.
//! Acknowledgements arrive out of order (partitions are independent), so the tracker keeps the
//! unacknowledged tail and advances the **low watermark** — the position of the last message of
//! the longest fully acknowledged prefix — when the oldest message is acknowledged. Every point at
//! or before the watermark is durably in the topic, on every partition. The exporter writes the
//! current watermark into each new message (see [`crate::resume`] for why).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::position::ExportPosition;

/// A message handed to Kafka and not yet known to be durable, or acknowledged but still behind
/// an older unacknowledged one.
#[derive(Debug)]
struct Pending {
    position: ExportPosition,
    sent_at: Instant,
    acked: bool,
}

/// Tracks in-flight messages by sequence number and derives the low watermark.
///
/// ```
/// use std::time::Instant;
/// use telegraf_execd_kafka_bridge::checkpoint::AckTracker;
/// use telegraf_execd_kafka_bridge::position::ExportPosition;
///
/// let mut t = AckTracker::new(None);
/// let now = Instant::now();
/// let a = t.register(ExportPosition::new(1, "m"), now);
/// let b = t.register(ExportPosition::new(2, "m"), now);
/// t.acknowledge(b, now);
/// assert_eq!(t.watermark(), None, "1 is still in flight");
/// t.acknowledge(a, now);
/// assert_eq!(t.watermark(), Some(&ExportPosition::new(2, "m")));
/// assert_eq!(t.in_flight(), 0);
/// ```
#[derive(Debug)]
pub struct AckTracker {
    /// Sequence number of `pending[0]`.
    base_seq: u64,
    pending: VecDeque<Pending>,
    unacked: usize,
    watermark: Option<ExportPosition>,
    /// `watermark` as header text, rendered when a message asks for it (a fraction of them,
    /// see [`crate::position::WATERMARK_EVERY`]), not on every advance.
    watermark_header: String,
    /// Whether `watermark_header` shows `watermark`.
    header_current: bool,
    /// Most messages kept (acknowledged or not); see [`AckTracker::with_limit`].
    limit: usize,
}

impl AckTracker {
    /// A tracker whose watermark starts at `recovered` (the watermark found in the topic).
    ///
    /// ```
    /// use telegraf_execd_kafka_bridge::{checkpoint::AckTracker, position::ExportPosition};
    /// let mut t = AckTracker::new(Some(ExportPosition::new(5, "m")));
    /// assert_eq!(t.watermark_header(), Some("5 m"));
    /// ```
    pub fn new(recovered: Option<ExportPosition>) -> Self {
        AckTracker {
            base_seq: 0,
            pending: VecDeque::new(),
            unacked: 0,
            watermark: recovered,
            watermark_header: String::new(),
            header_current: false,
            limit: usize::MAX,
        }
    }

    /// Caps the messages kept: those not acknowledged plus those acknowledged behind an older
    /// unacknowledged one. While one partition stalls the others keep acknowledging, and without
    /// a cap their messages would pile up here (librdkafka's queue cap counts only what it
    /// still holds). The exporter waits while [`AckTracker::is_full`].
    ///
    /// ```
    /// use std::time::Instant;
    /// use telegraf_execd_kafka_bridge::{checkpoint::AckTracker, position::ExportPosition};
    /// let mut t = AckTracker::new(None).with_limit(2);
    /// let now = Instant::now();
    /// t.register(ExportPosition::new(1, "m"), now);
    /// let b = t.register(ExportPosition::new(2, "m"), now);
    /// t.acknowledge(b, now);
    /// assert_eq!(t.in_flight(), 1);
    /// assert!(t.is_full(), "2 is kept until 1 is acknowledged");
    /// ```
    pub fn with_limit(mut self, limit: usize) -> Self {
        self.limit = limit.max(1);
        self
    }

    /// Whether the cap of [`AckTracker::with_limit`] is reached.
    ///
    /// ```
    /// assert!(!telegraf_execd_kafka_bridge::checkpoint::AckTracker::new(None).is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        self.pending.len() >= self.limit
    }

    /// Messages kept: sent and not yet behind the watermark.
    ///
    /// ```
    /// use std::time::Instant;
    /// use telegraf_execd_kafka_bridge::{checkpoint::AckTracker, position::ExportPosition};
    /// let mut t = AckTracker::new(None);
    /// t.register(ExportPosition::new(1, "m"), Instant::now());
    /// assert_eq!(t.tracked(), 1);
    /// ```
    pub fn tracked(&self) -> usize {
        self.pending.len()
    }

    /// Records a message about to be sent; returns its sequence number (the delivery opaque).
    ///
    /// ```
    /// use std::time::Instant;
    /// use telegraf_execd_kafka_bridge::{checkpoint::AckTracker, position::ExportPosition};
    /// let mut t = AckTracker::new(None);
    /// assert_eq!(t.register(ExportPosition::new(1, "m"), Instant::now()), 0);
    /// assert_eq!(t.register(ExportPosition::new(2, "m"), Instant::now()), 1);
    /// ```
    pub fn register(&mut self, position: ExportPosition, now: Instant) -> u64 {
        let seq = self.base_seq + self.pending.len() as u64;
        self.pending.push_back(Pending {
            position,
            sent_at: now,
            acked: false,
        });
        self.unacked += 1;
        seq
    }

    /// Forgets the most recently registered message (librdkafka refused it, e.g. queue full, so
    /// it will be registered again). Does nothing if it was already acknowledged.
    ///
    /// ```
    /// use std::time::Instant;
    /// use telegraf_execd_kafka_bridge::{checkpoint::AckTracker, position::ExportPosition};
    /// let mut t = AckTracker::new(None);
    /// let s = t.register(ExportPosition::new(1, "m"), Instant::now());
    /// t.unregister_last(s);
    /// assert_eq!(t.in_flight(), 0);
    /// assert_eq!(t.register(ExportPosition::new(1, "m"), Instant::now()), s);
    /// ```
    pub fn unregister_last(&mut self, seq: u64) {
        if self.base_seq + self.pending.len() as u64 == seq + 1
            && self.pending.back().is_some_and(|p| !p.acked)
        {
            self.pending.pop_back();
            self.unacked -= 1;
        }
    }

    /// Marks `seq` durable; returns how long it was in flight. Unknown or repeated sequence
    /// numbers are ignored (`None`).
    ///
    /// ```
    /// use std::time::Instant;
    /// use telegraf_execd_kafka_bridge::{checkpoint::AckTracker, position::ExportPosition};
    /// let mut t = AckTracker::new(None);
    /// let now = Instant::now();
    /// let s = t.register(ExportPosition::new(1, "m"), now);
    /// assert!(t.acknowledge(s, now).is_some());
    /// assert!(t.acknowledge(s, now).is_none());
    /// ```
    pub fn acknowledge(&mut self, seq: u64, now: Instant) -> Option<Duration> {
        let index = usize::try_from(seq.checked_sub(self.base_seq)?).ok()?;
        let slot = self.pending.get_mut(index)?;
        if slot.acked {
            return None;
        }
        slot.acked = true;
        self.unacked -= 1;
        let latency = now.saturating_duration_since(slot.sent_at);
        if index == 0 {
            self.advance();
        }
        Some(latency)
    }

    fn advance(&mut self) {
        let mut last = None;
        while self.pending.front().is_some_and(|p| p.acked) {
            last = self.pending.pop_front();
            self.base_seq += 1;
        }
        if let Some(p) = last {
            self.watermark = Some(p.position);
            self.header_current = false;
        }
    }

    /// The low watermark: every point at or before it is acknowledged on every partition.
    ///
    /// ```
    /// let t = telegraf_execd_kafka_bridge::checkpoint::AckTracker::new(None);
    /// assert!(t.watermark().is_none());
    /// ```
    pub fn watermark(&self) -> Option<&ExportPosition> {
        self.watermark.as_ref()
    }

    /// The watermark as header text, rendered again only if the watermark moved since the last
    /// call (it moves on almost every acknowledgement; headers ask for it far less often).
    ///
    /// ```
    /// use std::time::Instant;
    /// use telegraf_execd_kafka_bridge::{checkpoint::AckTracker, position::ExportPosition};
    /// let mut t = AckTracker::new(None);
    /// assert!(t.watermark_header().is_none());
    /// let s = t.register(ExportPosition::new(7, "m"), Instant::now());
    /// t.acknowledge(s, Instant::now());
    /// assert_eq!(t.watermark_header(), Some("7 m"));
    /// ```
    pub fn watermark_header(&mut self) -> Option<&str> {
        let watermark = self.watermark.as_ref()?;
        if !self.header_current {
            watermark.write_header(&mut self.watermark_header);
            self.header_current = true;
        }
        Some(&self.watermark_header)
    }

    /// Messages sent and not yet acknowledged.
    ///
    /// ```
    /// use std::time::Instant;
    /// use telegraf_execd_kafka_bridge::{checkpoint::AckTracker, position::ExportPosition};
    /// let mut t = AckTracker::new(None);
    /// t.register(ExportPosition::new(1, "m"), Instant::now());
    /// assert_eq!(t.in_flight(), 1);
    /// ```
    pub fn in_flight(&self) -> usize {
        self.unacked
    }

    /// When the oldest unacknowledged message was sent (the front of the queue is always
    /// unacknowledged: acknowledged fronts are popped at once).
    ///
    /// ```
    /// use std::time::Instant;
    /// use telegraf_execd_kafka_bridge::{checkpoint::AckTracker, position::ExportPosition};
    /// let mut t = AckTracker::new(None);
    /// let now = Instant::now();
    /// t.register(ExportPosition::new(1, "m"), now);
    /// assert_eq!(t.oldest_unacked(), Some(now));
    /// ```
    pub fn oldest_unacked(&self) -> Option<Instant> {
        self.pending.front().map(|p| p.sent_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(t: i64) -> ExportPosition {
        ExportPosition::new(t, "m")
    }

    #[test]
    fn watermark_follows_the_acknowledged_prefix_in_any_ack_order() {
        let now = Instant::now();
        let mut t = AckTracker::new(Some(pos(0)));
        let seqs: Vec<u64> = (1..=6).map(|i| t.register(pos(i), now)).collect();
        for (ack, expect) in [(2, 0), (4, 0), (1, 2), (6, 2), (5, 2), (3, 6)] {
            t.acknowledge(seqs[ack - 1], now);
            assert_eq!(t.watermark(), Some(&pos(expect)), "after ack of {ack}");
        }
        assert_eq!(t.in_flight(), 0);
        assert_eq!(t.oldest_unacked(), None);
        assert_eq!(t.register(pos(7), now), 6, "sequence numbers keep counting");
    }

    #[test]
    fn unregister_only_removes_the_newest_unacked() {
        let now = Instant::now();
        let mut t = AckTracker::new(None);
        let a = t.register(pos(1), now);
        let b = t.register(pos(2), now);
        t.unregister_last(a);
        assert_eq!(t.in_flight(), 2, "a is not the newest");
        t.unregister_last(b);
        assert_eq!(t.in_flight(), 1);
        t.acknowledge(a, now);
        t.unregister_last(a);
        assert_eq!(t.watermark(), Some(&pos(1)));
    }

    #[test]
    fn a_stalled_front_fills_the_limit_and_its_ack_frees_it() {
        let now = Instant::now();
        let mut t = AckTracker::new(None).with_limit(3);
        let stalled = t.register(pos(1), now);
        for i in 2..=3 {
            let s = t.register(pos(i), now);
            t.acknowledge(s, now);
        }
        assert!(t.is_full());
        assert_eq!((t.in_flight(), t.tracked()), (1, 3));
        t.acknowledge(stalled, now);
        assert!(!t.is_full());
        assert_eq!(t.watermark(), Some(&pos(3)));
    }

    #[test]
    fn unknown_sequence_numbers_are_ignored() {
        let now = Instant::now();
        let mut t = AckTracker::new(None);
        assert!(t.acknowledge(42, now).is_none());
        let a = t.register(pos(1), now);
        t.acknowledge(a, now);
        assert!(t.acknowledge(a, now).is_none(), "already popped");
        assert_eq!(t.in_flight(), 0);
    }
}
