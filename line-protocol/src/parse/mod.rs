//! The grammar: one point from one line ([`parse_point`]) and an iterator over a buffer
//! ([`parse_lines`]).
//!
//! The grammar is the Go `lineprotocol` v2 decoder's, with its EBNF as the tie-breaker (no hex
//! floats, no `_` digit separators, TAB allowed in comments). Names and string values that
//! hold no escape sequence are borrowed from the input; the others are decoded.
//!
//! Recovery after a bad line follows the Go decoder: the parser skips from the error to the
//! next LF and carries on. A string value runs to the next unescaped `"` wherever it is, so a
//! string that is never closed on its line swallows the following lines up to the next quote,
//! or the rest of the input if there is none (Go v2 does the same: its decoder scans for the
//! closing quote before it reports anything). Line numbers count every LF, including those
//! inside string values.
//!
//! ```
//! use line_protocol::{parse_lines, FieldValue};
//!
//! let input: &[u8] = concat!(
//!     "weather,station=paris temperature=21.5,humidity=65i 1700000000000000000\n",
//!     "# a comment, skipped\n",
//!     "weather,station=lyon condition=\"light rain\"\n",
//! ).as_bytes();
//! let points: Vec<_> = parse_lines(input).collect::<Result<_, _>>().unwrap();
//! assert_eq!(points.len(), 2);
//! assert_eq!(points[0].field("humidity"), Some(&FieldValue::Integer(65)));
//! assert_eq!(points[1].timestamp, None);
//! ```

mod entry;
mod escape;
mod field;
mod input;
mod pool;
mod token;
mod value;

use crate::error::{ParseError, ParseErrorKind};
use crate::point::Point;
use crate::precision::Precision;
use crate::scan;

pub(crate) use entry::{Entry, EntryError, Parsed, parse_entry};
pub(crate) use input::Src;
pub(crate) use pool::StringPool;

/// Parses every line of `input`, yielding one `Result` per point or bad line.
///
/// Blank lines and comments yield nothing. After an error the iterator resumes at the next
/// line, so the good points around a bad line are never lost.
///
/// ```
/// let results: Vec<_> = line_protocol::parse_lines(b"a f=1\nb f=\nc f=3\n").collect();
/// assert!(results[0].is_ok() && results[1].is_err() && results[2].is_ok());
/// assert_eq!(results[1].as_ref().unwrap_err().line, 2);
/// ```
pub fn parse_lines(input: &[u8]) -> Lines<'_> {
    Lines {
        input,
        pos: 0,
        line: 1,
        precision: Precision::Nanoseconds,
        text: "",
        text_start: 0,
        tags_hint: 0,
        fields_hint: 0,
        pool: StringPool::default(),
    }
}

/// Parses exactly one point from `line` (reported as line 1).
///
/// The input may end with a line ending; a blank line, a comment or anything after the first
/// line is an error.
///
/// ```
/// use line_protocol::{parse_point, Precision};
///
/// let p = parse_point(b"cpu,host=a usage=0.5 1700000000", Precision::Seconds).unwrap();
/// assert_eq!(p.timestamp, Some(1_700_000_000_000_000_000));
/// assert!(parse_point(b"# comment", Precision::Nanoseconds).is_err());
/// assert!(parse_point(b"a f=1\nb f=2", Precision::Nanoseconds).is_err());
/// ```
pub fn parse_point(line: &[u8], precision: Precision) -> Result<Point<'_>, ParseError> {
    let mut point = Point::default();
    match parse_entry(
        Src::new(line),
        precision,
        &mut point,
        &mut StringPool::default(),
    ) {
        Ok(p) if p.entry == Entry::Blank => Err(ParseError {
            line: 1,
            column: 1,
            kind: ParseErrorKind::NoPoint,
        }),
        Ok(p) if p.consumed < line.len() => {
            Err(locate(line, 1, p.consumed, ParseErrorKind::TrailingData))
        }
        Ok(_) => Ok(point),
        Err(e) => Err(locate(line, 1, e.at, e.kind)),
    }
}

/// Turns an offset into `input` (whose first byte is on line `line`) into a [`ParseError`].
pub(crate) fn locate(input: &[u8], line: usize, at: usize, kind: ParseErrorKind) -> ParseError {
    let before = &input[..at.min(input.len())];
    let line_start = memchr::memrchr(b'\n', before).map_or(0, |k| k + 1);
    ParseError {
        line: line + scan::count_lf(before),
        column: before.len() - line_start + 1,
        kind,
    }
}

