//! The grammar of one entry (a point, a blank line or a comment), written as nom parsers over
//! the remaining input. Byte scanning is delegated to [`crate::scan`]; this module decides
//! what the delimiters mean and which error a line gets.

use std::borrow::Cow;

use nom::character::complete::char;
use nom::error::ErrorKind;
use nom::multi::fold_many0;
use nom::sequence::preceded;
use nom::{IResult, Parser};

use super::{escape, value};
use crate::error::{Element, NumberError, ParseErrorKind};
use crate::point::{Field, FieldValue, Point, Tag};
use crate::precision::Precision;
use crate::scan::{self, NameClass};

/// A grammar failure inside one entry. Positions are kept as "bytes left" so that they are
/// independent of where the entry sits in a larger buffer.
#[derive(Debug)]
pub(crate) struct Failure {
    /// Bytes of the entry from the offending byte to the end of the input.
    pub(crate) rest_len: usize,
    /// Bytes left from where recovery starts looking for the next LF (`<= rest_len`). It is
    /// past the error position only for string values, which the Go decoder scans to their
    /// end (or the end of the input) before it reports their errors.
    pub(crate) resume_len: usize,
    /// What is wrong.
    pub(crate) kind: ParseErrorKind,
}

impl Failure {
    #[cold]
    fn at(rest: &[u8], kind: ParseErrorKind) -> nom::Err<Self> {
        nom::Err::Failure(Failure {
            rest_len: rest.len(),
            resume_len: rest.len(),
            kind,
        })
    }
}

impl nom::error::ParseError<&[u8]> for Failure {
    // Only reached when a `char(',')` probe does not match, which the combinators treat as
    // "no more items"; the value never becomes a user-visible error.
    fn from_error_kind(input: &[u8], _: ErrorKind) -> Self {
        Failure {
            rest_len: input.len(),
            resume_len: input.len(),
            kind: ParseErrorKind::InvalidCharacter {
                element: Element::FieldValue,
                byte: input.first().copied().unwrap_or(0),
            },
        }
    }

    fn append(_: &[u8], _: ErrorKind, other: Self) -> Self {
        other
    }
}

/// The input with the prefix of it already known to be valid UTF-8, so that tokens inside
/// that prefix become `&str` without validating each token again.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Src<'a> {
    bytes: &'a [u8],
    text: &'a str,
}

impl<'a> Src<'a> {
    /// `bytes` with its longest valid UTF-8 prefix (one pass over the input).
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        let text = match std::str::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default(),
        };
        Src { bytes, text }
    }

    /// The valid prefix.
    pub(crate) fn text(self) -> &'a str {
        self.text
    }

    /// `bytes` where `text` is known to be a valid prefix view of the same memory.
    pub(crate) fn with_text(bytes: &'a [u8], text: &'a str) -> Self {
        debug_assert!(bytes.starts_with(text.as_bytes()));
        Src { bytes, text }
    }

    /// `tok` (a sub-slice of the input) as a `str`: free inside the checked prefix, else
    /// validated on its own.
    #[inline]
    fn str_of(self, tok: &'a [u8]) -> Result<&'a str, std::str::Utf8Error> {
        let offset = (tok.as_ptr() as usize).wrapping_sub(self.bytes.as_ptr() as usize);
        // `text` views the same memory as `bytes`, so the same range is the same bytes.
        let known = offset
            .checked_add(tok.len())
            .and_then(|end| self.text.get(offset..end));
        match known {
            Some(text) => Ok(text),
            None => std::str::from_utf8(tok),
        }
    }
}

type PResult<'a, T> = IResult<&'a [u8], T, Failure>;

#[cold]
fn fail<'a, T>(at: &[u8], kind: ParseErrorKind) -> PResult<'a, T> {
    Err(Failure::at(at, kind))
}

/// What one call of [`parse_entry`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Entry {
    /// A point was written into the caller's `Point`.
    Point,
    /// A blank line or a comment.
    Blank,
}

/// A successfully parsed entry.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Parsed {
    pub(crate) entry: Entry,
    /// Bytes consumed, including the line ending.
    pub(crate) consumed: usize,
    /// LF bytes among the consumed ones (more than one when string values span lines).
    pub(crate) newlines: usize,
}

/// A failed entry, with offsets from the entry start.
#[derive(Debug)]
pub(crate) struct EntryError {
    /// Offset of the offending byte.
    pub(crate) at: usize,
    /// Offset from which to skip to the byte after the next LF.
    pub(crate) resume: usize,
    pub(crate) kind: ParseErrorKind,
}

/// Line end at the start of `i`: end of input, LF, CRLF, or a CR that is the last byte.
/// Returns (bytes, LFs) consumed.
#[inline]
fn line_end(i: &[u8]) -> Option<(usize, usize)> {
    match i {
        [] => Some((0, 0)),
        [b'\n', ..] => Some((1, 1)),
        [b'\r', b'\n', ..] => Some((2, 1)),
        [b'\r'] => Some((1, 0)),
        _ => None,
    }
}

