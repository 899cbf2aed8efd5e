//! Late points: points written into a time range the bridge has already exported.
//!
//! The export queries each window once, up to `now - lateness`; a point written later into that
//! range (a slow writer, a backfill behind the export position) is never exported. To make such
//! points visible, the exporter counts what it read per field, per measurement and per 10 s
//! bucket of data time ([`ExportedCounts`]), and every `late_check_interval` asks InfluxDB for
//! the same counts (`SELECT count(*) … GROUP BY time(10s)`, [`late_count_query`]). More values
//! in a bucket than were read means late points: the excess (the largest over the fields, so a
//! point with several fields counts once) is reported in the health field `late_points` and a
//! `W!`, then taken into the counts so each late point is reported once. InfluxQL counts values,
//! not points, so when the late points of one bucket carry different field sets the number is a
//! lower bound (exact when they share a field, as every weather point does); it is never zero
//! while a late point exists in the checked range.
//!
//! Memory stays bounded: the newest [`MAX_BUCKETS`] buckets with data are kept apart, everything
//! exported before them since the start of the run is summed into one total per field (counted
//! again with one `count(*)` without `GROUP BY`), so a backfill anywhere behind the export
//! position is seen, though only as a number for that older part.

use std::collections::BTreeMap;
use std::sync::Arc;

use influxdb_http::{Query, Series};

use crate::source::{MeasurementSchema, from_clause};

/// Width of a count bucket (data time).
pub const BUCKET_NS: i64 = 10_000_000_000;
/// Buckets with data kept apart (one hour of data at one point per 10 s or more).
pub const MAX_BUCKETS: usize = 360;

/// The bucket (its start) of a timestamp.
///
/// ```
/// use telegraf_execd_kafka_bridge::late::{bucket_of, BUCKET_NS};
/// assert_eq!(bucket_of(BUCKET_NS + 1), BUCKET_NS);
/// assert_eq!(bucket_of(-1), -BUCKET_NS);
/// ```
pub fn bucket_of(time: i64) -> i64 {
    time.div_euclid(BUCKET_NS) * BUCKET_NS
}

/// Values read per field of one measurement in one bucket, counted while a window is read.
///
/// ```
/// use telegraf_execd_kafka_bridge::late::FieldTally;
/// let mut t = FieldTally::new(2, 0);
/// t.count(5, [true, false]);
/// t.count(0, [true, true]); // at or before `after`: already counted by an earlier window
/// assert_eq!(t.finish(), vec![(0, vec![1, 0])]);
/// ```
#[derive(Debug, Clone, Default)]
pub struct FieldTally {
    after: i64,
    current: Option<(i64, Vec<u64>)>,
    done: Vec<(i64, Vec<u64>)>,
    fields: usize,
}

impl FieldTally {
    /// Counts rows of a measurement with `fields` fields whose time is after `after`.
    pub fn new(fields: usize, after: i64) -> Self {
        FieldTally {
            after,
            current: None,
            done: Vec::new(),
            fields,
        }
    }

    /// Counts one row at `time` whose fields are present as `present` says (schema order).
    pub fn count(&mut self, time: i64, present: impl IntoIterator<Item = bool>) {
        if time <= self.after {
            return;
        }
        let bucket = bucket_of(time);
        if self.current.as_ref().is_none_or(|(b, _)| *b != bucket) {
            let fresh = (bucket, vec![0; self.fields]);
            if let Some(old) = self.current.replace(fresh) {
                self.done.push(old);
            }
        }
        if let Some((_, counts)) = &mut self.current {
            for (c, p) in counts.iter_mut().zip(present) {
                *c += u64::from(p);
            }
        }
    }

    /// The counts per bucket, in time order.
    pub fn finish(mut self) -> Vec<(i64, Vec<u64>)> {
        self.done.extend(self.current.take());
        self.done
    }
}

type Counts = BTreeMap<(Arc<str>, Arc<str>), u64>;

/// Values exported per bucket, measurement and field since the run started.
///
/// ```
/// use std::sync::Arc;
/// use telegraf_execd_kafka_bridge::late::{ExportedCounts, BUCKET_NS};
/// let mut c = ExportedCounts::default();
/// let (m, f): (Arc<str>, Arc<str>) = ("weather".into(), "temp".into());
/// c.add(&m, &f, 0, 3);
/// c.exported_through(None, BUCKET_NS - 1);
/// assert_eq!(c.range(), Some((-1, BUCKET_NS - 1)));
/// assert_eq!(c.archive_range(), None);
/// ```
#[derive(Debug, Default)]
pub struct ExportedCounts {
    /// Exclusive lower bound of the counted range.
    lo: Option<i64>,
    /// Inclusive upper bound: the end of the last window read.
    hi: Option<i64>,
    buckets: BTreeMap<i64, Counts>,
    /// Totals of the buckets that no longer fit, over `(lo, archive_hi]`.
    archive: Counts,
    archive_hi: Option<i64>,
}

