//! Points to line-protocol bytes: the mirror image of the parser.
//!
//! A [`Serializer`] writes one point per line, `\n`-terminated, with the escaping each position
//! needs (spec §3.3). Two modes:
//!
//! - **canonical** ([`Serializer::canonical`]): tags sorted by key in byte order, duplicate tag
//!   keys rejected; what `lp fmt` writes and what InfluxDB stores.
//! - **verbatim** ([`Serializer::verbatim`]): tags in the point's order, duplicates kept.
//!
//! - **Telegraf** ([`Serializer::telegraf`]): canonical, with floats and string values written
//!   the way Telegraf's `influx` serializer writes them (see below).
//!
//! All modes keep fields in the point's order and reject what line protocol cannot represent
//! (see [`SerializeError`]); on error nothing is written. Values are written as:
//! floats in shortest round-trip digits laid out as chosen by [`FloatFormat`] (`21.5`, `1.0`,
//! `1e+300` by default; `1`, `1000…000` in Telegraf's form; never NaN/inf), `<n>i`, `<n>u`,
//! `true`/`false`, strings in double quotes with `\` and `"` escaped and LF/CR/TAB as chosen by
//! [`ControlChars`]. Timestamps are written in nanoseconds.
//!
//! ```
//! use line_protocol::serialize::Serializer;
//! use line_protocol::{Field, Point, Tag};
//!
//! let p = Point {
//!     measurement: "weather".into(),
//!     tags: vec![Tag::new("station", "paris 1"), Tag::new("country", "FR")],
//!     fields: vec![Field::new("temperature", 21.5), Field::new("condition", "light rain")],
//!     timestamp: Some(1_700_000_000_000_000_000),
//! };
//! let mut out = Vec::new();
//! Serializer::canonical().write(&p, &mut out).unwrap();
//! assert_eq!(
//!     out,
//!     b"weather,country=FR,station=paris\\ 1 temperature=21.5,condition=\"light rain\" 1700000000000000000\n"
//! );
//! ```

mod check;
mod error;
mod escape;
mod float;

use std::cell::Cell;
use std::io;

use check::{
    check_comment, check_fields, check_measurement, check_value, field_key_element, name_error,
    non_finite, sorted_tags, strictly_sorted, tag_key_element, tag_value_element,
};
pub use error::{Element, SerializeError, WriteError};
pub use escape::ControlChars;
use escape::{check_name, write_name, write_string};
pub use float::FloatFormat;
use float::write_float;

use crate::point::{Field, FieldValue, Point, Tag};
use crate::scan::NameClass;

/// Writes points as line protocol. Cheap to copy; holds only options.
///
/// ```
/// use line_protocol::serialize::Serializer;
/// use line_protocol::{Field, Point, Tag};
///
/// let p = Point {
///     measurement: "m".into(),
///     tags: vec![Tag::new("b", "2"), Tag::new("a", "1")],
///     fields: vec![Field::new("f", 1u64)],
///     timestamp: None,
/// };
/// assert_eq!(Serializer::canonical().to_vec(&p).unwrap(), b"m,a=1,b=2 f=1u\n");
/// assert_eq!(Serializer::verbatim().to_vec(&p).unwrap(), b"m,b=2,a=1 f=1u\n");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Serializer {
    sort_tags: bool,
    controls: ControlChars,
    floats: FloatFormat,
}

impl Default for Serializer {
    /// The canonical serializer.
    fn default() -> Self {
        Serializer::canonical()
    }
}

impl Serializer {
    /// Canonical mode: tags sorted by key (byte order), duplicate tag keys rejected.
    ///
    /// ```
    /// use line_protocol::{Field, Point, Tag, serialize::{Serializer, SerializeError}};
    /// let p = Point {
    ///     measurement: "m".into(),
    ///     tags: vec![Tag::new("a", "1"), Tag::new("a", "2")],
    ///     fields: vec![Field::new("f", true)],
    ///     timestamp: None,
    /// };
    /// let err = Serializer::canonical().to_vec(&p).unwrap_err();
    /// assert_eq!(err, SerializeError::DuplicateTagKey { key: "a".into() });
    /// ```
    pub const fn canonical() -> Self {
        Serializer {
            sort_tags: true,
            controls: ControlChars::Raw,
            floats: FloatFormat::Exponent,
        }
    }

