//! Decoding escape sequences (spec §3.2). Only called for tokens the scanner marked as
//! escaped, so escape-free tokens stay borrowed slices of the input.

use crate::scan::NameClass;

/// Decodes a measurement, key or tag value: a backslash before a byte escapable in `class`
/// is dropped; every other backslash stays (`\\` is two backslashes, `a\b` stays `a\b`).
pub(crate) fn unescape_name(raw: &[u8], class: NameClass) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while let Some(&b) = raw.get(i) {
        match raw.get(i + 1) {
            Some(&next) if b == b'\\' && class.escapes(next) => {
                out.push(next);
                i += 2;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// Decodes a string value's content: `\"` `\\` and Go v2's `\n` `\r` `\t`; any other
/// backslash is kept with the byte after it.
pub(crate) fn unescape_string(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while let Some(&b) = raw.get(i) {
        let decoded = match (b, raw.get(i + 1)) {
            (b'\\', Some(b'"')) => Some(b'"'),
            (b'\\', Some(b'\\')) => Some(b'\\'),
            (b'\\', Some(b'n')) => Some(b'\n'),
            (b'\\', Some(b'r')) => Some(b'\r'),
            (b'\\', Some(b't')) => Some(b'\t'),
            _ => None,
        };
        match decoded {
            Some(d) => {
                out.push(d);
                i += 2;
            }
            None => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