/// The error for a control byte found where a token ended: a CR that ends no line is a bare
/// CR, anything else is an invalid character of `element`.
fn bad_byte(at: &[u8], element: Element) -> ParseErrorKind {
    match at.first() {
        Some(b'\r') => ParseErrorKind::BareCarriageReturn,
        Some(&byte) => ParseErrorKind::InvalidCharacter { element, byte },
        None => ParseErrorKind::MissingFields,
    }
}

fn is_line_end(i: &[u8]) -> bool {
    line_end(i).is_some()
}

fn is_control(i: &[u8]) -> bool {
    i.first().is_some_and(|&b| scan::is_nonprintable(b))
}

/// Parses the entry at the start of `input` (which may continue past it; string values may
/// span lines). On success `point` holds the point when the entry is [`Entry::Point`]; its
/// vectors must be empty on entry and are filled in input order.
pub(crate) fn parse_entry<'a>(
    src: Src<'a>,
    precision: Precision,
    point: &mut Point<'a>,
) -> Result<Parsed, EntryError> {
    let input = src.bytes;
    let lead = scan::spaces(input);
    let i = &input[lead..];
    let blank = |n: usize, newlines: usize| Parsed {
        entry: Entry::Blank,
        consumed: lead + n,
        newlines,
    };
    let error = |f: Failure| EntryError {
        at: input.len() - f.rest_len,
        resume: input.len() - f.resume_len,
        kind: f.kind,
    };
    match i.first() {
        None | Some(b'\n' | b'\r') => match line_end(i) {
            Some((n, newlines)) => Ok(blank(n, newlines)),
            None => Err(error(Failure {
                rest_len: i.len(),
                resume_len: i.len(),
                kind: ParseErrorKind::BareCarriageReturn,
            })),
        },
        Some(b'#') => {
            let text = &i[1..];
            let rest = &text[scan::comment_end(text)..];
            match line_end(rest) {
                Some((n, newlines)) => Ok(blank(i.len() - rest.len() + n, newlines)),
                None => Err(error(Failure {
                    rest_len: rest.len(),
                    resume_len: rest.len(),
                    kind: bad_byte(rest, Element::Comment),
                })),
            }
        }
        Some(_) => {
            let mut newlines = 0;
            match point_line(src, i, precision, point, &mut newlines) {
                Ok((rest, ())) => Ok(Parsed {
                    entry: Entry::Point,
                    consumed: input.len() - rest.len(),
                    newlines,
                }),
                Err(nom::Err::Failure(f) | nom::Err::Error(f)) => Err(error(f)),
                Err(nom::Err::Incomplete(_)) => unreachable!("complete parsers never ask for more"),
            }
        }
    }
}

/// `measurement {"," tag} SP+ field {"," field} [SP+ timestamp] SP* line-end`
fn point_line<'a>(
    src: Src<'a>,
    i: &'a [u8],
    precision: Precision,
    point: &mut Point<'a>,
    newlines: &mut usize,
) -> PResult<'a, ()> {
    let (i, measurement) = name(src, i, NameClass::Measurement, Element::Measurement)?;
    if measurement.is_empty() {
        return match i.first() {
            Some(b',') => fail(i, ParseErrorKind::EmptyMeasurement),
            _ => fail(i, bad_byte(i, Element::Measurement)),
        };
    }
    point.measurement = measurement;

    let tags = &mut point.tags;
    let (i, ()) = fold_many0(
        preceded(char(','), |i| tag(src, i)),
        || (),
        |(), t| tags.push(t),
    )
    .parse(i)?;

    if i.first() != Some(&b' ') {
        let last = if point.tags.is_empty() {
            Element::Measurement
        } else {
            Element::TagValue
        };
        return fail(i, series_key_end_error(i, last));
    }
    let i = &i[scan::spaces(i)..];

    let (i, first) = field(src, i, true, newlines)?;
    point.fields.push(first);
    let fields = &mut point.fields;
    let (i, ()) = fold_many0(
        preceded(char(','), |i| field(src, i, false, newlines)),
        || (),
        |(), f| fields.push(f),
    )
    .parse(i)?;

    // After the field set: the byte here is SP, CR, LF or the end (checked by `field`).
    let spaces = scan::spaces(i);
    let after = &i[spaces..];
    if let Some((n, lf)) = line_end(after) {
        *newlines += lf;
        point.timestamp = None;
        return Ok((&after[n..], ()));
    }
    if spaces == 0 {
        return fail(i, ParseErrorKind::BareCarriageReturn);
    }
    let (rest, ts) = timestamp(after, precision, newlines)?;
    point.timestamp = Some(ts);
    Ok((rest, ()))
}

