//! Grammar rules of spec §1–§3 and the error/recovery contract: positions, per-line recovery,
//! multi-line strings, borrowed versus decoded tokens.

mod common;

use std::borrow::Cow;

use common::{all, err, kind, ok};
use line_protocol::error::Element;
use line_protocol::{FieldValue, ParseErrorKind, Point, Precision, Tag, parse_lines, parse_point};

fn is_borrowed(c: Cow<'_, str>) -> bool {
    matches!(c, Cow::Borrowed(_))
}

// ---- §1 model ----

#[test]
fn point_parts_in_input_order() {
    let p = ok(b"weather,station=b,city=a temp=1,hum=2i,ok=t,s=\"x\",u=3u 17");
    assert_eq!(p.measurement, "weather");
    assert_eq!(
        p.tags,
        vec![Tag::new("station", "b"), Tag::new("city", "a")]
    );
    let keys: Vec<&str> = p.fields.iter().map(|f| f.key.as_ref()).collect();
    assert_eq!(keys, ["temp", "hum", "ok", "s", "u"]);
    assert_eq!(p.timestamp, Some(17));
}

#[test]
fn leading_spaces_are_allowed() {
    assert_eq!(ok(b"    m f=1").measurement, "m");
}

// ---- §2 lines, blank lines, comments, CR/LF ----

#[test]
fn empty_blank_and_comment_only_inputs_yield_nothing() {
    for input in [
        &b""[..],
        b"\n",
        b"   \n  \n",
        b"# c\n",
        b"# c",
        b"  # indented\n\n",
        b"\r\n",
        b"\r",
    ] {
        assert!(all(input).is_empty(), "{input:?}");
    }
}

#[test]
fn last_line_needs_no_line_end() {
    assert_eq!(all(b"a f=1\nb f=2").len(), 2);
}

#[test]
fn single_cr_only_at_the_very_end() {
    assert!(all(b"m f=1\r").iter().all(Result::is_ok));
    assert!(all(b"m f=1 5\r").iter().all(Result::is_ok));
    assert!(all(b"m f=\"s\"\r").iter().all(Result::is_ok));
    assert!(all(b"# c\r").is_empty());
    let r = all(b"\rm f=1\n");
    assert_eq!(
        r[0].as_ref().unwrap_err().kind,
        ParseErrorKind::BareCarriageReturn
    );
    assert_eq!(kind(b"m f=1\rx"), ParseErrorKind::BareCarriageReturn);
    assert_eq!(kind(b"m\r f=1"), ParseErrorKind::BareCarriageReturn);
}

#[test]
fn hash_after_a_point_is_a_bad_timestamp() {
    assert!(matches!(
        kind(b"m f=1 # c"),
        ParseErrorKind::InvalidTimestamp { .. }
    ));
    // `#` is ordinary inside names after the first byte.
    assert_eq!(ok(b"m#1,t#=v# f#=1").measurement, "m#1");
}

#[test]
fn leading_tab_is_an_error() {
    assert!(matches!(
        kind(b"\tm f=1"),
        ParseErrorKind::InvalidCharacter { byte: b'\t', .. }
    ));
    assert!(all(b"\t# c\n")[0].is_err());
}

#[test]
fn string_values_span_lines_verbatim() {
    let r = all(b"m s=\"a\nb\r\nc\rd\" 1\nn f=2\n");
    assert_eq!(r.len(), 2);
    let p = r[0].as_ref().unwrap();
    assert_eq!(p.fields[0].value, FieldValue::String("a\nb\r\nc\rd".into()));
    assert_eq!(p.timestamp, Some(1));
    assert!(r[1].is_ok());
}

// ---- §3 names, keys, tag values ----

#[test]
fn ordinary_characters_in_names() {
    let p = ok("m\"'=é,t\"'#=v\"'#🦀 k\"'#=1".as_bytes());
    assert_eq!(p.measurement, "m\"'=é");
    assert_eq!(p.tags[0], Tag::new("t\"'#", "v\"'#🦀"));
    assert_eq!(p.fields[0].key, "k\"'#");
    // Quotes do not delimit tag values.
    assert!(all(b"cpu,t=\"a b\" f=1\n")[0].is_err());
}

