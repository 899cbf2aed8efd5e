//! Escaping and validation of names, keys, tag values and string values (spec §3.3).
//!
//! Names are checked a word at a time; text without anything to escape is copied in one
//! `extend_from_slice`. A short name that needs escaping gets bit masks of its special bytes
//! ([`crate::scan::name_specials`]) and is copied in fixed-size blocks; a long one takes one
//! table lookup per byte. String values get the same block copies up to 64 bytes (with raw
//! control characters); longer ones are scanned with `memchr` for the two bytes that need
//! escaping.

use crate::scan::{self, NameClass};

/// Byte needs nothing.
const PLAIN: u8 = 0;
/// Byte needs a backslash in front of it.
const ESCAPE: u8 = 1;
/// Byte cannot be represented (nonprintable).
const INVALID: u8 = 2;

const fn class_table(escape_equals: bool) -> [u8; 256] {
    let mut t = [PLAIN; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = INVALID;
        b += 1;
    }
    t[0x7f] = INVALID;
    t[b',' as usize] = ESCAPE;
    t[b' ' as usize] = ESCAPE;
    if escape_equals {
        t[b'=' as usize] = ESCAPE;
    }
    t
}

static MEASUREMENT_CLASS: [u8; 256] = class_table(false);
static KEY_CLASS: [u8; 256] = class_table(true);

/// What is wrong with a name; the caller turns it into a [`super::SerializeError`] naming the
/// element, so the hot path never builds element descriptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NameProblem {
    Empty,
    Nonprintable { byte: u8, offset: usize },
    TrailingBackslash,
}

fn table(kind: NameClass) -> &'static [u8; 256] {
    match kind {
        NameClass::Measurement => &MEASUREMENT_CLASS,
        NameClass::Key => &KEY_CLASS,
    }
}

/// Checks that `name` can be written: non-empty, printable, no trailing backslash.
pub(crate) fn check_name(name: &str, kind: NameClass) -> Result<(), NameProblem> {
    let bytes = name.as_bytes();
    let Some(&last) = bytes.last() else {
        return Err(NameProblem::Empty);
    };
    // Same order of checks as `write_name`, so both report the same problem.
    if last == b'\\' {
        return Err(NameProblem::TrailingBackslash);
    }
    let class = table(kind);
    match bytes.iter().position(|&b| class[b as usize] == INVALID) {
        Some(offset) => Err(NameProblem::Nonprintable {
            byte: bytes[offset],
            offset,
        }),
        None => Ok(()),
    }
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Whether any byte of `v` is below `n` (exact for `n <= 128`; bytes >= 0x80 never count).
#[inline]
fn any_below(v: u64, n: u8) -> bool {
    v.wrapping_sub(ONES * n as u64) & !v & HIGHS != 0
}

/// Whether any byte of `v` equals `b`.
#[inline]
fn any_equal(v: u64, b: u8) -> bool {
    any_below(v ^ (ONES * b as u64), 1)
}

/// Whether eight bytes hold anything the table would not call [`PLAIN`]: nonprintable, space,
/// `,`, DEL, and `=` for keys.
#[inline]
fn word_is_special(v: u64, kind: NameClass) -> bool {
    any_below(v, 0x21)
        || any_equal(v, b',')
        || any_equal(v, 0x7f)
        || (kind == NameClass::Key && any_equal(v, b'='))
}

/// A word holding the last `bytes.len() % 8` bytes of `bytes` (and, around them, other bytes of
/// `bytes` or plain padding), so that the tail is checked as one word without copying it: the
/// last eight bytes when there are that many (the overlap was checked already), else two
/// overlapping four-byte halves, or for one to three bytes the first, middle and last.
#[inline]
fn tail_word(bytes: &[u8]) -> u64 {
    if let Some(last) = bytes.last_chunk::<8>() {
        return u64::from_le_bytes(*last);
    }
    if let (Some(head), Some(tail)) = (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
        return u64::from(u32::from_le_bytes(*head)) | u64::from(u32::from_le_bytes(*tail)) << 32;
    }
    match *bytes {
        [] => ONES * u64::from(b'a'),
        [first, .., last] | [first @ last] => {
            let middle = bytes[bytes.len() / 2];
            u64::from_le_bytes([first, middle, last, b'a', b'a', b'a', b'a', b'a'])
        }
    }
}

/// Offset of the first 8-byte block that may need escaping or be invalid, or `bytes.len()`
/// when none does: names are checked a word at a time, the byte loop only runs from there.
#[inline]
fn plain_prefix(bytes: &[u8], kind: NameClass) -> usize {
    let mut chunks = bytes.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().expect("chunks of eight"));
        if word_is_special(word, kind) {
            return offset;
        }
        offset += 8;
    }
    let rest = chunks.remainder();
    if !rest.is_empty() && word_is_special(tail_word(bytes), kind) {
        return offset;
    }
    bytes.len()
}

