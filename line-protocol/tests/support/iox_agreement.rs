//! Whether our parser and the IOx `influxdb-line-protocol` crate read a line the same way.
//! One copy, included with `#[path]` by `tests/differential.rs` and the root
//! `benches/line_protocol.rs` (whose setup asserts the same agreement on its corpora).

use influxdb_line_protocol as iox;
use line_protocol::{FieldValue, Point};

/// Same type and value (floats compared bit for bit).
pub fn same_value(ours: &FieldValue<'_>, theirs: &iox::FieldValue<'_>) -> bool {
    match (ours, theirs) {
        (FieldValue::Float(a), iox::FieldValue::F64(b)) => a.to_bits() == b.to_bits(),
        (FieldValue::Integer(a), iox::FieldValue::I64(b)) => a == b,
        (FieldValue::UInteger(a), iox::FieldValue::U64(b)) => a == b,
        (FieldValue::String(a), iox::FieldValue::String(b)) => a == b.as_str(),
        (FieldValue::Boolean(a), iox::FieldValue::Boolean(b)) => a == b,
        _ => false,
    }
}

/// Panics, naming `context`, where the two readings of one line differ.
pub fn assert_same(context: &str, ours: &Point<'_>, theirs: &iox::ParsedLine<'_>) {
    assert_eq!(
        ours.measurement,
        theirs.series.measurement.as_str(),
        "{context}"
    );
    let their_tags: Vec<(&str, &str)> = theirs
        .series
        .tag_set
        .iter()
        .flatten()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let our_tags: Vec<(&str, &str)> = ours.tags.iter().map(|t| (&*t.key, &*t.value)).collect();
    assert_eq!(our_tags, their_tags, "{context}");
    assert_eq!(ours.fields.len(), theirs.field_set.len(), "{context}");
    for (f, (k, v)) in ours.fields.iter().zip(&theirs.field_set) {
        assert_eq!(f.key, k.as_str(), "{context}");
        assert!(same_value(&f.value, v), "{context}: {:?} vs {v:?}", f.value);
    }
    assert_eq!(ours.timestamp, theirs.timestamp, "{context}");
}
