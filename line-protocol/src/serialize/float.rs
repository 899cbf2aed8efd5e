//! Float text: shortest round-trip digits (from `zmij`), in one of two layouts.

/// How float field values are laid out. Both write the shortest digits that read back to the
/// same `f64`; they differ only in where the decimal point and the exponent go. Line protocol
/// reads both (a number without `i` or `u` is a float), so either round-trips exactly.
///
/// | value | [`Exponent`](FloatFormat::Exponent) | [`Telegraf`](FloatFormat::Telegraf) |
/// | --- | --- | --- |
/// | `1001.0` | `1001.0` | `1001` |
/// | `21.5` | `21.5` | `21.5` |
/// | `-0.0` | `-0.0` | `-0` |
/// | `1e21` | `1e+21` | `1000000000000000000000` |
/// | `1e-7` | `1e-7` (`zmij` form) | `0.0000001` |
///
/// ```
/// use line_protocol::serialize::{FloatFormat, Serializer};
/// use line_protocol::{Field, Point};
///
/// let p = Point { measurement: "m".into(), fields: vec![Field::new("f", 1e21)], ..Default::default() };
/// let telegraf = Serializer::canonical().with_float_format(FloatFormat::Telegraf);
/// assert_eq!(telegraf.to_vec(&p).unwrap(), b"m f=1000000000000000000000\n");
/// assert_eq!(Serializer::canonical().to_vec(&p).unwrap(), b"m f=1e+21\n");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FloatFormat {
    /// Scientific notation outside 1e-5 ≤ |v| < 1e16, and integral values keep `.0` so they
    /// read as floats to humans too (Rust's `{:?}` style; the library's default).
    #[default]
    Exponent,
    /// Go's `strconv.AppendFloat(v, 'f', -1, 64)`: never an exponent, no `.0` on integral
    /// values. What Telegraf's `influx` serializer and the InfluxDB 1.x/2.x servers write, and
    /// what Rust's `{}` (`Display`) prints.
    Telegraf,
}

/// Appends finite `v` in `format`.
#[inline]
pub(super) fn write_float(out: &mut Vec<u8>, v: f64, format: FloatFormat) {
    let mut buf = zmij::Buffer::new();
    let text = buf.format_finite(v).as_bytes();
    match format {
        FloatFormat::Exponent => out.extend_from_slice(text),
        FloatFormat::Telegraf => write_positional(out, text),
    }
}

/// Re-lays `zmij`'s text (`[-]d.ddd`, `[-]ddd.0`, `[-]d[.ddd]e±xx`) without an exponent.
#[inline]
fn write_positional(out: &mut Vec<u8>, text: &[u8]) {
    match text.iter().rposition(|&b| b == b'e') {
        // The common case: positional already, only an integral `.0` to drop.
        None => out.extend_from_slice(text.strip_suffix(b".0").unwrap_or(text)),
        Some(e) => expand_exponent(out, &text[..e], &text[e + 1..]),
    }
}

