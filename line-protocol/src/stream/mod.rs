//! Streaming: points from any [`BufRead`] (an execd plugin's stdin, a file, a socket) in
//! bounded memory.
//!
//! Framing (where a logical line ends: an LF outside string values) is kept apart from the
//! point grammar: the reader buffers one logical line plus read-ahead, hands it to the same
//! parser as [`parse_lines`](crate::parse_lines), and drops it once parsed. A point or a
//! string value split across reads is simply completed by the next read; an incomplete line
//! at the end of a read is a state of the reader, never an error.
//!
//! ```
//! use line_protocol::PointReader;
//!
//! let input: &[u8] = b"weather,station=paris temperature=21.5\nweather,station=lyon temperature=19\n";
//! let mut reader = PointReader::new(input);
//! let mut stations = Vec::new();
//! while let Some(point) = reader.next_point().unwrap() {
//!     stations.push(point.tag("station").unwrap().to_string());
//! }
//! assert_eq!(stations, ["paris", "lyon"]);
//! ```

mod batch;
mod frame;

use std::io::{self, BufRead};

use frame::{FrameKind, Framed, Framer};

use crate::error::{ParseError, ParseErrorKind};
use crate::parse::{Entry, Src, StringPool, locate, parse_entry, recovery_point};
use crate::point::{Field, Point, Tag};
use crate::precision::Precision;
use crate::scan;

/// The most bytes taken from the underlying reader at a time.
const READ_AHEAD: usize = 64 * 1024;

/// An error from [`PointReader`].
///
/// ```
/// use line_protocol::{PointReader, ReadError};
///
/// let mut reader = PointReader::new(&b"m,t=v\n"[..]);
/// assert!(matches!(reader.next_point(), Err(ReadError::Parse(e)) if e.line == 1));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// Reading the underlying input failed.
    #[error("reading line protocol: {0}")]
    Io(#[from] io::Error),
    /// One line is malformed; the next call continues with the next line.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// A logical line exceeds the limit set with [`PointReader::with_max_line_length`]; it is
    /// skipped and the next call continues after it.
    #[error("line {line}: longer than the limit of {limit} bytes")]
    LineTooLong {
        /// The line where the over-long logical line starts.
        line: usize,
        /// The configured limit.
        limit: usize,
    },
}

/// Reads points one at a time from a [`BufRead`], in bounded memory.
///
/// The buffer holds the current logical line plus at most 64 KiB of read-ahead; consumed bytes
/// are dropped before each read. Without a limit a line may be any length (like the Go
/// decoder); set [`with_max_line_length`](Self::with_max_line_length) for untrusted input.
///
/// ```
/// use std::io::BufReader;
/// use line_protocol::{PointReader, Precision};
///
/// let input: &[u8] = b"m f=1 1\nm f=2 2\n";
/// let mut reader = PointReader::new(BufReader::new(input)).with_precision(Precision::Seconds);
/// assert_eq!(reader.next_point().unwrap().unwrap().timestamp, Some(1_000_000_000));
/// assert_eq!(reader.next_point().unwrap().unwrap().timestamp, Some(2_000_000_000));
/// assert!(reader.next_point().unwrap().is_none());
/// ```
#[derive(Debug)]
pub struct PointReader<R: BufRead> {
    reader: R,
    buf: Vec<u8>,
    /// Start of the current frame in `buf`.
    start: usize,
    framer: Framer,
    eof: bool,
    /// Line number of `buf[start]`.
    line: usize,
    precision: Precision,
    max_line_length: Option<usize>,
    /// Skipping the rest of an over-long line.
    discarding: bool,
    spare_tags: Vec<Tag<'static>>,
    spare_fields: Vec<Field<'static>>,
    /// Buffers of decoded strings, reused by `next_point_with`.
    pool: StringPool,
    tags_hint: usize,
    fields_hint: usize,
}

impl<R: BufRead> PointReader<R> {
    /// Creates a reader with nanosecond precision and no line-length limit.
    ///
    /// ```
    /// let mut r = line_protocol::PointReader::new(&b""[..]);
    /// assert!(r.next_point().unwrap().is_none());
    /// ```
    pub fn new(reader: R) -> Self {
        PointReader {
            reader,
            buf: Vec::new(),
            start: 0,
            framer: Framer::new(),
            eof: false,
            line: 1,
            precision: Precision::Nanoseconds,
            max_line_length: None,
            discarding: false,
            spare_tags: Vec::new(),
            spare_fields: Vec::new(),
            pool: StringPool::default(),
            tags_hint: 0,
            fields_hint: 0,
        }
    }

