//! The JSON form of a point (`lp json`, the Kafka bridge's `value_format = "json"`): one object
//! per point with keys in a fixed order.
//!
//! Written by hand (with `serde_json` for string escaping and floats) because the key order is
//! part of the format and 64-bit integers must stay exact JSON integers.

use crate::{FieldValue, Point};

/// Appends the point as `{"measurement":…,"tags":[[k,v],…],"fields":[[k,{"type":…,"value":…}],…],"timestamp":…}`
/// (no newline). Tags and fields keep the point's order; `type` is [`FieldValue::type_name`];
/// 64-bit integers are exact JSON integers; the timestamp is in nanoseconds or `null`.
///
/// ```
/// use line_protocol::{json, parse_point, Precision};
/// let p = parse_point(b"m,k=v f=1.5,n=-2i 1700000000", Precision::Seconds).unwrap();
/// let mut out = Vec::new();
/// json::write_point(&mut out, &p);
/// assert_eq!(
///     String::from_utf8(out).unwrap(),
///     r#"{"measurement":"m","tags":[["k","v"]],"fields":[["f",{"type":"float","value":1.5}],["n",{"type":"int","value":-2}]],"timestamp":1700000000000000000}"#
/// );
/// ```
pub fn write_point(out: &mut Vec<u8>, point: &Point<'_>) {
    out.extend_from_slice(b"{\"measurement\":");
    write_str(out, &point.measurement);
    out.extend_from_slice(b",\"tags\":[");
    for (i, tag) in point.tags.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'[');
        write_str(out, &tag.key);
        out.push(b',');
        write_str(out, &tag.value);
        out.push(b']');
    }
    out.extend_from_slice(b"],\"fields\":[");
    for (i, field) in point.fields.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'[');
        write_str(out, &field.key);
        out.extend_from_slice(b",{\"type\":\"");
        out.extend_from_slice(field.value.type_name().as_bytes());
        out.extend_from_slice(b"\",\"value\":");
        match &field.value {
            // Parsed floats are finite; serde_json writes the shortest text that reads back
            // as the same f64 (and `null` for non-finite values, which cannot occur here).
            FieldValue::Float(v) => write_float(out, *v),
            FieldValue::Integer(v) => {
                out.extend_from_slice(itoa::Buffer::new().format(*v).as_bytes())
            }
            FieldValue::UInteger(v) => {
                out.extend_from_slice(itoa::Buffer::new().format(*v).as_bytes())
            }
            FieldValue::String(s) => write_str(out, s),
            FieldValue::Boolean(v) => out.extend_from_slice(if *v { b"true" } else { b"false" }),
        }
        out.extend_from_slice(b"}]");
    }
    out.extend_from_slice(b"],\"timestamp\":");
    match point.timestamp {
        Some(ts) => out.extend_from_slice(itoa::Buffer::new().format(ts).as_bytes()),
        None => out.extend_from_slice(b"null"),
    }
    out.push(b'}');
}

/// Appends a parse error as `{"error":"message","line":N,"column":C}` (no newline).
///
/// ```
/// let mut out = Vec::new();
/// line_protocol::json::write_error(&mut out, "empty tag key", 3, 5);
/// assert_eq!(out, br#"{"error":"empty tag key","line":3,"column":5}"#);
/// ```
pub fn write_error(out: &mut Vec<u8>, message: &str, line: usize, column: usize) {
    out.extend_from_slice(b"{\"error\":");
    write_str(out, message);
    out.extend_from_slice(b",\"line\":");
    out.extend_from_slice(itoa::Buffer::new().format(line).as_bytes());
    out.extend_from_slice(b",\"column\":");
    out.extend_from_slice(itoa::Buffer::new().format(column).as_bytes());
    out.push(b'}');
}

fn write_str(out: &mut Vec<u8>, s: &str) {
    // Serializing into a Vec cannot fail.
    serde_json::to_writer(&mut *out, s).expect("JSON into a Vec<u8>");
}

fn write_float(out: &mut Vec<u8>, v: f64) {
    serde_json::to_writer(&mut *out, &v).expect("JSON into a Vec<u8>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Field, Tag};

    #[test]
    fn exact_shape() {
        let p = Point {
            measurement: "m\"q".into(),
            tags: vec![Tag::new("k", "v\n")],
            fields: vec![
                Field::new("f", 1.5),
                Field::new("i", i64::MIN),
                Field::new("u", u64::MAX),
                Field::new("s", "a\"b\\"),
                Field::new("b", false),
                Field::new("z", -0.0),
            ],
            timestamp: Some(1_700_000_000_000_000_000),
        };
        let mut out = Vec::new();
        write_point(&mut out, &p);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            concat!(
                r#"{"measurement":"m\"q","tags":[["k","v\n"]],"fields":[["f",{"type":"float","value":1.5}],"#,
                r#"["i",{"type":"int","value":-9223372036854775808}],["u",{"type":"uint","value":18446744073709551615}],"#,
                r#"["s",{"type":"string","value":"a\"b\\"}],["b",{"type":"bool","value":false}],"#,
                r#"["z",{"type":"float","value":-0.0}]],"timestamp":1700000000000000000}"#
            )
        );
        let mut out = Vec::new();
        write_point(
            &mut out,
            &Point {
                measurement: "m".into(),
                fields: vec![Field::new("f", true)],
                ..Point::default()
            },
        );
        assert_eq!(out, b"{\"measurement\":\"m\",\"tags\":[],\"fields\":[[\"f\",{\"type\":\"bool\",\"value\":true}]],\"timestamp\":null}");
    }

    #[test]
    fn error_shape() {
        let mut out = Vec::new();
        write_error(&mut out, "empty tag key", 3, 5);
        assert_eq!(
            out,
            b"{\"error\":\"empty tag key\",\"line\":3,\"column\":5}"
        );
    }
}
