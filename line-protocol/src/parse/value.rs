//! Typed field values and timestamps: the number and boolean grammar of spec §4–§5.
//!
//! Integers are parsed by hand with overflow checks; floats are checked against the EBNF
//! `floatfield` grammar first (so Go's accidental hex floats, `_` separators, NaN and Inf are
//! rejected), then converted exactly: Clinger's fast path when the digits and exponent allow
//! it, `str::parse::<f64>` (correctly rounded) otherwise.

use crate::error::NumberError;

/// Parses `[-]digits` into an `i64` (integer field bodies and timestamps).
#[inline]
pub(crate) fn parse_i64(s: &[u8]) -> Result<i64, NumberError> {
    let (negative, digits) = match s {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, s),
    };
    let magnitude = parse_digits(digits)?;
    if negative {
        // 2^63 is i64::MIN's magnitude: `as` maps it there and wrapping_neg keeps it.
        if magnitude <= i64::MAX as u64 + 1 {
            Ok((magnitude as i64).wrapping_neg())
        } else {
            Err(NumberError::OutOfRange)
        }
    } else {
        i64::try_from(magnitude).map_err(|_| NumberError::OutOfRange)
    }
}

/// Parses `digits` (no sign at all) into a `u64`.
#[inline]
pub(crate) fn parse_u64(s: &[u8]) -> Result<u64, NumberError> {
    parse_digits(s)
}

/// One or more ASCII digits into a `u64`. Syntax is checked over the whole token before the
/// range, as Go's `strconv` does, so `99999999999999999999x` is a syntax error.
#[inline]
fn parse_digits(s: &[u8]) -> Result<u64, NumberError> {
    if s.is_empty() {
        return Err(NumberError::InvalidSyntax);
    }
    // Up to 19 digits cannot overflow a u64 (10^19 - 1 < 2^64): no checks in the loop.
    if s.len() <= 19 {
        let mut acc = 0u64;
        let mut rest = s;
        while let Some(chunk) = rest.first_chunk::<8>() {
            acc = acc * 100_000_000 + u64::from(eight_digits(*chunk)?);
            rest = &rest[8..];
        }
        for &b in rest {
            let d = b.wrapping_sub(b'0');
            if d > 9 {
                return Err(NumberError::InvalidSyntax);
            }
            acc = acc * 10 + u64::from(d);
        }
        return Ok(acc);
    }
    if !s.iter().all(u8::is_ascii_digit) {
        return Err(NumberError::InvalidSyntax);
    }
    s.iter()
        .try_fold(0u64, |acc, &b| {
            acc.checked_mul(10)?.checked_add(u64::from(b - b'0'))
        })
        .ok_or(NumberError::OutOfRange)
}

/// Eight ASCII digits (big-endian text order) to their value, word-at-a-time.
#[inline(always)]
fn eight_digits(chunk: [u8; 8]) -> Result<u32, NumberError> {
    let v = u64::from_le_bytes(chunk);
    // Every byte must be 0x30..=0x39: high nibble 3 and adding 6 must not carry into it.
    let all_digits = (v & 0xF0F0_F0F0_F0F0_F0F0) == 0x3030_3030_3030_3030
        && ((v.wrapping_add(0x0606_0606_0606_0606)) & 0xF0F0_F0F0_F0F0_F0F0)
            == 0x3030_3030_3030_3030;
    if !all_digits {
        return Err(NumberError::InvalidSyntax);
    }
    let v = v - 0x3030_3030_3030_3030;
    // Combine pairs, then quads, then the two halves (first text byte is the lowest byte).
    let v = (v * 10) + (v >> 8);
    let v = ((v & 0x0000_00FF_0000_00FF).wrapping_mul(100 + (1_000_000 << 32))
        + ((v >> 16) & 0x0000_00FF_0000_00FF).wrapping_mul(1 + (10_000 << 32)))
        >> 32;
    Ok(v as u32)
}