    /// Sets the precision the timestamps are written in (default nanoseconds).
    ///
    /// ```
    /// use line_protocol::{PointReader, Precision};
    /// let mut r = PointReader::new(&b"m f=1 3"[..]).with_precision(Precision::Microseconds);
    /// assert_eq!(r.next_point().unwrap().unwrap().timestamp, Some(3_000));
    /// ```
    pub fn with_precision(mut self, precision: Precision) -> Self {
        self.precision = precision;
        self
    }

    /// Limits a logical line (without its line ending) to `limit` bytes. A longer line is
    /// reported once as [`ReadError::LineTooLong`] and skipped without being buffered whole.
    ///
    /// ```
    /// use line_protocol::{PointReader, ReadError};
    /// let mut r = PointReader::new(&b"m f=\"very long\"\nm f=1\n"[..]).with_max_line_length(8);
    /// assert!(matches!(r.next_point(), Err(ReadError::LineTooLong { line: 1, limit: 8 })));
    /// assert_eq!(r.next_point().unwrap().unwrap().measurement, "m");
    /// ```
    pub fn with_max_line_length(mut self, limit: usize) -> Self {
        self.max_line_length = Some(limit);
        self
    }

    /// The line number (1-based) where the next logical line starts.
    ///
    /// ```
    /// let mut r = line_protocol::PointReader::new(&b"m f=\"a\nb\"\nm f=1\n"[..]);
    /// r.next_point().unwrap();
    /// assert_eq!(r.line(), 3);
    /// ```
    pub fn line(&self) -> usize {
        self.line
    }

    /// Bytes currently allocated for buffering input. It stays near the longest logical line
    /// plus one read of the underlying reader, however long the input is.
    ///
    /// ```
    /// let input = "m f=1\n".repeat(10_000);
    /// let mut r = line_protocol::PointReader::new(std::io::BufReader::with_capacity(64, input.as_bytes()));
    /// while r.next_point().unwrap().is_some() {}
    /// assert!(r.buffer_capacity() < 256);
    /// ```
    pub fn buffer_capacity(&self) -> usize {
        self.buf.capacity()
    }