    /// Telegraf's bytes: canonical mode with [`FloatFormat::Telegraf`] floats (`1001`, not
    /// `1001.0`; never an exponent), which is what Telegraf's `influx` serializer writes for a
    /// metric: tags sorted by key, fields in order, `\` and `"` escaped in string values and
    /// LF/CR/TAB written raw ([`ControlChars::Raw`]).
    ///
    /// Where Telegraf differs, this serializer keeps the data and says so: a NaN or infinite
    /// float is an error ([`SerializeError::NonFiniteFloat`]) where Telegraf drops the field
    /// with a debug-level log line; unsigned values keep their `u` (Telegraf's
    /// `influx_uint_support = true`; by default Telegraf writes them as clamped `i` values);
    /// names with control bytes are rejected where Telegraf writes `\n`-style sequences that
    /// no parser decodes back.
    ///
    /// ```
    /// use line_protocol::{Field, Point, Tag, serialize::Serializer};
    /// let p = Point {
    ///     measurement: "weather".into(),
    ///     tags: vec![Tag::new("station", "s1"), Tag::new("city", "Paris")],
    ///     fields: vec![Field::new("pressure", 1001.0), Field::new("rain", 1e-7), Field::new("note", "a\"b")],
    ///     timestamp: Some(1),
    /// };
    /// assert_eq!(
    ///     Serializer::telegraf().to_string(&p).unwrap(),
    ///     "weather,city=Paris,station=s1 pressure=1001,rain=0.0000001,note=\"a\\\"b\" 1\n"
    /// );
    /// ```
    pub const fn telegraf() -> Self {
        Serializer {
            sort_tags: true,
            controls: ControlChars::Raw,
            floats: FloatFormat::Telegraf,
        }
    }

    /// Verbatim mode: tags and fields in the point's order, duplicates written as they are.
    ///
    /// ```
    /// use line_protocol::{Field, Point, Tag, serialize::Serializer};
    /// let p = Point {
    ///     measurement: "m".into(),
    ///     tags: vec![Tag::new("a", "2"), Tag::new("a", "1")],
    ///     fields: vec![Field::new("f", -1i64)],
    ///     timestamp: Some(-5),
    /// };
    /// assert_eq!(Serializer::verbatim().to_vec(&p).unwrap(), b"m,a=2,a=1 f=-1i -5\n");
    /// ```
    pub const fn verbatim() -> Self {
        Serializer {
            sort_tags: false,
            controls: ControlChars::Raw,
            floats: FloatFormat::Exponent,
        }
    }

    /// Chooses how LF, CR and TAB inside string values are written (default: raw).
    ///
    /// ```
    /// use line_protocol::serialize::{ControlChars, Serializer};
    /// let s = Serializer::verbatim().with_control_chars(ControlChars::Escaped);
    /// assert_eq!(s.control_chars(), ControlChars::Escaped);
    /// ```
    pub const fn with_control_chars(mut self, controls: ControlChars) -> Self {
        self.controls = controls;
        self
    }

    /// How LF, CR and TAB inside string values are written.
    ///
    /// ```
    /// use line_protocol::serialize::{ControlChars, Serializer};
    /// assert_eq!(Serializer::canonical().control_chars(), ControlChars::Raw);
    /// ```
    pub const fn control_chars(&self) -> ControlChars {
        self.controls
    }

    /// Chooses how float values are laid out (default: [`FloatFormat::Exponent`]).
    ///
    /// ```
    /// use line_protocol::{Field, Point, serialize::{FloatFormat, Serializer}};
    /// let p = Point { measurement: "m".into(), fields: vec![Field::new("f", 1001.0)], ..Default::default() };
    /// let s = Serializer::verbatim().with_float_format(FloatFormat::Telegraf);
    /// assert_eq!(s.float_format(), FloatFormat::Telegraf);
    /// assert_eq!(s.to_vec(&p).unwrap(), b"m f=1001\n");
    /// ```
    pub const fn with_float_format(mut self, floats: FloatFormat) -> Self {
        self.floats = floats;
        self
    }

