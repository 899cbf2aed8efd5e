//! Byte scanning: where the next delimiter is. Kept apart from the grammar ([`crate::parse`]).
//!
//! Everything here answers "how far does this token run?" with lookup tables, word-at-a-time
//! (SWAR) tests, SSE2 blocks on x86-64 (names and string values, where escapes are handled as
//! bit masks) and `memchr`; nothing here knows what a point is. The grammar calls these
//! functions and decides what the delimiter it finds means.
//!
//! ```
//! use line_protocol::scan::{scan_name, NameClass};
//!
//! // A tag value runs to the first unescaped ',', '=', space or control byte.
//! let s = scan_name(b"two\\ words,x=1", NameClass::Key);
//! assert_eq!(s.end, 10);
//! assert!(s.escaped);
//! ```

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
mod sse2;

/// Control bytes 0x00–0x1F and DEL.
const NONPRINT: u8 = 1;
/// Bytes that stop a measurement run: `,` SP `\` and control bytes.
const MEAS_STOP: u8 = 1 << 1;
/// Bytes that stop a key or tag-value run: `,` `=` SP `\` and control bytes.
const KEY_STOP: u8 = 1 << 2;
/// Bytes a backslash escapes in a measurement: `,` SP.
const MEAS_ESC: u8 = 1 << 3;
/// Bytes a backslash escapes in keys and tag values: `,` `=` SP.
const KEY_ESC: u8 = 1 << 4;
/// Bytes that end a non-string field value: `,` SP CR LF.
const VALUE_STOP: u8 = 1 << 5;
/// Bytes a string value's scan stops at: `"`, `\` and LF (counted for line numbers).
const STRING_STOP: u8 = 1 << 7;
/// Bytes not allowed in a comment: control bytes except TAB (CR and LF end it).
const COMMENT_BAD: u8 = 1 << 6;

const fn build_classes() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        let mut v = 0;
        if c < 0x20 || c == 0x7f {
            v |= NONPRINT | MEAS_STOP | KEY_STOP;
            if c != b'\t' {
                v |= COMMENT_BAD;
            }
        }
        if c == b',' || c == b' ' || c == b'\\' {
            v |= MEAS_STOP | KEY_STOP;
        }
        if c == b'=' {
            v |= KEY_STOP | KEY_ESC;
        }
        if c == b',' || c == b' ' {
            v |= MEAS_ESC | KEY_ESC;
        }
        if c == b',' || c == b' ' || c == b'\r' || c == b'\n' {
            v |= VALUE_STOP;
        }
        if c == b'"' || c == b'\\' || c == b'\n' {
            v |= STRING_STOP;
        }
        t[b] = v;
        b += 1;
    }
    t
}

static CLASSES: [u8; 256] = build_classes();

#[inline(always)]
fn class(b: u8) -> u8 {
    CLASSES[b as usize]
}

/// Whether `b` is a control byte (0x00–0x1F or DEL), which the grammar calls nonprintable.
///
/// ```
/// assert!(line_protocol::scan::is_nonprintable(b'\t'));
/// assert!(!line_protocol::scan::is_nonprintable(b'a'));
/// ```
#[inline]
pub fn is_nonprintable(b: u8) -> bool {
    class(b) & NONPRINT != 0
}

/// Which escaping rules a name token follows.
///
/// ```
/// use line_protocol::scan::{scan_name, NameClass};
/// // '=' is ordinary in a measurement but ends a key.
/// assert_eq!(scan_name(b"a=b c", NameClass::Measurement).end, 3);
/// assert_eq!(scan_name(b"a=b c", NameClass::Key).end, 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameClass {
    /// A measurement: ends at `,` SP or a control byte; `\,` and `\ ` are escapes.
    Measurement,
    /// A tag key, tag value or field key: ends at `,` `=` SP or a control byte; `\,` `\=` `\ `
    /// are escapes.
    Key,
}

impl NameClass {
    #[inline(always)]
    fn masks(self) -> (u8, u8) {
        match self {
            NameClass::Measurement => (MEAS_STOP, MEAS_ESC),
            NameClass::Key => (KEY_STOP, KEY_ESC),
        }
    }

