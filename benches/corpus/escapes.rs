//! The escapes corpus: escaped space, comma and equals sign in every position, string values
//! full of escaped quotes and backslashes. Exercises the slow (decoding) paths.

use std::fmt::Write;

use super::rng::Rng;

const WORDS: &[&str] = &[
    "alpha", "beta", "gamma", "delta", "eu", "west", "x", "load", "avg", "temp", "°C", "naïve",
    "k8s", "pod",
];
const SEPARATORS: &[&str] = &["\\ ", "\\,", "\\="];

const LINES: usize = 40_000;
const START_NS: i64 = 1_700_000_000_000_000_000;

/// Two to four words joined by escaped separators, e.g. `eu\ west\=x`.
fn escaped_name(rng: &mut Rng, separators: &[&str]) -> String {
    let mut s = String::from(*rng.pick(WORDS));
    for _ in 0..1 + rng.below(3) {
        let (separator, word) = (*rng.pick(separators), *rng.pick(WORDS));
        s.push_str(separator);
        s.push_str(word);
    }
    s
}

/// A string field body with escaped quotes and backslashes (written form, without quotes).
fn escaped_string(rng: &mut Rng) -> String {
    let mut s = String::new();
    for i in 0..2 + rng.below(5) {
        if i > 0 {
            s.push(' ');
        }
        match rng.below(4) {
            0 => write!(s, "\\\"{}\\\"", rng.pick(WORDS)),
            1 => write!(s, "C:\\\\{}\\\\{}", rng.pick(WORDS), rng.pick(WORDS)),
            2 => write!(
                s,
                "{}, {}={}",
                rng.pick(WORDS),
                rng.pick(WORDS),
                rng.below(100)
            ),
            _ => write!(s, "{}", rng.pick(WORDS)),
        }
        .expect("writing to a String");
    }
    s
}

/// About 6 MB of points whose every element holds escapes.
pub fn escapes() -> String {
    let mut rng = Rng::new(0x0E5C_A9E5);
    let mut out = String::with_capacity(8 << 20);
    for i in 0..LINES {
        // The measurement escapes only space and comma.
        out.push_str(&escaped_name(&mut rng, &SEPARATORS[..2]));
        for n in 0..1 + rng.below(4) {
            // The position suffix keeps tag keys unique, so canonical serialization accepts them.
            let key = format!("{}{n}", escaped_name(&mut rng, SEPARATORS));
            let value = escaped_name(&mut rng, SEPARATORS);
            write!(out, ",{key}={value}").expect("writing to a String");
        }
        for n in 0..2 + rng.below(4) {
            out.push(if n == 0 { ' ' } else { ',' });
            out.push_str(&escaped_name(&mut rng, SEPARATORS));
            out.push('=');
            match rng.below(3) {
                0 => write!(out, "\"{}\"", escaped_string(&mut rng)),
                1 => write!(out, "{:.2}", rng.range(-50.0, 50.0)),
                _ => write!(out, "{}i", rng.below(1000)),
            }
            .expect("writing to a String");
        }
        writeln!(out, " {}", START_NS + i as i64 * 1_000_000).expect("writing to a String");
    }
    out
}
