//! Every point of a stream, parsed in place.
//!
//! [`PointReader::next_point_with`] frames each line (a scan for its end), copies it into the
//! reader's own buffer and validates its UTF-8 before it parses it. Here the lines that lie
//! wholly inside the underlying reader's buffer (`BufRead::fill_buf`) are parsed right there,
//! like [`parse_lines`](crate::parse_lines) does with a whole input: one UTF-8 pass per read,
//! no copy, and a line is known to be complete when the parser itself consumed its LF. Only the
//! line that runs past the end of a read (and lines over the length limit) take the framing
//! path, which copies just that line and keeps memory bounded. Results are the same either
//! way: a parse error is framed and settled exactly as the framing path does it.

use std::io::{self, BufRead};

use super::frame::{FrameKind, Framed, Framer};
use super::{Bite, PointReader, ReadError, content_len, recycle, settle};
use crate::parse::{Entry, Src, StringPool, parse_entry};
use crate::point::{Field, Point, Tag};
use crate::precision::Precision;
use crate::scan;

impl<R: BufRead> PointReader<R> {
    /// Calls `f` with every point and every bad line, in input order, until the end of the
    /// input; the first argument is the line the entry starts on. This is the fastest way
    /// through a stream (the `lp` tool's loop): complete lines are parsed in the underlying
    /// reader's buffer, with no copy, no per-line framing and one UTF-8 pass per read.
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
            if self.start < self.buf.len() {
                // Left over from the framing path: the rest of a bite.
                let mut line = self.line;
                let (consumed, result) = InPlace {
                    precision: self.precision,
                    limit: self.max_line_length,
                    pool: &mut self.pool,
                    spare_tags: &mut self.spare_tags,
                    spare_fields: &mut self.spare_fields,
                }
                .parse(&self.buf[self.start..], &mut line, &mut f);
                self.start += consumed;
                self.line = line;
                result?;
            }
            if self.start == self.buf.len() && !self.discarding && !self.eof {
                let chunk = match self.reader.fill_buf() {
                    Ok(chunk) => chunk,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return f(self.line, Err(e.into())),
                };
                let mut line = self.line;
                let mut in_place = InPlace {
                    precision: self.precision,
                    limit: self.max_line_length,
                    pool: &mut self.pool,
                    spare_tags: &mut self.spare_tags,
                    spare_fields: &mut self.spare_fields,
                };
                let (consumed, result) = in_place.parse(chunk, &mut line, &mut f);
                self.reader.consume(consumed);
                self.line = line;
                result?;
                if consumed > 0 {
                    continue;
                }
            }
            // What is left starts with a line that runs past the read, is too long or ends
            // the input: the framing path reads on as far as that line needs.
            let line = self.line;
            match self.entry_with(Bite::Line, |line, _, point| f(line, Ok(point))) {
                Ok(None) => return Ok(()),
                Ok(Some(result)) => result?,
                Err(e @ ReadError::Io(_)) => return f(line, Err(e)),
                Err(e) => f(line, Err(e))?,
            }
        }
    }
}

/// What parsing in place needs of the reader, borrowed apart from its buffers.
struct InPlace<'r> {
    precision: Precision,
    limit: Option<usize>,
    pool: &'r mut StringPool,
    spare_tags: &'r mut Vec<Tag<'static>>,
    spare_fields: &'r mut Vec<Field<'static>>,
}

impl InPlace<'_> {
    /// Hands `f` the entries that lie wholly inside `data` (whose first line is `*line`),
    /// stopping at the first one that may continue past it or needs the framing path's care.
    /// Returns the bytes consumed (`*line` is advanced past them) and `f`'s first error.
    fn parse<E>(
        &mut self,
        data: &[u8],
        line: &mut usize,
        f: &mut impl FnMut(usize, Result<&Point<'_>, ReadError>) -> Result<(), E>,
    ) -> (usize, Result<(), E>) {
        // Only up to the last LF: a line after it cannot be complete yet (and parsing its
        // start would only make an error to throw away). Every entry before it is settled
        // here, so what is left after a stop is the one entry that runs past the read.
        let Some(last_lf) = memchr::memrchr(b'\n', data) else {
            return (0, Ok(()));
        };
        let data = &data[..=last_lf];
        let text = Src::new(data).text();
        let mut point = Point {
            tags: std::mem::take(self.spare_tags),
            fields: std::mem::take(self.spare_fields),
            ..Point::default()
        };
        let mut pos = 0;
        let result = loop {
            let rest = &data[pos..];
            if rest.is_empty() {
                break Ok(());
            }
            let src = Src::with_text(rest, text.get(pos..).unwrap_or_default());
            let start_line = *line;
            let reported = match parse_entry(src, self.precision, &mut point, self.pool) {
                Ok(parsed) if !self.too_long(&rest[..parsed.consumed]) => {
                    // Without its LF the entry may go on in the next read (a string value
                    // holding the last LF).
                    if rest[..parsed.consumed].last() != Some(&b'\n') {
                        break Ok(());
                    }
                    pos += parsed.consumed;
                    *line += parsed.newlines;
                    if parsed.entry != Entry::Point {
                        continue;
                    }
                    f(start_line, Ok(&point))
                }
                // Bad and over-long lines are rare: frame and settle them the way the framing
                // path does, so that recovery, limits and line numbers are the same.
                _ => {
                    let Framed::Complete { len, kind } = Framer::new().advance(rest, false) else {
                        break Ok(());
                    };
                    let frame = &rest[..len];
                    if kind == FrameKind::Blank || self.too_long(frame) {
                        pos += len;
                        *line += scan::count_lf(frame);
                        match self.limit.filter(|_| self.too_long(frame)) {
                            Some(limit) => f(
                                start_line,
                                Err(ReadError::LineTooLong {
                                    line: start_line,
                                    limit,
                                }),
                            ),
                            None => continue,
                        }
                    } else {
                        let frame_text = text.get(pos..pos + len).unwrap_or_default();
                        let src = Src::with_text(frame, frame_text);
                        let outcome = parse_entry(src, self.precision, &mut point, self.pool);
                        let mut skip = 0;
                        let settled = settle(&mut skip, line, frame, outcome);
                        pos += skip;
                        match settled {
                            Ok(()) => f(start_line, Ok(&point)),
                            Err(e) => f(start_line, Err(e)),
                        }
                    }
                }
            };
            if let Err(e) = reported {
                break Err(e);
            }
        };
        self.pool.reclaim(&mut point);
        *self.spare_tags = recycle(point.tags);
        *self.spare_fields = recycle(point.fields);
        (pos, result)
    }

    fn too_long(&self, entry: &[u8]) -> bool {
        self.limit.is_some_and(|limit| content_len(entry) > limit)
    }
}
