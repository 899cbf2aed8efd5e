//! Typed query results: one chunk of one series as a flat table of [`Cell`]s.
//!
//! [`Series`](crate::Series) keeps every value as a `serde_json::Value` (one allocation per
//! string, one `Vec` per row). [`RowSeries`] stores a chunk's values in one `Vec` of fixed-size
//! slots and its strings in one `String`, so decoding a 10,000-row chunk allocates a handful of
//! times instead of tens of thousands, and rows hand out borrowed [`Cell`]s.

use std::collections::BTreeMap;
use std::ops::Range;

/// One value of a result row, borrowed from its [`RowSeries`].
///
/// Integers are [`Cell::Integer`] whenever they fit in an `i64`; only values above `i64::MAX`
/// (unsigned fields) are [`Cell::Unsigned`]. JSON results turn whole-number floats into
/// integers (`89.0` arrives as `89`); msgpack results keep floats as floats.
///
/// ```
/// use influxdb_http::Cell;
/// assert_eq!(Cell::Integer(89).as_f64(), Some(89.0));
/// assert_eq!(Cell::Float(1.5).as_i64(), None);
/// assert_eq!(Cell::Unsigned(u64::MAX).as_u64(), Some(u64::MAX));
/// assert_eq!(Cell::String("a").as_str(), Some("a"));
/// assert!(Cell::Null.is_null());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    /// No value (a field absent from this row).
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer that fits in `i64`.
    Integer(i64),
    /// An integer above `i64::MAX`.
    Unsigned(u64),
    /// A floating-point number.
    Float(f64),
    /// A string.
    String(&'a str),
}

impl<'a> Cell<'a> {
    /// Whether this is [`Cell::Null`].
    ///
    /// ```
    /// assert!(!influxdb_http::Cell::Bool(false).is_null());
    /// ```
    pub fn is_null(&self) -> bool {
        matches!(self, Cell::Null)
    }

    /// The value as `i64`, if it is an integer in range.
    ///
    /// ```
    /// assert_eq!(influxdb_http::Cell::Integer(-3).as_i64(), Some(-3));
    /// assert_eq!(influxdb_http::Cell::Unsigned(u64::MAX).as_i64(), None);
    /// ```
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Cell::Integer(v) => Some(v),
            _ => None,
        }
    }

    /// The value as `u64`, if it is a non-negative integer.
    ///
    /// ```
    /// assert_eq!(influxdb_http::Cell::Integer(3).as_u64(), Some(3));
    /// assert_eq!(influxdb_http::Cell::Integer(-3).as_u64(), None);
    /// ```
    pub fn as_u64(&self) -> Option<u64> {
        match *self {
            Cell::Integer(v) => u64::try_from(v).ok(),
            Cell::Unsigned(v) => Some(v),
            _ => None,
        }
    }

    /// The value as `f64`, if it is a number (integers convert, like `serde_json`'s `as_f64`).
    ///
    /// ```
    /// assert_eq!(influxdb_http::Cell::Float(-0.5).as_f64(), Some(-0.5));
    /// assert_eq!(influxdb_http::Cell::String("1").as_f64(), None);
    /// ```
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Cell::Float(v) => Some(v),
            Cell::Integer(v) => Some(v as f64),
            Cell::Unsigned(v) => Some(v as f64),
            _ => None,
        }
    }

    /// The value as a string slice, if it is a string.
    ///
    /// ```
    /// assert_eq!(influxdb_http::Cell::Null.as_str(), None);
    /// ```
    pub fn as_str(&self) -> Option<&'a str> {
        match *self {
            Cell::String(s) => Some(s),
            _ => None,
        }
    }

    /// The value as a boolean, if it is one.
    ///
    /// ```
    /// assert_eq!(influxdb_http::Cell::Bool(true).as_bool(), Some(true));
    /// ```
    pub fn as_bool(&self) -> Option<bool> {
        match *self {
            Cell::Bool(v) => Some(v),
            _ => None,
        }
    }
}