    /// Whether a backslash before `b` forms an escape sequence in this class.
    ///
    /// ```
    /// use line_protocol::scan::NameClass;
    /// assert!(NameClass::Key.escapes(b'='));
    /// assert!(!NameClass::Measurement.escapes(b'='));
    /// assert!(!NameClass::Key.escapes(b'\\'));
    /// ```
    #[inline]
    pub fn escapes(self, b: u8) -> bool {
        class(b) & self.masks().1 != 0
    }
}

/// The extent of a name token found by [`scan_name`].
///
/// ```
/// let s = line_protocol::scan::scan_name(b"cpu load", line_protocol::scan::NameClass::Measurement);
/// assert_eq!((s.end, s.escaped), (3, false));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameScan {
    /// Index of the first byte after the token (the unescaped delimiter, or the input length).
    pub end: usize,
    /// Whether the token holds at least one escape sequence (so it must be decoded).
    pub escaped: bool,
}

/// Finds the end of a name token at the start of `input`.
///
/// A backslash escapes the next byte only when that byte is escapable for `class`; otherwise
/// the backslash is an ordinary byte and the next byte is examined on its own (Go v2 rule, spec
/// §3.2). A backslash at the very end of the input is ordinary.
///
/// ```
/// use line_protocol::scan::{scan_name, NameClass};
/// // `\\` is no escape: the second backslash escapes the space.
/// assert_eq!(scan_name(b"a\\\\ b c", NameClass::Key).end, 5);
/// assert_eq!(scan_name(b"a\\", NameClass::Key).end, 2);
/// ```
#[inline]
pub fn scan_name(input: &[u8], class_: NameClass) -> NameScan {
    let (end, escapes) = scan_name_escapes(input, class_);
    NameScan {
        end,
        escaped: escapes != Escapes::NONE,
    }
}

/// Where the escaping backslashes of a name token are: bit `k` of `mask` is set when byte `k`
/// is one; `beyond` when there are some past the first 64 bytes. Lets the decoder copy the
/// runs between them without scanning the token again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Escapes {
    pub(crate) mask: u64,
    pub(crate) beyond: bool,
}

impl Escapes {
    pub(crate) const NONE: Escapes = Escapes {
        mask: 0,
        beyond: false,
    };

    /// Notes an escaping backslash at byte `at` of the token.
    #[inline(always)]
    fn record(&mut self, at: usize) {
        if at < 64 {
            self.mask |= 1 << at;
        } else {
            self.beyond = true;
        }
    }

    /// Notes the escaping backslashes at the set bits of `bits` (bit `k` = byte `at + k`);
    /// `at` is a multiple of 16 and `bits` below `1 << 16`, so nothing is shifted out.
    #[cfg_attr(
        not(all(target_arch = "x86_64", target_feature = "sse2")),
        allow(dead_code)
    )]
    #[inline(always)]
    fn record_bits(&mut self, at: usize, bits: u64) {
        if bits != 0 {
            if at < 64 {
                self.mask |= bits << at;
            } else {
                self.beyond = true;
            }
        }
    }
}

/// [`scan_name`] with the positions of the escapes.
#[inline(always)]
pub(crate) fn scan_name_escapes(input: &[u8], class_: NameClass) -> (usize, Escapes) {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    return sse2::scan_name_escapes(input, class_);
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    return name_escapes_by_runs(input, class_);
}

/// The portable [`scan_name_escapes`]: run to the next stop byte or backslash, word at a time.
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
#[inline(always)]
fn name_escapes_by_runs(input: &[u8], class_: NameClass) -> (usize, Escapes) {
    let (stop, esc) = class_.masks();
    let mut i = 0;
    let mut escapes = Escapes::NONE;
    loop {
        i = run_until(input, i, stop);
        match input.get(i) {
            Some(b'\\') => match input.get(i + 1) {
                Some(&next) if class(next) & esc != 0 => {
                    escapes.record(i);
                    i += 2;
                }
                _ => i += 1,
            },
            _ => return (i, escapes),
        }
    }
}

