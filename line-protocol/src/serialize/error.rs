//! Why a point cannot be written as line protocol, naming the offending element.

use std::fmt;
use std::io;

/// The part of a point an error is about.
///
/// Keys are carried as text so the message can name them; tags and fields are also numbered
/// (0-based, in the point's order) because an empty key has nothing else to name it by.
///
/// ```
/// use line_protocol::serialize::Element;
/// let e = Element::TagValue { index: 1, key: "city".into() };
/// assert_eq!(e.to_string(), "value of tag \"city\" (tag 1)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Element {
    /// The measurement name.
    Measurement,
    /// The key of tag `index`.
    TagKey {
        /// Position of the tag in the point.
        index: usize,
        /// The key as given.
        key: String,
    },
    /// The value of tag `index`.
    TagValue {
        /// Position of the tag in the point.
        index: usize,
        /// The tag's key.
        key: String,
    },
    /// The key of field `index`.
    FieldKey {
        /// Position of the field in the point.
        index: usize,
        /// The key as given.
        key: String,
    },
}

impl fmt::Display for Element {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Element::Measurement => f.write_str("measurement"),
            Element::TagKey { index, key } => write!(f, "tag key {key:?} (tag {index})"),
            Element::TagValue { index, key } => write!(f, "value of tag {key:?} (tag {index})"),
            Element::FieldKey { index, key } => write!(f, "field key {key:?} (field {index})"),
        }
    }
}

/// A point that line protocol cannot represent (or, in canonical mode, that is ambiguous).
///
/// ```
/// use line_protocol::serialize::{Serializer, SerializeError};
/// use line_protocol::{Field, Point};
///
/// let p = Point { measurement: "".into(), fields: vec![Field::new("f", 1.0)], ..Default::default() };
/// let err = Serializer::canonical().to_vec(&p).unwrap_err();
/// assert!(matches!(err, SerializeError::Empty { .. }));
/// assert_eq!(err.to_string(), "measurement is empty");
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SerializeError {
    /// A measurement, key or tag value is the empty string.
    #[error("{element} is empty")]
    Empty {
        /// Which element.
        element: Element,
    },
    /// A byte 0x00–0x1F or 0x7F in a measurement, key or tag value: parsers end the token there.
    #[error("{element} contains nonprintable byte 0x{byte:02x} at byte offset {offset}")]
    Nonprintable {
        /// Which element.
        element: Element,
        /// The offending byte.
        byte: u8,
        /// Its byte offset inside the element.
        offset: usize,
    },
    /// A measurement, key or tag value ending in `\`, which would escape the delimiter after it.
    #[error("{element} ends with a backslash, which would escape the delimiter after it")]
    TrailingBackslash {
        /// Which element.
        element: Element,
    },
    /// A measurement starting with `#`: the line would be read back as a comment.
    #[error("measurement {name:?} starts with '#' and would be read back as a comment")]
    CommentMeasurement {
        /// The measurement.
        name: String,
    },
    /// A point without fields (line protocol requires at least one).
    #[error("point {measurement:?} has no fields")]
    NoFields {
        /// The measurement of the point.
        measurement: String,
    },
    /// A NaN or infinite float: line protocol has no spelling for them.
    #[error(
        "field {key:?} (field {index}) is {value}: line protocol has no NaN or infinite floats"
    )]
    NonFiniteFloat {
        /// Position of the field in the point.
        index: usize,
        /// The field's key.
        key: String,
        /// The value (NaN, inf or -inf).
        value: f64,
    },
    /// Two tags with the same key (canonical mode only).
    #[error("duplicate tag key {key:?}")]
    DuplicateTagKey {
        /// The repeated key.
        key: String,
    },
}

/// An error from [`Serializer::write_to`](super::Serializer::write_to): the point was invalid,
/// or the writer failed.
///
/// ```
/// use line_protocol::serialize::{Serializer, WriteError};
/// let err = Serializer::canonical().write_to(&line_protocol::Point::default(), &mut Vec::new());
/// assert!(matches!(err, Err(WriteError::Serialize(_))));
/// ```
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The point cannot be represented; nothing was written.
    #[error(transparent)]
    Serialize(#[from] SerializeError),
    /// The writer failed.
    #[error("writing line protocol: {0}")]
    Io(#[from] io::Error),
}