impl std::fmt::Display for Cell<'_> {
    /// As JSON would write it, for error messages.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cell::Null => f.write_str("null"),
            Cell::Bool(v) => write!(f, "{v}"),
            Cell::Integer(v) => write!(f, "{v}"),
            Cell::Unsigned(v) => write!(f, "{v}"),
            Cell::Float(v) => write!(f, "{v:?}"),
            Cell::String(s) => write!(f, "{s:?}"),
        }
    }
}

/// A stored value: like [`Cell`], with strings as ranges of the series' text buffer.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Slot {
    Null,
    Bool(bool),
    Integer(i64),
    Unsigned(u64),
    Float(f64),
    Text(u32, u32),
}

/// One chunk of one series of a query result, with typed values.
///
/// The counterpart of [`Series`](crate::Series) for [`RowStream`](crate::RowStream): same
/// name, tags, columns and `partial` flag, rows read through [`RowSeries::row`].
///
/// ```
/// let mut s = influxdb_http::RowSeries::new("weather", vec!["time".into(), "temp".into()]);
/// s.push_row([influxdb_http::Cell::Integer(5), influxdb_http::Cell::Float(21.5)]);
/// assert_eq!(s.len(), 1);
/// let row = s.row(0).unwrap();
/// assert_eq!(row.time(), Some(5));
/// assert_eq!(row.get(s.column("temp").unwrap()), Some(influxdb_http::Cell::Float(21.5)));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RowSeries {
    /// Index of the statement (0-based) this series answers.
    pub statement_id: u64,
    /// Measurement name.
    pub name: String,
    /// Tags of the series (from `GROUP BY`).
    pub tags: BTreeMap<String, String>,
    /// Column names, `time` first for `SELECT`.
    pub columns: Vec<String>,
    /// More rows of this series follow in the next chunk.
    pub partial: bool,
    slots: Vec<Slot>,
    /// End (exclusive) in `slots` of each row.
    row_ends: Vec<usize>,
    text: String,
}

impl RowSeries {
    /// An empty series chunk with these columns.
    ///
    /// ```
    /// let s = influxdb_http::RowSeries::new("m", vec!["time".into()]);
    /// assert!(s.is_empty());
    /// ```
    pub fn new(name: impl Into<String>, columns: Vec<String>) -> Self {
        RowSeries {
            name: name.into(),
            columns,
            ..RowSeries::default()
        }
    }