/// Appends `name` escaped for its position; on error `out` may hold a partial copy (the
/// caller truncates).
#[inline]
pub(crate) fn write_name(
    out: &mut Vec<u8>,
    name: &str,
    kind: NameClass,
) -> Result<(), NameProblem> {
    let bytes = name.as_bytes();
    let Some(&last) = bytes.last() else {
        return Err(NameProblem::Empty);
    };
    if last == b'\\' {
        return Err(NameProblem::TrailingBackslash);
    }
    let plain = plain_prefix(bytes, kind);
    if plain == bytes.len() {
        out.extend_from_slice(bytes);
        return Ok(());
    }
    if bytes.len() <= SHORT / 2 {
        return write_short_name::<{ SHORT / 2 + BLOCK }, { SHORT + 2 * BLOCK }>(out, bytes, kind);
    }
    if bytes.len() <= SHORT {
        return write_short_name::<{ SHORT + BLOCK }, { 2 * SHORT + 2 * BLOCK }>(out, bytes, kind);
    }
    let class = table(kind);
    let mut copied = 0;
    for (i, &b) in bytes.iter().enumerate().skip(plain) {
        match class[b as usize] {
            PLAIN => {}
            ESCAPE => {
                out.extend_from_slice(&bytes[copied..i]);
                out.push(b'\\');
                copied = i;
            }
            _ => return Err(NameProblem::Nonprintable { byte: b, offset: i }),
        }
    }
    out.extend_from_slice(&bytes[copied..]);
    Ok(())
}

/// Names up to this long take [`write_short_name`].
const SHORT: usize = 64;
/// Bytes a run copy moves at once.
const BLOCK: usize = 16;

/// [`write_name`] for a name of at most [`SHORT`] bytes that needs escaping: the bytes to
/// escape come from one set of bit masks, and the runs between them are copied in fixed-size
/// blocks. Why: escaped names are short runs (`eu\ west\,x`), and one `extend_from_slice`
/// per run costs a `memcpy` call each.
///
/// `SIZE` is the stack copy of the name: its length rounded up to 16, plus one block (two
/// sizes, so that short names do not pay for zeroing the larger buffer); `OUT`, at least twice
/// `SIZE`, bounds the escaped bytes with a block of slack. Out of line: escape-free names, the
/// common case, stay a short inlined path.
#[inline(never)]
fn write_short_name<const SIZE: usize, const OUT: usize>(
    out: &mut Vec<u8>,
    bytes: &[u8],
    kind: NameClass,
) -> Result<(), NameProblem> {
    let n = bytes.len();
    let src = padded::<SIZE>(bytes);
    let (escape, invalid) = scan::name_specials(&src[..SIZE - BLOCK], kind);
    let live = u64::MAX >> (64 - n);
    if invalid & live != 0 {
        let offset = (invalid & live).trailing_zeros() as usize;
        return Err(NameProblem::Nonprintable {
            byte: bytes[offset],
            offset,
        });
    }
    write_with_backslashes::<SIZE, OUT>(out, &src, n, escape & live);
    Ok(())
}

/// `bytes` (at most `SIZE - BLOCK` of them) at the start of a zeroed array: whole blocks, then
/// the tail as two overlapping words, so that no copy has a variable length (a `memcpy` call).
/// Zero padding: blocks may read past the text, and zero bytes are never escaped.
#[inline(always)]
fn padded<const SIZE: usize>(bytes: &[u8]) -> [u8; SIZE] {
    let mut src = [0u8; SIZE];
    let mut blocks = bytes.chunks_exact(BLOCK);
    for (to, from) in src.chunks_exact_mut(BLOCK).zip(&mut blocks) {
        to.copy_from_slice(from);
    }
    let tail = blocks.remainder();
    let to = &mut src[bytes.len() - tail.len()..];
    let t = tail.len();
    if let (Some(head), Some(last)) = (tail.first_chunk::<8>(), tail.last_chunk::<8>()) {
        to[..8].copy_from_slice(head);
        to[t - 8..t].copy_from_slice(last);
    } else if let (Some(head), Some(last)) = (tail.first_chunk::<4>(), tail.last_chunk::<4>()) {
        to[..4].copy_from_slice(head);
        to[t - 4..t].copy_from_slice(last);
    } else if let [first, .., last] | [first @ last] = *tail {
        to[0] = first;
        to[t / 2] = tail[t / 2];
        to[t - 1] = last;
    }
    src
}

