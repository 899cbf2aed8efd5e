//! One test per row of the spec's tables §6 (whitespace), §9 (what is an error) and §10
//! (where implementations disagree; Go v2 column, with the EBNF as tie-breaker). §4 and §5
//! are in `spec_values.rs`.

mod common;

use std::borrow::Cow;

use common::{all, err, kind, ok, ts, value, value_err};
use line_protocol::error::{Element, NumberError};
use line_protocol::{FieldValue, ParseErrorKind, Precision};

fn key(k: &str) -> String {
    k.to_string()
}

// ---- §6 Whitespace ----

#[test]
fn s6_1_only_spaces_separate_any_number_of_them() {
    let p = ok(b"   m,t=v    f=1     5    ");
    assert_eq!(
        (p.measurement.as_ref(), p.tags.len(), p.timestamp),
        ("m", 1, Some(5))
    );
}

#[test]
fn s6_2_tab_vt_ff_are_errors_outside_strings() {
    for (line, element) in [
        (&b"m\tx f=1"[..], Element::Measurement),
        (b"m,t\x0b=v f=1", Element::TagKey),
        (b"m,t=v\x0c f=1", Element::TagValue),
        (b"m f\t=1", Element::FieldKey),
    ] {
        assert!(
            matches!(kind(line), ParseErrorKind::InvalidCharacter { element: e, .. } if e == element),
            "{line:?}"
        );
    }
    assert!(matches!(
        kind(b"\tm f=1"),
        ParseErrorKind::InvalidCharacter {
            element: Element::Measurement,
            byte: b'\t'
        }
    ));
    assert!(kind(b"m f=1\t5").to_string().contains("invalid float"));
    assert_eq!(
        kind(b"m f=1 5\t"),
        ParseErrorKind::InvalidTimestamp {
            reason: NumberError::InvalidSyntax
        }
    );
}

#[test]
fn s6_2_tab_inside_comments_follows_the_ebnf() {
    assert!(
        all(b"#\tcomment\twith tabs\nm f=1\n")
            .iter()
            .all(Result::is_ok)
    );
    assert_eq!(all(b"#\tcomment\nm f=1\n").len(), 1);
}

#[test]
fn s6_3_no_spaces_around_equals_or_after_commas() {
    assert_eq!(kind(b"cpu, host=a f=1"), ParseErrorKind::MissingTagKey);
    assert_eq!(
        kind(b"cpu value = 1"),
        ParseErrorKind::MissingFieldEquals { key: key("value") }
    );
    assert_eq!(
        kind(b"cpu value= 1"),
        ParseErrorKind::MissingFieldValue { key: key("value") }
    );
    assert_eq!(kind(b"cpu a=1, b=2"), ParseErrorKind::EmptyFieldKey);
    assert_eq!(
        kind(b"cpu,host =a f=1"),
        ParseErrorKind::MissingTagEquals { key: key("host") }
    );
    assert_eq!(
        kind(b"cpu,host= a f=1"),
        ParseErrorKind::EmptyTagValue { key: key("host") }
    );
}

// ---- §9 What is an error ----

#[test]
fn s9_1_no_field_set() {
    for line in [&b"cpu"[..], b"cpu ", b"cpu,host=a", b"m,t=v \n", b"cpu\r\n"] {
        assert_eq!(kind(line), ParseErrorKind::MissingFields, "{line:?}");
    }
    // "foo 1234" and "m,t=v 123": the would-be timestamp is a field key without '='.
    assert_eq!(
        kind(b"foo 1234"),
        ParseErrorKind::MissingFieldEquals { key: key("1234") }
    );
    assert_eq!(
        kind(b"m,t=v 123"),
        ParseErrorKind::MissingFieldEquals { key: key("123") }
    );
}

#[test]
fn s9_2_missing_or_empty_parts() {
    assert_eq!(kind(b",t=1 f=1"), ParseErrorKind::EmptyMeasurement);
    assert_eq!(kind(b"m,=v f=1"), ParseErrorKind::EmptyTagKey);
    assert_eq!(
        kind(b"m,t= f=1"),
        ParseErrorKind::EmptyTagValue { key: key("t") }
    );
    assert_eq!(kind(b"m =1"), ParseErrorKind::EmptyFieldKey);
    assert_eq!(
        kind(b"m f 1"),
        ParseErrorKind::MissingFieldEquals { key: key("f") }
    );
    assert_eq!(
        kind(b"m f="),
        ParseErrorKind::MissingFieldValue { key: key("f") }
    );
    assert_eq!(
        kind(b"m f=,g=1"),
        ParseErrorKind::MissingFieldValue { key: key("f") }
    );
    assert_eq!(kind(b"m,t=v, f=1"), ParseErrorKind::MissingTagKey);
    assert_eq!(kind(b"m,t=v,,u=w f=1"), ParseErrorKind::EmptyTagKey);
    assert_eq!(kind(b"m, t=v f=1"), ParseErrorKind::MissingTagKey);
}

