//! Helpers shared by the parser's integration tests.
#![allow(dead_code)]

use line_protocol::{FieldValue, ParseError, ParseErrorKind, Point, Precision, parse_point};

/// Parses one point at nanosecond precision, panicking with the error if it fails.
pub fn ok(input: &[u8]) -> Point<'static> {
    match parse_point(input, Precision::Nanoseconds) {
        Ok(p) => p.into_owned(),
        Err(e) => panic!("{:?} should parse: {e}", String::from_utf8_lossy(input)),
    }
}

/// Parses one point and returns its error, panicking if it parses.
pub fn err(input: &[u8]) -> ParseError {
    match parse_point(input, Precision::Nanoseconds) {
        Ok(p) => panic!(
            "{:?} should fail, got {p:?}",
            String::from_utf8_lossy(input)
        ),
        Err(e) => e,
    }
}

/// The error kind of a line.
pub fn kind(input: &[u8]) -> ParseErrorKind {
    err(input).kind
}

/// The value of the only field of `m f=<value>`.
pub fn value(v: &str) -> FieldValue<'static> {
    let p = ok(format!("m f={v}").as_bytes());
    assert_eq!(p.fields.len(), 1, "{v}");
    p.fields[0].value.clone()
}

/// The error kind of `m f=<value>`.
pub fn value_err(v: &str) -> ParseErrorKind {
    kind(format!("m f={v}").as_bytes())
}

/// The timestamp of `m f=1 <ts>` at `precision`.
pub fn ts(text: &str, precision: Precision) -> Result<Option<i64>, ParseErrorKind> {
    parse_point(format!("m f=1 {text}").as_bytes(), precision)
        .map(|p| p.timestamp)
        .map_err(|e| e.kind)
}

/// Every result of parsing a whole buffer, points detached.
pub fn all(input: &[u8]) -> Vec<Result<Point<'static>, ParseError>> {
    line_protocol::parse_lines(input)
        .map(|r| r.map(Point::into_owned))
        .collect()
}
