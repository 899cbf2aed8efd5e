//! Decoding escape sequences (spec §3.2). Only called for tokens the scanner marked as
//! escaped, so escape-free tokens stay borrowed slices of the input.
//!
//! The decoders take the token as an already validated `&str` and copy the runs between
//! backslashes with `push_str`: every escape drops or replaces ASCII bytes only, so each cut
//! falls on a character boundary and the output never needs validating again.

use crate::scan::{self, Escapes, NameClass};

/// Decodes a measurement, key or tag value into `out` (which the caller passes empty): a
/// backslash before a byte escapable in `class` is dropped; every other backslash stays (`\\`
/// is two backslashes, `a\b` stays `a\b`).
pub(crate) fn decode_name_into(raw: &str, class: NameClass, out: &mut String) {
    // Decoding only shortens the token, so reserving its length is enough.
    out.reserve(raw.len());
    let bytes = raw.as_bytes();
    // `run` starts the bytes not copied yet; `from` is where to look for the next backslash.
    let (mut run, mut from) = (0, 0);
    while let Some(at) = scan::next_backslash(bytes, from) {
        match bytes.get(at + 1) {
            Some(&next) if class.escapes(next) => {
                out.push_str(raw.get(run..at).unwrap_or_default());
                // The escaped byte starts the next run.
                run = at + 1;
                from = at + 2;
            }
            _ => from = at + 1,
        }
    }
    out.push_str(raw.get(run..).unwrap_or_default());
}

/// [`decode_name_into`] for a token whose escapes the scanner has located: copies the runs
/// between them without looking for them again. `window` is the input from the token's start
/// on (it may run past the token).
pub(crate) fn decode_name_at(
    raw: &str,
    window: &[u8],
    escapes: Escapes,
    class: NameClass,
    out: &mut String,
) {
    if escapes.beyond || !copy_runs::<false>(raw, window, escapes.mask, out) {
        decode_name_into(raw, class, out);
    }
}

/// Bytes a run copy may read and write past the run's end.
const BLOCK: usize = 16;

/// Appends `raw` decoded to `out` when it is at most 64 bytes long and `window` (the input
/// from `raw`'s start) holds [`BLOCK`] bytes past it; returns `false` (having appended nothing)
/// otherwise. `mask` has a bit at each escaping backslash: a name drops it, a string value
/// (`STRING`) replaces it and the byte after it with the decoded byte.
///
/// Why: escaped tokens are short runs between escapes. One `push_str` per run costs a `memcpy`
/// call each, with branches on the length; fixed-size block copies straight into the string's
/// spare capacity cost a few instructions per run (escapes corpus: about 14% faster).
#[inline(always)]
fn copy_runs<const STRING: bool>(raw: &str, window: &[u8], mask: u64, out: &mut String) -> bool {
    const MAX: usize = 64;
    let n = raw.len();
    if n > MAX || window.len() < n + BLOCK || !std::ptr::eq(window.as_ptr(), raw.as_ptr()) {
        return false;
    }
    #[allow(unsafe_code)]
    // SAFETY: the bytes of `out` are only written past its length (spare capacity) until the
    // `set_len` below, whose new bytes are checked there to keep `out` valid UTF-8.
    let bytes = unsafe { out.as_mut_vec() };
    let start = bytes.len();
    bytes.reserve(n + BLOCK);
    let spare = &mut bytes.spare_capacity_mut()[..n + BLOCK];
    let (mut j, mut k, mut m) = (0, 0, mask);
    // Whether every escape is where `set_len` needs it (one test at the end keeps the loop
    // free of extra branches).
    let mut escapes_ok = true;
    loop {
        let end = if m == 0 {
            n
        } else {
            m.trailing_zeros() as usize
        };
        escapes_ok &= m == 0 || (k <= end) & (window[end] == b'\\') & (!STRING || end + 1 < n);
        // The run `k..end` in blocks; a block's bytes past the run are overwritten next.
        let (mut from, mut to) = (k, j);
        while from < end {
            // In bounds: `from < n` and `window` holds `n + BLOCK` bytes; `to < n` (decoding
            // only shortens).
            for (slot, &b) in spare[to..to + BLOCK]
                .iter_mut()
                .zip(&window[from..from + BLOCK])
            {
                slot.write(b);
            }
            from += BLOCK;
            to += BLOCK;
        }
        // Wraps only for a mask that is no escape list (`k > end`), refused below if an index
        // has not panicked first.
        j = j.wrapping_add(end.wrapping_sub(k));
        if m == 0 {
            break;
        }
        m &= m - 1;
        if STRING {
            spare[j].write(STRING_ESCAPES[usize::from(window[end + 1])]);
            j += 1;
            k = end + 2;
        } else {
            k = end + 1;
        }
    }
    if !escapes_ok || j > n {
        return false;
    }
    #[allow(unsafe_code)]
    // SAFETY: initialised: the loop wrote every byte of `start..start + j` (each run, then each
    // decoded byte, in order) inside the spare capacity reserved above. Valid UTF-8: the new
    // bytes are those of `raw` (a `str`, the same memory as the start of `window`) with some
    // removed or replaced. Each removed byte is an ASCII backslash (checked above). In strings
    // the byte after it, inside `raw` (checked), is replaced by its `STRING_ESCAPES` entry:
    // ASCII for ASCII, itself otherwise. Removing a backslash or swapping ASCII for ASCII never
    // splits a multi-byte character.
    unsafe {
        bytes.set_len(start + j);
    }
    true
}