    /// How float values are laid out.
    ///
    /// ```
    /// use line_protocol::serialize::{FloatFormat, Serializer};
    /// assert_eq!(Serializer::canonical().float_format(), FloatFormat::Exponent);
    /// assert_eq!(Serializer::telegraf().float_format(), FloatFormat::Telegraf);
    /// ```
    pub const fn float_format(&self) -> FloatFormat {
        self.floats
    }

    /// Whether this serializer sorts tags (canonical mode).
    ///
    /// ```
    /// use line_protocol::serialize::Serializer;
    /// assert!(Serializer::canonical().is_canonical());
    /// assert!(!Serializer::verbatim().is_canonical());
    /// ```
    pub const fn is_canonical(&self) -> bool {
        self.sort_tags
    }

    /// Appends one line (with its `\n`) to `out`. On error `out` is left as it was.
    ///
    /// ```
    /// use line_protocol::{Field, Point, serialize::Serializer};
    /// let mut out = b"kept\n".to_vec();
    /// let bad = Point { measurement: "m".into(), fields: vec![Field::new("f", f64::NAN)], ..Default::default() };
    /// assert!(Serializer::canonical().write(&bad, &mut out).is_err());
    /// assert_eq!(out, b"kept\n");
    /// ```
    pub fn write(&self, point: &Point<'_>, out: &mut Vec<u8>) -> Result<(), SerializeError> {
        let start = out.len();
        let result = self.write_line(point, out);
        if result.is_err() {
            out.truncate(start);
        }
        result
    }

    /// Serializes one point into a new buffer.
    ///
    /// ```
    /// use line_protocol::{Field, Point, serialize::Serializer};
    /// let p = Point { measurement: "m".into(), fields: vec![Field::new("f", 0.1)], ..Default::default() };
    /// assert_eq!(Serializer::canonical().to_vec(&p).unwrap(), b"m f=0.1\n");
    /// ```
    pub fn to_vec(&self, point: &Point<'_>) -> Result<Vec<u8>, SerializeError> {
        let mut out = Vec::with_capacity(estimated_len(point));
        self.write(point, &mut out)?;
        Ok(out)
    }

