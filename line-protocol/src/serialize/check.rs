//! What line protocol cannot represent, checked before anything is written, and the errors
//! that name the element at fault.

use super::escape::{NameProblem, check_name};
use super::{Element, SerializeError};
use crate::point::{Field, FieldValue, Point, Tag};
use crate::scan::NameClass;

pub(super) fn strictly_sorted(tags: &[Tag<'_>]) -> bool {
    tags.windows(2)
        .all(|w| key_less(w[0].key.as_bytes(), w[1].key.as_bytes()))
}

/// `a < b` in byte order; tag keys usually differ in their first byte, which settles it
/// without a `memcmp` call.
#[inline]
fn key_less(a: &[u8], b: &[u8]) -> bool {
    match (a.first(), b.first()) {
        (Some(x), Some(y)) if x != y => x < y,
        _ => a < b,
    }
}

/// Tags in key order with their original positions; errors on a repeated key. Only called for
/// tags that are not already strictly sorted, so the common case allocates nothing.
pub(super) fn sorted_tags<'t, 'a>(
    tags: &'t [Tag<'a>],
) -> Result<Vec<(usize, &'t Tag<'a>)>, SerializeError> {
    let mut order: Vec<(usize, &Tag<'_>)> = tags.iter().enumerate().collect();
    order.sort_by(|a, b| a.1.key.as_bytes().cmp(b.1.key.as_bytes()));
    if let Some(w) = order.windows(2).find(|w| w[0].1.key == w[1].1.key) {
        return Err(SerializeError::DuplicateTagKey {
            key: w[0].1.key.to_string(),
        });
    }
    Ok(order)
}

pub(super) fn check_measurement(name: &str) -> Result<(), SerializeError> {
    check_comment(name)?;
    check_name(name, NameClass::Measurement).map_err(|p| name_error(p, Element::Measurement))
}

pub(super) fn check_comment(name: &str) -> Result<(), SerializeError> {
    if name.as_bytes().first() == Some(&b'#') {
        return Err(SerializeError::CommentMeasurement {
            name: name.to_string(),
        });
    }
    Ok(())
}

pub(super) fn check_fields(point: &Point<'_>) -> Result<(), SerializeError> {
    if point.fields.is_empty() {
        return Err(SerializeError::NoFields {
            measurement: point.measurement.to_string(),
        });
    }
    Ok(())
}

pub(super) fn check_value(index: usize, field: &Field<'_>) -> Result<(), SerializeError> {
    match field.value {
        FieldValue::Float(v) if !v.is_finite() => Err(non_finite(index, field, v)),
        _ => Ok(()),
    }
}

pub(super) fn non_finite(index: usize, field: &Field<'_>, value: f64) -> SerializeError {
    SerializeError::NonFiniteFloat {
        index,
        key: field.key.to_string(),
        value,
    }
}

#[cold]
pub(super) fn name_error(problem: NameProblem, element: Element) -> SerializeError {
    match problem {
        NameProblem::Empty => SerializeError::Empty { element },
        NameProblem::Nonprintable { byte, offset } => SerializeError::Nonprintable {
            element,
            byte,
            offset,
        },
        NameProblem::TrailingBackslash => SerializeError::TrailingBackslash { element },
    }
}

pub(super) fn tag_key_element(index: usize, tag: &Tag<'_>) -> Element {
    Element::TagKey {
        index,
        key: tag.key.to_string(),
    }
}

pub(super) fn tag_value_element(index: usize, tag: &Tag<'_>) -> Element {
    Element::TagValue {
        index,
        key: tag.key.to_string(),
    }
}

pub(super) fn field_key_element(index: usize, field: &Field<'_>) -> Element {
    Element::FieldKey {
        index,
        key: field.key.to_string(),
    }
}
