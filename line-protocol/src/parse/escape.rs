//! Decoding escape sequences (spec §3.2). Only called for tokens the scanner marked as
//! escaped, so escape-free tokens stay borrowed slices of the input.
//!
//! The decoders take the token as an already validated `&str` and copy the runs between
//! backslashes with `push_str`: every escape drops or replaces ASCII bytes only, so each cut
//! falls on a character boundary and the output never needs validating again.

use crate::scan::{self, NameClass};

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

/// Decodes a string value's content into `out` (passed empty): `\"` `\\` and Go v2's `\n`
/// `\r` `\t`; any other backslash is kept with the byte after it.
pub(crate) fn decode_string_into(raw: &str, out: &mut String) {
    out.reserve(raw.len());
    let bytes = raw.as_bytes();
    let (mut run, mut from) = (0, 0);
    while let Some(at) = scan::next_backslash(bytes, from) {
        let decoded = match bytes.get(at + 1) {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            _ => {
                from = at + 1;
                continue;
            }
        };
        out.push_str(raw.get(run..at).unwrap_or_default());
        out.push(decoded);
        run = at + 2;
        from = at + 2;
    }
    out.push_str(raw.get(run..).unwrap_or_default());
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
}