impl ExportedCounts {
    /// Adds `n` values of `field` of `measurement` in `bucket`.
    pub fn add(&mut self, measurement: &Arc<str>, field: &Arc<str>, bucket: i64, n: u64) {
        if n == 0 {
            return;
        }
        *self
            .buckets
            .entry(bucket)
            .or_default()
            .entry((Arc::clone(measurement), Arc::clone(field)))
            .or_default() += n;
    }

    /// Notes that every row up to `hi` was counted (`after`: the exclusive lower bound the first
    /// window counted from, `None` = from the first bucket), and sums the oldest buckets into
    /// the archive beyond [`MAX_BUCKETS`].
    pub fn exported_through(&mut self, after: Option<i64>, hi: i64) {
        if self.lo.is_none() {
            // From the start of the data (`i64::MIN`), the range begins at the first bucket read.
            let first = self.buckets.keys().next().map(|b| b - 1);
            self.lo = after.filter(|a| *a != i64::MIN).or(first);
        }
        self.hi = Some(hi);
        while self.buckets.len() > MAX_BUCKETS
            && let Some((bucket, counts)) = self.buckets.pop_first()
        {
            for (key, n) in counts {
                *self.archive.entry(key).or_default() += n;
            }
            self.archive_hi = Some(bucket + BUCKET_NS - 1);
        }
    }

    /// The range whose buckets are kept apart, to count again with `GROUP BY time`: `(lo, hi]`,
    /// or `None` before any window completed.
    pub fn range(&self) -> Option<(i64, i64)> {
        let lo = self.archive_hi.or(self.lo)?;
        let hi = self.hi?;
        (lo < hi).then_some((lo, hi))
    }

    /// The older range summed into one total per field, `(lo, hi]`, if any.
    ///
    /// ```
    /// assert_eq!(telegraf_execd_kafka_bridge::late::ExportedCounts::default().archive_range(), None);
    /// ```
    pub fn archive_range(&self) -> Option<(i64, i64)> {
        Some((self.lo?, self.archive_hi?))
    }

    /// Like [`ExportedCounts::absorb`] for the answer to the archive's count (no `GROUP BY`).
    pub fn absorb_archive(&mut self, measurement: &Arc<str>, answer: &[Series]) -> u64 {
        let mut late = 0;
        for series in answer {
            for row in &series.values {
                late += absorb_row(&mut self.archive, measurement, &series.columns, row);
            }
        }
        late
    }

    /// Compares InfluxDB's counts for `measurement` (the answer to [`late_count_query`]) with
    /// the exported ones; returns the late points found (the excess of the field with the most
    /// per bucket) and takes them into the counts.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use influxdb_http::Series;
    /// use telegraf_execd_kafka_bridge::late::ExportedCounts;
    /// let mut c = ExportedCounts::default();
    /// let (m, f): (Arc<str>, Arc<str>) = ("weather".into(), "temp".into());
    /// c.add(&m, &f, 0, 3);
    /// c.exported_through(Some(-1), 5);
    /// let s = Series {
    ///     columns: vec!["time".into(), "count_temp".into()],
    ///     values: vec![vec![0.into(), 5.into()]],
    ///     ..Default::default()
    /// };
    /// assert_eq!(c.absorb(&m, &[s.clone()]), 2);
    /// assert_eq!(c.absorb(&m, &[s]), 0, "reported once");
    /// ```
    pub fn absorb(&mut self, measurement: &Arc<str>, answer: &[Series]) -> u64 {
        let mut late = 0;
        for series in answer {
            let Some(time_col) = series.columns.iter().position(|c| c == "time") else {
                continue;
            };
            for row in &series.values {
                let Some(bucket) = row.get(time_col).and_then(serde_json::Value::as_i64) else {
                    continue;
                };
                let counts = self.buckets.entry(bucket).or_default();
                late += absorb_row(counts, measurement, &series.columns, row);
            }
        }
        late
    }
}

/// Takes one row of `count_<field>` columns into `counts`; returns the largest excess.
fn absorb_row(
    counts: &mut Counts,
    measurement: &Arc<str>,
    columns: &[String],
    row: &[serde_json::Value],
) -> u64 {
    let mut excess_max = 0;
    for (i, column) in columns.iter().enumerate() {
        let Some(field) = column.strip_prefix("count_") else {
            continue;
        };
        let found = row.get(i).and_then(serde_json::Value::as_u64).unwrap_or(0);
        let exported = counts
            .entry((Arc::clone(measurement), field.into()))
            .or_default();
        if found > *exported {
            excess_max = excess_max.max(found - *exported);
            *exported = found;
        }
    }
    excess_max
}

