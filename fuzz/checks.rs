//! Properties checked on arbitrary input, shared by the fuzz targets (`fuzz_targets/*.rs`) and
//! by `line-protocol/tests/fuzz_corpus.rs`, which replays the saved corpus under `cargo test`.
//! Every check panics with the offending point and text when a property fails.

// Each includer uses only some of the checks.
#![allow(dead_code)]

use std::io::BufReader;

use line_protocol::serialize::{ControlChars, SerializeError, Serializer};
use line_protocol::stream::{PointReader, ReadError};
use line_protocol::{FieldValue, ParseError, Point, Tag, parse_lines};

/// Equality that tells `0.0` from `-0.0` (plain `==` on `f64` does not).
pub fn same_point(a: &Point<'_>, b: &Point<'_>) -> bool {
    a.measurement == b.measurement
        && a.tags == b.tags
        && a.timestamp == b.timestamp
        && a.fields.len() == b.fields.len()
        && a.fields.iter().zip(&b.fields).all(|(x, y)| {
            x.key == y.key
                && match (&x.value, &y.value) {
                    (FieldValue::Float(p), FieldValue::Float(q)) => p.to_bits() == q.to_bits(),
                    (p, q) => p == q,
                }
        })
}

/// Parses text that must hold exactly one valid point.
fn reparse<'a>(text: &'a [u8], original: &Point<'_>) -> Point<'a> {
    let mut points = parse_lines(text);
    let point = match points.next() {
        Some(Ok(p)) => p,
        other => panic!(
            "serialized output does not parse back: {other:?}\n  point: {original:?}\n  text: {:?}",
            String::from_utf8_lossy(text)
        ),
    };
    if let Some(extra) = points.next() {
        panic!(
            "serialized output parses as more than one point: {extra:?}\n  point: {original:?}\n  text: {:?}",
            String::from_utf8_lossy(text)
        );
    }
    point
}

fn has_duplicate_tag_keys(p: &Point<'_>) -> bool {
    let mut keys: Vec<&str> = p.tags.iter().map(|t| &*t.key).collect();
    keys.sort_unstable();
    keys.windows(2).any(|w| w[0] == w[1])
}

/// Every parsed point serializes, verbatim and canonically, and reads back unchanged (tags
/// sorted in the canonical case); canonical output is a fixed point of parse → canonical.
pub fn check_roundtrip(data: &[u8]) {
    for result in parse_lines(data) {
        let Ok(point) = result else { continue };
        for controls in [ControlChars::Raw, ControlChars::Escaped] {
            let verbatim = Serializer::verbatim().with_control_chars(controls);
            let text = verbatim.to_vec(&point).unwrap_or_else(|e| {
                panic!("a parsed point must serialize verbatim: {e}\n  point: {point:?}")
            });
            let back = reparse(&text, &point);
            assert!(
                same_point(&back, &point),
                "verbatim round trip changed the point\n  before: {point:?}\n  after:  {back:?}\n  text: {:?}",
                String::from_utf8_lossy(&text)
            );

            let canonical = Serializer::canonical().with_control_chars(controls);
            let text = match canonical.to_vec(&point) {
                Ok(text) => text,
                Err(SerializeError::DuplicateTagKey { .. }) if has_duplicate_tag_keys(&point) => {
                    continue;
                }
                Err(e) => {
                    panic!("a parsed point must serialize canonically: {e}\n  point: {point:?}")
                }
            };
            let back = reparse(&text, &point);
            let mut sorted = point.clone();
            sorted
                .tags
                .sort_by(|a: &Tag<'_>, b: &Tag<'_>| a.key.as_bytes().cmp(b.key.as_bytes()));
            assert!(
                same_point(&back, &sorted),
                "canonical round trip changed the point\n  before: {sorted:?}\n  after:  {back:?}\n  text: {:?}",
                String::from_utf8_lossy(&text)
            );
            let again = canonical.to_vec(&back).unwrap_or_else(|e| {
                panic!("canonical output must re-serialize: {e}\n  point: {back:?}")
            });
            assert_eq!(
                String::from_utf8_lossy(&again),
                String::from_utf8_lossy(&text),
                "canonical form is not idempotent"
            );
        }
    }
}