/// Why the measurement-and-tags part did not end with a space.
fn series_key_end_error(i: &[u8], last: Element) -> ParseErrorKind {
    match i.first() {
        None | Some(b'\n') => ParseErrorKind::MissingFields,
        Some(b'\r') if is_line_end(i) => ParseErrorKind::MissingFields,
        Some(&byte @ b'=') => ParseErrorKind::InvalidCharacter {
            element: last,
            byte,
        },
        _ => bad_byte(i, last),
    }
}

/// A measurement, key or tag value: borrowed when escape-free, decoded otherwise; UTF-8 checked.
/// Inlined so that each call site gets the scanner specialised for its class.
#[inline(always)]
fn name<'a>(
    src: Src<'a>,
    i: &'a [u8],
    class: NameClass,
    element: Element,
) -> PResult<'a, Cow<'a, str>> {
    let s = scan::scan_name(i, class);
    let raw = &i[..s.end];
    if s.escaped {
        return decoded_name(i, raw, class, element).map(|v| (&i[s.end..], v));
    }
    match src.str_of(raw) {
        Ok(v) => Ok((&i[s.end..], Cow::Borrowed(v))),
        Err(e) => fail(
            &i[e.valid_up_to()..],
            ParseErrorKind::InvalidUtf8 { element },
        ),
    }
}

/// The rare path of [`name`], kept out of line: decode the escape sequences.
#[cold]
#[inline(never)]
fn decoded_name<'a>(
    i: &[u8],
    raw: &[u8],
    class: NameClass,
    element: Element,
) -> Result<Cow<'a, str>, nom::Err<Failure>> {
    match String::from_utf8(escape::unescape_name(raw, class)) {
        Ok(v) => Ok(Cow::Owned(v)),
        Err(_) => Err(Failure::at(i, ParseErrorKind::InvalidUtf8 { element })),
    }
}

/// `tag-key "=" tag-value`, just after its comma.
fn tag<'a>(src: Src<'a>, i: &'a [u8]) -> PResult<'a, Tag<'a>> {
    if matches!(i.first(), None | Some(b' ' | b'\r' | b'\n')) {
        return fail(i, ParseErrorKind::MissingTagKey);
    }
    let (r, key) = name(src, i, NameClass::Key, Element::TagKey)?;
    if key.is_empty() {
        return match i.first() {
            Some(b',' | b'=') => fail(i, ParseErrorKind::EmptyTagKey),
            _ => fail(i, bad_byte(i, Element::TagKey)),
        };
    }
    if r.first() != Some(&b'=') {
        if is_control(r) && !is_line_end(r) && r.first() != Some(&b'\r') {
            return fail(r, bad_byte(r, Element::TagKey));
        }
        return fail(
            r,
            ParseErrorKind::MissingTagEquals {
                key: key.into_owned(),
            },
        );
    }
    let v = &r[1..];
    let (rest, value) = name(src, v, NameClass::Key, Element::TagValue)?;
    if value.is_empty() {
        if is_control(v) && !is_line_end(v) {
            return fail(v, bad_byte(v, Element::TagValue));
        }
        return fail(
            v,
            ParseErrorKind::EmptyTagValue {
                key: key.into_owned(),
            },
        );
    }
    Ok((rest, Tag { key, value }))
}

/// `field-key "=" field-value`; leaves the input at the byte after the value, which is
/// checked to be `,`, SP, CR, LF or the end.
fn field<'a>(
    src: Src<'a>,
    i: &'a [u8],
    first: bool,
    newlines: &mut usize,
) -> PResult<'a, Field<'a>> {
    let (r, key) = name(src, i, NameClass::Key, Element::FieldKey)?;
    if key.is_empty() {
        let kind = if first && is_line_end(i) {
            ParseErrorKind::MissingFields
        } else if is_control(i) && i.first() != Some(&b'\n') && !is_line_end(i) {
            bad_byte(i, Element::FieldKey)
        } else {
            ParseErrorKind::EmptyFieldKey
        };
        return fail(i, kind);
    }
    if r.first() != Some(&b'=') {
        if is_control(r) && r.first() != Some(&b'\n') && !is_line_end(r) {
            return fail(r, bad_byte(r, Element::FieldKey));
        }
        return fail(
            r,
            ParseErrorKind::MissingFieldEquals {
                key: key.into_owned(),
            },
        );
    }
    let v = &r[1..];
    let (rest, value) = match v.first() {
        None | Some(b',' | b' ' | b'\r' | b'\n') => {
            return fail(
                v,
                ParseErrorKind::MissingFieldValue {
                    key: key.into_owned(),
                },
            );
        }
        Some(b'"') => return string_value(src, v, key, newlines),
        Some(b't' | b'T' | b'f' | b'F') => {
            let n = scan::value_end(v);
            match value::parse_bool(&v[..n]) {
                Some(b) => (&v[n..], FieldValue::Boolean(b)),
                None => {
                    return fail(
                        v,
                        ParseErrorKind::InvalidBoolean {
                            key: key.into_owned(),
                        },
                    );
                }
            }
        }
        Some(b'-' | b'0'..=b'9' | b'.') => {
            let n = scan::value_end(v);
            match number(&v[..n]) {
                Ok(value) => (&v[n..], value),
                Err((suffix, reason)) => {
                    let key = key.into_owned();
                    let kind = match suffix {
                        b'i' => ParseErrorKind::InvalidInteger { key, reason },
                        b'u' => ParseErrorKind::InvalidUnsigned { key, reason },
                        _ => ParseErrorKind::InvalidFloat { key, reason },
                    };
                    return fail(v, kind);
                }
            }
        }
        _ => {
            return fail(
                v,
                ParseErrorKind::UnknownValueType {
                    key: key.into_owned(),
                },
            );
        }
    };
    Ok((rest, Field { key, value }))
}

