//! msgpack `/query` documents (`Accept: application/x-msgpack`): framing and decoding.
//!
//! InfluxDB 1.x encodes the same `{"results":[…]}` shape as its JSON, back to back with no
//! delimiter between chunks, and keeps value types (floats stay floats, integers stay
//! integers). Encoding it costs the server about a third less time than JSON, which is what
//! bounds an export.
//!
//! [`DocumentScanner`] finds where a document ends in a growing buffer (a partial document is a
//! state, not an error); [`decode_document`] turns a complete one into [`RowSeries`] tables.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::Cell;
use crate::rows::{ResultDocument, RowSeries, StatementRows};

/// What a msgpack header says about the value it starts.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Header {
    Nil,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    /// String of this many bytes, after the header.
    Str(usize),
    /// Binary or extension payload of this many bytes, after the header.
    Opaque(usize),
    Array(usize),
    Map(usize),
}

/// Reads the header at the start of `b`: `None` when `b` is too short, else the header and its
/// length in bytes. Every byte value starts some header.
fn header(b: &[u8]) -> Option<(Header, usize)> {
    let m = *b.first()?;
    let be = |n: usize| -> Option<u64> {
        let bytes = b.get(1..1 + n)?;
        Some(bytes.iter().fold(0u64, |acc, &x| (acc << 8) | u64::from(x)))
    };
    let len = |n: usize| -> Option<usize> { be(n).map(|v| v as usize) };
    Some(match m {
        0x00..=0x7f => (Header::Int(i64::from(m)), 1),
        0x80..=0x8f => (Header::Map(usize::from(m & 0x0f)), 1),
        0x90..=0x9f => (Header::Array(usize::from(m & 0x0f)), 1),
        0xa0..=0xbf => (Header::Str(usize::from(m & 0x1f)), 1),
        0xc0 => (Header::Nil, 1),
        // 0xc1 is never used by the format; treat it as an empty opaque value so scanning and
        // decoding agree, and let the decoder reject it where a value is expected.
        0xc1 => (Header::Opaque(0), 1),
        0xc2 => (Header::Bool(false), 1),
        0xc3 => (Header::Bool(true), 1),
        0xc4 => (Header::Opaque(len(1)?), 2),
        0xc5 => (Header::Opaque(len(2)?), 3),
        0xc6 => (Header::Opaque(len(4)?), 5),
        // ext 8/16/32: length, then a type byte, then the payload.
        0xc7 => (Header::Opaque(len(1)? + 1), 2),
        0xc8 => (Header::Opaque(len(2)? + 1), 3),
        0xc9 => (Header::Opaque(len(4)? + 1), 5),
        0xca => (Header::Float(f64::from(f32::from_bits(be(4)? as u32))), 5),
        0xcb => (Header::Float(f64::from_bits(be(8)?)), 9),
        0xcc => (Header::UInt(be(1)?), 2),
        0xcd => (Header::UInt(be(2)?), 3),
        0xce => (Header::UInt(be(4)?), 5),
        0xcf => (Header::UInt(be(8)?), 9),
        0xd0 => (Header::Int(i64::from(be(1)? as u8 as i8)), 2),
        0xd1 => (Header::Int(i64::from(be(2)? as u16 as i16)), 3),
        0xd2 => (Header::Int(i64::from(be(4)? as u32 as i32)), 5),
        0xd3 => (Header::Int(be(8)? as i64), 9),
        // fixext 1/2/4/8/16: a type byte and a fixed payload.
        0xd4 => (Header::Opaque(2), 1),
        0xd5 => (Header::Opaque(3), 1),
        0xd6 => (Header::Opaque(5), 1),
        0xd7 => (Header::Opaque(9), 1),
        0xd8 => (Header::Opaque(17), 1),
        0xd9 => (Header::Str(len(1)?), 2),
        0xda => (Header::Str(len(2)?), 3),
        0xdb => (Header::Str(len(4)?), 5),
        0xdc => (Header::Array(len(2)?), 3),
        0xdd => (Header::Array(len(4)?), 5),
        0xde => (Header::Map(len(2)?), 3),
        0xdf => (Header::Map(len(4)?), 5),
        0xe0..=0xff => (Header::Int(i64::from(m as i8)), 1),
    })
}