    /// Serializes one point into a `String` (line protocol is UTF-8).
    ///
    /// ```
    /// use line_protocol::{Field, Point, serialize::Serializer};
    /// let p = Point { measurement: "m".into(), fields: vec![Field::new("f", "x")], ..Default::default() };
    /// assert_eq!(Serializer::canonical().to_string(&p).unwrap(), "m f=\"x\"\n");
    /// ```
    pub fn to_string(&self, point: &Point<'_>) -> Result<String, SerializeError> {
        let bytes = self.to_vec(point)?;
        // Only `&str` contents and ASCII are ever written, so this cannot fail; fall back to a
        // lossy copy rather than panic should that ever change.
        Ok(String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
    }

    /// Writes one line to any `io::Write`. The point is formatted into a per-thread buffer
    /// first, so an invalid point writes nothing and a valid one is one `write_all` call.
    /// Wrap unbuffered writers (files, sockets, stdout) in a `BufWriter`.
    ///
    /// ```
    /// use line_protocol::{Field, Point, serialize::Serializer};
    /// let p = Point { measurement: "m".into(), fields: vec![Field::new("f", 2i64)], timestamp: Some(3), ..Default::default() };
    /// let mut w = std::io::Cursor::new(Vec::new());
    /// Serializer::canonical().write_to(&p, &mut w).unwrap();
    /// assert_eq!(w.into_inner(), b"m f=2i 3\n");
    /// ```
    pub fn write_to<W: io::Write + ?Sized>(
        &self,
        point: &Point<'_>,
        w: &mut W,
    ) -> Result<(), WriteError> {
        thread_local! {
            static SCRATCH: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
        }
        // Taken out of the cell (not borrowed) so a writer that itself serializes cannot
        // observe or corrupt it.
        let mut buf = SCRATCH.with(Cell::take);
        buf.clear();
        let result = match self.write(point, &mut buf) {
            Ok(()) => w.write_all(&buf).map_err(WriteError::Io),
            Err(e) => Err(WriteError::Serialize(e)),
        };
        if buf.capacity() <= 1 << 20 {
            SCRATCH.with(|cell| cell.set(buf));
        }
        result
    }

    /// Checks that [`write`](Self::write) would succeed, without writing anything.
    ///
    /// ```
    /// use line_protocol::{Field, Point, serialize::{Serializer, SerializeError}};
    /// let p = Point { measurement: "#m".into(), fields: vec![Field::new("f", 1.0)], ..Default::default() };
    /// assert!(matches!(
    ///     Serializer::verbatim().validate(&p),
    ///     Err(SerializeError::CommentMeasurement { .. })
    /// ));
    /// ```
    pub fn validate(&self, point: &Point<'_>) -> Result<(), SerializeError> {
        // Same checks in the same order as `write_line`, so both report the same error.
        check_fields(point)?;
        check_measurement(&point.measurement)?;
        if self.sort_tags && !strictly_sorted(&point.tags) {
            sorted_tags(&point.tags)?;
        }
        for (index, tag) in point.tags.iter().enumerate() {
            check_name(&tag.key, NameClass::Key)
                .map_err(|p| name_error(p, tag_key_element(index, tag)))?;
            check_name(&tag.value, NameClass::Key)
                .map_err(|p| name_error(p, tag_value_element(index, tag)))?;
        }
        for (index, field) in point.fields.iter().enumerate() {
            check_name(&field.key, NameClass::Key)
                .map_err(|p| name_error(p, field_key_element(index, field)))?;
            check_value(index, field)?;
        }
        Ok(())
    }

    /// Appends the point's series key (measurement and tags, escaped; tags sorted in canonical
    /// and Telegraf mode), the bytes [`write`](Self::write) starts the line with. Followed by
    /// [`write_fields_and_timestamp`](Self::write_fields_and_timestamp) it writes exactly what
    /// `write` writes, so a caller serializing many points of one series can write the key once
    /// and copy it. On error `out` is left as it was.
    ///
    /// ```
    /// use line_protocol::{Field, Point, Tag, serialize::Serializer};
    /// let p = Point {
    ///     measurement: "weather".into(),
    ///     tags: vec![Tag::new("station", "s1"), Tag::new("city", "Le Mans")],
    ///     fields: vec![Field::new("temp", 21.0)],
    ///     timestamp: Some(5),
    /// };
    /// let s = Serializer::telegraf();
    /// let mut key = Vec::new();
    /// s.write_series_key(&p, &mut key).unwrap();
    /// assert_eq!(key, b"weather,city=Le\\ Mans,station=s1");
    /// let mut line = key.clone();
    /// s.write_fields_and_timestamp(&p, &mut line).unwrap();
    /// assert_eq!(line, s.to_vec(&p).unwrap());
    /// ```
    pub fn write_series_key(
        &self,
        point: &Point<'_>,
        out: &mut Vec<u8>,
    ) -> Result<(), SerializeError> {
        let start = out.len();
        let result = self.write_key(point, out);
        if result.is_err() {
            out.truncate(start);
        }
        result
    }

    /// Appends the rest of the line after the series key: a space, the fields, the timestamp
    /// (if any) and `\n` (see [`write_series_key`](Self::write_series_key)). Fails on what
    /// [`write`](Self::write) fails on in those parts (no fields, a NaN, a bad field key); on
    /// error `out` is left as it was.
    ///
    /// ```
    /// use line_protocol::{Field, Point, serialize::Serializer};
    /// let p = Point { measurement: "m".into(), fields: vec![Field::new("f", 1001.0)], timestamp: Some(7), ..Default::default() };
    /// let mut out = b"m".to_vec();
    /// Serializer::telegraf().write_fields_and_timestamp(&p, &mut out).unwrap();
    /// assert_eq!(out, b"m f=1001 7\n");
    /// let nan = Point { fields: vec![Field::new("f", f64::NAN)], ..p };
    /// assert!(Serializer::telegraf().write_fields_and_timestamp(&nan, &mut out).is_err());
    /// assert_eq!(out, b"m f=1001 7\n");
    /// ```
    pub fn write_fields_and_timestamp(
        &self,
        point: &Point<'_>,
        out: &mut Vec<u8>,
    ) -> Result<(), SerializeError> {
        let start = out.len();
        let result = check_fields(point).and_then(|()| self.write_rest(point, out));
        if result.is_err() {
            out.truncate(start);
        }
        result
    }

    /// Writes the line; on error `out` holds a partial line that the caller truncates.
    #[inline]
    fn write_line(&self, point: &Point<'_>, out: &mut Vec<u8>) -> Result<(), SerializeError> {
        check_fields(point)?;
        self.write_key(point, out)?;
        self.write_rest(point, out)
    }

    /// Measurement and tags; on error `out` holds a partial key.
    #[inline]
    fn write_key(&self, point: &Point<'_>, out: &mut Vec<u8>) -> Result<(), SerializeError> {
        check_comment(&point.measurement)?;
        write_name(out, &point.measurement, NameClass::Measurement)
            .map_err(|p| name_error(p, Element::Measurement))?;
        if !self.sort_tags || strictly_sorted(&point.tags) {
            for (index, tag) in point.tags.iter().enumerate() {
                write_tag(out, index, tag)?;
            }
        } else {
            for (index, tag) in sorted_tags(&point.tags)? {
                write_tag(out, index, tag)?;
            }
        }
        Ok(())
    }

    /// Fields, timestamp and newline (the caller checked that there are fields); on error
    /// `out` holds a partial line.
    #[inline]
    fn write_rest(&self, point: &Point<'_>, out: &mut Vec<u8>) -> Result<(), SerializeError> {
        let mut separator = b' ';
        for (index, field) in point.fields.iter().enumerate() {
            out.push(separator);
            separator = b',';
            write_name(out, &field.key, NameClass::Key)
                .map_err(|p| name_error(p, field_key_element(index, field)))?;
            out.push(b'=');
            self.write_value(out, index, field)?;
        }

        if let Some(ts) = point.timestamp {
            out.push(b' ');
            out.extend_from_slice(itoa::Buffer::new().format(ts).as_bytes());
        }
        out.push(b'\n');
        Ok(())
    }

    #[inline]
    fn write_value(
        &self,
        out: &mut Vec<u8>,
        index: usize,
        field: &Field<'_>,
    ) -> Result<(), SerializeError> {
        match &field.value {
            FieldValue::Float(v) => {
                if !v.is_finite() {
                    return Err(non_finite(index, field, *v));
                }
                write_float(out, *v, self.floats);
            }
            FieldValue::Integer(v) => {
                out.extend_from_slice(itoa::Buffer::new().format(*v).as_bytes());
                out.push(b'i');
            }
            FieldValue::UInteger(v) => {
                out.extend_from_slice(itoa::Buffer::new().format(*v).as_bytes());
                out.push(b'u');
            }
            FieldValue::String(s) => write_string(out, s, self.controls),
            FieldValue::Boolean(true) => out.extend_from_slice(b"true"),
            FieldValue::Boolean(false) => out.extend_from_slice(b"false"),
        }
        Ok(())
    }
}

#[inline]
fn write_tag(out: &mut Vec<u8>, index: usize, tag: &Tag<'_>) -> Result<(), SerializeError> {
    out.push(b',');
    write_name(out, &tag.key, NameClass::Key)
        .map_err(|p| name_error(p, tag_key_element(index, tag)))?;
    out.push(b'=');
    write_name(out, &tag.value, NameClass::Key)
        .map_err(|p| name_error(p, tag_value_element(index, tag)))
}

/// A rough line length, to reserve once per point.
fn estimated_len(point: &Point<'_>) -> usize {
    let tags: usize = point
        .tags
        .iter()
        .map(|t| t.key.len() + t.value.len() + 2)
        .sum();
    let fields: usize = point
        .fields
        .iter()
        .map(|f| {
            f.key.len()
                + 2
                + match &f.value {
                    FieldValue::String(s) => s.len() + 2,
                    _ => 24,
                }
        })
        .sum();
    point.measurement.len() + tags + fields + 22
}

#[cfg(test)]
mod tests;