/// Bit masks over `bytes` (bit `k` = byte `k`; at most 64 bytes, a multiple of 16): the bytes
/// a name of `class` must escape when written (`,`, space and, for keys, `=`) and the bytes it
/// cannot hold (control bytes and DEL). For the serializer, which writes escaped names in
/// blocks.
#[inline]
pub(crate) fn name_specials(bytes: &[u8], class_: NameClass) -> (u64, u64) {
    debug_assert!(bytes.len() <= 64 && bytes.len() % 16 == 0);
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    return sse2::name_specials(bytes, class_);
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    return name_specials_by_table(bytes, class_);
}

/// Bit mask over `bytes` (as for [`name_specials`]) of the bytes a string value must escape
/// when written: `"` and `\`.
#[inline]
pub(crate) fn string_specials(bytes: &[u8]) -> u64 {
    debug_assert!(bytes.len() <= 64 && bytes.len() % 16 == 0);
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    return sse2::string_specials(bytes);
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    return string_specials_by_bytes(bytes);
}

/// The portable [`string_specials`].
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
fn string_specials_by_bytes(bytes: &[u8]) -> u64 {
    bytes.iter().enumerate().fold(0, |mask, (k, &b)| {
        mask | u64::from(b == b'"' || b == b'\\') << k
    })
}

/// The portable [`name_specials`].
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
fn name_specials_by_table(bytes: &[u8], class_: NameClass) -> (u64, u64) {
    let (_, esc) = class_.masks();
    bytes
        .iter()
        .enumerate()
        .fold((0, 0), |(escape, invalid), (k, &b)| {
            (
                escape | u64::from(class(b) & esc != 0) << k,
                invalid | u64::from(class(b) & NONPRINT != 0) << k,
            )
        })
}

