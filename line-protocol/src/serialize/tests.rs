use super::*;
use crate::point::{Field, FieldValue, Point, Tag};

fn point<'a>(
    measurement: &'a str,
    tags: &[(&'a str, &'a str)],
    fields: Vec<Field<'a>>,
) -> Point<'a> {
    Point {
        measurement: measurement.into(),
        tags: tags.iter().map(|&(k, v)| Tag::new(k, v)).collect(),
        fields,
        timestamp: None,
    }
}

/// `write_series_key` + `write_fields_and_timestamp` must write what `write` writes, and fail
/// where it fails.
fn assert_split_agrees(s: Serializer, p: &Point<'_>, whole: &Result<String, SerializeError>) {
    let mut out = Vec::new();
    let split = s
        .write_series_key(p, &mut out)
        .and_then(|()| s.write_fields_and_timestamp(p, &mut out));
    match (whole, split) {
        (Ok(line), Ok(())) => assert_eq!(out, line.as_bytes()),
        (Err(_), Err(_)) => {}
        (whole, split) => panic!("write gave {whole:?}, the split write {split:?}"),
    }
}

fn canonical(p: &Point<'_>) -> Result<String, SerializeError> {
    let a = Serializer::canonical().to_string(p);
    assert_split_agrees(Serializer::canonical(), p, &a);
    // `validate` must agree with `write` on every input the tests use.
    // (Compared as Debug text: NaN payloads are not `==` to themselves.)
    assert_eq!(
        format!("{:?}", Serializer::canonical().validate(p)),
        format!("{:?}", a.as_ref().map(|_| ()).map_err(Clone::clone))
    );
    a
}

fn verbatim(p: &Point<'_>) -> Result<String, SerializeError> {
    let a = Serializer::verbatim().to_string(p);
    assert_split_agrees(Serializer::verbatim(), p, &a);
    // (Compared as Debug text: NaN payloads are not `==` to themselves.)
    assert_eq!(
        format!("{:?}", Serializer::verbatim().validate(p)),
        format!("{:?}", a.as_ref().map(|_| ()).map_err(Clone::clone))
    );
    a
}

fn value(v: FieldValue<'_>) -> String {
    let p = point("m", &[], vec![Field::new("f", v)]);
    let line = canonical(&p).unwrap();
    line.strip_prefix("m f=")
        .unwrap()
        .strip_suffix('\n')
        .unwrap()
        .to_string()
}

#[test]
fn escapes_each_position() {
    let p = Point {
        measurement: "a b,c=d".into(),
        tags: vec![Tag::new("k e,y=", "v a,l=ue")],
        fields: vec![Field::new("f i,e=ld", "s \"q\" \\ ,= x")],
        timestamp: Some(1),
    };
    assert_eq!(
        canonical(&p).unwrap(),
        "a\\ b\\,c=d,k\\ e\\,y\\==v\\ a\\,l\\=ue f\\ i\\,e\\=ld=\"s \\\"q\\\" \\\\ ,= x\" 1\n"
    );
}

#[test]
fn integers_and_booleans() {
    assert_eq!(value(FieldValue::Integer(0)), "0i");
    assert_eq!(
        value(FieldValue::Integer(i64::MIN)),
        "-9223372036854775808i"
    );
    assert_eq!(value(FieldValue::Integer(i64::MAX)), "9223372036854775807i");
    assert_eq!(
        value(FieldValue::UInteger(u64::MAX)),
        "18446744073709551615u"
    );
    assert_eq!(value(FieldValue::UInteger(0)), "0u");
    assert_eq!(value(FieldValue::Boolean(true)), "true");
    assert_eq!(value(FieldValue::Boolean(false)), "false");
}