#[test]
fn s9_3_raw_separators_inside_names() {
    assert_eq!(
        kind(b"m,t=a=b f=1"),
        ParseErrorKind::InvalidCharacter {
            element: Element::TagValue,
            byte: b'='
        }
    );
    assert_eq!(
        kind(b"m,t,k=v f=1"),
        ParseErrorKind::MissingTagEquals { key: key("t") }
    );
    assert_eq!(
        kind(b"m f,g=1"),
        ParseErrorKind::MissingFieldEquals { key: key("f") }
    );
}

#[test]
fn s9_4_nonprintable_bytes_outside_strings_and_comments() {
    for b in (0u8..0x20)
        .chain([0x7f])
        .filter(|&b| b != b'\n' && b != b'\r')
    {
        let line = [b'm', b, b' ', b'f', b'=', b'1'];
        assert_eq!(
            kind(&line),
            ParseErrorKind::InvalidCharacter {
                element: Element::Measurement,
                byte: b
            },
            "{b:#x}"
        );
    }
    assert_eq!(kind(b"m f=1\r 2"), ParseErrorKind::BareCarriageReturn);
}

#[test]
fn s9_5_bad_values() {
    assert!(matches!(
        value_err("howdy"),
        ParseErrorKind::UnknownValueType { .. }
    ));
    assert!(matches!(
        value_err("1x"),
        ParseErrorKind::InvalidFloat { .. }
    ));
    assert!(matches!(
        value_err("yes"),
        ParseErrorKind::UnknownValueType { .. }
    ));
    assert!(matches!(
        value_err("9223372036854775808i"),
        ParseErrorKind::InvalidInteger {
            reason: NumberError::OutOfRange,
            ..
        }
    ));
}

#[test]
fn s9_6_unterminated_string_or_text_after_quote() {
    assert_eq!(
        value_err("\"abc"),
        ParseErrorKind::UnterminatedString { key: key("f") }
    );
    assert_eq!(
        value_err("\"a\\\""),
        ParseErrorKind::UnterminatedString { key: key("f") }
    );
    assert_eq!(value("\"a\\\\\""), FieldValue::String("a\\".into()));
    assert!(matches!(
        value_err("\"a\"x"),
        ParseErrorKind::UnexpectedAfterField { byte: b'x', .. }
    ));
}

#[test]
fn s9_7_bad_timestamps() {
    assert_eq!(
        ts("12x", Precision::Nanoseconds),
        Err(ParseErrorKind::InvalidTimestamp {
            reason: NumberError::InvalidSyntax
        })
    );
    assert_eq!(
        ts("1 x", Precision::Nanoseconds),
        Err(ParseErrorKind::UnexpectedAfterTimestamp)
    );
    assert_eq!(
        ts("9999999999999999999", Precision::Nanoseconds),
        Err(ParseErrorKind::InvalidTimestamp {
            reason: NumberError::OutOfRange
        })
    );
}

#[test]
fn s9_8_bare_cr_and_bad_comments() {
    let r = all(b"cpu value=42\rcpu value=43\n");
    assert_eq!(r.len(), 1);
    assert_eq!(
        r[0].as_ref().unwrap_err().kind,
        ParseErrorKind::BareCarriageReturn
    );
    assert!(all(b"m f=1\r").iter().all(Result::is_ok));
    let r = all(b"# bad\x01comment\nm f=1\n");
    assert_eq!(
        r[0].as_ref().unwrap_err().kind,
        ParseErrorKind::InvalidCharacter {
            element: Element::Comment,
            byte: 1
        }
    );
    assert!(r[1].is_ok());
    assert_eq!(
        all(b"# a\rb\nm f=1\n")[0].as_ref().unwrap_err().kind,
        ParseErrorKind::BareCarriageReturn
    );
}

