//! Scanned tokens and where they are stored.
//!
//! The grammar scans a name or string value into a [`Token`]: the text itself when it holds no
//! escape, or the raw text with its escapes located. Decoding waits until the token is stored,
//! so that a reused point's slot that already owns a `String` is decoded into directly
//! (escape-heavy input then neither takes nor returns pool buffers per token).

use std::borrow::Cow;

use super::escape;
use super::pool::StringPool;
use crate::point::FieldValue;
use crate::scan::{Escapes, NameClass};

/// A name or string value as scanned.
#[derive(Debug, Clone, Copy)]
pub(super) enum Token<'a> {
    /// Escape-free text, borrowed from the input.
    Plain(&'a str),
    /// Text holding escape sequences, to be decoded.
    Escaped(Escaped<'a>),
}

/// A token's raw text with its located escapes.
#[derive(Debug, Clone, Copy)]
pub(super) struct Escaped<'a> {
    /// The token as written (valid UTF-8).
    pub(super) raw: &'a str,
    /// The input from the token's start on (the decoder may read past the token).
    pub(super) window: &'a [u8],
    pub(super) escapes: Escapes,
    /// The escaping rules: a name class, or `None` for a string value.
    pub(super) class: Option<NameClass>,
}

impl Escaped<'_> {
    /// Appends the decoded text to `out`.
    #[inline(never)]
    fn decode_into(&self, out: &mut String) {
        match self.class {
            Some(class) => escape::decode_name_at(self.raw, self.window, self.escapes, class, out),
            None => escape::decode_string_at(self.raw, self.window, self.escapes, out),
        }
    }
}

impl<'a> Token<'a> {
    /// Whether the token is empty (an escaped token never is).
    pub(super) fn is_empty(&self) -> bool {
        matches!(self, Token::Plain(""))
    }

    /// The decoded text in a new `String`, for error messages.
    #[cold]
    pub(super) fn to_text(self) -> String {
        self.into_cow(&mut StringPool::default()).into_owned()
    }

    /// The decoded text: borrowed when escape-free, else in a buffer from `pool`.
    #[inline]
    pub(super) fn into_cow(self, pool: &mut StringPool) -> Cow<'a, str> {
        match self {
            Token::Plain(text) => Cow::Borrowed(text),
            Token::Escaped(escaped) => {
                let mut out = pool.take();
                escaped.decode_into(&mut out);
                Cow::Owned(out)
            }
        }
    }

    /// Stores the decoded text in `slot`, decoding into the buffer the slot already owns when
    /// there is one; a buffer the slot no longer needs goes to `pool`.
    #[inline]
    pub(super) fn store(self, slot: &mut Cow<'a, str>, pool: &mut StringPool) {
        match (self, slot) {
            (Token::Plain(text), slot) => pool.give(std::mem::replace(slot, Cow::Borrowed(text))),
            // Not an empty `String` with no buffer (`Cow::default()`): that would allocate
            // here while the pool may hold a buffer to serve it.
            (Token::Escaped(escaped), Cow::Owned(out)) if out.capacity() > 0 => {
                out.clear();
                escaped.decode_into(out);
            }
            (token, slot) => *slot = token.into_cow(pool),
        }
    }
}

/// The non-string field values, which borrow nothing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum TypedValue {
    Float(f64),
    Integer(i64),
    UInteger(u64),
    Boolean(bool),
}

impl TypedValue {
    /// Stores the value in `slot`; a string buffer the slot held goes to `pool`.
    #[inline(always)]
    pub(super) fn store(self, slot: &mut FieldValue<'_>, pool: &mut StringPool) {
        if let FieldValue::String(_) = slot {
            pool.give_value(std::mem::replace(slot, self.into_field_value()));
        } else {
            // Nothing to drop: the old value holds no buffer.
            *slot = self.into_field_value();
        }
    }

    fn into_field_value<'a>(self) -> FieldValue<'a> {
        match self {
            TypedValue::Float(v) => FieldValue::Float(v),
            TypedValue::Integer(v) => FieldValue::Integer(v),
            TypedValue::UInteger(v) => FieldValue::UInteger(v),
            TypedValue::Boolean(v) => FieldValue::Boolean(v),
        }
    }
}

impl<'a> Token<'a> {
    /// Stores the token as a string field value in `slot`, reusing a string buffer the slot
    /// owns.
    #[inline]
    pub(super) fn store_string_value(self, slot: &mut FieldValue<'a>, pool: &mut StringPool) {
        match slot {
            FieldValue::String(text) => self.store(text, pool),
            // Nothing to drop: the old value holds no buffer.
            slot => *slot = FieldValue::String(self.into_cow(pool)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan;

    fn escaped(input: &str) -> Token<'_> {
        let (end, escapes) = scan::scan_name_escapes(input.as_bytes(), NameClass::Key);
        assert_ne!(escapes, Escapes::NONE, "{input:?} has escapes");
        Token::Escaped(Escaped {
            raw: &input[..end],
            window: input.as_bytes(),
            escapes,
            class: Some(NameClass::Key),
        })
    }

    #[test]
    fn an_owned_slot_is_decoded_into_in_place() {
        let mut pool = StringPool::default();
        let mut slot: Cow<'_, str> = Cow::Owned(String::with_capacity(64));
        let before = match &slot {
            Cow::Owned(s) => s.as_ptr(),
            Cow::Borrowed(_) => unreachable!(),
        };
        escaped("a\\ b=1 and more input after it").store(&mut slot, &mut pool);
        assert_eq!(slot, "a b");
        assert!(matches!(&slot, Cow::Owned(s) if s.as_ptr() == before));
    }

    #[test]
    fn plain_text_returns_the_slot_buffer_to_the_pool() {
        let mut pool = StringPool::default();
        let mut slot: Cow<'_, str> = Cow::Owned(String::with_capacity(64));
        Token::Plain("plain").store(&mut slot, &mut pool);
        assert!(matches!(slot, Cow::Borrowed("plain")));
        assert!(pool.take().capacity() >= 64);
    }

    #[test]
    fn values_change_type_and_keep_string_buffers() {
        let mut pool = StringPool::default();
        let mut slot = FieldValue::String(Cow::Owned(String::with_capacity(64)));
        TypedValue::Integer(3).store(&mut slot, &mut pool);
        assert_eq!(slot, FieldValue::Integer(3));
        escaped("x\\,y rest of the line here").store_string_value(&mut slot, &mut pool);
        assert_eq!(slot, FieldValue::String("x,y".into()));
        assert!(matches!(slot, FieldValue::String(Cow::Owned(ref s)) if s.capacity() >= 64));
        assert_eq!(escaped("k\\=v").to_text(), "k=v");
        assert!(Token::Plain("").is_empty() && !escaped("\\ ").is_empty());
    }
}