/// Appends the first `n` bytes of `src` with a backslash before each byte whose bit is set in
/// `escape`; `src` holds at least [`BLOCK`] bytes past them.
///
/// The output goes into `OUT` zeroed bytes appended to `out` (one fixed-size copy), as
/// fixed-size blocks and single backslashes at known offsets, then `out` is cut back to the
/// real end: no copy has a variable length, and no `Vec` bookkeeping runs per run.
#[inline(always)]
fn write_with_backslashes<const SIZE: usize, const OUT: usize>(
    out: &mut Vec<u8>,
    src: &[u8; SIZE],
    n: usize,
    escape: u64,
) {
    const { assert!(OUT >= 2 * SIZE) };
    let start = out.len();
    out.extend_from_slice(&[0u8; OUT]);
    let Some(dst) = out.last_chunk_mut::<OUT>() else {
        unreachable!("OUT bytes were just appended")
    };
    let (mut j, mut k, mut m) = (0, 0, escape);
    loop {
        let end = if m == 0 {
            n
        } else {
            m.trailing_zeros() as usize
        };
        // The run `k..end` in blocks; a block's bytes past the run are overwritten next. In
        // bounds: `end <= n <= SIZE - BLOCK`, and `j + (end - k) <= 2 * n`.
        let (mut from, mut to) = (k, j);
        while from < end {
            dst[to..to + BLOCK].copy_from_slice(&src[from..from + BLOCK]);
            from += BLOCK;
            to += BLOCK;
        }
        j += end - k;
        if m == 0 {
            break;
        }
        dst[j] = b'\\';
        j += 1;
        // The escaped byte starts the next run.
        k = end;
        m &= m - 1;
    }
    out.truncate(start + j);
}

/// [`write_string`]'s raw-controls body for a string of at most [`SHORT`] bytes: `"` and `\`
/// located with bit masks, the runs between them copied in blocks (as for names). `SIZE` and
/// `OUT` as for [`write_short_name`].
#[inline(never)]
fn write_short_raw_string<const SIZE: usize, const OUT: usize>(out: &mut Vec<u8>, bytes: &[u8]) {
    let n = bytes.len();
    let src = padded::<SIZE>(bytes);
    let live = u64::MAX >> (64 - n);
    let escape = scan::string_specials(&src[..SIZE - BLOCK]) & live;
    write_with_backslashes::<SIZE, OUT>(out, &src, n, escape);
}

/// How LF, CR and TAB inside string field values are written.
///
/// Both round-trip through our parser (it decodes `\n`, `\r`, `\t` like Go v2).
///
/// ```
/// use line_protocol::serialize::{ControlChars, Serializer};
/// use line_protocol::{Field, Point};
///
/// let p = Point { measurement: "m".into(), fields: vec![Field::new("s", "a\nb")], ..Default::default() };
/// assert_eq!(Serializer::canonical().to_vec(&p).unwrap(), b"m s=\"a\nb\"\n");
/// let escaped = Serializer::canonical().with_control_chars(ControlChars::Escaped);
/// assert_eq!(escaped.to_vec(&p).unwrap(), b"m s=\"a\\nb\"\n");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ControlChars {
    /// Written as the raw bytes, like Telegraf's serializer: every parser (Go v2, Telegraf
    /// legacy, InfluxDB 1.x/2.x, IOx) reads them back unchanged. The default. The output line
    /// then spans several physical lines, which line-oriented tools must tolerate.
    #[default]
    Raw,
    /// Written as `\n`, `\r`, `\t`, like Go `lineprotocol` v2's encoder: one physical line per
    /// point, but only Go v2-style parsers (ours, Telegraf `upstream`) decode them; InfluxDB
    /// 1.x/2.x and IOx keep the two characters and Telegraf's default parser rejects them.
    Escaped,
}