/// Where to continue after an error: the byte after the first LF at or after `resume`.
pub(crate) fn recovery_point(input: &[u8], resume: usize) -> usize {
    scan::next_lf(input, resume).map_or(input.len(), |k| k + 1)
}

/// An iterator over the points of a buffer; see [`parse_lines`].
///
/// Iterating allocates the tag and field vectors of each point; [`Lines::next_into`] reuses
/// the caller's instead.
///
/// ```
/// let mut lines = line_protocol::parse_lines(b"m f=1\n");
/// assert_eq!(lines.next().unwrap().unwrap().measurement, "m");
/// assert!(lines.next().is_none());
/// ```
#[derive(Debug, Clone)]
pub struct Lines<'a> {
    input: &'a [u8],
    pos: usize,
    line: usize,
    precision: Precision,
    /// The valid UTF-8 run of the input starting at `text_start` (validated once, not per
    /// token; re-validated past an invalid byte).
    text: &'a str,
    text_start: usize,
    tags_hint: usize,
    fields_hint: usize,
    /// Buffers of the decoded strings of points passed to `next_into`, for the next ones.
    pool: StringPool,
}

impl<'a> Lines<'a> {
    /// Sets the precision the timestamps are written in (default nanoseconds). Timestamps are
    /// converted to nanoseconds; one that overflows is an error.
    ///
    /// ```
    /// use line_protocol::{parse_lines, Precision};
    /// let p = parse_lines(b"m f=1 1500").with_precision(Precision::Milliseconds).next().unwrap().unwrap();
    /// assert_eq!(p.timestamp, Some(1_500_000_000));
    /// ```
    pub fn with_precision(mut self, precision: Precision) -> Self {
        self.precision = precision;
        self
    }

    /// The line number of the next byte to parse (1-based).
    ///
    /// ```
    /// let mut lines = line_protocol::parse_lines(b"a f=\"x\ny\"\nb f=1\n");
    /// lines.next();
    /// assert_eq!(lines.line(), 3);
    /// ```
    pub fn line(&self) -> usize {
        self.line
    }

    /// Parses the next point into `point`, reusing its vectors and the buffers of its decoded
    /// strings: after warm-up, no heap allocation happens, even for escaped names and strings
    /// (once the buffers have grown to fit). Returns `None` at the end of the input. After an
    /// error, `point` holds whatever was parsed before the error.
    ///
    /// ```
    /// use line_protocol::{parse_lines, Point};
    ///
    /// let input = b"m,t=a f=1\nm,t=b f=2\n";
    /// let mut lines = parse_lines(input);
    /// let mut point = Point::default();
    /// let mut tags = Vec::new();
    /// while let Some(result) = lines.next_into(&mut point) {
    ///     result.unwrap();
    ///     tags.push(point.tag("t").unwrap().to_string());
    /// }
    /// assert_eq!(tags, ["a", "b"]);
    /// ```
    pub fn next_into(&mut self, point: &mut Point<'a>) -> Option<Result<(), ParseError>> {
        loop {
            let rest = self.input.get(self.pos..).filter(|r| !r.is_empty())?;
            if self.pos >= self.text_start + self.text.len() {
                let src = Src::new(rest);
                self.text = src.text();
                self.text_start = self.pos;
            }
            let text = self
                .text
                .get(self.pos - self.text_start..)
                .unwrap_or_default();
            // No clearing: `parse_entry` overwrites the previous point's entries in place.
            match parse_entry(
                Src::with_text(rest, text),
                self.precision,
                point,
                &mut self.pool,
            ) {
                Ok(parsed) => {
                    self.pos += parsed.consumed;
                    self.line += parsed.newlines;
                    if parsed.entry == Entry::Point {
                        return Some(Ok(()));
                    }
                }
                Err(e) => {
                    let error = locate(rest, self.line, e.at, e.kind);
                    let skip = recovery_point(rest, e.resume);
                    self.line += scan::count_lf(&rest[..skip]);
                    self.pos += skip;
                    return Some(Err(error));
                }
            }
        }
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = Result<Point<'a>, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut point = Point {
            tags: Vec::with_capacity(self.tags_hint),
            fields: Vec::with_capacity(self.fields_hint),
            ..Point::default()
        };
        let result = self.next_into(&mut point)?;
        self.tags_hint = point.tags.len();
        self.fields_hint = point.fields.len();
        Some(result.map(|()| point))
    }
}
