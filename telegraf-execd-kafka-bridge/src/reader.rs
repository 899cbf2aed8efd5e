//! One export window as a stream of records in export order.
//!
//! Each measurement's query runs in its own task, which reads the chunked response (msgpack,
//! typed rows, see [`InfluxClient::query_rows`]) ahead into a channel of one chunk, so decoding
//! overlaps with producing and at most three decoded chunks exist (being read, waiting, being
//! decoded): with the default 10,000-row chunks, each about 2.5 MB of the weather backlog,
//! every further chunk of read-ahead costs as much resident memory. [`WindowReader`] merges the
//! measurements by timestamp and sorts the records sharing one timestamp by series key:
//! InfluxDB returns those in no fixed order, and the export order must be the same on every run.

use std::sync::Arc;

use influxdb_http::{Error as InfluxError, InfluxClient, Query, RowSeries};
use line_protocol::Point;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::late::{ExportedCounts, FieldTally, field_names};
use crate::message::{ExportRecord, MessageEncoder};
use crate::source::MeasurementSchema;

/// A row that could not become a message, for the caller to log and count.
///
/// ```
/// let s = telegraf_execd_kafka_bridge::reader::SkippedRow { series: "weather,station=a".into(), time: Some(5), reason: "NaN".into() };
/// assert_eq!(s.to_string(), "skipping row of series weather,station=a at 5: NaN");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedRow {
    /// Measurement and tags as far as they are known.
    pub series: String,
    /// The row's time, if readable.
    pub time: Option<i64>,
    /// Why it was skipped.
    pub reason: String,
}

impl std::fmt::Display for SkippedRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.time {
            Some(t) => write!(
                f,
                "skipping row of series {} at {t}: {}",
                self.series, self.reason
            ),
            None => write!(f, "skipping row of series {}: {}", self.series, self.reason),
        }
    }
}

/// The records of one timestamp, sorted by position, and the rows of that timestamp that could
/// not become messages.
///
/// ```
/// let g = telegraf_execd_kafka_bridge::reader::TimeGroup { time: 5, records: vec![], skipped: vec![] };
/// assert!(g.records.is_empty());
/// ```
#[derive(Debug, Default)]
pub struct TimeGroup {
    /// The shared timestamp (`i64::MIN` for rows whose time is unreadable).
    pub time: i64,
    /// Records in export order.
    pub records: Vec<ExportRecord>,
    /// Rows skipped, for the caller to log and count.
    pub skipped: Vec<SkippedRow>,
}

/// One measurement's rows, chunk by chunk.
struct MeasurementRows {
    schema: Arc<MeasurementSchema>,
    name: Arc<str>,
    rx: mpsc::Receiver<Result<RowSeries, InfluxError>>,
    task: JoinHandle<()>,
    chunk: Option<RowSeries>,
    row: usize,
    /// Values read per field and bucket, for the late-point check ([`crate::late`]).
    tally: FieldTally,
}

impl Drop for MeasurementRows {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl MeasurementRows {
    /// The time of the next row, loading chunks as needed; `None` at the end.
    /// A row whose time is unreadable is reported as skipped by [`Self::take_at`] at time
    /// `i64::MIN`, so it comes first and never blocks the merge.
    async fn peek_time(&mut self) -> Result<Option<i64>, InfluxError> {
        loop {
            if let Some(chunk) = &self.chunk {
                if let Some(row) = chunk.row(self.row) {
                    return Ok(Some(row.time().unwrap_or(i64::MIN)));
                }
                self.chunk = None;
                self.row = 0;
            }
            match self.rx.recv().await {
                None => return Ok(None),
                Some(Err(e)) => return Err(e),
                Some(Ok(series)) => self.chunk = Some(series),
            }
        }
    }