    /// The next point, `Ok(None)` at the end of the input.
    ///
    /// A parse error concerns one line: the next call continues with the next line. The
    /// point's vectors are allocated per call; [`next_point_with`](Self::next_point_with)
    /// reuses them.
    ///
    /// ```
    /// let mut r = line_protocol::PointReader::new(&b"bad\nm f=1\n"[..]);
    /// assert!(r.next_point().is_err());
    /// assert_eq!(r.next_point().unwrap().unwrap().measurement, "m");
    /// assert!(r.next_point().unwrap().is_none());
    /// ```
    pub fn next_point(&mut self) -> Result<Option<Point<'_>>, ReadError> {
        let Some(len) = self.next_frame()? else {
            return Ok(None);
        };
        let frame = &self.buf[self.start..self.start + len];
        let mut point = Point {
            tags: Vec::with_capacity(self.tags_hint),
            fields: Vec::with_capacity(self.fields_hint),
            ..Point::default()
        };
        let outcome = parse_entry(Src::new(frame), self.precision, &mut point, &mut self.pool);
        // Size the next point's vectors like this one's: one allocation each, no regrowth.
        self.tags_hint = point.tags.len();
        self.fields_hint = point.fields.len();
        settle(&mut self.start, &mut self.line, frame, outcome).map(|()| Some(point))
    }

    /// Like [`next_point`](Self::next_point), but lends the point to `f` and keeps its
    /// vectors and the buffers of its decoded strings for the next call: after warm-up, no
    /// heap allocation happens per line, escaped or not.
    ///
    /// ```
    /// let mut r = line_protocol::PointReader::new(&b"m f=1\nm f=2\n"[..]);
    /// let mut sum = 0.0;
    /// while let Some(v) = r.next_point_with(|p| p.fields.len()).unwrap() {
    ///     sum += v as f64;
    /// }
    /// assert_eq!(sum, 2.0);
    /// ```
    pub fn next_point_with<T>(
        &mut self,
        f: impl FnOnce(&Point<'_>) -> T,
    ) -> Result<Option<T>, ReadError> {
        self.next_entry_with(|_, point| f(point))
    }

    /// [`next_point_with`](Self::next_point_with) that also tells `f` the point's first line.
    fn next_entry_with<T>(
        &mut self,
        f: impl FnOnce(usize, &Point<'_>) -> T,
    ) -> Result<Option<T>, ReadError> {
        let Some(len) = self.next_frame()? else {
            return Ok(None);
        };
        let line = self.line;
        let frame = &self.buf[self.start..self.start + len];
        let mut point = Point {
            tags: std::mem::take(&mut self.spare_tags),
            fields: std::mem::take(&mut self.spare_fields),
            ..Point::default()
        };
        let outcome = parse_entry(Src::new(frame), self.precision, &mut point, &mut self.pool);
        let settled = settle(&mut self.start, &mut self.line, frame, outcome);
        let result = settled.map(|()| f(line, &point));
        self.pool.reclaim(&mut point);
        self.spare_tags = recycle(point.tags);
        self.spare_fields = recycle(point.fields);
        result.map(Some)
    }

    /// Finds the next frame that holds an entry, reading as needed; its length, or `None` at
    /// the end of the input. Blank lines, comments and over-long lines are consumed here.
    fn next_frame(&mut self) -> Result<Option<usize>, ReadError> {
        loop {
            let data = &self.buf[self.start..];
            match self.framer.advance(data, self.eof) {
                Framed::Complete { len: 0, .. } => return Ok(None),
                Framed::Complete { len, kind } => {
                    let frame = &data[..len];
                    let too_long = self
                        .max_line_length
                        .filter(|&limit| content_len(frame) > limit);
                    if self.discarding || too_long.is_some() || kind == FrameKind::Blank {
                        let line = self.line;
                        self.line += scan::count_lf(frame);
                        self.start += len;
                        let was_discarding = std::mem::replace(&mut self.discarding, false);
                        if let (Some(limit), false) = (too_long, was_discarding) {
                            return Err(ReadError::LineTooLong { line, limit });
                        }
                        continue;
                    }
                    return Ok(Some(len));
                }
                Framed::NeedMore => {
                    let scanned = self.framer.scanned();
                    if let Some(limit) = self.max_line_length {
                        if !self.discarding && content_len(data) > limit {
                            self.discarding = true;
                            return Err(ReadError::LineTooLong {
                                line: self.line,
                                limit,
                            });
                        }
                    }
                    if self.discarding {
                        // Drop what the framer has already scanned: memory stays bounded.
                        self.line += scan::count_lf(&data[..scanned]);
                        self.start += scanned;
                        self.framer.rebase(scanned);
                    }
                    self.read_more()?;
                }
            }
        }
    }

    /// Drops consumed bytes, then appends the next chunk of input (or notes the end).
    fn read_more(&mut self) -> io::Result<()> {
        if self.start == self.buf.len() {
            self.buf.clear();
        } else if self.start > 0 {
            self.buf.copy_within(self.start.., 0);
            self.buf.truncate(self.buf.len() - self.start);
        }
        self.start = 0;
        loop {
            match self.reader.fill_buf() {
                Ok([]) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(chunk) => {
                    // Take a bounded bite: a reader may hand out its whole input at once
                    // (`&[u8]` does), and the buffer must stay one line plus read-ahead.
                    let n = chunk.len().min(READ_AHEAD);
                    self.buf.extend_from_slice(&chunk[..n]);
                    self.reader.consume(n);
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }
}

/// Consumes the parsed frame and turns the parser's outcome into the caller's result.
fn settle(
    start: &mut usize,
    line: &mut usize,
    frame: &[u8],
    outcome: Result<crate::parse::Parsed, crate::parse::EntryError>,
) -> Result<(), ReadError> {
    match outcome {
        Ok(parsed) if parsed.entry == Entry::Point => {
            *start += parsed.consumed;
            *line += parsed.newlines;
            Ok(())
        }
        Ok(parsed) => {
            // The framer hands over only frames that are not blank, so this cannot
            // happen; report it rather than return an empty point.
            let error = locate(frame, *line, 0, ParseErrorKind::NoPoint);
            *start += parsed.consumed.max(1);
            *line += parsed.newlines;
            Err(error.into())
        }
        Err(e) => {
            let error = locate(frame, *line, e.at, e.kind);
            let skip = recovery_point(frame, e.resume);
            *line += scan::count_lf(&frame[..skip]);
            *start += skip;
            Err(error.into())
        }
    }
}

/// A frame's length without its line ending (LF or CRLF); for an incomplete frame a final CR
/// may still become part of a CRLF and is not counted either.
fn content_len(frame: &[u8]) -> usize {
    let without_lf = frame.strip_suffix(b"\n").unwrap_or(frame);
    without_lf.strip_suffix(b"\r").unwrap_or(without_lf).len()
}

/// Empties a vector and re-types it for any lifetime, keeping its allocation (in-place
/// collection reuses the buffer because both element types have the same layout).
fn recycle<'x, T: 'x, U>(mut v: Vec<T>) -> Vec<U> {
    v.clear();
    v.into_iter().filter_map(|_| None).collect()
}
