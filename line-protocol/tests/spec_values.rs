//! One test per row of the spec's value tables (§4 field values, §5 timestamps and
//! precision; Go v2 column, with the EBNF as tie-breaker where the spec says so).

mod common;

use common::{kind, ok, ts, value, value_err};
use line_protocol::error::NumberError;
use line_protocol::{FieldValue, ParseErrorKind, Precision};

fn key(k: &str) -> String {
    k.to_string()
}

// ---- §4 Field values: the first byte decides the type ----

#[test]
fn s4_first_byte_decides_the_type() {
    assert_eq!(value("\"x\""), FieldValue::String("x".into()));
    assert_eq!(value("t"), FieldValue::Boolean(true));
    assert_eq!(value("F"), FieldValue::Boolean(false));
    assert_eq!(value("-1"), FieldValue::Float(-1.0));
    assert_eq!(value("7"), FieldValue::Float(7.0));
    assert_eq!(value(".5"), FieldValue::Float(0.5));
}

#[test]
fn s4_unrecognized_first_bytes_are_errors() {
    for v in ["+1", "'abc'", "NaN", "Inf", "howdy", "e5", "i"] {
        assert_eq!(
            value_err(v),
            ParseErrorKind::UnknownValueType { key: key("f") },
            "{v}"
        );
    }
}

#[test]
fn s4_value_token_ends_at_comma_space_cr_lf() {
    let p = ok(b"m a=1,b=2 3\r\n");
    assert_eq!(p.fields.len(), 2);
    assert_eq!(p.timestamp, Some(3));
    assert_eq!(ok(b"m a=1\n").fields[0].value, FieldValue::Float(1.0));
}

#[test]
fn s4_after_a_value_only_comma_space_or_line_end() {
    assert_eq!(
        value_err("\"a\"\"b\""),
        ParseErrorKind::UnexpectedAfterField {
            key: key("f"),
            byte: b'"'
        }
    );
    // A TAB after a number is part of the number token, so the number is invalid.
    assert_eq!(
        value_err("1\t"),
        ParseErrorKind::InvalidFloat {
            key: key("f"),
            reason: NumberError::InvalidSyntax
        }
    );
    assert_eq!(
        value_err("\"a\"\t"),
        ParseErrorKind::UnexpectedAfterField {
            key: key("f"),
            byte: b'\t'
        }
    );
    assert_eq!(kind(b"m f=1,"), ParseErrorKind::EmptyFieldKey);
    assert_eq!(kind(b"m f=1,,g=2"), ParseErrorKind::EmptyFieldKey);
}

// ---- §4.1 Integer ----

#[test]
fn s4_1_integers() {
    assert_eq!(value("01i"), FieldValue::Integer(1));
    assert_eq!(value("-0i"), FieldValue::Integer(0));
    assert_eq!(
        value("-9223372036854775808i"),
        FieldValue::Integer(i64::MIN)
    );
    assert_eq!(value("9223372036854775807i"), FieldValue::Integer(i64::MAX));
}

#[test]
fn s4_1_integer_out_of_range() {
    for v in [
        "9223372036854775808i",
        "-9223372036854775809i",
        "99999999999999999999999i",
    ] {
        assert_eq!(
            value_err(v),
            ParseErrorKind::InvalidInteger {
                key: key("f"),
                reason: NumberError::OutOfRange
            },
            "{v}"
        );
    }
}

#[test]
fn s4_1_integer_syntax_errors() {
    assert_eq!(
        value_err("+1i"),
        ParseErrorKind::UnknownValueType { key: key("f") }
    );
    for v in ["1.0i", "1e3i", "--1i", "-i", "1ii"] {
        assert_eq!(
            value_err(v),
            ParseErrorKind::InvalidInteger {
                key: key("f"),
                reason: NumberError::InvalidSyntax
            },
            "{v}"
        );
    }
    // Uppercase I is no suffix: the token is then an invalid float.
    assert_eq!(
        value_err("1I"),
        ParseErrorKind::InvalidFloat {
            key: key("f"),
            reason: NumberError::InvalidSyntax
        }
    );
    // A space before the suffix ends the value; "i" is then an invalid timestamp.
    assert_eq!(
        value_err("1 i"),
        ParseErrorKind::InvalidTimestamp {
            reason: NumberError::InvalidSyntax
        }
    );
}