#[test]
fn escapes_by_element() {
    let p = ok(br#"m\,x\ y\=\",t\,k\ \==v\,1\ \= f\,g\ \==1"#);
    assert_eq!(p.measurement, r#"m,x y\=\""#);
    assert_eq!(p.tags[0], Tag::new("t,k =", "v,1 ="));
    assert_eq!(p.fields[0].key, "f,g =");
}

#[test]
fn escaped_comma_in_measurement_hides_the_tags() {
    let p = ok(br"cpu\,t=v f=1");
    assert_eq!(p.measurement, "cpu,t=v");
    assert!(p.tags.is_empty());
}

#[test]
fn backslash_before_other_bytes_is_literal() {
    assert_eq!(ok(br"a\b,t=c\d e\f=1").measurement, r"a\b");
    assert_eq!(ok(br"a\b,t=c\d e\f=1").tags[0], Tag::new("t", r"c\d"));
    assert_eq!(ok(br"a\b,t=c\d e\f=1").fields[0].key, r"e\f");
}

#[test]
fn escape_at_token_start_and_lone_escaped_space() {
    let p = ok(br"m,a=\ x,b=\  f=1");
    assert_eq!(p.tags[0].value, " x");
    assert_eq!(p.tags[1].value, " ");
    assert_eq!(ok(br"\ m f=1").measurement, " m");
}

#[test]
fn backslash_at_end_of_input_is_literal() {
    // The tag value's trailing backslash is kept; the line then has no fields.
    assert_eq!(kind(br"m,t=v\"), ParseErrorKind::MissingFields);
    assert_eq!(ok(br"m f=1,g\==2").fields[1].key, "g=");
}

#[test]
fn backslash_before_control_byte_is_literal_and_the_byte_ends_the_token() {
    assert_eq!(
        kind(b"m\\\t f=1"),
        ParseErrorKind::InvalidCharacter {
            element: Element::Measurement,
            byte: b'\t'
        }
    );
}

#[test]
fn measurement_cannot_start_with_hash_but_can_with_escaped_hash() {
    assert!(all(b"#m f=1\n").is_empty());
    assert_eq!(ok(br"\#m f=1").measurement, r"\#m");
}

// ---- borrowed versus decoded ----

#[test]
fn escape_free_tokens_borrow_the_input() {
    let input = b"m,t=v f=\"s\",g=1";
    let p = parse_point(input, Precision::Nanoseconds).unwrap();
    assert!(is_borrowed(p.measurement.clone()));
    assert!(is_borrowed(p.tags[0].key.clone()) && is_borrowed(p.tags[0].value.clone()));
    assert!(is_borrowed(p.fields[0].key.clone()));
    assert!(matches!(
        &p.fields[0].value,
        FieldValue::String(Cow::Borrowed("s"))
    ));
    // A backslash that escapes nothing needs no decoding either.
    let p = parse_point(br#"a\b f="x\y""#, Precision::Nanoseconds).unwrap();
    assert!(is_borrowed(p.measurement.clone()));
    assert!(matches!(
        &p.fields[0].value,
        FieldValue::String(Cow::Borrowed(r"x\y"))
    ));
}

#[test]
fn escaped_tokens_are_decoded() {
    let input = br#"m\ 1,t\,=v\= f\ ="a\"b""#;
    let p = parse_point(input, Precision::Nanoseconds).unwrap();
    assert!(matches!(&p.measurement, Cow::Owned(s) if s == "m 1"));
    assert!(matches!(&p.tags[0].key, Cow::Owned(s) if s == "t,"));
    assert!(matches!(&p.tags[0].value, Cow::Owned(s) if s == "v="));
    assert!(matches!(&p.fields[0].key, Cow::Owned(s) if s == "f "));
    assert!(matches!(&p.fields[0].value, FieldValue::String(Cow::Owned(s)) if s == "a\"b"));
}

// ---- error positions ----

#[test]
fn errors_name_line_and_byte_column() {
    let r = all(b"ok f=1\n\nbad,t=v f=1x\nok f=2\n");
    let e = r[1].as_ref().unwrap_err();
    assert_eq!((e.line, e.column), (3, 11));
    assert_eq!(
        e.to_string(),
        "line 3, column 11: invalid float value for field \"f\": invalid syntax"
    );
    let e = err(b"m,t=v f=1 12a");
    assert_eq!((e.line, e.column), (1, 11));
    let e = err("mé,t=\u{1} f=1".as_bytes());
    assert_eq!(e.column, 7, "columns count bytes");
}

#[test]
fn invalid_utf8_points_at_the_bad_byte() {
    let e = err(b"m,t=ab\xff f=1");
    assert_eq!(
        (e.column, e.kind),
        (
            7,
            ParseErrorKind::InvalidUtf8 {
                element: Element::TagValue
            }
        )
    );
}

#[test]
fn error_line_after_multi_line_string() {
    let r = all(b"a s=\"1\n2\n3\" 1\nb f=x\nc f=3\n");
    assert_eq!(r.len(), 3);
    let e = r[1].as_ref().unwrap_err();
    assert_eq!((e.line, e.column), (4, 5));
    assert!(r[2].is_ok());
    // An error after the string's closing quote is on the line where it is.
    let e = all(b"a s=\"x\ny\"z\n")[0].clone().unwrap_err();
    assert_eq!((e.line, e.column), (2, 3));
}

#[test]
fn iterator_tracks_lines() {
    let mut lines = parse_lines(b"# c\n\na s=\"x\ny\" 1\nb f=1\n");
    lines.next().unwrap().unwrap();
    assert_eq!(lines.line(), 5);
}

// ---- recovery (Go v2: skip from the error to the next LF) ----

#[test]
fn good_lines_around_bad_ones_survive() {
    let r = all(b"a f=1\nb f=\"\\\"\nc f=3\n");
    // `b`'s string is unterminated: like Go v2, it swallows the rest of the input.
    assert_eq!(r.len(), 2);
    assert!(r[0].is_ok());
    let e = r[1].as_ref().unwrap_err();
    assert_eq!(
        (e.line, e.column, e.kind.clone()),
        (2, 5, ParseErrorKind::UnterminatedString { key: "f".into() })
    );
}

#[test]
fn unterminated_string_swallows_lines_until_the_next_quote() {
    // The string opened on line 1 closes on line 2; what follows it is then malformed, and
    // recovery continues after that line (Go v2 does the same).
    let r = all(b"a f=\"oops\nb f=\"x\" 1\nc f=3\n");
    assert_eq!(r.len(), 2);
    let e = r[0].as_ref().unwrap_err();
    assert_eq!(
        (e.line, e.kind.clone()),
        (
            2,
            ParseErrorKind::UnexpectedAfterField {
                key: "f".into(),
                byte: b'x'
            }
        )
    );
    assert_eq!(r[1].as_ref().unwrap().measurement, "c");
}

#[test]
fn recovery_starts_at_the_error_not_at_a_later_string() {
    // The bad value comes before the string field, so (as in Go v2) the string is never
    // opened and the line after the first LF is parsed on its own.
    let r = all(b"m f=1x,g=\"\nn f=2\n\"\n");
    assert_eq!(r.len(), 3);
    assert!(r[0].is_err());
    assert_eq!(r[1].as_ref().unwrap().measurement, "n");
    assert_eq!(r[2].as_ref().unwrap_err().line, 3);
}

#[test]
fn invalid_utf8_in_a_string_skips_past_the_string() {
    let r = all(b"m f=\"\xff\nn f=1\n\" 5\nok f=1\n");
    assert_eq!(r.len(), 2);
    assert_eq!(
        r[0].as_ref().unwrap_err().kind,
        ParseErrorKind::InvalidUtf8 {
            element: Element::FieldValue
        }
    );
    assert_eq!(r[1].as_ref().unwrap().measurement, "ok");
}

// ---- parse_point / Lines API ----

#[test]
fn parse_point_rejects_blank_comment_and_trailing_data() {
    assert_eq!(kind(b""), ParseErrorKind::NoPoint);
    assert_eq!(kind(b"   \n"), ParseErrorKind::NoPoint);
    assert_eq!(kind(b"# c"), ParseErrorKind::NoPoint);
    let e = err(b"a f=1\nb f=2");
    assert_eq!(
        (e.line, e.column, e.kind),
        (2, 1, ParseErrorKind::TrailingData)
    );
    assert_eq!(ok(b"a f=1\r\n").measurement, "a");
}

#[test]
fn next_into_reuses_the_point() {
    let input = b"a,t=1 f=1,g=2\nb f=3\n";
    let mut lines = parse_lines(input);
    let mut p = Point::default();
    lines.next_into(&mut p).unwrap().unwrap();
    assert_eq!((p.tags.len(), p.fields.len()), (1, 2));
    lines.next_into(&mut p).unwrap().unwrap();
    assert_eq!(
        (p.measurement.as_ref(), p.tags.len(), p.fields.len()),
        ("b", 0, 1)
    );
    assert!(lines.next_into(&mut p).is_none());
}

#[test]
fn lines_precision_applies_to_every_line() {
    let ts: Vec<_> = parse_lines(b"a f=1 1\nb f=1\nc f=1 3\n")
        .with_precision(Precision::Seconds)
        .map(|r| r.unwrap().timestamp)
        .collect();
    assert_eq!(ts, [Some(1_000_000_000), None, Some(3_000_000_000)]);
}

#[test]
fn display_messages_name_the_element() {
    let cases: &[(&[u8], &str)] = &[
        (b"m,=v f=1", "line 1, column 3: empty tag key"),
        (
            b"m f=99999999999999999999i",
            "line 1, column 5: invalid integer value for field \"f\": out of range",
        ),
        (
            b"m\tx f=1",
            "line 1, column 2: invalid character '\\t' in measurement",
        ),
        (
            b"m f=\"abc",
            "line 1, column 5: unterminated string value for field \"f\"",
        ),
        (b"m,t=v", "line 1, column 6: missing field set"),
        (
            b"m f=1 5 6",
            "line 1, column 9: unexpected text after timestamp",
        ),
        (
            b"m f=1 99999999999",
            "line 1, column 7: timestamp out of range once converted from s to nanoseconds",
        ),
    ];
    for (input, msg) in cases {
        let precision = if msg.contains("converted") {
            Precision::Seconds
        } else {
            Precision::Nanoseconds
        };
        let e = parse_point(input, precision).unwrap_err();
        assert_eq!(e.to_string(), *msg);
    }
}