/// Decodes a string value's content into `out` (passed empty): `\"` `\\` and Go v2's `\n`
/// `\r` `\t`; any other backslash is kept with the byte after it.
pub(crate) fn decode_string_into(raw: &str, out: &mut String) {
    out.reserve(raw.len());
    let bytes = raw.as_bytes();
    let (mut run, mut from) = (0, 0);
    while let Some(at) = scan::next_backslash(bytes, from) {
        let Some(decoded) = bytes.get(at + 1).copied().and_then(string_escape) else {
            from = at + 1;
            continue;
        };
        out.push_str(raw.get(run..at).unwrap_or_default());
        out.push(char::from(decoded));
        run = at + 2;
        from = at + 2;
    }
    out.push_str(raw.get(run..).unwrap_or_default());
}

/// [`decode_string_into`] for content whose escapes the scanner has located; `window` as for
/// [`decode_name_at`].
pub(crate) fn decode_string_at(raw: &str, window: &[u8], escapes: Escapes, out: &mut String) {
    if escapes.beyond || !copy_runs::<true>(raw, window, escapes.mask, out) {
        decode_string_into(raw, out);
    }
}

/// [`string_escape`] as a byte table (identity where there is no escape).
static STRING_ESCAPES: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = match string_escape(b as u8) {
            Some(decoded) => decoded,
            None => b as u8,
        };
        b += 1;
    }
    t
};