/// A numeric token: `i` suffix → integer, `u` → unsigned, else float. On error returns the
/// suffix (or 0 for floats) and the reason.
#[inline(always)]
fn number(tok: &[u8]) -> Result<FieldValue<'static>, (u8, NumberError)> {
    match tok.split_last() {
        Some((b'i', body)) => value::parse_i64(body)
            .map(FieldValue::Integer)
            .map_err(|e| (b'i', e)),
        Some((b'u', body)) => value::parse_u64(body)
            .map(FieldValue::UInteger)
            .map_err(|e| (b'u', e)),
        _ => value::parse_float(tok)
            .map(FieldValue::Float)
            .map_err(|e| (0, e)),
    }
}

/// `"…"` starting at the opening quote `v[0]`.
fn string_value<'a>(
    src: Src<'a>,
    v: &'a [u8],
    key: Cow<'a, str>,
    newlines: &mut usize,
) -> PResult<'a, Field<'a>> {
    let content = &v[1..];
    let Some(s) = scan::string_end(content) else {
        // Go scans to the end of the input looking for the closing quote, so nothing after
        // an unterminated string is parsed.
        return Err(nom::Err::Failure(Failure {
            rest_len: v.len(),
            resume_len: 0,
            kind: ParseErrorKind::UnterminatedString {
                key: key.into_owned(),
            },
        }));
    };
    let raw = &content[..s.end];
    let after = &content[s.end + 1..];
    let decoded = if s.escaped {
        String::from_utf8(escape::unescape_string(raw))
            .map(Cow::Owned)
            .ok()
    } else {
        src.str_of(raw).map(Cow::Borrowed).ok()
    };
    let Some(text) = decoded else {
        return Err(nom::Err::Failure(Failure {
            rest_len: content.len(),
            resume_len: after.len() + 1,
            kind: ParseErrorKind::InvalidUtf8 {
                element: Element::FieldValue,
            },
        }));
    };
    *newlines += s.newlines;
    match after.first() {
        None | Some(b',' | b' ' | b'\r' | b'\n') => Ok((
            after,
            Field {
                key,
                value: FieldValue::String(text),
            },
        )),
        Some(&byte) => fail(
            after,
            ParseErrorKind::UnexpectedAfterField {
                key: key.into_owned(),
                byte,
            },
        ),
    }
}

/// `[-]digits` then spaces and the line end, scaled to nanoseconds with an overflow check.
fn timestamp<'a>(i: &'a [u8], precision: Precision, newlines: &mut usize) -> PResult<'a, i64> {
    // The token runs like a field value; its syntax (`[-]digits`) is checked by the parse.
    let (tok, rest) = i.split_at(scan::value_end(i));
    let written = value::parse_i64(tok);
    let bad_syntax = !tok.is_empty() && written == Err(NumberError::InvalidSyntax);
    if bad_syntax || rest.first() == Some(&b',') {
        return fail(
            i,
            ParseErrorKind::InvalidTimestamp {
                reason: NumberError::InvalidSyntax,
            },
        );
    }
    let after = &rest[scan::spaces(rest)..];
    let Some((end, lf)) = line_end(after) else {
        return match after.first() {
            Some(b'\r') => fail(after, ParseErrorKind::BareCarriageReturn),
            _ => fail(after, ParseErrorKind::UnexpectedAfterTimestamp),
        };
    };
    let written = match written {
        Ok(t) => t,
        Err(reason) => return fail(i, ParseErrorKind::InvalidTimestamp { reason }),
    };
    let Some(ns) = precision.to_nanos(written) else {
        return fail(i, ParseErrorKind::TimestampOverflow { precision });
    };
    *newlines += lf;
    Ok((&after[end..], ns))
}