/// The streaming reader, fed through a tiny buffer, yields exactly what `parse_lines` yields.
pub fn check_reader(data: &[u8]) {
    let expected: Vec<_> = parse_lines(data)
        .map(|r| r.map(Point::into_owned))
        .collect();
    let mut reader = PointReader::new(BufReader::with_capacity(7, data));
    let mut seen = 0;
    loop {
        let got = match reader.next_point() {
            Ok(None) => break,
            Ok(Some(point)) => Ok(point.into_owned()),
            Err(ReadError::Parse(e)) => Err(e),
            Err(other) => {
                panic!("reader failed on an in-memory input without a line limit: {other}")
            }
        };
        let Some(want) = expected.get(seen) else {
            panic!("reader yields more than parse_lines: extra {got:?}");
        };
        assert!(
            same_item(&got, want),
            "item {seen}: reader gives {got:?}, parse_lines gives {want:?}"
        );
        seen += 1;
    }
    assert_eq!(
        seen,
        expected.len(),
        "reader yields fewer items than parse_lines"
    );
    check_reuse(data, &expected);
}

/// Two parse results agree: the same point ([`same_point`]) or the same error.
fn same_item(a: &Result<Point<'_>, ParseError>, b: &Result<Point<'_>, ParseError>) -> bool {
    match (a, b) {
        (Ok(a), Ok(b)) => same_point(a, b),
        (Err(a), Err(b)) => a == b,
        _ => false,
    }
}

/// Reusing one `Point` (and the decoded-string buffers behind it) must give exactly the points
/// and errors of the allocating iterator: `Lines::next_into` on the buffer, and
/// `PointReader::next_point_with` and `PointReader::for_each_point` (in place in the reader's
/// buffer, small and whole) on a stream.
fn check_reuse(data: &[u8], expected: &[Result<Point<'static>, ParseError>]) {
    let mut lines = parse_lines(data);
    let mut point = Point::default();
    let mut reused = Vec::new();
    while let Some(result) = lines.next_into(&mut point) {
        reused.push(result.map(|()| point.clone().into_owned()));
    }
    let mut reader = PointReader::new(BufReader::with_capacity(5, data));
    let mut streamed = Vec::new();
    loop {
        match reader.next_point_with(|p| p.clone().into_owned()) {
            Ok(None) => break,
            Ok(Some(p)) => streamed.push(Ok(p)),
            Err(ReadError::Parse(e)) => streamed.push(Err(e)),
            Err(other) => panic!("reader failed on an in-memory input: {other}"),
        }
    }
    let for_each = |capacity: usize| {
        let mut items = Vec::new();
        PointReader::new(BufReader::with_capacity(capacity, data))
            .for_each_point(|_, entry| {
                match entry {
                    Ok(p) => items.push(Ok(p.clone().into_owned())),
                    Err(ReadError::Parse(e)) => items.push(Err(e)),
                    Err(other) => panic!("reader failed on an in-memory input: {other}"),
                }
                Ok::<_, ()>(())
            })
            .unwrap();
        items
    };
    let (in_small_reads, in_one_read) = (for_each(6), for_each(data.len().max(1)));
    for (how, got) in [
        ("next_into", &reused),
        ("next_point_with", &streamed),
        ("for_each_point (6-byte reads)", &in_small_reads),
        ("for_each_point (one read)", &in_one_read),
    ] {
        assert_eq!(got.len(), expected.len(), "{how} yields another item count");
        for (k, (a, b)) in got.iter().zip(expected).enumerate() {
            assert!(
                same_item(a, b),
                "item {k}: {how} gives {a:?}, parse_lines gives {b:?}"
            );
        }
    }
}
