//! Input plumbing for the grammar: the nom error type ([`Failure`]), the input with its
//! pre-validated UTF-8 prefix ([`Src`]) and the small line-end and control-byte tests that
//! every part of the grammar shares.

use nom::IResult;

use crate::error::{Element, ParseErrorKind};
use crate::scan;

/// A grammar failure inside one entry. Positions are kept as "bytes left" so that they are
/// independent of where the entry sits in a larger buffer.
#[derive(Debug)]
pub(crate) struct Failure {
    /// Bytes of the entry from the offending byte to the end of the input.
    pub(crate) rest_len: usize,
    /// Bytes left from where recovery starts looking for the next LF (`<= rest_len`). It is
    /// past the error position only for string values, which the Go decoder scans to their
    /// end (or the end of the input) before it reports their errors.
    pub(crate) resume_len: usize,
    /// What is wrong.
    pub(crate) kind: ParseErrorKind,
}

impl Failure {
    #[cold]
    pub(super) fn at(rest: &[u8], kind: ParseErrorKind) -> nom::Err<Self> {
        nom::Err::Failure(Failure {
            rest_len: rest.len(),
            resume_len: rest.len(),
            kind,
        })
    }
}

/// The input with the prefix of it already known to be valid UTF-8, so that tokens inside
/// that prefix become `&str` without validating each token again.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Src<'a> {
    pub(super) bytes: &'a [u8],
    text: &'a str,
}

impl<'a> Src<'a> {
    /// `bytes` with its longest valid UTF-8 prefix (one SIMD pass over the input: `simdutf8`
    /// validates non-ASCII text several times faster than `std`).
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        let text = match simdutf8::compat::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default(),
        };
        Src { bytes, text }
    }

    /// The valid prefix.
    pub(crate) fn text(self) -> &'a str {
        self.text
    }

    /// `bytes` where `text` is known to be a valid prefix view of the same memory.
    pub(crate) fn with_text(bytes: &'a [u8], text: &'a str) -> Self {
        debug_assert!(bytes.starts_with(text.as_bytes()));
        Src { bytes, text }
    }

    /// `tok` (a sub-slice of the input) as a `str`: free inside the checked prefix, else
    /// validated on its own.
    #[inline]
    pub(super) fn str_of(self, tok: &'a [u8]) -> Result<&'a str, std::str::Utf8Error> {
        let offset = (tok.as_ptr() as usize).wrapping_sub(self.bytes.as_ptr() as usize);
        // `text` views the same memory as `bytes`, so the same range is the same bytes.
        let known = offset
            .checked_add(tok.len())
            .and_then(|end| self.text.get(offset..end));
        match known {
            Some(text) => Ok(text),
            None => std::str::from_utf8(tok),
        }
    }
}

pub(super) type PResult<'a, T> = IResult<&'a [u8], T, Failure>;

#[cold]
pub(super) fn fail<'a, T>(at: &[u8], kind: ParseErrorKind) -> PResult<'a, T> {
    Err(Failure::at(at, kind))
}

/// Line end at the start of `i`: end of input, LF, CRLF, or a CR that is the last byte.
/// Returns (bytes, LFs) consumed.
#[inline]
pub(super) fn line_end(i: &[u8]) -> Option<(usize, usize)> {
    match i {
        [] => Some((0, 0)),
        [b'\n', ..] => Some((1, 1)),
        [b'\r', b'\n', ..] => Some((2, 1)),
        [b'\r'] => Some((1, 0)),
        _ => None,
    }
}

/// The error for a control byte found where a token ended: a CR that ends no line is a bare
/// CR, anything else is an invalid character of `element`.
pub(super) fn bad_byte(at: &[u8], element: Element) -> ParseErrorKind {
    match at.first() {
        Some(b'\r') => ParseErrorKind::BareCarriageReturn,
        Some(&byte) => ParseErrorKind::InvalidCharacter { element, byte },
        None => ParseErrorKind::MissingFields,
    }
}

pub(super) fn is_line_end(i: &[u8]) -> bool {
    line_end(i).is_some()
}

pub(super) fn is_control(i: &[u8]) -> bool {
    i.first().is_some_and(|&b| scan::is_nonprintable(b))
}
