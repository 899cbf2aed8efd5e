//! Every point of a stream, parsed in place from the read buffer.
//!
//! [`PointReader::next_point_with`] frames each line (a scan for its end) before it parses it,
//! and validates UTF-8 per line. Here the lines that lie wholly inside the buffer are parsed
//! straight from it, like [`parse_lines`](crate::parse_lines) does with a whole input: the
//! buffer's UTF-8 is checked once, and a line is known to be complete when the parser itself
//! consumed its LF. Only the line that runs past the buffer's end (and lines over the length
//! limit) go through the framer, which reads on and keeps memory bounded. Results are the same
//! either way: a parse error inside the buffer is framed and settled exactly as the framing
//! path does it.

use std::io::BufRead;

use super::frame::{FrameKind, Framed, Framer};
use super::{PointReader, ReadError, content_len, recycle, settle};
use crate::parse::{Entry, Src, parse_entry};
use crate::point::Point;
use crate::scan;

impl<R: BufRead> PointReader<R> {
    /// Calls `f` with every point and every bad line, in input order, until the end of the
    /// input; the first argument is the line the entry starts on. This is the fastest way
    /// through a stream (the `lp` tool's loop): complete lines are parsed straight from the read
    /// buffer, with no per-line framing or UTF-8 pass.
    ///
    /// A parse error or an over-long line is reported to `f` and reading goes on; an I/O
    /// error is reported to `f` and ends the loop. The first `Err` that `f` returns ends the
    /// loop and is returned.
    ///
    /// ```
    /// use line_protocol::{PointReader, ReadError};
    ///
    /// let input: &[u8] = b"m f=1\nbad\nm f=2\n";
    /// let (mut sum, mut bad_lines) = (0.0, Vec::new());
    /// PointReader::new(input)
    ///     .for_each_point(|line, entry| {
    ///         match entry {
    ///             Ok(point) => sum += point.fields.len() as f64,
    ///             Err(ReadError::Parse(e)) => bad_lines.push((line, e.line)),
    ///             Err(other) => return Err(other),
    ///         }
    ///         Ok(())
    ///     })
    ///     .unwrap();
    /// assert_eq!((sum, bad_lines), (2.0, vec![(2, 2)]));
    /// ```
    pub fn for_each_point<E>(
        &mut self,
        mut f: impl FnMut(usize, Result<&Point<'_>, ReadError>) -> Result<(), E>,
    ) -> Result<(), E> {
        loop {
            self.parse_buffered(&mut f)?;
            // What is left starts with a line that is incomplete, too long or at the end of
            // the input: the framing path reads on as far as that line needs.
            let line = self.line;
            match self.next_entry_with(|line, point| f(line, Ok(point))) {
                Ok(None) => return Ok(()),
                Ok(Some(result)) => result?,
                Err(e @ ReadError::Io(_)) => return f(line, Err(e)),
                Err(e) => f(line, Err(e))?,
            }
        }
    }

    /// Hands `f` the entries that lie wholly inside the buffer, stopping at the first one that
    /// may continue past it or needs the framing path's care.
    fn parse_buffered<E>(
        &mut self,
        f: &mut impl FnMut(usize, Result<&Point<'_>, ReadError>) -> Result<(), E>,
    ) -> Result<(), E> {
        if self.discarding {
            return Ok(());
        }
        // Only up to the last LF: a line after it cannot be complete yet (and parsing its
        // start would only make an error to throw away).
        let buffered = &self.buf[self.start..];
        let Some(last_lf) = memchr::memrchr(b'\n', buffered) else {
            return Ok(());
        };
        let data = &buffered[..=last_lf];
        let text = Src::new(data).text();
        let (precision, limit) = (self.precision, self.max_line_length);
        let mut point = Point {
            tags: std::mem::take(&mut self.spare_tags),
            fields: std::mem::take(&mut self.spare_fields),
            ..Point::default()
        };
        let pool = &mut self.pool;
        let (mut pos, mut line) = (0, self.line);
        let result = loop {
            let rest = &data[pos..];
            if rest.is_empty() {
                break Ok(());
            }
            let src = Src::with_text(rest, text.get(pos..).unwrap_or_default());
            match parse_entry(src, precision, &mut point, pool) {
                Ok(parsed) => {
                    let entry = &rest[..parsed.consumed];
                    // Without its LF the entry may go on in the next read (a CR or a number
                    // at the buffer's end), and over-long lines are the framing path's to report.
                    if entry.last() != Some(&b'\n') || limit.is_some_and(|l| content_len(entry) > l)
                    {
                        break Ok(());
                    }
                    let (start_line, is_point) = (line, parsed.entry == Entry::Point);
                    pos += parsed.consumed;
                    line += parsed.newlines;
                    if is_point {
                        if let Err(e) = f(start_line, Ok(&point)) {
                            break Err(e);
                        }
                    }
                }
                Err(_) => {
                    // Bad lines are rare: frame and settle this one the way the framing path
                    // does, so that recovery and line numbers are the same.
                    let Framed::Complete { len, kind } = Framer::new().advance(rest, false) else {
                        break Ok(());
                    };
                    let frame = &rest[..len];
                    if kind == FrameKind::Blank || limit.is_some_and(|l| content_len(frame) > l) {
                        break Ok(());
                    }
                    let frame_text = text.get(pos..pos + len).unwrap_or_default();
                    let outcome = parse_entry(
                        Src::with_text(frame, frame_text),
                        precision,
                        &mut point,
                        pool,
                    );
                    let (mut skip, start_line) = (0, line);
                    let settled = settle(&mut skip, &mut line, frame, outcome);
                    pos += skip;
                    let reported = match settled {
                        Ok(()) => f(start_line, Ok(&point)),
                        Err(e) => f(start_line, Err(e)),
                    };
                    if let Err(e) = reported {
                        break Err(e);
                    }
                }
            }
        };
        debug_assert_eq!(line, self.line + scan::count_lf(&data[..pos]));
        self.start += pos;
        self.line = line;
        self.pool.reclaim(&mut point);
        self.spare_tags = recycle(point.tags);
        self.spare_fields = recycle(point.fields);
        result
    }
}
