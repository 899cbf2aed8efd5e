//! Buffers for decoded tokens, kept between points.
//!
//! A name or string value that holds an escape sequence is decoded into an owned `String`.
//! When a caller reuses one [`Point`] for a whole input ([`Lines::next_into`](super::Lines::next_into),
//! [`PointReader::next_point_with`](crate::PointReader::next_point_with)), a slot that already
//! owns a decoded string is decoded into again (see `token`); the strings of slots that no
//! longer need one (an escape-free token, a dropped tag or field, the reader's reclaimed point)
//! come back here and serve the next decoded tokens, so escape-heavy input stops allocating
//! once the buffers have grown to fit.

use std::borrow::Cow;

use crate::point::{Field, FieldValue, Point, Tag};

/// Strings larger than this are freed instead of kept, so one huge value does not pin its
/// memory for the rest of the input.
const MAX_KEPT_CAPACITY: usize = 4096;

/// More spare strings than any ordinary point decodes; beyond this they are freed.
const MAX_KEPT_STRINGS: usize = 1024;

/// Spare `String`s for decoded tokens.
#[derive(Debug, Default)]
pub(crate) struct StringPool {
    free: Vec<String>,
}

impl Clone for StringPool {
    /// A clone starts with no spare buffers: they are a cache, not state.
    fn clone(&self) -> Self {
        StringPool::default()
    }
}

impl StringPool {
    /// An empty string, reusing a spare buffer when there is one.
    #[inline]
    pub(crate) fn take(&mut self) -> String {
        self.free.pop().unwrap_or_default()
    }

    /// Keeps the buffer of `s` if it is owned and holds memory. Borrowed tokens, the common
    /// case, cost one test here.
    #[inline(always)]
    pub(crate) fn give(&mut self, s: Cow<'_, str>) {
        if let Cow::Owned(s) = s {
            self.keep(s);
        }
    }

    #[cold]
    #[inline(never)]
    fn keep(&mut self, mut s: String) {
        let capacity = s.capacity();
        if capacity > 0 && capacity <= MAX_KEPT_CAPACITY && self.free.len() < MAX_KEPT_STRINGS {
            s.clear();
            self.free.push(s);
        }
    }

    /// Keeps the owned buffers of a tag.
    #[inline(always)]
    pub(crate) fn give_tag(&mut self, tag: Tag<'_>) {
        self.give(tag.key);
        self.give(tag.value);
    }

    /// Keeps the owned buffers of a field.
    #[inline(always)]
    pub(crate) fn give_field(&mut self, field: Field<'_>) {
        self.give(field.key);
        self.give_value(field.value);
    }

    /// Keeps the owned buffer of a string field value.
    #[inline(always)]
    pub(crate) fn give_value(&mut self, value: FieldValue<'_>) {
        if let FieldValue::String(s) = value {
            self.give(s);
        }
    }

    /// Takes back every decoded string of `point` and empties its vectors (keeping their
    /// capacity).
    pub(crate) fn reclaim(&mut self, point: &mut Point<'_>) {
        // Not `mem::take`: the default `Cow` is an owned empty `String`.
        self.give(std::mem::replace(&mut point.measurement, Cow::Borrowed("")));
        for tag in point.tags.drain(..) {
            self.give_tag(tag);
        }
        for field in point.fields.drain(..) {
            self.give_field(field);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owned_buffers_come_back_cleared_and_borrowed_ones_are_ignored() {
        let mut pool = StringPool::default();
        let mut s = String::with_capacity(32);
        s.push_str("decoded");
        pool.give(Cow::Owned(s));
        pool.give(Cow::Borrowed("input"));
        pool.give(Cow::Owned(String::new()));
        let reused = pool.take();
        assert!(reused.is_empty());
        assert!(reused.capacity() >= 32);
        assert_eq!(pool.take().capacity(), 0);
    }

    #[test]
    fn huge_buffers_are_not_kept() {
        let mut pool = StringPool::default();
        pool.give(Cow::Owned(String::with_capacity(MAX_KEPT_CAPACITY + 1)));
        assert_eq!(pool.take().capacity(), 0);
    }

    #[test]
    fn reclaim_empties_the_point_and_keeps_its_vectors() {
        let mut point = Point {
            measurement: Cow::Owned("a b".into()),
            tags: vec![Tag::new("k", String::from("v w"))],
            fields: vec![Field::new(
                "f",
                FieldValue::String(Cow::Owned("x\"y".into())),
            )],
            timestamp: None,
        };
        let mut pool = StringPool::default();
        pool.reclaim(&mut point);
        assert!(point.tags.is_empty() && point.fields.is_empty());
        assert!(point.tags.capacity() >= 1 && point.fields.capacity() >= 1);
        assert_eq!(pool.free.len(), 3);
    }
}
