//! The field grammar: `key=value` with its typed value (spec §4).

use super::entry::name;
use super::input::{Failure, PResult, Src, bad_byte, fail, is_control, is_line_end};
use super::pool::StringPool;
use super::token::{Escaped, Token, TypedValue};
use super::value;
use crate::error::{Element, NumberError, ParseErrorKind};
use crate::point::Field;
use crate::scan::{self, NameClass};

/// `field-key "=" field-value`, stored into `slot`; leaves the input at the byte after the
/// value, which is checked to be `,`, SP, CR, LF or the end. On error `slot` may hold part of
/// the field (the caller drops it).
pub(super) fn field<'a>(
    src: Src<'a>,
    i: &'a [u8],
    first: bool,
    newlines: &mut usize,
    slot: &mut Field<'a>,
    pool: &mut StringPool,
) -> PResult<'a, ()> {
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
        return fail(r, ParseErrorKind::MissingFieldEquals { key: key.to_text() });
    }
    let v = &r[1..];
    let (rest, value) = match v.first() {
        None | Some(b',' | b' ' | b'\r' | b'\n') => {
            return fail(v, ParseErrorKind::MissingFieldValue { key: key.to_text() });
        }
        Some(b'"') => {
            let (rest, text) = string_value(src, v, key, newlines)?;
            key.store(&mut slot.key, pool);
            text.store_string_value(&mut slot.value, pool);
            return Ok((rest, ()));
        }
        Some(b't' | b'T' | b'f' | b'F') => {
            let n = scan::value_end(v);
            match value::parse_bool(&v[..n]) {
                Some(b) => (&v[n..], TypedValue::Boolean(b)),
                None => {
                    return fail(v, ParseErrorKind::InvalidBoolean { key: key.to_text() });
                }
            }
        }
        Some(b'-' | b'0'..=b'9' | b'.') => {
            let n = scan::value_end(v);
            match number(&v[..n]) {
                Ok(value) => (&v[n..], value),
                Err((suffix, reason)) => {
                    let key = key.to_text();
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
            return fail(v, ParseErrorKind::UnknownValueType { key: key.to_text() });
        }
    };
    key.store(&mut slot.key, pool);
    value.store(&mut slot.value, pool);
    Ok((rest, ()))
}

/// A numeric token: `i` suffix → integer, `u` → unsigned, else float. On error returns the
/// suffix (or 0 for floats) and the reason.
#[inline(always)]
fn number(tok: &[u8]) -> Result<TypedValue, (u8, NumberError)> {
    match tok.split_last() {
        Some((b'i', body)) => value::parse_i64(body)
            .map(TypedValue::Integer)
            .map_err(|e| (b'i', e)),
        Some((b'u', body)) => value::parse_u64(body)
            .map(TypedValue::UInteger)
            .map_err(|e| (b'u', e)),
        _ => value::parse_float(tok)
            .map(TypedValue::Float)
            .map_err(|e| (0, e)),
    }
}

/// `"…"` starting at the opening quote `v[0]`.
fn string_value<'a>(
    src: Src<'a>,
    v: &'a [u8],
    key: Token<'a>,
    newlines: &mut usize,
) -> PResult<'a, Token<'a>> {
    let content = &v[1..];
    let Some((s, escapes)) = scan::string_end_escapes(content) else {
        // Go scans to the end of the input looking for the closing quote, so nothing after
        // an unterminated string is parsed.
        return Err(nom::Err::Failure(Failure {
            rest_len: v.len(),
            resume_len: 0,
            kind: ParseErrorKind::UnterminatedString { key: key.to_text() },
        }));
    };
    let raw = &content[..s.end];
    let after = &content[s.end + 1..];
    let decoded = match src.str_of(raw) {
        Ok(raw) if s.escaped => Some(Token::Escaped(Escaped {
            raw,
            window: content,
            escapes,
            class: None,
        })),
        Ok(text) => Some(Token::Plain(text)),
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
        None | Some(b',' | b' ' | b'\r' | b'\n') => Ok((after, text)),
        Some(&byte) => fail(
            after,
            ParseErrorKind::UnexpectedAfterField {
                key: key.to_text(),
                byte,
            },
        ),
    }
}
