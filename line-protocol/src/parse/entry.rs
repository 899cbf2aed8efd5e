//! The grammar of one entry (a point, a blank line or a comment), written as nom-style parsers
//! (`IResult` over the remaining input). The repeated tag and field groups are plain loops, not
//! nom folds, so that each item can be stored into the reused point (and its decoded strings
//! recycled) as it is parsed. Byte scanning is delegated to [`crate::scan`]; this module
//! decides what the delimiters mean and which error a line gets.

use std::borrow::Cow;

use super::escape;
use super::field::field;
use super::input::{Failure, PResult, Src, bad_byte, fail, is_control, is_line_end, line_end};
use super::pool::StringPool;
use super::value;
use crate::error::{Element, NumberError, ParseErrorKind};
use crate::point::{Point, Tag};
use crate::precision::Precision;
use crate::scan::{self, Escapes, NameClass};

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

/// Parses the entry at the start of `input` (which may continue past it; string values may
/// span lines). On success `point` holds the point when the entry is [`Entry::Point`]; its
/// vectors are filled in input order and end up holding only this entry's tags and fields
/// (after an error, those parsed before it).
///
/// The vectors may still hold a previous point's tags and fields: they are overwritten in
/// place, and the decoded strings they held go to `pool`, which serves this entry's escaped
/// tokens (so a reused point stops allocating once its buffers fit).
pub(crate) fn parse_entry<'a>(
    src: Src<'a>,
    precision: Precision,
    point: &mut Point<'a>,
    pool: &mut StringPool,
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
    if matches!(i.first(), None | Some(b'\n' | b'\r' | b'#')) {
        keep_first(point, &Filled::default(), pool);
    }
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
            let mut filled = Filled::default();
            let result = point_line(src, i, precision, point, pool, &mut newlines, &mut filled);
            keep_first(point, &filled, pool);
            match result {
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

/// How many tags and fields of the point are this entry's (the rest are a previous point's).
#[derive(Debug, Default)]
struct Filled {
    tags: usize,
    fields: usize,
}

/// Drops the tags and fields past the `filled` ones (a previous point's), handing their
/// decoded strings to `pool`.
fn keep_first(point: &mut Point<'_>, filled: &Filled, pool: &mut StringPool) {
    if point.tags.len() > filled.tags {
        point
            .tags
            .drain(filled.tags..)
            .for_each(|t| pool.give_tag(t));
    }
    if point.fields.len() > filled.fields {
        point
            .fields
            .drain(filled.fields..)
            .for_each(|f| pool.give_field(f));
    }
}

/// Writes `item` at index `n` of `v`, replacing a previous point's entry if there is one,
/// whose decoded strings go back to the pool through `give`. Entries are written in order,
/// so `n <= v.len()`.
#[inline(always)]
fn store<T>(
    v: &mut Vec<T>,
    n: usize,
    item: T,
    pool: &mut StringPool,
    give: fn(&mut StringPool, T),
) {
    match v.get_mut(n) {
        Some(slot) => give(pool, std::mem::replace(slot, item)),
        None => v.push(item),
    }
}

/// `measurement {"," tag} SP+ field {"," field} [SP+ timestamp] SP* line-end`
fn point_line<'a>(
    src: Src<'a>,
    i: &'a [u8],
    precision: Precision,
    point: &mut Point<'a>,
    pool: &mut StringPool,
    newlines: &mut usize,
    filled: &mut Filled,
) -> PResult<'a, ()> {
    let (mut i, measurement) = name(src, i, NameClass::Measurement, Element::Measurement, pool)?;
    if measurement.is_empty() {
        return match i.first() {
            Some(b',') => fail(i, ParseErrorKind::EmptyMeasurement),
            _ => fail(i, bad_byte(i, Element::Measurement)),
        };
    }
    pool.give(std::mem::replace(&mut point.measurement, measurement));

    // `{"," tag}`, written as a loop rather than a nom fold so that the tag parser and the
    // store can both use the pool.
    while let [b',', after @ ..] = i {
        let (rest, t) = tag(src, after, pool)?;
        store(&mut point.tags, filled.tags, t, pool, StringPool::give_tag);
        filled.tags += 1;
        i = rest;
    }

    if i.first() != Some(&b' ') {
        let last = if filled.tags == 0 {
            Element::Measurement
        } else {
            Element::TagValue
        };
        return fail(i, series_key_end_error(i, last));
    }
    let i = &i[scan::spaces(i)..];

    let (mut i, first) = field(src, i, true, newlines, pool)?;
    store(&mut point.fields, 0, first, pool, StringPool::give_field);
    filled.fields = 1;
    while let [b',', after @ ..] = i {
        let (rest, f) = field(src, after, false, newlines, pool)?;
        store(
            &mut point.fields,
            filled.fields,
            f,
            pool,
            StringPool::give_field,
        );
        filled.fields += 1;
        i = rest;
    }

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
pub(super) fn name<'a>(
    src: Src<'a>,
    i: &'a [u8],
    class: NameClass,
    element: Element,
    pool: &mut StringPool,
) -> PResult<'a, Cow<'a, str>> {
    let (end, escapes) = scan::scan_name_escapes(i, class);
    let escaped = escapes != Escapes::NONE;
    let (raw, rest) = i.split_at(end);
    match src.str_of(raw) {
        Ok(v) if escaped => Ok((rest, decoded_name(v, i, escapes, class, pool))),
        Ok(v) => Ok((rest, Cow::Borrowed(v))),
        // A decoded token is reported at its start, an escape-free one at the bad byte.
        Err(_) if escaped => fail(i, ParseErrorKind::InvalidUtf8 { element }),
        Err(e) => fail(
            &i[e.valid_up_to()..],
            ParseErrorKind::InvalidUtf8 { element },
        ),
    }
}

/// The rare path of [`name`], kept out of line: decode the escape sequences of a token
/// already known to be valid UTF-8.
#[cold]
#[inline(never)]
fn decoded_name<'a>(
    raw: &str,
    window: &[u8],
    escapes: Escapes,
    class: NameClass,
    pool: &mut StringPool,
) -> Cow<'a, str> {
    let mut out = pool.take();
    escape::decode_name_at(raw, window, escapes, class, &mut out);
    Cow::Owned(out)
}

/// `tag-key "=" tag-value`, just after its comma.
fn tag<'a>(src: Src<'a>, i: &'a [u8], pool: &mut StringPool) -> PResult<'a, Tag<'a>> {
    if matches!(i.first(), None | Some(b' ' | b'\r' | b'\n')) {
        return fail(i, ParseErrorKind::MissingTagKey);
    }
    let (r, key) = name(src, i, NameClass::Key, Element::TagKey, pool)?;
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
    let (rest, value) = name(src, v, NameClass::Key, Element::TagValue, pool)?;
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
