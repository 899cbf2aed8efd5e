//! The positions `consume --verify` read from a topic, kept compactly.
//!
//! Every message must be remembered until InfluxDB's side has been compared with it, so the
//! memory is linear in the topic's size; what is kept per message is only what the checks need,
//! in a fixed 32-byte [`Entry`]: the time, the series as an index into a table of distinct series
//! keys (stored once each), the partition and offset (for examples) and a hash of the value.
//! Reading fills an unsorted list and checks order per partition on the fly; [`Positions::sort`]
//! then sorts it once, reports duplicates (equal neighbours) and leaves one entry per position
//! for binary-search lookups and a one-bit-per-entry "matched" mark.

use std::collections::HashMap;
#[cfg(test)]
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

use crate::position::ExportPosition;

use super::VerifyReport;

/// One message: 32 bytes.
#[derive(Debug, Clone, Copy)]
pub(super) struct Entry {
    pub(super) time: i64,
    pub(super) offset: i64,
    pub(super) value_hash: u64,
    /// Index into the series table (after sorting: the key's rank in byte order).
    pub(super) series: u32,
    pub(super) partition: i32,
}

/// A hash of some bytes, standing in for a message's content hash in tests.
#[cfg(test)]
fn value_hash(bytes: &[u8]) -> u64 {
    let mut h = DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

/// Positions as read, before [`Positions::sort`].
#[derive(Debug, Default)]
pub(super) struct Positions {
    series: Vec<Arc<str>>,
    ids: HashMap<Arc<str>, u32>,
    entries: Vec<Entry>,
    /// Last (time, series id) per partition, for the order check.
    last: HashMap<i32, (i64, u32)>,
}

impl Positions {
    /// Records one message; notes it in `report` when it is below its partition's previous one.
    pub(super) fn add(
        &mut self,
        position: &ExportPosition,
        partition: i32,
        offset: i64,
        value_hash: u64,
        report: &mut VerifyReport,
    ) {
        let series = self.intern(&position.series);
        if let Some(&(time, prev)) = self.last.get(&partition)
            && (position.time, &*position.series) < (time, &*self.series[prev as usize])
        {
            report.out_of_order += 1;
            report.note(format!(
                "out of order: partition {partition} offset {offset} holds {position} after {time} {}",
                self.series[prev as usize]
            ));
        }
        self.last.insert(partition, (position.time, series));
        self.entries.push(Entry {
            time: position.time,
            offset,
            value_hash,
            series,
            partition,
        });
    }

    fn intern(&mut self, series: &str) -> u32 {
        if let Some(&id) = self.ids.get(series) {
            return id;
        }
        // More than 4 billion distinct series in one topic is beyond what verify is for; the
        // index type keeps every entry at 32 bytes.
        let id = u32::try_from(self.series.len()).expect("fewer than 2^32 distinct series");
        let key: Arc<str> = Arc::from(series);
        self.series.push(Arc::clone(&key));
        self.ids.insert(key, id);
        id
    }

    /// Sorts by position, counts every extra copy of a position as duplicated (with an
    /// example naming both copies) and keeps the first copy (lowest partition, then offset).
    pub(super) fn sort(mut self, report: &mut VerifyReport) -> SortedPositions {
        self.last = HashMap::new();
        // Series ids become ranks in byte order, so (time, id) sorts like ExportPosition.
        let mut order: Vec<u32> = (0..self.series.len() as u32).collect();
        order.sort_unstable_by(|a, b| self.series[*a as usize].cmp(&self.series[*b as usize]));
        let mut rank = vec![0u32; order.len()];
        for (r, id) in order.iter().enumerate() {
            rank[*id as usize] = r as u32;
        }
        let series: Vec<Arc<str>> = order
            .iter()
            .map(|id| Arc::clone(&self.series[*id as usize]))
            .collect();
        drop(order);
        let mut ids = self.ids;
        for id in ids.values_mut() {
            *id = rank[*id as usize];
        }
        let mut entries = self.entries;
        for e in &mut entries {
            e.series = rank[e.series as usize];
        }
        entries.sort_unstable_by_key(|e| (e.time, e.series, e.partition, e.offset));
        let mut kept = 0usize;
        for i in 0..entries.len() {
            let e = entries[i];
            if kept > 0 {
                let first = entries[kept - 1];
                if (first.time, first.series) == (e.time, e.series) {
                    report.duplicated += 1;
                    report.note(format!(
                        "duplicated: partition {} offset {} repeats {} {} of partition {} offset {}",
                        e.partition,
                        e.offset,
                        e.time,
                        series[e.series as usize],
                        first.partition,
                        first.offset
                    ));
                    continue;
                }
            }
            entries[kept] = e;
            kept += 1;
        }
        entries.truncate(kept);
        entries.shrink_to_fit();
        let matched = vec![0u64; entries.len().div_ceil(64)];
        SortedPositions {
            series,
            ids,
            entries,
            matched,
        }
    }
}

/// One entry per position, sorted, with a matched mark each.
#[derive(Debug)]
pub(super) struct SortedPositions {
    series: Vec<Arc<str>>,
    ids: HashMap<Arc<str>, u32>,
    entries: Vec<Entry>,
    matched: Vec<u64>,
}

impl SortedPositions {
    /// The newest position read.
    pub(super) fn newest(&self) -> Option<ExportPosition> {
        self.entries.last().map(|e| self.position(e))
    }

    /// The entry at `position`, marked as matched; `None` when the topic does not hold it.
    pub(super) fn take(&mut self, position: &ExportPosition) -> Option<Entry> {
        let series = *self.ids.get(&*position.series)?;
        let i = self
            .entries
            .binary_search_by_key(&(position.time, series), |e| (e.time, e.series))
            .ok()?;
        self.matched[i / 64] |= 1 << (i % 64);
        Some(self.entries[i])
    }

    /// Positions never taken, in order.
    pub(super) fn unmatched(&self) -> impl Iterator<Item = ExportPosition> + '_ {
        self.entries
            .iter()
            .enumerate()
            .filter(|(i, _)| self.matched[i / 64] & (1 << (i % 64)) == 0)
            .map(|(_, e)| self.position(e))
    }

    fn position(&self, e: &Entry) -> ExportPosition {
        ExportPosition::new(e.time, &*self.series[e.series as usize])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(t: i64, s: &str) -> ExportPosition {
        ExportPosition::new(t, s)
    }

    #[test]
    fn an_entry_is_32_bytes() {
        assert_eq!(std::mem::size_of::<Entry>(), 32);
    }

    #[test]
    fn order_is_checked_per_partition_with_series_keys_as_tie_breakers() {
        let mut report = VerifyReport::default();
        let mut pos = Positions::default();
        pos.add(&p(5, "m,s=b"), 0, 0, value_hash(b"x"), &mut report);
        pos.add(&p(1, "m,s=z"), 1, 0, value_hash(b"x"), &mut report); // another partition: fine
        pos.add(&p(5, "m,s=c"), 0, 1, value_hash(b"x"), &mut report);
        pos.add(&p(5, "m,s=a"), 0, 2, value_hash(b"x"), &mut report); // below m,s=c
        pos.add(&p(6, "m,s=a"), 0, 3, value_hash(b"x"), &mut report);
        assert_eq!(report.out_of_order, 1, "{report}");
        assert_eq!(
            report.examples,
            ["out of order: partition 0 offset 2 holds 5 m,s=a after 5 m,s=c"]
        );
    }

    #[test]
    fn duplicates_are_counted_per_extra_copy_and_the_first_copy_is_kept() {
        let mut report = VerifyReport::default();
        let mut pos = Positions::default();
        pos.add(&p(2, "m,s=b"), 1, 7, value_hash(b"v1"), &mut report);
        pos.add(&p(1, "m,s=a"), 0, 0, value_hash(b"v0"), &mut report);
        pos.add(&p(2, "m,s=b"), 1, 8, value_hash(b"v1"), &mut report);
        pos.add(&p(2, "m,s=b"), 0, 1, value_hash(b"other"), &mut report);
        let mut sorted = pos.sort(&mut report);
        assert_eq!(report.duplicated, 2, "{report}");
        assert_eq!(
            report.examples,
            [
                "duplicated: partition 1 offset 7 repeats 2 m,s=b of partition 0 offset 1",
                "duplicated: partition 1 offset 8 repeats 2 m,s=b of partition 0 offset 1",
            ]
        );
        assert_eq!(sorted.newest(), Some(p(2, "m,s=b")));
        let first = sorted.take(&p(2, "m,s=b")).unwrap();
        assert_eq!((first.partition, first.offset), (0, 1));
        assert_eq!(first.value_hash, value_hash(b"other"));
        assert!(sorted.take(&p(2, "m,s=c")).is_none());
        assert!(sorted.take(&p(3, "m,s=b")).is_none());
        assert_eq!(sorted.unmatched().collect::<Vec<_>>(), [p(1, "m,s=a")]);
    }

    #[test]
    fn lookups_follow_byte_order_of_series_keys_interned_in_any_order() {
        let mut report = VerifyReport::default();
        let mut pos = Positions::default();
        let keys = ["m,s=q", "m,s=b", "m,s=z", "m,s=a", "m,s=b\\ c"];
        for (i, k) in keys.iter().enumerate() {
            for t in 0..100 {
                pos.add(&p(t, k), i as i32, t, value_hash(k.as_bytes()), &mut report);
            }
        }
        let mut sorted = pos.sort(&mut report);
        assert!(report.is_clean(), "{report}");
        for t in (0..100).rev() {
            for k in keys {
                let e = sorted.take(&p(t, k)).expect("present");
                assert_eq!((e.time, e.value_hash), (t, value_hash(k.as_bytes())));
            }
        }
        assert_eq!(sorted.unmatched().count(), 0);
        assert_eq!(sorted.newest(), Some(p(99, "m,s=z")));
    }
}