    /// Number of rows.
    ///
    /// ```
    /// assert_eq!(influxdb_http::RowSeries::default().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.row_ends.len()
    }

    /// Whether there are no rows.
    ///
    /// ```
    /// assert!(influxdb_http::RowSeries::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.row_ends.is_empty()
    }

    /// Index of the column named `name`.
    ///
    /// ```
    /// let s = influxdb_http::RowSeries::new("m", vec!["time".into(), "f".into()]);
    /// assert_eq!(s.column("f"), Some(1));
    /// assert_eq!(s.column("g"), None);
    /// ```
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// Row `index`, if there is one.
    ///
    /// ```
    /// let s = influxdb_http::RowSeries::new("m", vec!["time".into()]);
    /// assert!(s.row(0).is_none());
    /// ```
    pub fn row(&self, index: usize) -> Option<Row<'_>> {
        let end = *self.row_ends.get(index)?;
        let start = index.checked_sub(1).map_or(0, |i| self.row_ends[i]);
        Some(Row {
            slots: &self.slots[start..end],
            text: &self.text,
        })
    }

    /// The rows in order.
    ///
    /// ```
    /// let mut s = influxdb_http::RowSeries::new("m", vec!["time".into()]);
    /// s.push_row([influxdb_http::Cell::Integer(1)]);
    /// s.push_row([influxdb_http::Cell::Integer(2)]);
    /// let times: Vec<_> = s.rows().map(|r| r.time()).collect();
    /// assert_eq!(times, [Some(1), Some(2)]);
    /// ```
    pub fn rows(&self) -> impl ExactSizeIterator<Item = Row<'_>> + '_ {
        (0..self.len()).map(|i| self.row(i).expect("index below len"))
    }

    /// Makes room for `rows` more rows of `cells_per_row` values, so a decoder that knows the
    /// chunk's size fills it without reallocating.
    ///
    /// ```
    /// let mut s = influxdb_http::RowSeries::new("m", vec!["time".into(), "v".into()]);
    /// s.reserve(10_000, 2);
    /// assert!(s.is_empty());
    /// ```
    pub fn reserve(&mut self, rows: usize, cells_per_row: usize) {
        self.row_ends.reserve(rows);
        self.slots.reserve(rows.saturating_mul(cells_per_row));
    }

    /// Appends a row (decoders use [`RowSeries::push_cell`] and [`RowSeries::end_row`]).
    ///
    /// ```
    /// let mut s = influxdb_http::RowSeries::new("m", vec!["time".into(), "s".into()]);
    /// s.push_row([influxdb_http::Cell::Integer(1), influxdb_http::Cell::String("x")]);
    /// assert_eq!(s.row(0).unwrap().get(1).unwrap().as_str(), Some("x"));
    /// ```
    pub fn push_row<'c>(&mut self, cells: impl IntoIterator<Item = Cell<'c>>) {
        for cell in cells {
            self.push_cell(cell);
        }
        self.end_row();
    }

    /// Appends one value to the row being built.
    ///
    /// ```
    /// let mut s = influxdb_http::RowSeries::new("m", vec!["time".into()]);
    /// s.push_cell(influxdb_http::Cell::Integer(7));
    /// s.end_row();
    /// assert_eq!(s.row(0).unwrap().time(), Some(7));
    /// ```
    pub fn push_cell(&mut self, cell: Cell<'_>) {
        let slot = match cell {
            Cell::Null => Slot::Null,
            Cell::Bool(v) => Slot::Bool(v),
            Cell::Integer(v) => Slot::Integer(v),
            Cell::Unsigned(v) => match i64::try_from(v) {
                Ok(v) => Slot::Integer(v),
                Err(_) => Slot::Unsigned(v),
            },
            Cell::Float(v) => Slot::Float(v),
            Cell::String(s) => {
                let text = self.push_text(s);
                Slot::Text(text.start, text.end)
            }
        };
        self.slots.push(slot);
    }

    /// Ends the row being built.
    ///
    /// ```
    /// let mut s = influxdb_http::RowSeries::new("m", vec![]);
    /// s.end_row();
    /// assert_eq!(s.row(0).unwrap().len(), 0);
    /// ```
    pub fn end_row(&mut self) {
        self.row_ends.push(self.slots.len());
    }

    /// Copies `s` into the text buffer. Chunks are far below 4 GiB (the stream's document
    /// limit), so `u32` offsets keep slots small; a larger text saturates rather than wraps.
    fn push_text(&mut self, s: &str) -> Range<u32> {
        let start = self.text.len();
        self.text.push_str(s);
        let clamp = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        clamp(start)..clamp(self.text.len())
    }
}

/// One row of a [`RowSeries`].
///
/// ```
/// let mut s = influxdb_http::RowSeries::new("m", vec!["time".into(), "b".into()]);
/// s.push_row([influxdb_http::Cell::Integer(1), influxdb_http::Cell::Bool(true)]);
/// let row = s.row(0).unwrap();
/// assert_eq!(row.len(), 2);
/// assert_eq!(row.iter().last(), Some(influxdb_http::Cell::Bool(true)));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    slots: &'a [Slot],
    text: &'a str,
}