/// First index `>= i` whose byte has a class bit of `stop`, or `input.len()`.
#[inline(always)]
fn run_until(input: &[u8], mut i: usize, stop: u8) -> usize {
    // Eight bytes at a time while the input has them, then the table for the tail.
    while let Some(chunk) = input.get(i..).and_then(<[u8]>::first_chunk::<8>) {
        let mask = stop_mask(u64::from_le_bytes(*chunk), stop);
        if mask != 0 {
            return i + (mask.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&b) = input.get(i) {
        if class(b) & stop != 0 {
            return i;
        }
        i += 1;
    }
    i
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// High bit set in each byte of `x` equal to `c`. Bytes above (more significant than) the
/// first match may be flagged spuriously; only the lowest flagged byte is ever used.
#[inline(always)]
fn eq_bytes(x: u64, c: u8) -> u64 {
    let t = x ^ (LO * u64::from(c));
    t.wrapping_sub(LO) & !t & HI
}

/// High bit set in each byte of `x` below `n` (`n <= 0x80`); same caveat as [`eq_bytes`].
#[inline(always)]
fn lt_bytes(x: u64, n: u8) -> u64 {
    x.wrapping_sub(LO * u64::from(n)) & !x & HI
}

/// The SWAR form of the class table for the stop sets used with [`run_until`].
#[inline(always)]
fn stop_mask(x: u64, stop: u8) -> u64 {
    let mut m = 0;
    if stop & (MEAS_STOP | KEY_STOP) != 0 {
        // Below 0x21 covers the control bytes and the space in one test.
        m |= lt_bytes(x, 0x21) | eq_bytes(x, b',') | eq_bytes(x, b'\\') | eq_bytes(x, 0x7f);
    }
    if stop & KEY_STOP != 0 {
        m |= eq_bytes(x, b'=');
    }
    if stop & STRING_STOP != 0 {
        m |= eq_bytes(x, b'"') | eq_bytes(x, b'\\') | eq_bytes(x, b'\n');
    }
    if stop & VALUE_STOP != 0 {
        m |= eq_bytes(x, b',') | eq_bytes(x, b' ') | eq_bytes(x, b'\r') | eq_bytes(x, b'\n');
    }
    m
}

/// Length of the non-string field value at the start of `input`: up to `,` SP CR LF or the end.
///
/// ```
/// assert_eq!(line_protocol::scan::value_end(b"21.5,h=1"), 4);
/// assert_eq!(line_protocol::scan::value_end(b"1\t"), 2);
/// ```
#[inline]
pub fn value_end(input: &[u8]) -> usize {
    run_until(input, 0, VALUE_STOP)
}

/// Index of the first backslash at or after `from`, if any. Word-at-a-time like the other
/// scans: the decoders use it to jump between the escapes of a short token, where `memchr`'s
/// setup costs more than the search.
///
/// ```
/// assert_eq!(line_protocol::scan::next_backslash(b"a\\ b\\,c", 2), Some(4));
/// assert_eq!(line_protocol::scan::next_backslash(b"abc", 0), None);
/// ```
#[inline]
pub fn next_backslash(input: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while let Some(chunk) = input.get(i..).and_then(<[u8]>::first_chunk::<8>) {
        let mask = eq_bytes(u64::from_le_bytes(*chunk), b'\\');
        if mask != 0 {
            return Some(i + (mask.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    let tail = input.get(i..)?;
    tail.iter().position(|&b| b == b'\\').map(|k| i + k)
}

/// Number of leading spaces (0x20 only; TAB is not a separator).
///
/// ```
/// assert_eq!(line_protocol::scan::spaces(b"   x"), 3);
/// assert_eq!(line_protocol::scan::spaces(b"\tx"), 0);
/// ```
#[inline]
pub fn spaces(input: &[u8]) -> usize {
    input.iter().position(|&b| b != b' ').unwrap_or(input.len())
}

/// The extent of a string value found by [`string_end`].
///
/// ```
/// let s = line_protocol::scan::string_end(b"a\\\"b\nc\" x").unwrap();
/// assert_eq!((s.end, s.escaped, s.newlines), (6, true, 1));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StringScan {
    /// Index of the closing quote.
    pub end: usize,
    /// Whether the content holds a decodable escape (`\"` `\\` `\n` `\r` `\t`).
    pub escaped: bool,
    /// LF bytes in the content (strings may span lines).
    pub newlines: usize,
}

impl StringScan {
    /// The scan of a string closed at `end`, with the scanner's `escapes` and LF count.
    #[inline(always)]
    fn closed(end: usize, escapes: Escapes, newlines: usize) -> (StringScan, Escapes) {
        let scan = StringScan {
            end,
            escaped: escapes != Escapes::NONE,
            newlines,
        };
        (scan, escapes)
    }
}

/// Finds the closing quote of a string value whose content starts at `input[0]` (just after
/// the opening quote). `None` if the input ends first. Every byte but an unescaped `"` is
/// content, including LF and CR: strings may span lines.
///
/// ```
/// use line_protocol::scan::string_end;
/// assert_eq!(string_end(b"a\nb\" 1").unwrap().end, 3);
/// assert!(string_end(b"a\\\"").is_none()); // the quote is escaped
/// assert_eq!(string_end(b"a\\\\\"").unwrap().end, 3);
/// ```
#[inline]
pub fn string_end(input: &[u8]) -> Option<StringScan> {
    string_end_escapes(input).map(|(scan, _)| scan)
}

/// Whether a backslash before `b` is an escape in a string value: `\"` `\\` and Go v2's `\n`
/// `\r` `\t` (the set the string decoder maps; a unit test there checks the two agree).
#[inline(always)]
pub(crate) fn is_string_escape(b: u8) -> bool {
    matches!(b, b'"' | b'\\' | b'n' | b'r' | b't')
}

/// [`string_end`] with the positions of the decodable escapes (each one's backslash).
#[inline(always)]
pub(crate) fn string_end_escapes(input: &[u8]) -> Option<(StringScan, Escapes)> {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    return sse2::string_end_escapes(input);
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    return string_escapes_by_runs(input);
}

/// The portable [`string_end_escapes`].
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
#[inline(always)]
fn string_escapes_by_runs(input: &[u8]) -> Option<(StringScan, Escapes)> {
    let mut i = 0;
    let mut escapes = Escapes::NONE;
    let mut newlines = 0;
    loop {
        i = run_until(input, i, STRING_STOP);
        match *input.get(i)? {
            b'"' => return Some(StringScan::closed(i, escapes, newlines)),
            b'\n' => {
                newlines += 1;
                i += 1;
            }
            _ => {
                // A backslash: whatever follows cannot close the string (`\"`), and `\\` is
                // a pair, so skipping the next byte finds the same closing quote as the Go
                // decoder. A skipped LF still counts as a line.
                let next = *input.get(i + 1)?;
                if is_string_escape(next) {
                    escapes.record(i);
                }
                newlines += usize::from(next == b'\n');
                i += 2;
            }
        }
    }
}

/// Length of a comment's text at the start of `input` (just after `#`): up to the first byte
/// that a comment may not hold (a control byte other than TAB; this includes CR and LF).
///
/// ```
/// assert_eq!(line_protocol::scan::comment_end(b" a\tb\r\n"), 4);
/// ```
#[inline]
pub fn comment_end(input: &[u8]) -> usize {
    input
        .iter()
        .position(|&b| class(b) & COMMENT_BAD != 0)
        .unwrap_or(input.len())
}

/// Index of the first LF at or after `from`, if any.
///
/// ```
/// assert_eq!(line_protocol::scan::next_lf(b"ab\ncd\n", 3), Some(5));
/// ```
#[inline]
pub fn next_lf(input: &[u8], from: usize) -> Option<usize> {
    memchr::memchr(b'\n', input.get(from..)?).map(|k| from + k)
}

/// Number of LF bytes in `input`.
///
/// ```
/// assert_eq!(line_protocol::scan::count_lf(b"a\nb\r\nc"), 2);
/// ```
#[inline]
pub fn count_lf(input: &[u8]) -> usize {
    memchr::memchr_iter(b'\n', input).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The name rule byte by byte (spec §3.2): the scanners must agree with it.
    fn reference_name(input: &[u8], class_: NameClass) -> (usize, Vec<usize>) {
        let (stop, esc) = class_.masks();
        let (mut i, mut escapes) = (0, Vec::new());
        while let Some(&b) = input.get(i) {
            if b == b'\\' && input.get(i + 1).is_some_and(|&n| class(n) & esc != 0) {
                escapes.push(i);
                i += 2;
            } else if class(b) & stop != 0 && b != b'\\' {
                break;
            } else {
                i += 1;
            }
        }
        (i, escapes)
    }

    /// The string rule byte by byte: every backslash pairs with the next byte; the decodable
    /// pairs are `\"` `\\` `\n` `\r` `\t`.
    fn reference_string(input: &[u8]) -> Option<(usize, usize, Vec<usize>)> {
        let (mut i, mut newlines, mut escapes) = (0, 0, Vec::new());
        loop {
            match *input.get(i)? {
                b'"' => return Some((i, newlines, escapes)),
                b'\\' => {
                    let next = *input.get(i + 1)?;
                    if matches!(next, b'"' | b'\\' | b'n' | b'r' | b't') {
                        escapes.push(i);
                    }
                    newlines += usize::from(next == b'\n');
                    i += 2;
                }
                b => {
                    newlines += usize::from(b == b'\n');
                    i += 1;
                }
            }
        }
    }

    fn located(positions: &[usize]) -> Escapes {
        let mut escapes = Escapes::NONE;
        positions.iter().for_each(|&at| escapes.record(at));
        escapes
    }

    /// Pseudo-random tokens over the bytes the scanners treat specially, at every word
    /// alignment and across word boundaries (deterministic: a fixed LCG seed).
    fn tricky_inputs() -> impl Iterator<Item = Vec<u8>> {
        const ALPHABET: &[u8] = b"ab\\\\\\, =\"ntr\n\r\t\x7f\x00\xc3\xa9-";
        let mut rng = crate::test_rng::TestRng::new(0x2545_f491_4f6c_dd1d);
        (0..60_000).map(move |_| {
            let len = rng.below(80);
            rng.pick(len, ALPHABET)
        })
    }

    #[test]
    fn scanners_match_the_byte_rules() {
        for input in tricky_inputs() {
            for class_ in [NameClass::Measurement, NameClass::Key] {
                let (end, escapes) = reference_name(&input, class_);
                let expected = (end, located(&escapes));
                assert_eq!(
                    scan_name_escapes(&input, class_),
                    expected,
                    "{class_:?} {input:?}"
                );
                assert_eq!(name_escapes_by_runs(&input, class_), expected, "{input:?}");
            }
            let expected = reference_string(&input).map(|(end, newlines, escapes)| {
                let scan = StringScan {
                    end,
                    escaped: !escapes.is_empty(),
                    newlines,
                };
                (scan, located(&escapes))
            });
            assert_eq!(string_end_escapes(&input), expected, "string {input:?}");
            assert_eq!(string_escapes_by_runs(&input), expected, "string {input:?}");
        }
    }

    /// The word-at-a-time backslash search must agree with a plain search at every offset.
    #[test]
    fn name_specials_match_the_table() {
        let mut bytes = [0u8; 64];
        for start in [0u8, 64, 128, 192] {
            for (k, b) in bytes.iter_mut().enumerate() {
                *b = start + k as u8;
            }
            for class_ in [NameClass::Measurement, NameClass::Key] {
                for len in [16, 32, 48, 64] {
                    assert_eq!(
                        name_specials(&bytes[..len], class_),
                        name_specials_by_table(&bytes[..len], class_),
                        "{start} {class_:?}"
                    );
                }
            }
        }
        for len in [16, 32, 48, 64] {
            assert_eq!(
                string_specials(&bytes[..len]),
                string_specials_by_bytes(&bytes[..len])
            );
        }
        let quotes: [u8; 64] = std::array::from_fn(|k| [b'a', b'"', b'\\', 0xe9][k % 4]);
        assert_eq!(string_specials(&quotes), 0x6666_6666_6666_6666);
        assert_eq!(string_specials_by_bytes(&quotes), 0x6666_6666_6666_6666);
        // Bytes 0x00..0x40: the control bytes are invalid; space, ',' and '=' are escaped.
        let first: [u8; 64] = std::array::from_fn(|k| k as u8);
        let (escape, invalid) = name_specials_by_table(&first, NameClass::Key);
        assert_eq!(escape, 1 << b' ' | 1 << b',' | 1 << b'=');
        assert_eq!(invalid, (1 << 0x20) - 1);
    }

    #[test]
    fn next_backslash_matches_a_plain_search() {
        let input = b"ab\\cdefghij\\\\klmnopqrstu\\v";
        for from in 0..=input.len() + 1 {
            let expected = input
                .get(from..)
                .and_then(|t| t.iter().position(|&b| b == b'\\'))
                .map(|k| from + k);
            assert_eq!(next_backslash(input, from), expected, "from {from}");
        }
    }

    /// The word-at-a-time scan must agree with the table on every byte at every position.
    #[test]
    fn swar_matches_the_table() {
        for stop in [MEAS_STOP, KEY_STOP, VALUE_STOP, STRING_STOP] {
            for b in 0..=255u8 {
                for pos in 0..12 {
                    let mut input = vec![b'a'; 12];
                    input[pos] = b;
                    // A non-stop high byte before the probe must not hide it.
                    if pos > 0 {
                        input[pos - 1] = 0xc3;
                    }
                    let expected = input
                        .iter()
                        .position(|&c| class(c) & stop != 0)
                        .unwrap_or(input.len());
                    let found = if stop == VALUE_STOP {
                        value_end(&input)
                    } else {
                        run_until(&input, 0, stop)
                    };
                    assert_eq!(found, expected, "stop {stop} byte {b:#x} at {pos}");
                }
            }
        }
    }
}