    /// Converts the rows of the current chunk at `time` and moves past them, into `group`.
    /// One point is reused for every row, so its tag and field vectors are allocated once.
    fn take_at(&mut self, time: i64, encoder: &mut MessageEncoder, group: &mut TimeGroup) {
        let Some(chunk) = self.chunk.as_ref() else {
            return;
        };
        let mut point = Point::default();
        while let Some(row) = chunk.row(self.row) {
            let row_time = row.time();
            if row_time.unwrap_or(i64::MIN) != time {
                break;
            }
            self.row += 1;
            if let Some(t) = row_time {
                let fields = self.schema.fields.len();
                self.tally.count(
                    t,
                    (1..=fields).map(|i| row.get(i).is_some_and(|c| !c.is_null())),
                );
            }
            if let Err(e) = self.schema.point_into(row, &mut point) {
                group.skipped.push(SkippedRow {
                    series: self.name.to_string(),
                    time: row_time,
                    reason: e.to_string(),
                });
                continue;
            }
            match encoder.encode(&point, &self.name) {
                Ok(record) => group.records.push(record),
                Err(e) => group.skipped.push(SkippedRow {
                    series: describe_series(&point),
                    time: row_time,
                    reason: e.to_string(),
                }),
            }
        }
    }
}

/// `measurement,k=v,...` without escaping, for log messages about points that cannot be
/// serialized.
fn describe_series(point: &line_protocol::Point<'_>) -> String {
    let mut s = point.measurement.to_string();
    for t in &point.tags {
        s.push_str(&format!(",{}={:?}", t.key, t.value));
    }
    s
}

/// The merged, ordered records of one export window.
///
/// ```no_run
/// # async fn demo(client: influxdb_http::InfluxClient, schema: telegraf_execd_kafka_bridge::source::MeasurementSchema)
/// # -> Result<(), influxdb_http::Error> {
/// use telegraf_execd_kafka_bridge::{message::MessageEncoder, reader::WindowReader, source::export_query};
/// let q = export_query(&schema, "weather", "", None, i64::MAX, "", 5000);
/// let mut window = WindowReader::start(&client, "weather", vec![(schema, q)]);
/// let mut encoder = MessageEncoder::new(Default::default(), "station", 4);
/// while let Some(group) = window.next(&mut encoder).await? {
///     println!("{} points", group.records.len());
/// }
/// # Ok(()) }
/// ```
pub struct WindowReader {
    sources: Vec<MeasurementRows>,
    last_time: Option<i64>,
}

impl std::fmt::Debug for WindowReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WindowReader")
            .field("measurements", &self.sources.len())
            .finish()
    }
}

impl WindowReader {
    /// Starts one query task per `(schema, query)`.
    ///
    /// ```no_run
    /// # fn demo(client: &influxdb_http::InfluxClient) {
    /// let w = telegraf_execd_kafka_bridge::reader::WindowReader::start(client, "weather", Vec::new());
    /// # drop(w); }
    /// ```
    pub fn start(
        client: &InfluxClient,
        database: &str,
        queries: Vec<(MeasurementSchema, Query)>,
    ) -> Self {
        let sources = queries
            .into_iter()
            .map(|(schema, query)| {
                let (tx, rx) = mpsc::channel(1);
                let client = client.clone();
                let database = database.to_string();
                let task = tokio::spawn(async move {
                    let mut stream = match client.query_rows(&database, &query).await {
                        Ok(s) => s,
                        Err(e) => {
                            let _ = tx.send(Err(e)).await;
                            return;
                        }
                    };
                    loop {
                        match stream.next().await {
                            Ok(Some(series)) => {
                                if tx.send(Ok(series)).await.is_err() {
                                    return;
                                }
                            }
                            Ok(None) => return,
                            Err(e) => {
                                let _ = tx.send(Err(e)).await;
                                return;
                            }
                        }
                    }
                });
                MeasurementRows {
                    tally: FieldTally::new(schema.fields.len(), i64::MAX),
                    name: schema.measurement.as_str().into(),
                    schema: Arc::new(schema),
                    rx,
                    task,
                    chunk: None,
                    row: 0,
                }
            })
            .collect();
        WindowReader {
            sources,
            last_time: None,
        }
    }

