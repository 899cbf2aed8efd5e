//! Property tests: serializing any valid point and parsing it back gives the same point, and
//! canonical formatting is idempotent.

#[path = "../../fuzz/checks.rs"]
mod checks;

use std::borrow::Cow;

use line_protocol::serialize::{ControlChars, FloatFormat, Serializer};
use line_protocol::{Field, FieldValue, Point, Precision, Tag, parse_lines, parse_point};
use proptest::prelude::*;

/// Names full of what needs escaping or care: delimiters, quotes, backslashes, `#`, non-ASCII
/// (including NBSP and an emoji). Fixed up to be representable: no trailing backslash.
fn name() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 ,=\"'\\\\#é温\u{a0}🌡_.-]{1,12}".prop_map(|mut s| {
        if s.ends_with('\\') {
            s.push('x');
        }
        s
    })
}

fn measurement() -> impl Strategy<Value = String> {
    name().prop_map(|s| {
        if s.starts_with('#') {
            format!("m{s}")
        } else {
            s
        }
    })
}

fn float() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => any::<f64>().prop_filter("finite", |v| v.is_finite()),
        1 => prop::sample::select(vec![
            0.0,
            -0.0,
            f64::MIN_POSITIVE,
            f64::MIN_POSITIVE / 3.0, // subnormal
            5e-324,
            -5e-324,
            f64::MAX,
            f64::MIN,
            1e21,
            1e-7,
            0.1,
            123456789.0,
        ]),
    ]
}

fn string_value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a\"\\\\\n\r\t ,=#]{0,16}",
        Just("\\n is not a newline".to_string()),
    ]
}

fn value() -> impl Strategy<Value = FieldValue<'static>> {
    prop_oneof![
        float().prop_map(FieldValue::Float),
        any::<i64>().prop_map(FieldValue::Integer),
        prop::sample::select(vec![i64::MIN, i64::MAX, 0, -1]).prop_map(FieldValue::Integer),
        any::<u64>().prop_map(FieldValue::UInteger),
        Just(FieldValue::UInteger(u64::MAX)),
        string_value().prop_map(|s| FieldValue::String(Cow::Owned(s))),
        any::<bool>().prop_map(FieldValue::Boolean),
    ]
}

fn point() -> impl Strategy<Value = Point<'static>> {
    (
        measurement(),
        prop::collection::vec((name(), name()), 0..6),
        prop::collection::vec((name(), value()), 1..8),
        prop::option::of(any::<i64>()),
    )
        .prop_map(|(m, tags, fields, timestamp)| Point {
            measurement: m.into(),
            tags: tags.into_iter().map(|(k, v)| Tag::new(k, v)).collect(),
            fields: fields.into_iter().map(|(k, v)| Field::new(k, v)).collect(),
            timestamp,
        })
}