/// Powers of ten exactly representable as f64 (Clinger's fast path).
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Parses a float token: `[-]` then `digits[.[digits]][exp]` | `.digits[exp]`, where
/// `exp = (e|E)[+|-]digits`. Overflow to ±∞ is an error; underflow rounds to 0.
#[inline]
pub(crate) fn parse_float(s: &[u8]) -> Result<f64, NumberError> {
    let (negative, body) = match s {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, s),
    };
    let mut i = 0;
    let mut mantissa = 0u64;
    let mut significant = 0usize;
    while let Some(&b) = body.get(i) {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(d));
        significant += 1;
        i += 1;
    }
    let int_digits = i;
    let mut frac_digits = 0;
    if body.get(i) == Some(&b'.') {
        i += 1;
        while let Some(&b) = body.get(i) {
            let d = b.wrapping_sub(b'0');
            if d > 9 {
                break;
            }
            mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(d));
            significant += 1;
            frac_digits += 1;
            i += 1;
        }
    }
    if int_digits + frac_digits == 0 {
        return Err(NumberError::InvalidSyntax);
    }
    let mut exponent = 0i64;
    if let Some(b'e' | b'E') = body.get(i) {
        i += 1;
        let exp_negative = match body.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let start = i;
        while let Some(&b) = body.get(i) {
            let d = b.wrapping_sub(b'0');
            if d > 9 {
                break;
            }
            // Saturate: anything this large is ±∞ or 0 anyway, decided by the slow path.
            exponent = (exponent * 10 + i64::from(d)).min(1 << 40);
            i += 1;
        }
        if i == start {
            return Err(NumberError::InvalidSyntax);
        }
        if exp_negative {
            exponent = -exponent;
        }
    }
    if i != body.len() {
        return Err(NumberError::InvalidSyntax);
    }
    let exp10 = exponent - frac_digits as i64;
    let value = if significant <= 19 && mantissa <= (1 << 53) && (-22..=22).contains(&exp10) {
        // Both operands are exact, so one IEEE operation rounds correctly.
        let m = mantissa as f64;
        if exp10 >= 0 {
            m * POW10[exp10 as usize]
        } else {
            m / POW10[(-exp10) as usize]
        }
    } else {
        // The token is ASCII (checked above) and in a form Rust's correct parser accepts.
        std::str::from_utf8(body)
            .ok()
            .and_then(|t| t.parse::<f64>().ok())
            .ok_or(NumberError::InvalidSyntax)?
    };
    if value.is_infinite() {
        return Err(NumberError::OutOfRange);
    }
    Ok(if negative { -value } else { value })
}

/// The ten boolean spellings; anything else is `None`.
#[inline]
pub(crate) fn parse_bool(s: &[u8]) -> Option<bool> {
    match s {
        b"t" | b"T" | b"true" | b"True" | b"TRUE" => Some(true),
        b"f" | b"F" | b"false" | b"False" | b"FALSE" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eight_digit_chunks_match_the_plain_loop() {
        for s in [
            "12345678",
            "00000000",
            "99999999",
            "10203040",
            "1234567890123456789",
        ] {
            assert_eq!(
                parse_digits(s.as_bytes()),
                Ok(s.parse::<u64>().unwrap()),
                "{s}"
            );
        }
        for s in [
            "1234567/",
            "1234567:",
            "12345 78",
            "/2345678",
            "123456789012345678a",
        ] {
            assert_eq!(
                parse_digits(s.as_bytes()),
                Err(NumberError::InvalidSyntax),
                "{s}"
            );
        }
    }

    #[test]
    fn fast_path_agrees_with_std_parse() {
        for s in [
            "0",
            "1",
            "21.5",
            "1013.25",
            "-0.001",
            "123456789012345",
            "9007199254740993",
            "1e22",
            "1e23",
            "4.35",
            "0.1",
            "2.2250738585072014e-308",
            "1.7976931348623157e308",
            "123.456e-10",
            "00.42",
            "1.",
            ".5",
            "1.e5",
        ] {
            let ours = parse_float(s.as_bytes()).unwrap();
            let std: f64 = s.parse().unwrap();
            assert_eq!(ours.to_bits(), std.to_bits(), "{s}");
        }
    }

    #[test]
    fn i64_bounds() {
        assert_eq!(parse_i64(b"-9223372036854775808"), Ok(i64::MIN));
        assert_eq!(parse_i64(b"9223372036854775807"), Ok(i64::MAX));
        assert_eq!(
            parse_i64(b"9223372036854775808"),
            Err(NumberError::OutOfRange)
        );
        assert_eq!(
            parse_i64(b"-9223372036854775809"),
            Err(NumberError::OutOfRange)
        );
        assert_eq!(parse_i64(b"-"), Err(NumberError::InvalidSyntax));
        assert_eq!(parse_i64(b"--1"), Err(NumberError::InvalidSyntax));
        assert_eq!(parse_u64(b"18446744073709551615"), Ok(u64::MAX));
        assert_eq!(
            parse_u64(b"18446744073709551616"),
            Err(NumberError::OutOfRange)
        );
        assert_eq!(parse_u64(b"000000000000000000000000001"), Ok(1));
    }
}