/// The count query for one measurement over `(lo, hi]`, with the export's filter.
///
/// ```
/// use telegraf_execd_kafka_bridge::late::late_count_query;
/// let q = late_count_query("db", "", "weather", 0, 10, "\"station\" = 'a'");
/// assert_eq!(
///     q.text(),
///     "SELECT count(*) FROM \"weather\" WHERE time > 0 AND time <= 10 AND (\"station\" = 'a') GROUP BY time(10s) fill(none)"
/// );
/// ```
pub fn late_count_query(
    database: &str,
    retention_policy: &str,
    measurement: &str,
    lo: i64,
    hi: i64,
    filter: &str,
) -> Query {
    let from = from_clause(database, retention_policy, measurement);
    let mut condition = format!("time > {lo} AND time <= {hi}");
    if !filter.trim().is_empty() {
        condition.push_str(&format!(" AND ({filter})"));
    }
    Query::new(format!(
        "SELECT count(*) FROM {from} WHERE {condition} GROUP BY time({}s) fill(none)",
        BUCKET_NS / 1_000_000_000
    ))
}

/// The count query for the archived range: one total per field.
///
/// ```
/// let q = telegraf_execd_kafka_bridge::late::archive_count_query("db", "", "m", -1, 9, "");
/// assert_eq!(q.text(), "SELECT count(*) FROM \"m\" WHERE time > -1 AND time <= 9");
/// ```
pub fn archive_count_query(
    database: &str,
    retention_policy: &str,
    measurement: &str,
    lo: i64,
    hi: i64,
    filter: &str,
) -> Query {
    let from = from_clause(database, retention_policy, measurement);
    let mut condition = format!("time > {lo} AND time <= {hi}");
    if !filter.trim().is_empty() {
        condition.push_str(&format!(" AND ({filter})"));
    }
    Query::new(format!("SELECT count(*) FROM {from} WHERE {condition}"))
}

/// Field names of a schema, shared by every bucket that counts them.
///
/// ```
/// use std::collections::BTreeMap;
/// use influxdb_http::FieldType;
/// use telegraf_execd_kafka_bridge::{late::field_names, source::MeasurementSchema};
/// let s = MeasurementSchema::new("m", BTreeMap::from([("f".to_string(), FieldType::Float)]), vec![]);
/// assert_eq!(field_names(&s)[0].as_ref(), "f");
/// ```
pub fn field_names(schema: &MeasurementSchema) -> Vec<Arc<str>> {
    schema
        .fields
        .iter()
        .map(|(f, _)| f.as_str().into())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(columns: &[&str], rows: Vec<Vec<serde_json::Value>>) -> Series {
        Series {
            columns: columns.iter().map(|c| c.to_string()).collect(),
            values: rows,
            ..Default::default()
        }
    }

    #[test]
    fn old_buckets_are_summed_and_still_checked() {
        let (m, f): (Arc<str>, Arc<str>) = ("weather".into(), "temp".into());
        let mut c = ExportedCounts::default();
        let n = MAX_BUCKETS as i64 + 40;
        for b in 0..n {
            c.add(&m, &f, b * BUCKET_NS, 2);
        }
        c.exported_through(Some(-1), n * BUCKET_NS - 1);
        assert_eq!(c.archive_range(), Some((-1, 40 * BUCKET_NS - 1)));
        assert_eq!(c.range(), Some((40 * BUCKET_NS - 1, n * BUCKET_NS - 1)));
        // A backfill of 3 points somewhere in the archived part.
        let total = series(&["time", "count_temp"], vec![vec![0.into(), 83.into()]]);
        assert_eq!(c.absorb_archive(&m, std::slice::from_ref(&total)), 3);
        assert_eq!(c.absorb_archive(&m, &[total]), 0);
        // Fewer values than exported (a retention policy dropped them) is no late point.
        let fewer = series(
            &["time", "count_temp"],
            vec![vec![(45 * BUCKET_NS).into(), 1.into()]],
        );
        assert_eq!(c.absorb(&m, &[fewer]), 0);
    }

    #[test]
    fn the_field_with_the_largest_excess_counts() {
        let (m, t, h): (Arc<str>, Arc<str>, Arc<str>) = ("w".into(), "t".into(), "h".into());
        let mut c = ExportedCounts::default();
        c.add(&m, &t, 0, 5);
        c.add(&m, &h, 0, 5);
        c.exported_through(Some(-1), BUCKET_NS);
        let answer = series(
            &["time", "count_h", "count_t"],
            vec![vec![0.into(), 7.into(), 8.into()]],
        );
        assert_eq!(c.absorb(&m, &[answer]), 3);
    }
}
