//! Parse errors: where (1-based line and byte column) and what ([`ParseErrorKind`]).

use std::fmt;

/// A syntax or range error in one line of line protocol.
///
/// Errors are per line: the parser reports the error and carries on with the next line, so
/// the good points around a bad line are never lost.
///
/// ```
/// use line_protocol::{parse_lines, ParseErrorKind};
///
/// let mut lines = parse_lines(b"cpu,=v f=1\ncpu f=2\n");
/// let err = lines.next().unwrap().unwrap_err();
/// assert_eq!((err.line, err.column), (1, 5));
/// assert_eq!(err.kind, ParseErrorKind::EmptyTagKey);
/// assert_eq!(err.to_string(), "line 1, column 5: empty tag key");
/// // The next line still parses.
/// assert!(lines.next().unwrap().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {kind}")]
pub struct ParseError {
    /// The 1-based line of the offending byte.
    pub line: usize,
    /// The 1-based byte column of the offending byte within its line.
    pub column: usize,
    /// What is wrong.
    pub kind: ParseErrorKind,
}

/// The part of a line that an error is about.
///
/// ```
/// assert_eq!(line_protocol::error::Element::TagValue.to_string(), "tag value");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Element {
    /// The measurement name.
    Measurement,
    /// A tag key.
    TagKey,
    /// A tag value.
    TagValue,
    /// A field key.
    FieldKey,
    /// A field value.
    FieldValue,
    /// The timestamp.
    Timestamp,
    /// A comment line.
    Comment,
}

impl fmt::Display for Element {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Element::Measurement => "measurement",
            Element::TagKey => "tag key",
            Element::TagValue => "tag value",
            Element::FieldKey => "field key",
            Element::FieldValue => "field value",
            Element::Timestamp => "timestamp",
            Element::Comment => "comment",
        })
    }
}

/// Why a number (integer, unsigned, float or timestamp) was rejected.
///
/// ```
/// use line_protocol::error::NumberError;
/// assert_eq!(NumberError::OutOfRange.to_string(), "out of range");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NumberError {
    /// The text is not a number of the expected form.
    InvalidSyntax,
    /// The number does not fit the type (or is infinite, for floats).
    OutOfRange,
}

impl fmt::Display for NumberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NumberError::InvalidSyntax => "invalid syntax",
            NumberError::OutOfRange => "out of range",
        })
    }
}

/// What is wrong with a line. `Display` gives the message alone; [`ParseError`] adds the place.
///
/// Keys in the messages are the decoded (unescaped) keys.
///
/// ```
/// use line_protocol::{parse_point, ParseErrorKind, Precision};
/// use line_protocol::error::NumberError;
///
/// let err = parse_point(b"m f=99999999999999999999i", Precision::Nanoseconds).unwrap_err();
/// assert_eq!(
///     err.kind,
///     ParseErrorKind::InvalidInteger { key: "f".into(), reason: NumberError::OutOfRange }
/// );
/// assert_eq!(err.kind.to_string(), "invalid integer value for field \"f\": out of range");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The line starts with `,` (no measurement name).
    #[error("missing measurement name")]
    EmptyMeasurement,
    /// A byte that may not appear raw in this element (a control byte, or `=` in a tag value).
    #[error("invalid character {byte:?} in {element}", byte = char::from(*.byte))]
    InvalidCharacter {
        /// Where the byte was found.
        element: Element,
        /// The offending byte.
        byte: u8,
    },
    /// A token is not valid UTF-8.
    #[error("invalid UTF-8 in {element}")]
    InvalidUtf8 {
        /// The token holding the bad bytes.
        element: Element,
    },
    /// A comma after the measurement or a tag is not followed by a tag key.
    #[error("expected tag key after ','")]
    MissingTagKey,
    /// A tag key is empty (`m,=v`).
    #[error("empty tag key")]
    EmptyTagKey,
    /// A tag key is not followed by `=`.
    #[error("expected '=' after tag key {key:?}")]
    MissingTagEquals {
        /// The tag key.
        key: String,
    },
    /// A tag has an empty value (`m,t= f=1`).
    #[error("empty value for tag {key:?}")]
    EmptyTagValue {
        /// The tag key.
        key: String,
    },
    /// The line has a measurement (and maybe tags) but no field set.
    #[error("missing field set")]
    MissingFields,
    /// A field key is empty (`m =1`, `m f=1,`, `m f=1,,g=2`).
    #[error("empty field key")]
    EmptyFieldKey,
    /// A field key is not followed by `=`.
    #[error("expected '=' after field key {key:?}")]
    MissingFieldEquals {
        /// The field key.
        key: String,
    },
    /// `=` is not followed by a value.
    #[error("missing value for field {key:?}")]
    MissingFieldValue {
        /// The field key.
        key: String,
    },
    /// The value starts with a byte that begins no value type (`+1`, `'a'`, `NaN`).
    #[error("unrecognized type for value of field {key:?}")]
    UnknownValueType {
        /// The field key.
        key: String,
    },
    /// A malformed or out-of-range `i` value.
    #[error("invalid integer value for field {key:?}: {reason}")]
    InvalidInteger {
        /// The field key.
        key: String,
        /// Syntax or range.
        reason: NumberError,
    },
    /// A malformed or out-of-range `u` value.
    #[error("invalid unsigned integer value for field {key:?}: {reason}")]
    InvalidUnsigned {
        /// The field key.
        key: String,
        /// Syntax or range.
        reason: NumberError,
    },
    /// A malformed, NaN/infinite or overflowing float value.
    #[error("invalid float value for field {key:?}: {reason}")]
    InvalidFloat {
        /// The field key.
        key: String,
        /// Syntax or range.
        reason: NumberError,
    },
    /// A value starting with t/T/f/F that is none of the boolean spellings.
    #[error("invalid boolean value for field {key:?}")]
    InvalidBoolean {
        /// The field key.
        key: String,
    },
    /// A string value with no closing quote before the end of the input.
    #[error("unterminated string value for field {key:?}")]
    UnterminatedString {
        /// The field key.
        key: String,
    },
    /// Something other than `,`, space or a line end right after a field value.
    #[error("unexpected character {byte:?} after value of field {key:?}", byte = char::from(*.byte))]
    UnexpectedAfterField {
        /// The field key.
        key: String,
        /// The offending byte.
        byte: u8,
    },
    /// The timestamp is not an integer or does not fit an `i64`.
    #[error("invalid timestamp: {reason}")]
    InvalidTimestamp {
        /// Syntax or range.
        reason: NumberError,
    },
    /// The timestamp fits an `i64` in its precision but not once converted to nanoseconds.
    #[error("timestamp out of range once converted from {precision} to nanoseconds")]
    TimestampOverflow {
        /// The precision the timestamp was written in.
        precision: crate::Precision,
    },
    /// Text other than spaces after the timestamp.
    #[error("unexpected text after timestamp")]
    UnexpectedAfterTimestamp,
    /// A carriage return that is not followed by a line feed (and is not the last input byte).
    #[error("carriage return not followed by line feed")]
    BareCarriageReturn,
    /// [`parse_point`](crate::parse_point) was given a blank line or a comment.
    #[error("expected a point, found a blank line or comment")]
    NoPoint,
    /// [`parse_point`](crate::parse_point) found more input after the first point's line.
    #[error("unexpected data after the point")]
    TrailingData,
}