/// Appends `"` + the escaped string + `"`.
#[inline]
pub(crate) fn write_string(out: &mut Vec<u8>, s: &str, controls: ControlChars) {
    out.push(b'"');
    let bytes = s.as_bytes();
    if controls == ControlChars::Raw && !bytes.is_empty() && bytes.len() <= SHORT {
        if bytes.len() <= SHORT / 2 {
            write_short_raw_string::<{ SHORT / 2 + BLOCK }, { SHORT + 2 * BLOCK }>(out, bytes);
        } else {
            write_short_raw_string::<{ SHORT + BLOCK }, { 2 * SHORT + 2 * BLOCK }>(out, bytes);
        }
        out.push(b'"');
        return;
    }
    let mut copied = 0;
    match controls {
        ControlChars::Raw => {
            for i in memchr::memchr2_iter(b'"', b'\\', bytes) {
                out.extend_from_slice(&bytes[copied..i]);
                out.push(b'\\');
                copied = i;
            }
        }
        ControlChars::Escaped => {
            for (i, &b) in bytes.iter().enumerate() {
                let replacement: &[u8] = match b {
                    b'"' => b"\\\"",
                    b'\\' => b"\\\\",
                    b'\n' => b"\\n",
                    b'\r' => b"\\r",
                    b'\t' => b"\\t",
                    _ => continue,
                };
                out.extend_from_slice(&bytes[copied..i]);
                out.extend_from_slice(replacement);
                copied = i + 1;
            }
        }
    }
    out.extend_from_slice(&bytes[copied..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rng::TestRng;

    fn name(s: &str, kind: NameClass) -> Result<String, NameProblem> {
        let mut out = Vec::new();
        write_name(&mut out, s, kind)?;
        assert_eq!(
            check_name(s, kind),
            Ok(()),
            "check and write disagree on {s:?}"
        );
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn measurement_escapes_comma_and_space_only() {
        assert_eq!(
            name("a,b c=d", NameClass::Measurement).unwrap(),
            r"a\,b\ c=d"
        );
        assert_eq!(
            name(r#"q"u'o#te"#, NameClass::Measurement).unwrap(),
            r#"q"u'o#te"#
        );
    }

    #[test]
    fn keys_escape_comma_equals_space() {
        assert_eq!(name("a,b c=d", NameClass::Key).unwrap(), r"a\,b\ c\=d");
        assert_eq!(name(" ", NameClass::Key).unwrap(), r"\ ");
        assert_eq!(name("=,", NameClass::Key).unwrap(), r"\=\,");
    }

    #[test]
    fn backslashes_not_at_the_end_are_written_as_is() {
        assert_eq!(name(r"a\b", NameClass::Key).unwrap(), r"a\b");
        assert_eq!(name(r"a\\b", NameClass::Key).unwrap(), r"a\\b");
        // A literal backslash before an escaped delimiter stays literal: the parser treats
        // all but the last backslash of a run as ordinary characters.
        assert_eq!(name(r"a\ b", NameClass::Key).unwrap(), r"a\\ b");
        assert_eq!(name(r"a\,b", NameClass::Measurement).unwrap(), r"a\\,b");
    }

    #[test]
    fn unicode_is_copied() {
        assert_eq!(name("São Paulo", NameClass::Key).unwrap(), r"São\ Paulo");
        assert_eq!(name("温度\u{a0}🌡", NameClass::Key).unwrap(), "温度\u{a0}🌡");
    }

    #[test]
    fn rejections() {
        for kind in [NameClass::Measurement, NameClass::Key] {
            assert_eq!(name("", kind), Err(NameProblem::Empty));
            assert_eq!(name(r"ab\", kind), Err(NameProblem::TrailingBackslash));
            assert_eq!(name(r"\", kind), Err(NameProblem::TrailingBackslash));
            for byte in (0u8..0x20).chain([0x7f]) {
                let s = format!("ab{}c", byte as char);
                assert_eq!(
                    name(&s, kind),
                    Err(NameProblem::Nonprintable { byte, offset: 2 })
                );
                assert_eq!(
                    check_name(&s, kind),
                    Err(NameProblem::Nonprintable { byte, offset: 2 })
                );
            }
        }
        assert_eq!(check_name("", NameClass::Key), Err(NameProblem::Empty));
        assert_eq!(
            check_name(r"x\", NameClass::Key),
            Err(NameProblem::TrailingBackslash)
        );
    }

    /// The word-at-a-time scan must find every special byte wherever it sits in a block.
    #[test]
    fn word_scan_matches_byte_table_at_every_position() {
        for kind in [NameClass::Measurement, NameClass::Key] {
            for len in 1..=19 {
                for pos in 0..len {
                    for special in [
                        ' ', ',', '=', '\t', '\0', '\u{1f}', '\u{7f}', '\\', 'a', 'é',
                    ] {
                        let text: String = (0..len)
                            .map(|i| if i == pos { special } else { 'x' })
                            .collect();
                        let mut naive = Vec::new();
                        let mut expected = Ok(());
                        for (i, &b) in text.as_bytes().iter().enumerate() {
                            match table(kind)[b as usize] {
                                PLAIN => naive.push(b),
                                ESCAPE => naive.extend_from_slice(&[b'\\', b]),
                                _ => {
                                    expected =
                                        Err(NameProblem::Nonprintable { byte: b, offset: i });
                                    break;
                                }
                            }
                        }
                        if text.ends_with('\\') {
                            expected = Err(NameProblem::TrailingBackslash);
                        }
                        let mut out = Vec::new();
                        let got = write_name(&mut out, &text, kind);
                        assert_eq!(got, expected, "{text:?} {kind:?}");
                        assert_eq!(check_name(&text, kind), expected, "{text:?} {kind:?}");
                        if expected.is_ok() {
                            assert_eq!(out, naive, "{text:?} {kind:?}");
                        }
                    }
                }
            }
        }
    }

    /// Names with many specials, on both sides of the short-name block path's 64-byte limit,
    /// written after other output: the same bytes (or the same first error) as one table
    /// lookup per byte.
    #[test]
    fn escaped_names_of_every_length_match_the_byte_table() {
        const ALPHABET: [char; 9] = ['a', ' ', ',', '=', '\\', 'é', '\t', '\u{7f}', 'z'];
        let mut rng = TestRng::new(0x9e37_79b9_7f4a_7c15);
        for round in 0..20_000 {
            // Mostly printable, so that most names reach the end; a few hold a bad byte.
            let letters = if round % 4 == 0 { 9 } else { 6 };
            let text: String = rng.pick(1 + round % 80, &ALPHABET[..letters]);
            for kind in [NameClass::Measurement, NameClass::Key] {
                let mut expected = Vec::from(&b"before,"[..]);
                let mut problem = None;
                for (i, &b) in text.as_bytes().iter().enumerate() {
                    match table(kind)[b as usize] {
                        PLAIN => expected.push(b),
                        ESCAPE => expected.extend_from_slice(&[b'\\', b]),
                        _ => {
                            problem = Some(NameProblem::Nonprintable { byte: b, offset: i });
                            break;
                        }
                    }
                }
                if text.ends_with('\\') {
                    problem = Some(NameProblem::TrailingBackslash);
                }
                let mut out = Vec::from(&b"before,"[..]);
                match problem {
                    Some(p) => assert_eq!(write_name(&mut out, &text, kind), Err(p), "{text:?}"),
                    None => {
                        assert_eq!(write_name(&mut out, &text, kind), Ok(()), "{text:?}");
                        assert_eq!(out, expected, "{text:?} {kind:?}");
                    }
                }
            }
        }
    }

    /// String values of every length up to 80 (both sides of the block path's limit), in both
    /// control modes: the same bytes as escaping one character at a time.
    #[test]
    fn strings_of_every_length_match_per_character_escaping() {
        const ALPHABET: [char; 7] = ['a', '"', '\\', 'é', '\n', ' ', '\t'];
        let mut rng = TestRng::new(0x2545_f491_4f6c_dd1d);
        for round in 0..20_000 {
            let text: String = rng.pick(round % 81, &ALPHABET);
            for controls in [ControlChars::Raw, ControlChars::Escaped] {
                let mut expected = String::from("x=\"");
                for c in text.chars() {
                    match (c, controls) {
                        ('"' | '\\', _) => expected.extend(['\\', c]),
                        ('\n', ControlChars::Escaped) => expected.push_str("\\n"),
                        ('\t', ControlChars::Escaped) => expected.push_str("\\t"),
                        _ => expected.push(c),
                    }
                }
                expected.push('"');
                let mut out = Vec::from(&b"x="[..]);
                write_string(&mut out, &text, controls);
                assert_eq!(String::from_utf8(out).unwrap(), expected, "{text:?}");
            }
        }
    }

    fn string(s: &str, controls: ControlChars) -> String {
        let mut out = Vec::new();
        write_string(&mut out, s, controls);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn strings_escape_quote_and_backslash() {
        for c in [ControlChars::Raw, ControlChars::Escaped] {
            assert_eq!(string("", c), r#""""#);
            assert_eq!(string(r#"say "hi"\"#, c), r#""say \"hi\"\\""#);
            assert_eq!(string(r"\\", c), r#""\\\\""#);
            assert_eq!(string("a, b=c d#", c), r#""a, b=c d#""#);
        }
    }

    #[test]
    fn string_controls_raw_or_escaped() {
        assert_eq!(
            string("a\nb\rc\td\u{1}", ControlChars::Raw),
            "\"a\nb\rc\td\u{1}\""
        );
        assert_eq!(
            string("a\nb\rc\td\u{1}", ControlChars::Escaped),
            "\"a\\nb\\rc\\td\u{1}\""
        );
        // A literal backslash-n stays distinguishable from an escaped newline.
        assert_eq!(string("\\n", ControlChars::Escaped), r#""\\n""#);
    }
}
