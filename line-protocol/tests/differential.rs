//! Differential test against the IOx `influxdb-line-protocol` crate (v2) on deterministically
//! generated input, restricted to the syntax the spec (§10) says both parsers read the same
//! way: LF line ends, no trailing spaces, floats with digits on both sides of the point, no
//! `\\` in names, no `\n`/`\r`/`\t` escapes in strings, no control bytes, values in range.

use influxdb_line_protocol as iox;
use line_protocol::parse_lines;

#[path = "support/iox_agreement.rs"]
mod iox_agreement;

/// A small deterministic generator (xorshift64*), so every run tests the same lines.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

const NAME_PIECES: &[&str] = &[
    "a", "cpu", "Zürich", "São", "x1", "_", "-", ".", "#", "'", "东京", "\u{a0}",
];
const MEASUREMENT_ESCAPES: &[&str] = &["\\ ", "\\,"];
const KEY_ESCAPES: &[&str] = &["\\ ", "\\,", "\\="];
const STRING_PIECES: &[&str] = &[
    "a",
    " ",
    ",",
    "=",
    "light rain",
    "\\\"",
    "\\\\",
    "é",
    "#",
    "'",
    "😀",
];

fn name(rng: &mut Rng, escapes: &[&str], first: bool) -> String {
    let mut s = String::new();
    for i in 0..1 + rng.below(4) {
        if rng.below(5) == 0 {
            s.push_str(rng.pick(escapes));
        } else {
            let piece = rng.pick(NAME_PIECES);
            // A measurement may not start with '#'.
            if first && i == 0 && piece.starts_with('#') {
                s.push('m');
            }
            s.push_str(piece);
        }
    }
    s
}

fn value(rng: &mut Rng) -> String {
    match rng.below(7) {
        0 => format!("{}.{}", rng.below(100_000) as i64 - 50_000, rng.below(1000)),
        1 => format!("{}", rng.below(1 << 20) as i64 - (1 << 19)),
        2 => format!("{}e{}", rng.below(1000), rng.below(40) as i64 - 20),
        3 => format!("{}i", rng.next() as i64),
        4 => format!("{}u", rng.next()),
        5 => (rng.pick(&[
            "t", "T", "true", "True", "TRUE", "f", "F", "false", "False", "FALSE",
        ]))
        .to_string(),
        _ => {
            let mut s = String::from("\"");
            for _ in 0..rng.below(5) {
                s.push_str(rng.pick(STRING_PIECES));
            }
            s.push('"');
            s
        }
    }
}

fn line(rng: &mut Rng) -> String {
    let mut s = name(rng, MEASUREMENT_ESCAPES, true);
    for _ in 0..rng.below(4) {
        s.push(',');
        s.push_str(&name(rng, KEY_ESCAPES, false));
        s.push('=');
        s.push_str(&name(rng, KEY_ESCAPES, false));
    }
    s.push(' ');
    for i in 0..1 + rng.below(5) {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&name(rng, KEY_ESCAPES, false));
        s.push('=');
        s.push_str(&value(rng));
    }
    if rng.below(3) > 0 {
        s.push(' ');
        s.push_str(&(rng.next() as i64).to_string());
    }
    s.push('\n');
    s
}

#[test]
fn both_parsers_read_generated_lines_the_same_way() {
    let mut rng = Rng(0x0001_DB0F_11E5);
    let text: String = (0..5_000).map(|_| line(&mut rng)).collect();
    let ours: Vec<_> = parse_lines(text.as_bytes()).collect();
    let theirs: Vec<_> = iox::parse_lines(&text).collect();
    assert_eq!(ours.len(), 5_000);
    assert_eq!(theirs.len(), 5_000);
    for ((ours, theirs), text) in ours.iter().zip(&theirs).zip(text.lines()) {
        let ours = ours
            .as_ref()
            .unwrap_or_else(|e| panic!("we reject {text:?}: {e}"));
        let theirs = theirs
            .as_ref()
            .unwrap_or_else(|e| panic!("IOx rejects {text:?}: {e}"));
        iox_agreement::assert_same(text, ours, theirs);
    }
}

#[test]
fn both_parsers_reject_the_shared_error_classes() {
    for bad in [
        "cpu",
        "cpu,host=a",
        ",t=1 f=1",
        "m,=v f=1",
        "m,t= f=1",
        "m f=",
        "m f=\"abc",
        "m f=1 12x",
        "m f=tomato",
        "m f=99999999999999999999i",
        "m f=18446744073709551616u",
        "m f=-1u",
        "m f=\"a\"\"b\"",
        "m f=1 9223372036854775808",
        "m f=+1",
    ] {
        assert!(
            parse_lines(bad.as_bytes()).next().unwrap().is_err(),
            "we accept {bad:?}"
        );
        assert!(
            iox::parse_lines(bad).next().unwrap().is_err(),
            "IOx accepts {bad:?}"
        );
    }
}