/// Finds the end of one msgpack document in a buffer that grows as bytes arrive, without
/// rescanning what it has already walked.
///
/// ```text
/// scanner.scan(&buffer[start..]) -> Some(len) once the document starting at `start` is whole
/// ```
#[derive(Debug, Default)]
pub(crate) struct DocumentScanner {
    /// Bytes of the current document walked so far.
    walked: usize,
    /// Items still expected by each open array or map, innermost last.
    open: Vec<usize>,
}

impl DocumentScanner {
    /// The length of the document at the start of `bytes`, or `None` while it is incomplete.
    /// Call again with the same start and more bytes; after `Some`, the scanner is reset.
    pub(crate) fn scan(&mut self, bytes: &[u8]) -> Option<usize> {
        loop {
            let (h, header_len) = header(&bytes[self.walked..])?;
            let (payload, children) = match h {
                Header::Str(n) | Header::Opaque(n) => (n, 0),
                Header::Array(n) => (0, n),
                Header::Map(n) => (0, n.saturating_mul(2)),
                _ => (0, 0),
            };
            let end = self.walked.checked_add(header_len)?.checked_add(payload)?;
            if end > bytes.len() {
                return None;
            }
            self.walked = end;
            if children > 0 {
                self.open.push(children);
                continue;
            }
            // One value complete: count it in its container, closing every container that is
            // now full.
            loop {
                match self.open.last_mut() {
                    None => {
                        let len = self.walked;
                        self.walked = 0;
                        return Some(len);
                    }
                    Some(left) => {
                        *left -= 1;
                        if *left > 0 {
                            break;
                        }
                        self.open.pop();
                    }
                }
            }
        }
    }
}

/// Where and why a msgpack document could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("msgpack byte {offset}: {message}")]
pub(crate) struct MsgpackError {
    pub(crate) offset: usize,
    pub(crate) message: String,
}

struct Reader<'b> {
    bytes: &'b [u8],
    pos: usize,
}

impl<'b> Reader<'b> {
    fn fail<T>(&self, message: impl Into<String>) -> Result<T, MsgpackError> {
        Err(MsgpackError {
            offset: self.pos,
            message: message.into(),
        })
    }

    fn next(&mut self) -> Result<Header, MsgpackError> {
        match header(&self.bytes[self.pos..]) {
            Some((h, n)) => {
                self.pos += n;
                Ok(h)
            }
            None => self.fail("document ends inside a value"),
        }
    }

    fn payload(&mut self, n: usize) -> Result<&'b [u8], MsgpackError> {
        match self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len())
        {
            Some(end) => {
                let bytes = &self.bytes[self.pos..end];
                self.pos = end;
                Ok(bytes)
            }
            None => self.fail("document ends inside a value"),
        }
    }

    /// A string's bytes as text; invalid UTF-8 (InfluxDB stores what it was sent) becomes
    /// U+FFFD, as InfluxDB's own JSON encoder writes it.
    fn str_payload(&mut self, n: usize) -> Result<Cow<'b, str>, MsgpackError> {
        self.payload(n).map(String::from_utf8_lossy)
    }

    fn string(&mut self) -> Result<Cow<'b, str>, MsgpackError> {
        match self.next()? {
            Header::Str(n) => self.str_payload(n),
            other => self.fail(format!("expected a string, found {other:?}")),
        }
    }

    fn optional_string(&mut self) -> Result<Option<Cow<'b, str>>, MsgpackError> {
        match self.next()? {
            Header::Nil => Ok(None),
            Header::Str(n) => self.str_payload(n).map(Some),
            other => self.fail(format!("expected a string, found {other:?}")),
        }
    }

    fn map_len(&mut self) -> Result<usize, MsgpackError> {
        match self.next()? {
            Header::Map(n) => Ok(n),
            other => self.fail(format!("expected a map, found {other:?}")),
        }
    }

    /// An array's length; `nil` reads as an empty array.
    fn array_len(&mut self) -> Result<usize, MsgpackError> {
        match self.next()? {
            Header::Array(n) => Ok(n),
            Header::Nil => Ok(0),
            other => self.fail(format!("expected an array, found {other:?}")),
        }
    }

    fn skip(&mut self) -> Result<(), MsgpackError> {
        let mut pending = 1usize;
        while pending > 0 {
            pending -= 1;
            match self.next()? {
                Header::Str(n) | Header::Opaque(n) => {
                    self.payload(n)?;
                }
                Header::Array(n) => pending = pending.saturating_add(n),
                Header::Map(n) => pending = pending.saturating_add(n.saturating_mul(2)),
                _ => {}
            }
        }
        Ok(())
    }

    /// Reads one value into `series`.
    fn cell_into(&mut self, series: &mut RowSeries) -> Result<(), MsgpackError> {
        let cell = match self.next()? {
            Header::Nil => Cell::Null,
            Header::Bool(v) => Cell::Bool(v),
            Header::Int(v) => Cell::Integer(v),
            Header::UInt(v) => Cell::Unsigned(v),
            Header::Float(v) => Cell::Float(v),
            Header::Str(n) => {
                let text = self.str_payload(n)?;
                series.push_cell(Cell::String(&text));
                return Ok(());
            }
            other => return self.fail(format!("expected a scalar value, found {other:?}")),
        };
        series.push_cell(cell);
        Ok(())
    }

    fn boolean(&mut self) -> Result<bool, MsgpackError> {
        match self.next()? {
            Header::Bool(v) => Ok(v),
            Header::Nil => Ok(false),
            other => self.fail(format!("expected a boolean, found {other:?}")),
        }
    }

    fn unsigned(&mut self) -> Result<u64, MsgpackError> {
        match self.next()? {
            Header::UInt(v) => Ok(v),
            Header::Int(v) if v >= 0 => Ok(v as u64),
            other => self.fail(format!("expected a statement id, found {other:?}")),
        }
    }
}