#[test]
fn floats_are_shortest_round_trip() {
    for (v, text) in [
        (0.0, "0.0"),
        (-0.0, "-0.0"),
        (1.0, "1.0"),
        (21.5, "21.5"),
        (0.1, "0.1"),
        (-273.15, "-273.15"),
        (1e21, "1e+21"),
        (f64::MAX, "1.7976931348623157e+308"),
        (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
        (5e-324, "5e-324"),
    ] {
        assert_eq!(value(FieldValue::Float(v)), text);
        let back: f64 = text.parse().unwrap();
        assert_eq!(back.to_bits(), v.to_bits(), "{text}");
    }
}

#[test]
fn timestamps_in_nanoseconds() {
    for ts in [0, -1, i64::MIN, i64::MAX, 1_700_000_000_000_000_000] {
        let mut p = point("m", &[], vec![Field::new("f", 1i64)]);
        p.timestamp = Some(ts);
        assert_eq!(canonical(&p).unwrap(), format!("m f=1i {ts}\n"));
    }
}

#[test]
fn canonical_sorts_tags_by_bytes_verbatim_keeps_order() {
    let p = point(
        "m",
        &[("b", "1"), ("B", "2"), ("a", "3"), ("é", "4"), ("a b", "5")],
        vec![Field::new("z", 1.5), Field::new("a", 2.5)],
    );
    assert_eq!(
        canonical(&p).unwrap(),
        "m,B=2,a=3,a\\ b=5,b=1,é=4 z=1.5,a=2.5\n"
    );
    assert_eq!(
        verbatim(&p).unwrap(),
        "m,b=1,B=2,a=3,é=4,a\\ b=5 z=1.5,a=2.5\n"
    );
}

#[test]
fn duplicates() {
    let p = point(
        "m",
        &[("a", "1"), ("b", "2"), ("a", "3")],
        vec![Field::new("f", 1.0)],
    );
    assert_eq!(
        canonical(&p),
        Err(SerializeError::DuplicateTagKey { key: "a".into() })
    );
    assert_eq!(verbatim(&p).unwrap(), "m,a=1,b=2,a=3 f=1.0\n");
    // Already-sorted input takes the fast path; duplicates there are still caught.
    let p = point("m", &[("a", "1"), ("a", "2")], vec![Field::new("f", 1.0)]);
    assert!(matches!(
        canonical(&p),
        Err(SerializeError::DuplicateTagKey { .. })
    ));
    // Duplicate fields are the consumer's business (spec §7): written in both modes.
    let p = point("m", &[], vec![Field::new("f", 1.0), Field::new("f", 2.0)]);
    assert_eq!(canonical(&p).unwrap(), "m f=1.0,f=2.0\n");
}

#[test]
fn rejects_what_cannot_be_represented() {
    let f = || vec![Field::new("f", 1i64)];
    let cases: Vec<(Point<'_>, SerializeError)> = vec![
        (
            point("", &[], f()),
            SerializeError::Empty {
                element: Element::Measurement,
            },
        ),
        (
            point("m", &[("", "v")], f()),
            SerializeError::Empty {
                element: Element::TagKey {
                    index: 0,
                    key: "".into(),
                },
            },
        ),
        (
            point("m", &[("a", "1"), ("k", "")], f()),
            SerializeError::Empty {
                element: Element::TagValue {
                    index: 1,
                    key: "k".into(),
                },
            },
        ),
        (
            point("m", &[], vec![Field::new("", 1.0)]),
            SerializeError::Empty {
                element: Element::FieldKey {
                    index: 0,
                    key: "".into(),
                },
            },
        ),
        (
            point("m\tx", &[], f()),
            SerializeError::Nonprintable {
                element: Element::Measurement,
                byte: b'\t',
                offset: 1,
            },
        ),
        (
            point("m", &[("k\n", "v")], f()),
            SerializeError::Nonprintable {
                element: Element::TagKey {
                    index: 0,
                    key: "k\n".into(),
                },
                byte: b'\n',
                offset: 1,
            },
        ),
        (
            point("m", &[("k", "\u{7f}")], f()),
            SerializeError::Nonprintable {
                element: Element::TagValue {
                    index: 0,
                    key: "k".into(),
                },
                byte: 0x7f,
                offset: 0,
            },
        ),
        (
            point("m", &[], vec![Field::new("a", 1.0), Field::new("b\r", 1.0)]),
            SerializeError::Nonprintable {
                element: Element::FieldKey {
                    index: 1,
                    key: "b\r".into(),
                },
                byte: b'\r',
                offset: 1,
            },
        ),
        (
            point("m\\", &[], f()),
            SerializeError::TrailingBackslash {
                element: Element::Measurement,
            },
        ),
        (
            point("m", &[("k\\", "v")], f()),
            SerializeError::TrailingBackslash {
                element: Element::TagKey {
                    index: 0,
                    key: "k\\".into(),
                },
            },
        ),
        (
            point("m", &[("k", "v\\")], f()),
            SerializeError::TrailingBackslash {
                element: Element::TagValue {
                    index: 0,
                    key: "k".into(),
                },
            },
        ),
        (
            point("m", &[], vec![Field::new("f\\", 1.0)]),
            SerializeError::TrailingBackslash {
                element: Element::FieldKey {
                    index: 0,
                    key: "f\\".into(),
                },
            },
        ),
        (
            point("#m", &[], f()),
            SerializeError::CommentMeasurement { name: "#m".into() },
        ),
        (
            point("m", &[("k", "v")], vec![]),
            SerializeError::NoFields {
                measurement: "m".into(),
            },
        ),
        (
            point(
                "m",
                &[],
                vec![Field::new("a", 1.0), Field::new("x", f64::INFINITY)],
            ),
            SerializeError::NonFiniteFloat {
                index: 1,
                key: "x".into(),
                value: f64::INFINITY,
            },
        ),
        (
            point("m", &[], vec![Field::new("x", f64::NEG_INFINITY)]),
            SerializeError::NonFiniteFloat {
                index: 0,
                key: "x".into(),
                value: f64::NEG_INFINITY,
            },
        ),
    ];
    for (p, expected) in cases {
        assert_eq!(canonical(&p).as_ref(), Err(&expected), "{p:?}");
        assert_eq!(verbatim(&p).as_ref(), Err(&expected), "{p:?}");
    }
    // NaN != NaN, so match on the variant.
    let p = point("m", &[], vec![Field::new("x", f64::NAN)]);
    assert!(matches!(
        canonical(&p),
        Err(SerializeError::NonFiniteFloat { index: 0, .. })
    ));
}

#[test]
fn leading_hash_is_fine_outside_the_measurement() {
    let p = point("m#", &[("#k", "#v")], vec![Field::new("#f", "#s")]);
    assert_eq!(canonical(&p).unwrap(), "m#,#k=#v #f=\"#s\"\n");
}

#[test]
fn error_messages_name_the_element() {
    let p = point("m", &[("city", "a\u{1}b")], vec![Field::new("f", 1.0)]);
    assert_eq!(
        canonical(&p).unwrap_err().to_string(),
        "value of tag \"city\" (tag 0) contains nonprintable byte 0x01 at byte offset 1"
    );
    let p = point("m", &[], vec![Field::new("temp", f64::NAN)]);
    assert_eq!(
        canonical(&p).unwrap_err().to_string(),
        "field \"temp\" (field 0) is NaN: line protocol has no NaN or infinite floats"
    );
}

#[test]
fn failed_write_leaves_buffer_unchanged() {
    let good = point("m", &[("k", "v")], vec![Field::new("f", 1.0)]);
    // Fails late: after the measurement, tags and first field were already appended.
    let bad = point(
        "m",
        &[("k", "v")],
        vec![Field::new("f", 1.0), Field::new("g\\", 1.0)],
    );
    let mut out = Vec::new();
    let s = Serializer::canonical();
    s.write(&good, &mut out).unwrap();
    let before = out.clone();
    assert!(s.write(&bad, &mut out).is_err());
    assert_eq!(out, before);
    s.write(&good, &mut out).unwrap();
    assert_eq!(out, b"m,k=v f=1.0\nm,k=v f=1.0\n");
}

#[test]
fn write_to_writer() {
    struct Failing;
    impl io::Write for Failing {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::other("disk full"))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let good = point("m", &[], vec![Field::new("f", 1.0)]);
    let mut out = Vec::new();
    Serializer::canonical().write_to(&good, &mut out).unwrap();
    Serializer::canonical().write_to(&good, &mut out).unwrap();
    assert_eq!(out, b"m f=1.0\nm f=1.0\n");
    let err = Serializer::canonical()
        .write_to(&good, &mut Failing)
        .unwrap_err();
    assert!(matches!(err, WriteError::Io(_)));
    assert_eq!(err.to_string(), "writing line protocol: disk full");
    let bad = point("", &[], vec![Field::new("f", 1.0)]);
    assert!(matches!(
        Serializer::canonical().write_to(&bad, &mut Failing),
        Err(WriteError::Serialize(SerializeError::Empty { .. }))
    ));
}