fn parse_one(text: &[u8]) -> Point<'_> {
    let mut lines = parse_lines(text);
    let point = lines
        .next()
        .expect("one point")
        .unwrap_or_else(|e| panic!("{e}: {:?}", String::from_utf8_lossy(text)));
    assert!(lines.next().is_none(), "exactly one point");
    point
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn verbatim_round_trips(p in point(), escaped in any::<bool>(), telegraf in any::<bool>()) {
        let controls = if escaped { ControlChars::Escaped } else { ControlChars::Raw };
        let floats = if telegraf { FloatFormat::Telegraf } else { FloatFormat::Exponent };
        let text = Serializer::verbatim()
            .with_control_chars(controls)
            .with_float_format(floats)
            .to_vec(&p)
            .unwrap();
        let back = parse_one(&text);
        prop_assert!(checks::same_point(&back, &p), "{:?}\n{:?}\n{:?}", String::from_utf8_lossy(&text), p, back);
    }

    #[test]
    fn parse_point_reads_a_line_without_newline(p in point()) {
        let text = Serializer::verbatim().to_vec(&p).unwrap();
        let line = &text[..text.len() - 1];
        let back = parse_point(line, Precision::Nanoseconds).unwrap();
        prop_assert!(checks::same_point(&back, &p));
    }

    #[test]
    fn canonical_round_trips_with_sorted_tags(mut p in point()) {
        p.tags.sort_by(|a, b| a.key.as_bytes().cmp(b.key.as_bytes()));
        p.tags.dedup_by(|a, b| a.key == b.key);
        let mut shuffled = p.clone();
        shuffled.tags.reverse();
        let text = Serializer::canonical().to_vec(&shuffled).unwrap();
        let back = parse_one(&text);
        prop_assert!(checks::same_point(&back, &p), "{:?}", String::from_utf8_lossy(&text));
        // fmt is idempotent: canonical(parse(canonical(x))) == canonical(x).
        let again = Serializer::canonical().to_vec(&back).unwrap();
        prop_assert_eq!(&again, &text);
        // The series key written once and the rest of the line after it: the same bytes, in
        // every mode (the Kafka bridge caches keys this way).
        for s in [Serializer::canonical(), Serializer::telegraf(), Serializer::verbatim()] {
            let mut split = Vec::new();
            s.write_series_key(&shuffled, &mut split).unwrap();
            s.write_fields_and_timestamp(&shuffled, &mut split).unwrap();
            prop_assert_eq!(split, s.to_vec(&shuffled).unwrap());
        }
    }

    /// Telegraf's float form over arbitrary bits: as long as Rust's `Display` (Go's `'f'`/-1
    /// rule; the unit tests compare digits), no exponent, and read back to the same bits.
    #[test]
    fn telegraf_floats_read_back_to_the_same_bits(bits in any::<u64>()) {
        let v = f64::from_bits(bits);
        prop_assume!(v.is_finite());
        let p = Point { measurement: "m".into(), fields: vec![Field::new("f", v)], ..Default::default() };
        let text = Serializer::telegraf().to_vec(&p).unwrap();
        let expected = format!("m f={v}\n");
        prop_assert_eq!(text.len(), expected.len());
        prop_assert!(!text.contains(&b'e'));
        match parse_one(&text).fields[0].value {
            FieldValue::Float(back) => prop_assert_eq!(back.to_bits(), bits),
            ref other => prop_assert!(false, "read back as {:?}", other),
        }
    }

    /// Line-protocol-like noise: whatever parses must round-trip, and the streaming reader
    /// must agree with the buffer parser (the fuzz targets' checks, on a denser alphabet).
    #[test]
    fn checks_hold_on_line_protocol_like_text(text in "[a-z,= \\\\\"\n\r\t0-9.eE+iuTtf#-]{0,80}") {
        checks::check_roundtrip(text.as_bytes());
        checks::check_reader(text.as_bytes());
    }
}

proptest! {
    // Each case already holds up to 20 points.
    #![proptest_config(ProptestConfig::with_cases(150))]

    #[test]
    fn many_points_in_one_buffer(points in prop::collection::vec(point(), 1..20)) {
        let mut text = Vec::new();
        for p in &points {
            Serializer::verbatim().write(p, &mut text).unwrap();
        }
        let back: Vec<_> = parse_lines(&text).collect::<Result<_, _>>().unwrap();
        prop_assert_eq!(back.len(), points.len());
        for (a, b) in back.iter().zip(&points) {
            prop_assert!(checks::same_point(a, b));
        }
    }
}

#[test]
fn precision_scales_to_nanoseconds_and_serializes_in_nanoseconds() {
    let p = parse_point(b"m f=1i 1700000000", Precision::Seconds).unwrap();
    assert_eq!(p.timestamp, Some(1_700_000_000_000_000_000));
    assert_eq!(
        Serializer::canonical().to_vec(&p).unwrap(),
        b"m f=1i 1700000000000000000\n"
    );
}

#[test]
fn spec_escaping_examples_round_trip() {
    // Spec §3.2: double backslashes in names stay two characters; a backslash before an
    // escapable character is written so the parser reads it back literally.
    for line in [
        &br"cp\\u f=1"[..],
        br"m,k=two\\\ words f=1",
        br"m va\\\ lue=1",
        br"m,k=a\b f=1",
        br#"m s="a\\" 1"#,
        br#"m s="x\"y" 1"#,
        br"m\=x,t=\ a f=-0.0",
        br"m\,t=v f=1",
    ] {
        let p = parse_one(line);
        for s in [Serializer::verbatim(), Serializer::canonical()] {
            let text = s.to_vec(&p).unwrap();
            assert!(
                checks::same_point(&parse_one(&text), &p),
                "{:?} -> {:?}",
                String::from_utf8_lossy(line),
                String::from_utf8_lossy(&text)
            );
        }
    }
}