// ---- §4.2 Unsigned ----

#[test]
fn s4_2_unsigned() {
    assert_eq!(value("0u"), FieldValue::UInteger(0));
    assert_eq!(value("007u"), FieldValue::UInteger(7));
    assert_eq!(
        value("18446744073709551615u"),
        FieldValue::UInteger(u64::MAX)
    );
    assert_eq!(
        value_err("18446744073709551616u"),
        ParseErrorKind::InvalidUnsigned {
            key: key("f"),
            reason: NumberError::OutOfRange
        }
    );
    for v in ["-0u", "-1u", "1.5u"] {
        assert_eq!(
            value_err(v),
            ParseErrorKind::InvalidUnsigned {
                key: key("f"),
                reason: NumberError::InvalidSyntax
            },
            "{v}"
        );
    }
    assert_eq!(
        value_err("1U"),
        ParseErrorKind::InvalidFloat {
            key: key("f"),
            reason: NumberError::InvalidSyntax
        }
    );
}

// ---- §4.3 Float ----

#[test]
fn s4_3_accepted_float_forms() {
    let cases: &[(&str, f64)] = &[
        ("1", 1.0),
        ("1.0", 1.0),
        ("-1.5e10", -1.5e10),
        ("1e-3", 1e-3),
        ("42E0", 42.0),
        ("1e+5", 1e5),
        (".5", 0.5),
        ("-.42", -0.42),
        ("1.", 1.0),
        ("1.e5", 1e5),
        ("00.42", 0.42),
        ("007", 7.0),
    ];
    for &(v, expected) in cases {
        assert_eq!(value(v), FieldValue::Float(expected), "{v}");
    }
}

#[test]
fn s4_3_float_syntax_errors() {
    for v in [
        ".", "-", "42E", "1e+", "1.2.3", "1asdf", "0x1p3", "1_000", "-inf", "-nan", "1e5.5",
        "1..2", "-.", ".e5",
    ] {
        assert_eq!(
            value_err(v),
            ParseErrorKind::InvalidFloat {
                key: key("f"),
                reason: NumberError::InvalidSyntax
            },
            "{v}"
        );
    }
    assert_eq!(
        value_err("+1"),
        ParseErrorKind::UnknownValueType { key: key("f") }
    );
}

#[test]
fn s4_3_nan_and_inf_in_any_spelling_are_errors() {
    for v in ["NaN", "nan", "Inf", "inf", "Infinity", "INF"] {
        assert!(
            matches!(value_err(v), ParseErrorKind::UnknownValueType { .. }),
            "{v}"
        );
    }
}

#[test]
fn s4_3_overflow_is_out_of_range() {
    for v in ["1e309", "-1e309", "1.8e308", "1e99999999999999999999"] {
        assert_eq!(
            value_err(v),
            ParseErrorKind::InvalidFloat {
                key: key("f"),
                reason: NumberError::OutOfRange
            },
            "{v}"
        );
    }
    assert_eq!(value("1.7976931348623157e308"), FieldValue::Float(f64::MAX));
}

#[test]
fn s4_3_underflow_rounds_to_zero_and_negative_zero() {
    assert_eq!(value("1e-400"), FieldValue::Float(0.0));
    assert_eq!(value("4.9e-324"), FieldValue::Float(4.9e-324));
    assert_eq!(value("4.9e-324"), FieldValue::Float(f64::from_bits(1)));
    let FieldValue::Float(z) = value("-0") else {
        panic!()
    };
    assert!(z == 0.0 && z.is_sign_negative());
}

#[test]
fn s4_3_long_mantissas_round_correctly() {
    for v in [
        "0.30000000000000004",
        "123456789012345678901234567890",
        "2.2250738585072011e-308",
        "9007199254740993",
    ] {
        assert_eq!(value(v), FieldValue::Float(v.parse().unwrap()), "{v}");
    }
}

// ---- §4.4 Boolean ----

#[test]
fn s4_4_boolean_spellings() {
    for v in ["t", "T", "true", "True", "TRUE"] {
        assert_eq!(value(v), FieldValue::Boolean(true), "{v}");
    }
    for v in ["f", "F", "false", "False", "FALSE"] {
        assert_eq!(value(v), FieldValue::Boolean(false), "{v}");
    }
}