/// What a backslash before `b` stands for in a string value, if it is an escape.
#[inline]
const fn string_escape(b: u8) -> Option<u8> {
    match b {
        b'"' | b'\\' => Some(b),
        b'n' => Some(b'\n'),
        b'r' => Some(b'\r'),
        b't' => Some(b'\t'),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Byte-level view of [`decode_name_into`] for the assertions below.
    fn unescape_name(raw: &[u8], class: NameClass) -> Vec<u8> {
        let mut out = String::new();
        decode_name_into(std::str::from_utf8(raw).unwrap(), class, &mut out);
        out.into_bytes()
    }

    /// Byte-level view of [`decode_string_into`] for the assertions below.
    fn unescape_string(raw: &[u8]) -> Vec<u8> {
        let mut out = String::new();
        decode_string_into(std::str::from_utf8(raw).unwrap(), &mut out);
        out.into_bytes()
    }

    /// The table must decode like `string_escape`, and keep ASCII ASCII and every other byte
    /// itself (what the block decoder's `set_len` relies on).
    #[test]
    fn string_escape_table_matches_the_map() {
        for b in 0..=255u8 {
            let mapped = STRING_ESCAPES[usize::from(b)];
            match string_escape(b) {
                Some(c) => assert_eq!(mapped, c),
                None => assert_eq!(mapped, b),
            }
            assert_eq!(mapped.is_ascii(), b.is_ascii());
        }
    }

    /// A mask that does not point at backslashes inside the token is refused, not trusted:
    /// nothing is appended (the decoders then fall back to scanning the token again).
    #[test]
    fn block_decoder_refuses_masks_that_are_no_escapes() {
        let input = "aé\\ b\\,c, followed by more input";
        let raw = &input[..9];
        let window = input.as_bytes();
        for (mask, string) in [
            (1 << 1, false),          // the first byte of 'é'
            (1 << 2 | 1 << 4, false), // the second byte of 'é', a space
            (1 << 5, true),           // a letter
        ] {
            let mut out = String::from("kept");
            let appended = if string {
                copy_runs::<true>(raw, window, mask, &mut out)
            } else {
                copy_runs::<false>(raw, window, mask, &mut out)
            };
            assert!(!appended, "mask {mask:#b}");
            assert_eq!(out, "kept");
        }
        let mut out = String::new();
        assert!(copy_runs::<false>(raw, window, 1 << 3 | 1 << 6, &mut out));
        assert_eq!(out, "aé b,c");
        // A window that is not the token's memory is refused too.
        let copy = window.to_vec();
        assert!(!copy_runs::<false>(raw, &copy, 1 << 3, &mut out));
        // String escapes: one whose second byte is past the token, overlapping ones.
        let input = "ab\\\\c\\\" and more input after the string";
        for (n, mask) in [(6, 1 << 5), (5, 1 << 2 | 1 << 3)] {
            let mut out = String::from("kept");
            assert!(!copy_runs::<true>(
                &input[..n],
                input.as_bytes(),
                mask,
                &mut out
            ));
            assert_eq!(out, "kept", "mask {mask:#b}");
        }
        assert!(copy_runs::<true>(
            &input[..5],
            input.as_bytes(),
            1 << 2,
            &mut out
        ));
        assert_eq!(out, "aé b,cab\\c");
    }

    #[test]
    fn names_keep_unescapable_backslashes() {
        assert_eq!(unescape_name(br"a\ b\,c", NameClass::Measurement), b"a b,c");
        assert_eq!(unescape_name(br"a\=b", NameClass::Measurement), br"a\=b");
        assert_eq!(unescape_name(br"a\=b", NameClass::Key), b"a=b");
        assert_eq!(
            unescape_name(br"two\\ words", NameClass::Key),
            br"two\ words"
        );
        assert_eq!(unescape_name(br"x\", NameClass::Key), br"x\");
    }

    #[test]
    fn strings_decode_go_v2_escapes() {
        assert_eq!(
            unescape_string(br#"a\"b\\c\nd\re\tf\xg"#),
            b"a\"b\\c\nd\re\tf\\xg"
        );
    }

    /// The located-escape decoders must agree with the scanning ones, including escapes at
    /// and past the 64-byte mask.
    #[test]
    fn located_escapes_decode_like_a_rescan() {
        let mut inputs: Vec<String> = [
            r"a\ b\,c",
            r"a\=b",
            r"two\\ words",
            r"x\",
            r"\ \,\=",
            r"a\b\\c",
            "na\\ ïve\\,x",
            r#"a\"b\\c\nd\re\tf\xg"#,
            r#"\\\""#,
            "multi\nline\\\"q",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for pad in [60, 61, 62, 63, 64, 65, 70] {
            inputs.push(format!("{}\\ x\\,y", "p".repeat(pad)));
            inputs.push(format!(r#"{}\"x\\y"#, "p".repeat(pad)));
        }
        for raw in &inputs {
            for class in [NameClass::Measurement, NameClass::Key] {
                // Without slack past the token the decoder copies run by run; with it, in
                // blocks that read past the token.
                for slack in ["", ",k=v more input after the token"] {
                    let input = format!("{raw}{slack}");
                    let (end, escapes) = scan::scan_name_escapes(input.as_bytes(), class);
                    let token = &input[..end];
                    let (mut at, mut rescanned) = (String::new(), String::new());
                    decode_name_at(token, input.as_bytes(), escapes, class, &mut at);
                    decode_name_into(token, class, &mut rescanned);
                    assert_eq!(at, rescanned, "{input:?} {class:?}");
                }
            }
            let content = format!("{raw}\" tail, long enough for block copies");
            // A trailing backslash escapes the closing quote: no string to decode.
            let Some((scan, escapes)) = scan::string_end_escapes(content.as_bytes()) else {
                assert!(raw.ends_with('\\'), "{raw:?}");
                continue;
            };
            let text = &content[..scan.end];
            let (mut at, mut rescanned) = (String::new(), String::new());
            decode_string_at(text, content.as_bytes(), escapes, &mut at);
            decode_string_into(text, &mut rescanned);
            assert_eq!(at, rescanned, "{raw:?} as a string");
            // Decoding appends: a non-empty buffer keeps its text.
            let mut after = String::from("kept ");
            decode_string_at(text, content.as_bytes(), escapes, &mut after);
            assert_eq!(after, format!("kept {rescanned}"));
        }
    }
}