    /// Counts the values of every row after `after` per field and bucket (see
    /// [`crate::late`]); by default nothing is counted.
    ///
    /// ```no_run
    /// # fn demo(client: &influxdb_http::InfluxClient) {
    /// let w = telegraf_execd_kafka_bridge::reader::WindowReader::start(client, "weather", Vec::new())
    ///     .counting_after(0);
    /// # drop(w); }
    /// ```
    pub fn counting_after(mut self, after: i64) -> Self {
        for s in &mut self.sources {
            s.tally = FieldTally::new(s.schema.fields.len(), after);
        }
        self
    }

    /// The time of the last group returned, if any.
    ///
    /// ```no_run
    /// # fn demo(w: telegraf_execd_kafka_bridge::reader::WindowReader) {
    /// assert_eq!(w.last_time(), None);
    /// # }
    /// ```
    pub fn last_time(&self) -> Option<i64> {
        self.last_time
    }

    /// Moves the counts of the rows read so far into `into`.
    ///
    /// ```no_run
    /// # fn demo(mut w: telegraf_execd_kafka_bridge::reader::WindowReader) {
    /// let mut counts = telegraf_execd_kafka_bridge::late::ExportedCounts::default();
    /// w.take_counts(&mut counts);
    /// # }
    /// ```
    pub fn take_counts(&mut self, into: &mut ExportedCounts) {
        for s in &mut self.sources {
            let fresh = FieldTally::new(s.schema.fields.len(), i64::MAX);
            let tally = std::mem::replace(&mut s.tally, fresh);
            let names = field_names(&s.schema);
            for (bucket, counts) in tally.finish() {
                for (field, n) in names.iter().zip(counts) {
                    into.add(&s.name, field, bucket, n);
                }
            }
        }
    }

    /// The next timestamp's records, sorted; `None` at the end.
    ///
    /// ```no_run
    /// # async fn demo(mut w: telegraf_execd_kafka_bridge::reader::WindowReader) -> Result<(), influxdb_http::Error> {
    /// let mut enc = telegraf_execd_kafka_bridge::message::MessageEncoder::new(Default::default(), "station", 4);
    /// while let Some(group) = w.next(&mut enc).await? {
    ///     println!("{}: {} points", group.time, group.records.len());
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn next(
        &mut self,
        encoder: &mut MessageEncoder,
    ) -> Result<Option<TimeGroup>, InfluxError> {
        let mut group = TimeGroup::default();
        Ok(self.next_into(encoder, &mut group).await?.then_some(group))
    }

    /// Like [`WindowReader::next`], refilling `group` (cleared first) so its vectors keep
    /// their capacity from one timestamp to the next; returns `false` at the end.
    ///
    /// ```no_run
    /// # async fn demo(mut w: telegraf_execd_kafka_bridge::reader::WindowReader) -> Result<(), influxdb_http::Error> {
    /// use telegraf_execd_kafka_bridge::reader::TimeGroup;
    /// let mut enc = telegraf_execd_kafka_bridge::message::MessageEncoder::new(Default::default(), "station", 4);
    /// let mut group = TimeGroup::default();
    /// while w.next_into(&mut enc, &mut group).await? {
    ///     for record in group.records.drain(..) {
    ///         println!("{}", record.position);
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn next_into(
        &mut self,
        encoder: &mut MessageEncoder,
        group: &mut TimeGroup,
    ) -> Result<bool, InfluxError> {
        group.records.clear();
        group.skipped.clear();
        let mut earliest = None;
        for source in &mut self.sources {
            if let Some(t) = source.peek_time().await? {
                earliest = Some(earliest.map_or(t, |e: i64| e.min(t)));
            }
        }
        let Some(time) = earliest else {
            return Ok(false);
        };
        group.time = time;
        self.last_time = Some(time);
        for source in &mut self.sources {
            while source.peek_time().await? == Some(time) {
                source.take_at(time, encoder, group);
            }
        }
        group
            .records
            .sort_unstable_by(|a, b| a.position.cmp(&b.position));
        Ok(true)
    }
}