impl<'a> Row<'a> {
    /// Number of values.
    ///
    /// ```
    /// let mut s = influxdb_http::RowSeries::default();
    /// s.push_row([influxdb_http::Cell::Null]);
    /// assert_eq!(s.row(0).unwrap().len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether the row has no values.
    ///
    /// ```
    /// let mut s = influxdb_http::RowSeries::default();
    /// s.end_row();
    /// assert!(s.row(0).unwrap().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Value `index`.
    ///
    /// ```
    /// let mut s = influxdb_http::RowSeries::default();
    /// s.push_row([influxdb_http::Cell::Float(0.5)]);
    /// assert_eq!(s.row(0).unwrap().get(0), Some(influxdb_http::Cell::Float(0.5)));
    /// assert_eq!(s.row(0).unwrap().get(1), None);
    /// ```
    pub fn get(&self, index: usize) -> Option<Cell<'a>> {
        self.slots.get(index).map(|slot| self.cell(*slot))
    }

    /// The first value as integer nanoseconds (the `time` column with `epoch=ns`).
    ///
    /// ```
    /// let mut s = influxdb_http::RowSeries::default();
    /// s.push_row([influxdb_http::Cell::String("2020-01-01T00:00:00Z")]);
    /// assert_eq!(s.row(0).unwrap().time(), None);
    /// ```
    pub fn time(&self) -> Option<i64> {
        self.get(0)?.as_i64()
    }

    /// The values in column order.
    ///
    /// ```
    /// let mut s = influxdb_http::RowSeries::default();
    /// s.push_row([influxdb_http::Cell::Integer(1), influxdb_http::Cell::Null]);
    /// assert_eq!(s.row(0).unwrap().iter().filter(|c| c.is_null()).count(), 1);
    /// ```
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Cell<'a>> + 'a {
        let text = self.text;
        self.slots.iter().map(move |slot| cell(text, *slot))
    }

    fn cell(&self, slot: Slot) -> Cell<'a> {
        cell(self.text, slot)
    }
}

fn cell(text: &str, slot: Slot) -> Cell<'_> {
    match slot {
        Slot::Null => Cell::Null,
        Slot::Bool(v) => Cell::Bool(v),
        Slot::Integer(v) => Cell::Integer(v),
        Slot::Unsigned(v) => Cell::Unsigned(v),
        Slot::Float(v) => Cell::Float(v),
        // Ranges come from `push_text` on this series' own buffer, so they are in bounds and on
        // character boundaries.
        Slot::Text(start, end) => Cell::String(&text[start as usize..end as usize]),
    }
}

/// One decoded `/query` document (JSON or msgpack): a whole-request error, or one entry per
/// statement with its series chunks and its error.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct ResultDocument {
    pub(crate) error: Option<String>,
    pub(crate) results: Vec<StatementRows>,
}

/// One statement's part of a [`ResultDocument`].
#[derive(Debug, Default, PartialEq)]
pub(crate) struct StatementRows {
    /// Absent from InfluxDB 1.x's msgpack error results.
    pub(crate) statement_id: Option<u64>,
    pub(crate) series: Vec<RowSeries>,
    pub(crate) error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_of_different_lengths_keep_their_own_values() {
        let mut s = RowSeries::new("m", vec!["time".into(), "a".into()]);
        s.push_row([Cell::Integer(1), Cell::String("é\"\n")]);
        s.push_row([Cell::Integer(2)]);
        s.push_row([Cell::Integer(3), Cell::Unsigned(u64::MAX), Cell::Null]);
        assert_eq!(s.len(), 3);
        assert_eq!(s.row(0).unwrap().get(1), Some(Cell::String("é\"\n")));
        assert_eq!(s.row(1).unwrap().len(), 1);
        let last: Vec<Cell<'_>> = s.row(2).unwrap().iter().collect();
        assert_eq!(
            last,
            [Cell::Integer(3), Cell::Unsigned(u64::MAX), Cell::Null]
        );
        assert!(s.row(3).is_none());
    }

    #[test]
    fn unsigned_values_in_i64_range_are_integers() {
        let mut s = RowSeries::default();
        s.push_row([Cell::Unsigned(i64::MAX as u64), Cell::Unsigned(1 << 63)]);
        let row = s.row(0).unwrap();
        assert_eq!(row.get(0), Some(Cell::Integer(i64::MAX)));
        assert_eq!(row.get(1), Some(Cell::Unsigned(1 << 63)));
    }

    #[test]
    fn cells_display_like_json() {
        assert_eq!(Cell::Float(1.0).to_string(), "1.0");
        assert_eq!(Cell::String("a\"b").to_string(), "\"a\\\"b\"");
        assert_eq!(Cell::Null.to_string(), "null");
    }
}