#[test]
fn s9_9_invalid_utf8_in_any_token() {
    for (line, element) in [
        (&b"m\xff f=1"[..], Element::Measurement),
        (b"m,t\xff=v f=1", Element::TagKey),
        (b"m,t=\xc3 f=1", Element::TagValue),
        (b"m f\xe2\x82=1", Element::FieldKey),
        (b"m f=\"\xff\"", Element::FieldValue),
        (b"m\\ \xff f=1", Element::Measurement),
    ] {
        assert_eq!(
            kind(line),
            ParseErrorKind::InvalidUtf8 { element },
            "{line:?}"
        );
    }
}

// ---- §10 Where implementations disagree: the Go v2 column ----

#[test]
fn s10_01_string_escapes_n_r_t_are_decoded() {
    assert_eq!(
        value(r#""a\nb\rc\td\"e\\f\xg""#),
        FieldValue::String("a\nb\rc\td\"e\\f\\xg".into())
    );
}

#[test]
fn s10_02_crlf_line_endings() {
    let r = all(b"a f=1\r\nb f=2 5\r\n\r\n# c\r\nc f=\"x\"\r\n");
    assert_eq!(r.len(), 3);
    assert!(r.iter().all(Result::is_ok));
    assert_eq!(r[1].as_ref().unwrap().timestamp, Some(5));
}

#[test]
fn s10_03_double_backslash_in_names() {
    assert_eq!(ok(br"cp\\u f=1").measurement, r"cp\\u");
    assert_eq!(ok(br"m,t=two\\ words f=1").tags[0].value, r"two\ words");
    assert_eq!(ok(br"m,t=two\\\ words f=1").tags[0].value, r"two\\ words");
    assert_eq!(ok(br"m va\\ lue=1").fields[0].key, r"va\ lue");
    assert_eq!(kind(br"cpu\\ value=42"), ParseErrorKind::MissingFields);
}

#[test]
fn s10_04_control_bytes_in_names_are_errors() {
    assert!(matches!(
        kind(b"m,t\x01=v f=1"),
        ParseErrorKind::InvalidCharacter {
            element: Element::TagKey,
            byte: 1
        }
    ));
    assert!(matches!(
        kind(b"m f\x1f=1"),
        ParseErrorKind::InvalidCharacter {
            element: Element::FieldKey,
            byte: 0x1f
        }
    ));
    assert!(matches!(
        kind(b"\x00m f=1"),
        ParseErrorKind::InvalidCharacter {
            element: Element::Measurement,
            byte: 0
        }
    ));
}

#[test]
fn s10_05_tab_vt_ff_are_never_separators() {
    assert!(err(b"m\tf=1").kind != ParseErrorKind::MissingFields);
    assert!(matches!(
        kind(b"m f=1\x0b2"),
        ParseErrorKind::InvalidFloat { .. }
    ));
    assert!(matches!(
        kind(b"m\x0cf=1"),
        ParseErrorKind::InvalidCharacter { byte: 0x0c, .. }
    ));
}

#[test]
fn s10_06_duplicate_tags_and_fields_are_all_yielded() {
    let p = ok(b"cpu,a=1,a=2 f=1,f=2");
    assert_eq!(p.tags.len(), 2);
    assert_eq!(p.fields.len(), 2);
    assert_eq!(p.tags[1].value, "2");
}

#[test]
fn s10_07_timestamp_range_is_full_i64() {
    assert_eq!(ok(b"m f=1 -9223372036854775808").timestamp, Some(i64::MIN));
    assert_eq!(ok(b"m f=1 9223372036854775807").timestamp, Some(i64::MAX));
}

#[test]
fn s10_08_float_syntax() {
    assert_eq!(value(".5"), FieldValue::Float(0.5));
    assert_eq!(value("1."), FieldValue::Float(1.0));
    assert_eq!(value("1.e5"), FieldValue::Float(1e5));
    assert!(matches!(
        value_err("1e400"),
        ParseErrorKind::InvalidFloat {
            reason: NumberError::OutOfRange,
            ..
        }
    ));
    assert!(matches!(
        value_err("0x10"),
        ParseErrorKind::InvalidFloat {
            reason: NumberError::InvalidSyntax,
            ..
        }
    ));
    assert!(matches!(
        value_err("1_0"),
        ParseErrorKind::InvalidFloat {
            reason: NumberError::InvalidSyntax,
            ..
        }
    ));
}

#[test]
fn s10_09_leading_zeros_on_integers() {
    assert_eq!(value("0001i"), FieldValue::Integer(1));
    assert_eq!(value("-0001i"), FieldValue::Integer(-1));
    assert_eq!(value("0001u"), FieldValue::UInteger(1));
}

#[test]
fn s10_10_separators_inside_keys_and_values() {
    assert!(matches!(
        kind(b"m,t=a=b f=1"),
        ParseErrorKind::InvalidCharacter { byte: b'=', .. }
    ));
    assert!(matches!(
        kind(b"m,k,x=v f=1"),
        ParseErrorKind::MissingTagEquals { .. }
    ));
    assert_eq!(kind(b"m f=1,"), ParseErrorKind::EmptyFieldKey);
    assert_eq!(kind(b"m,t=v, f=1"), ParseErrorKind::MissingTagKey);
    assert_eq!(kind(b"m,t=v,,x=y f=1"), ParseErrorKind::EmptyTagKey);
}

#[test]
fn s10_11_trailing_spaces_without_timestamp() {
    assert_eq!(ok(b"m f=1   ").timestamp, None);
    assert_eq!(ok(b"m f=1   \n").fields.len(), 1);
}

#[test]
fn s10_12_backslash_lf_inside_a_name_is_an_error() {
    let r = all(b"cpu\\\nx f=1\n");
    assert_eq!(
        r[0].as_ref().unwrap_err().kind,
        ParseErrorKind::MissingFields
    );
    assert!(r[1].is_ok(), "the next line is its own point");
    assert!(all(b"m,t=a\\\nb f=1\n")[0].is_err());
}

#[test]
fn s10_13_comment_content() {
    assert!(all(b"# anything \"quoted\" = , \\ \xff\xfe\n").is_empty());
    assert!(all(b"#\t\n").is_empty());
    assert!(all(b"# \x07\n")[0].is_err());
}

#[test]
fn s10_14_escaped_quote_and_equals_in_names_are_kept() {
    assert_eq!(ok(br#"c\"pu\=x f=1"#).measurement, r#"c\"pu\=x"#);
    assert_eq!(
        ok(br#"m,k\"=v\" f=1"#).tags[0],
        line_protocol::Tag::new(r#"k\""#, r#"v\""#)
    );
    assert_eq!(ok(br#"m k\"=1"#).fields[0].key, r#"k\""#);
}

#[test]
fn s10_15_no_size_limit() {
    let big = "x".repeat(200_000);
    assert_eq!(
        value(&format!("\"{big}\"")),
        FieldValue::String(big.clone().into())
    );
    assert_eq!(
        ok(format!("{big} f=1").as_bytes()).measurement.len(),
        200_000
    );
}

#[test]
fn s10_16_unsigned_values() {
    assert_eq!(value("42u"), FieldValue::UInteger(42));
}

#[test]
fn s10_17_reserved_keys_are_accepted() {
    let p = ok(b"m,_field=a,_measurement=b,time=c time=1,_field=2");
    assert_eq!(p.tags.len(), 3);
    assert_eq!(p.fields[0].key, "time");
}

#[test]
fn s10_18_adjacent_strings_are_an_error() {
    assert!(matches!(
        value_err("\"a\"\"b\""),
        ParseErrorKind::UnexpectedAfterField { byte: b'"', .. }
    ));
}

#[test]
fn s10_19_errors_are_per_line() {
    let r = all(b"a f=1\nb f=\nc,=x f=1\nd f=4\n");
    assert_eq!(r.len(), 4);
    assert!(r[0].is_ok() && r[3].is_ok());
    assert_eq!(
        (
            r[1].as_ref().unwrap_err().line,
            r[2].as_ref().unwrap_err().line
        ),
        (2, 3)
    );
}

#[test]
fn s10_20_invalid_utf8_in_tokens_but_not_comments() {
    assert!(matches!(
        kind(b"m,t=\xff f=1"),
        ParseErrorKind::InvalidUtf8 { .. }
    ));
    assert!(all(b"# \xff\nm f=1\n").iter().all(Result::is_ok));
    // Valid multi-byte UTF-8 is ordinary everywhere.
    let p = ok("m\u{a0}ü,ville=São\\ Paulo clé=\"😀\u{2028}\"".as_bytes());
    assert_eq!(p.measurement, "m\u{a0}ü");
    assert_eq!(p.tags[0].value, "São Paulo");
    assert_eq!(
        p.fields[0].value,
        FieldValue::String(Cow::Borrowed("😀\u{2028}"))
    );
}
