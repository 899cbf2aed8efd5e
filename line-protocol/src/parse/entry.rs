//! The grammar of one entry (a point, a blank line or a comment), written as nom-style parsers
//! (`IResult` over the remaining input). The repeated tag and field groups are plain loops, not
//! nom folds, so that each item can be stored into the reused point (and its decoded strings
//! recycled) as it is parsed. Byte scanning is delegated to [`crate::scan`]; this module
//! decides what the delimiters mean and which error a line gets.

use std::borrow::Cow;

use super::field::field;
use super::input::{Failure, PResult, Src, bad_byte, fail, is_control, is_line_end, line_end};
use super::pool::StringPool;
use super::token::{Escaped, Token};
use super::value;
use crate::error::{Element, NumberError, ParseErrorKind};
use crate::point::{Field, FieldValue, Point, Tag};
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
    let (mut i, measurement) = name(src, i, NameClass::Measurement, Element::Measurement)?;
    if measurement.is_empty() {
        return match i.first() {
            Some(b',') => fail(i, ParseErrorKind::EmptyMeasurement),
            _ => fail(i, bad_byte(i, Element::Measurement)),
        };
    }
    measurement.store(&mut point.measurement, pool);

    // `{"," tag}`, written as a loop rather than a nom fold so that each tag is stored as
    // soon as it is parsed: into the slot a previous point left, reusing its buffers.
    while let [b',', after @ ..] = i {
        if point.tags.len() == filled.tags {
            point.tags.push(Tag {
                key: Cow::Borrowed(""),
                value: Cow::Borrowed(""),
            });
        }
        let (rest, ()) = tag(src, after, &mut point.tags[filled.tags], pool)?;
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
    let mut i = &i[scan::spaces(i)..];

    // `field {"," field}`, each parsed straight into its slot (a fresh one holds no buffer):
    // returning the scanned tokens to be stored here would move them through the stack.
    loop {
        if point.fields.len() == filled.fields {
            point.fields.push(Field {
                key: Cow::Borrowed(""),
                value: FieldValue::Boolean(false),
            });
        }
        let slot = &mut point.fields[filled.fields];
        let (rest, ()) = field(src, i, filled.fields == 0, newlines, slot, pool)?;
        filled.fields += 1;
        match rest {
            [b',', after @ ..] => i = after,
            _ => {
                i = rest;
                break;
            }
        }
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

/// A measurement, key or tag value: borrowed when escape-free, else with its escapes located
/// for decoding when it is stored; UTF-8 checked. Inlined so that each call site gets the
/// scanner specialised for its class.
#[inline(always)]
pub(super) fn name<'a>(
    src: Src<'a>,
    i: &'a [u8],
    class: NameClass,
    element: Element,
) -> PResult<'a, Token<'a>> {
    let (end, escapes) = scan::scan_name_escapes(i, class);
    let escaped = escapes != Escapes::NONE;
    let (raw, rest) = i.split_at(end);
    match src.str_of(raw) {
        Ok(raw) if escaped => Ok((
            rest,
            Token::Escaped(Escaped {
                raw,
                window: i,
                escapes,
                class: Some(class),
            }),
        )),
        Ok(v) => Ok((rest, Token::Plain(v))),
        // A decoded token is reported at its start, an escape-free one at the bad byte.
        Err(_) if escaped => fail(i, ParseErrorKind::InvalidUtf8 { element }),
        Err(e) => fail(
            &i[e.valid_up_to()..],
            ParseErrorKind::InvalidUtf8 { element },
        ),
    }
}

/// `tag-key "=" tag-value`, just after its comma, stored into `slot` (the key may be stored
/// before the value turns out bad; the caller drops such a slot).
fn tag<'a>(
    src: Src<'a>,
    i: &'a [u8],
    slot: &mut Tag<'a>,
    pool: &mut StringPool,
) -> PResult<'a, ()> {
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
        return fail(r, ParseErrorKind::MissingTagEquals { key: key.to_text() });
    }
    let v = &r[1..];
    let (rest, value) = name(src, v, NameClass::Key, Element::TagValue)?;
    if value.is_empty() {
        if is_control(v) && !is_line_end(v) {
            return fail(v, bad_byte(v, Element::TagValue));
        }
        return fail(v, ParseErrorKind::EmptyTagValue { key: key.to_text() });
    }
    key.store(&mut slot.key, pool);
    value.store(&mut slot.value, pool);
    Ok((rest, ()))
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
