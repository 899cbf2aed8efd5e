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
/// between them without looking for them again.
pub(crate) fn decode_name_at(raw: &str, escapes: Escapes, class: NameClass, out: &mut String) {
    if escapes.beyond {
        return decode_name_into(raw, class, out);
    }
    out.reserve(raw.len());
    let (mut run, mut mask) = (0, escapes.mask);
    while mask != 0 {
        let at = mask.trailing_zeros() as usize;
        out.push_str(raw.get(run..at).unwrap_or_default());
        // The escaped byte starts the next run.
        run = at + 1;
        mask &= mask - 1;
    }
    out.push_str(raw.get(run..).unwrap_or_default());
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
        out.push(decoded);
        run = at + 2;
        from = at + 2;
    }
    out.push_str(raw.get(run..).unwrap_or_default());
}

/// [`decode_string_into`] for content whose escapes the scanner has located.
pub(crate) fn decode_string_at(raw: &str, escapes: Escapes, out: &mut String) {
    if escapes.beyond {
        return decode_string_into(raw, out);
    }
    out.reserve(raw.len());
    let bytes = raw.as_bytes();
    let (mut run, mut mask) = (0, escapes.mask);
    while mask != 0 {
        let at = mask.trailing_zeros() as usize;
        out.push_str(raw.get(run..at).unwrap_or_default());
        if let Some(decoded) = bytes.get(at + 1).copied().and_then(string_escape) {
            out.push(decoded);
        }
        run = at + 2;
        mask &= mask - 1;
    }
    out.push_str(raw.get(run..).unwrap_or_default());
}

/// What a backslash before `b` stands for in a string value, if it is an escape.
#[inline]
fn string_escape(b: u8) -> Option<char> {
    match b {
        b'"' => Some('"'),
        b'\\' => Some('\\'),
        b'n' => Some('\n'),
        b'r' => Some('\r'),
        b't' => Some('\t'),
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
                let (end, escapes) = scan::scan_name_escapes(raw.as_bytes(), class);
                let token = &raw[..end];
                let (mut at, mut rescanned) = (String::new(), String::new());
                decode_name_at(token, escapes, class, &mut at);
                decode_name_into(token, class, &mut rescanned);
                assert_eq!(at, rescanned, "{raw:?} {class:?}");
            }
            let content = format!("{raw}\" tail");
            // A trailing backslash escapes the closing quote: no string to decode.
            let Some((scan, escapes)) = scan::string_end_escapes(content.as_bytes()) else {
                assert!(raw.ends_with('\\'), "{raw:?}");
                continue;
            };
            let text = &content[..scan.end];
            let (mut at, mut rescanned) = (String::new(), String::new());
            decode_string_at(text, escapes, &mut at);
            decode_string_into(text, &mut rescanned);
            assert_eq!(at, rescanned, "{raw:?} as a string");
        }
    }
}