/// Decodes one complete msgpack document of a `/query` response.
pub(crate) fn decode_document(bytes: &[u8]) -> Result<ResultDocument, MsgpackError> {
    let mut r = Reader { bytes, pos: 0 };
    let mut doc = ResultDocument::default();
    for _ in 0..r.map_len()? {
        match &*r.string()? {
            "results" => {
                for _ in 0..r.array_len()? {
                    doc.results.push(statement(&mut r)?);
                }
            }
            "error" => doc.error = r.optional_string()?.map(Cow::into_owned),
            _ => r.skip()?,
        }
    }
    if r.pos != bytes.len() {
        return r.fail("trailing bytes after the document");
    }
    Ok(doc)
}

fn statement(r: &mut Reader<'_>) -> Result<StatementRows, MsgpackError> {
    let mut result = StatementRows::default();
    for _ in 0..r.map_len()? {
        match &*r.string()? {
            "statement_id" => result.statement_id = Some(r.unsigned()?),
            "series" => {
                for _ in 0..r.array_len()? {
                    result.series.push(series(r)?);
                }
            }
            "error" => result.error = r.optional_string()?.map(Cow::into_owned),
            _ => r.skip()?,
        }
    }
    for s in &mut result.series {
        s.statement_id = result.statement_id.unwrap_or(0);
    }
    Ok(result)
}

fn series(r: &mut Reader<'_>) -> Result<RowSeries, MsgpackError> {
    let mut s = RowSeries::default();
    for _ in 0..r.map_len()? {
        match &*r.string()? {
            "name" => s.name = r.optional_string()?.unwrap_or_default().into_owned(),
            "tags" => {
                let mut tags = BTreeMap::new();
                for _ in 0..r.map_len()? {
                    let key = r.string()?.into_owned();
                    let value = r.optional_string()?.unwrap_or_default().into_owned();
                    tags.insert(key, value);
                }
                s.tags = tags;
            }
            "columns" => {
                let n = r.array_len()?;
                let mut columns = Vec::with_capacity(n.min(4096));
                for _ in 0..n {
                    columns.push(r.string()?.into_owned());
                }
                s.columns = columns;
            }
            "values" => {
                let rows = r.array_len()?;
                // Every value takes at least one byte, which bounds what a bad length can
                // reserve.
                let left = r.bytes.len() - r.pos;
                let width = s.columns.len().max(1);
                s.reserve(rows.min(left), width.min(left / rows.max(1)));
                for _ in 0..rows {
                    for _ in 0..r.array_len()? {
                        r.cell_into(&mut s)?;
                    }
                    s.end_row();
                }
            }
            "partial" => s.partial = r.boolean()?,
            _ => r.skip()?,
        }
    }
    Ok(s)
}

#[cfg(test)]
#[path = "rows_msgpack_tests.rs"]
mod tests;
