//! The field grammar: `key=value` with its typed value (spec §4).

use std::borrow::Cow;

use super::entry::name;
use super::input::{Failure, PResult, Src, bad_byte, fail, is_control, is_line_end};
use super::pool::StringPool;
use super::{escape, value};
use crate::error::{Element, NumberError, ParseErrorKind};
use crate::point::{Field, FieldValue};
use crate::scan::{self, NameClass};

/// `field-key "=" field-value`; leaves the input at the byte after the value, which is
/// checked to be `,`, SP, CR, LF or the end.
pub(super) fn field<'a>(
    src: Src<'a>,
    i: &'a [u8],
    first: bool,
    newlines: &mut usize,
    pool: &mut StringPool,
) -> PResult<'a, Field<'a>> {
    let (r, key) = name(src, i, NameClass::Key, Element::FieldKey, pool)?;
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
        Some(b'"') => return string_value(src, v, key, newlines, pool),
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
    pool: &mut StringPool,
) -> PResult<'a, Field<'a>> {
    let content = &v[1..];
    let Some((s, escapes)) = scan::string_end_escapes(content) else {
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
    let decoded = match src.str_of(raw) {
        Ok(text) if s.escaped => {
            let mut out = pool.take();
            escape::decode_string_at(text, content, escapes, &mut out);
            Some(Cow::Owned(out))
        }
        Ok(text) => Some(Cow::Borrowed(text)),
        Err(_) => None,
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