/// Writes `mantissa × 10^exponent` positionally, the way Go's `'f'` format lays out the
/// shortest digits: integer digits (or `0`), then `.` and the fraction only if there is one.
#[cold]
fn expand_exponent(out: &mut Vec<u8>, mantissa: &[u8], exponent: &[u8]) {
    let (negative, mantissa) = match mantissa.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, mantissa),
    };
    let (exp_negative, exp_digits) = match exponent.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, exponent),
    };
    let magnitude = exp_digits
        .iter()
        .fold(0i32, |n, &d| n * 10 + i32::from(d - b'0'));
    let exp = if exp_negative { -magnitude } else { magnitude };

    // Digits without the point; `point` = how many of them stand before it.
    let mut digits = [0u8; 40];
    let mut len = 0;
    let mut point = None;
    for &b in mantissa {
        if b == b'.' {
            point = Some(len);
        } else if len < digits.len() {
            digits[len] = b;
            len += 1;
        }
    }
    let mut dp = point.unwrap_or(len) as i32 + exp;
    let mut digits = &digits[..len];
    while let Some((b'0', rest)) = digits.split_first() {
        digits = rest;
        dp -= 1;
    }
    while let Some((b'0', rest)) = digits.split_last() {
        digits = rest;
    }

    if negative {
        out.push(b'-');
    }
    let nd = digits.len() as i32;
    if nd == 0 {
        out.push(b'0');
    } else if dp <= 0 {
        out.extend_from_slice(b"0.");
        out.resize(out.len() + (-dp) as usize, b'0');
        out.extend_from_slice(digits);
    } else if dp >= nd {
        out.extend_from_slice(digits);
        out.resize(out.len() + (dp - nd) as usize, b'0');
    } else {
        out.extend_from_slice(&digits[..dp as usize]);
        out.push(b'.');
        out.extend_from_slice(&digits[dp as usize..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rng::TestRng;

    fn telegraf(v: f64) -> String {
        let mut out = Vec::new();
        write_float(&mut out, v, FloatFormat::Telegraf);
        String::from_utf8(out).unwrap()
    }

    /// Expected strings follow Go's documented `'f'`, precision -1 rule: the shortest decimal
    /// digits that round-trip, laid out positionally with no exponent and no trailing zeros
    /// after the point (`strconv.FormatFloat` docs; Telegraf's `appendFloatField`).
    #[test]
    fn go_f_minus_one_examples() {
        for (v, text) in [
            (0.0, "0"),
            (-0.0, "-0"),
            (1.0, "1"),
            (1001.0, "1001"),
            (-1001.0, "-1001"),
            (21.5, "21.5"),
            (0.1, "0.1"),
            (-273.15, "-273.15"),
            (1e21, "1000000000000000000000"),
            (1e-7, "0.0000001"),
            (1.5e-7, "0.00000015"),
            (123456789.0, "123456789"),
            (1e15, "1000000000000000"),
            (1e16, "10000000000000000"),
            (1.2345e16, "12345000000000000"),
            (0.00001, "0.00001"),
            (0.000012345, "0.000012345"),
            (9007199254740993.0, "9007199254740992"),
            (0.30000000000000004, "0.30000000000000004"),
            (
                1.7976931348623157e308,
                &format!("17976931348623157{}", "0".repeat(292)),
            ),
            (5e-324, &format!("0.{}5", "0".repeat(323))),
            (
                2.2250738585072014e-308,
                &format!("0.{}22250738585072014", "0".repeat(307)),
            ),
        ] {
            assert_eq!(telegraf(v), text, "{v:e}");
            let back: f64 = text.parse().unwrap();
            assert_eq!(back.to_bits(), v.to_bits(), "{text}");
        }
    }

    /// Asserts that `ours` is Go's text for `v`, with Rust's `Display` as the oracle: the same
    /// rule (shortest digits, positional, no `.0`) computed by `core`'s own algorithm. The one
    /// difference is an exact tie between two shortest candidates: Go's Ryū (`ftoaryu.go`,
    /// like `zmij`) rounds half to even, `core` rounds half up, so there the last digit of Go's
    /// text is even and one below `Display`'s.
    fn assert_go_text(v: f64, ours: &str) {
        let display = format!("{v}");
        if ours != display {
            let (a, b) = (ours.as_bytes(), display.as_bytes());
            let last = a.len() - 1;
            assert!(
                a.len() == b.len()
                    && a[..last] == b[..last]
                    && a[last] + 1 == b[last]
                    && (a[last] - b'0') % 2 == 0,
                "{:#x}: ours {ours}, Display {display}",
                v.to_bits()
            );
            assert_eq!(
                ours.parse::<f64>().unwrap().to_bits(),
                v.to_bits(),
                "{ours}"
            );
        }
        assert!(!ours.contains(['e', 'E']), "{ours}");
    }

    #[test]
    fn a_tie_rounds_half_to_even_like_go() {
        // -600997268406298.25 exactly: 16 digits end in 2 or 3 equally close; Go writes ...2.
        let v = f64::from_bits(0xc301_14d4_a58e_00d2);
        assert_eq!(telegraf(v), "-600997268406298.2");
        assert_eq!(format!("{v}"), "-600997268406298.3");
        assert_go_text(v, &telegraf(v));
    }

    #[test]
    fn matches_display_over_random_bits() {
        let mut rng = TestRng::new(0x07e1_e9af);
        let mut random_bits = || (0..3).fold(0u64, |a, _| a << 22 ^ rng.below(1 << 22) as u64);
        let mut out = Vec::new();
        for i in 0..200_000u32 {
            // Every third value from a narrow exponent band, where the layouts switch.
            let bits = if i % 3 == 0 {
                let exp = 1023 - 30 + random_bits() % 90;
                (random_bits() & (1 << 63 | ((1 << 52) - 1))) | exp << 52
            } else {
                random_bits()
            };
            let v = f64::from_bits(bits);
            if !v.is_finite() {
                continue;
            }
            out.clear();
            write_float(&mut out, v, FloatFormat::Telegraf);
            assert_go_text(v, std::str::from_utf8(&out).unwrap());
        }
    }
}