#[test]
fn s4_4_other_t_f_words_are_errors() {
    for v in ["tRUE", "TrUe", "truee", "fals", "tomato"] {
        assert_eq!(
            value_err(v),
            ParseErrorKind::InvalidBoolean { key: key("f") },
            "{v}"
        );
    }
    assert_eq!(value("1"), FieldValue::Float(1.0));
    assert_eq!(value("0"), FieldValue::Float(0.0));
    assert_eq!(value("\"true\""), FieldValue::String("true".into()));
}

// ---- §4.5 String ----

#[test]
fn s4_5_string_contents() {
    assert_eq!(value("\"\""), FieldValue::String("".into()));
    assert_eq!(
        value("\"a, b=c #d\""),
        FieldValue::String("a, b=c #d".into())
    );
    assert_eq!(
        value("\"a\nb\rc\r\nd\te\u{1}\u{7f}\""),
        FieldValue::String("a\nb\rc\r\nd\te\u{1}\u{7f}".into())
    );
}

// ---- §5 Timestamp and precision ----

#[test]
fn s5_timestamp_is_optional_and_may_be_followed_by_spaces() {
    assert_eq!(ts("", Precision::Nanoseconds), Ok(None));
    assert_eq!(ok(b"m f=1").timestamp, None);
    assert_eq!(ts("123   ", Precision::Nanoseconds), Ok(Some(123)));
    assert_eq!(ts("-123", Precision::Nanoseconds), Ok(Some(-123)));
    assert_eq!(
        ts("0000000000000000000001", Precision::Nanoseconds),
        Ok(Some(1))
    );
}

#[test]
fn s5_timestamp_syntax_errors() {
    for t in [
        "+1", "1.5", "1e9", "-", "--1", "1-2", "123i", "\"123\"", "123abc", "abc", "#c",
    ] {
        assert_eq!(
            ts(t, Precision::Nanoseconds),
            Err(ParseErrorKind::InvalidTimestamp {
                reason: NumberError::InvalidSyntax
            }),
            "{t}"
        );
    }
    assert_eq!(
        ts("123 456", Precision::Nanoseconds),
        Err(ParseErrorKind::UnexpectedAfterTimestamp)
    );
    assert_eq!(
        kind(b"cpu value=42 value=43"),
        ParseErrorKind::InvalidTimestamp {
            reason: NumberError::InvalidSyntax
        }
    );
}

#[test]
fn s5_full_i64_range() {
    assert_eq!(
        ts("-9223372036854775808", Precision::Nanoseconds),
        Ok(Some(i64::MIN))
    );
    assert_eq!(
        ts("9223372036854775807", Precision::Nanoseconds),
        Ok(Some(i64::MAX))
    );
    assert_eq!(
        ts("9223372036854775808", Precision::Nanoseconds),
        Err(ParseErrorKind::InvalidTimestamp {
            reason: NumberError::OutOfRange
        })
    );
    assert_eq!(
        ts("-9223372036854775809", Precision::Nanoseconds),
        Err(ParseErrorKind::InvalidTimestamp {
            reason: NumberError::OutOfRange
        })
    );
}

#[test]
fn s5_precision_scaling_is_checked() {
    assert_eq!(ts("2", Precision::Microseconds), Ok(Some(2_000)));
    assert_eq!(ts("2", Precision::Milliseconds), Ok(Some(2_000_000)));
    assert_eq!(ts("2", Precision::Seconds), Ok(Some(2_000_000_000)));
    assert_eq!(
        ts("200000000000000000", Precision::Seconds),
        Err(ParseErrorKind::TimestampOverflow {
            precision: Precision::Seconds
        })
    );
    assert_eq!(
        ts("9223372036854", Precision::Milliseconds),
        Ok(Some(9_223_372_036_854_000_000))
    );
    assert_eq!(
        ts("9223372036855", Precision::Milliseconds),
        Err(ParseErrorKind::TimestampOverflow {
            precision: Precision::Milliseconds
        })
    );
    assert_eq!(
        ts("-9223372036855", Precision::Milliseconds),
        Err(ParseErrorKind::TimestampOverflow {
            precision: Precision::Milliseconds
        })
    );
}
