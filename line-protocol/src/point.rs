//! The data model: a point borrowed from its input, and its parts.

use std::borrow::Cow;

/// One line-protocol point.
///
/// Names and string values borrow the input when they hold no escape sequence and are decoded
/// into an owned `String` when they do. Tags and fields keep their input order; duplicates are
/// kept (deciding what a duplicate means is the consumer's job, see the spec §7).
///
/// `timestamp` is always in nanoseconds since the Unix epoch, whatever precision the input was
/// written in; `None` means the line carried no timestamp.
///
/// ```
/// use line_protocol::{Field, FieldValue, Point, Tag};
///
/// let p = Point {
///     measurement: "weather".into(),
///     tags: vec![Tag::new("station", "paris")],
///     fields: vec![Field::new("temperature", FieldValue::Float(21.5))],
///     timestamp: Some(1_700_000_000_000_000_000),
/// };
/// assert_eq!(p.tag("station"), Some("paris"));
/// assert_eq!(p.field("temperature"), Some(&FieldValue::Float(21.5)));
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Point<'a> {
    /// The measurement name, unescaped.
    pub measurement: Cow<'a, str>,
    /// Tags in input order, unescaped.
    pub tags: Vec<Tag<'a>>,
    /// Fields in input order (at least one in any parsed point).
    pub fields: Vec<Field<'a>>,
    /// Nanoseconds since the Unix epoch, if the line had a timestamp.
    pub timestamp: Option<i64>,
}

/// A tag: key and value, both unescaped.
///
/// ```
/// let t = line_protocol::Tag::new("city", "São Paulo");
/// assert_eq!(t.key, "city");
/// assert_eq!(t.value, "São Paulo");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag<'a> {
    /// The tag key.
    pub key: Cow<'a, str>,
    /// The tag value.
    pub value: Cow<'a, str>,
}

/// A field: key (unescaped) and typed value.
///
/// ```
/// use line_protocol::{Field, FieldValue};
/// let f = Field::new("wind_direction", FieldValue::Integer(270));
/// assert_eq!(f.value, FieldValue::Integer(270));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Field<'a> {
    /// The field key.
    pub key: Cow<'a, str>,
    /// The typed value.
    pub value: FieldValue<'a>,
}

/// A typed field value.
///
/// ```
/// use line_protocol::FieldValue;
/// assert_eq!(FieldValue::from(1.5), FieldValue::Float(1.5));
/// assert_eq!(FieldValue::from(-3i64), FieldValue::Integer(-3));
/// assert_eq!(FieldValue::from(3u64), FieldValue::UInteger(3));
/// assert_eq!(FieldValue::from("clear"), FieldValue::String("clear".into()));
/// assert_eq!(FieldValue::from(true), FieldValue::Boolean(true));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue<'a> {
    /// A float (no suffix in line protocol). Never NaN or infinite when parsed.
    Float(f64),
    /// A signed integer (`i` suffix).
    Integer(i64),
    /// An unsigned integer (`u` suffix).
    UInteger(u64),
    /// A string value, unescaped.
    String(Cow<'a, str>),
    /// A boolean.
    Boolean(bool),
}

impl<'a> Tag<'a> {
    /// Builds a tag from anything that converts into `Cow<str>`.
    ///
    /// ```
    /// let t = line_protocol::Tag::new("k", String::from("v"));
    /// assert_eq!(t.value, "v");
    /// ```
    pub fn new(key: impl Into<Cow<'a, str>>, value: impl Into<Cow<'a, str>>) -> Self {
        Tag {
            key: key.into(),
            value: value.into(),
        }
    }

    /// Detaches the tag from its input buffer.
    ///
    /// ```
    /// let t: line_protocol::Tag<'static> = line_protocol::Tag::new("k", "v").into_owned();
    /// assert_eq!(t.key, "k");
    /// ```
    pub fn into_owned(self) -> Tag<'static> {
        Tag {
            key: Cow::Owned(self.key.into_owned()),
            value: Cow::Owned(self.value.into_owned()),
        }
    }
}

impl<'a> Field<'a> {
    /// Builds a field from a key and a value.
    ///
    /// ```
    /// use line_protocol::{Field, FieldValue};
    /// let f = Field::new("condition", "light rain");
    /// assert_eq!(f.value, FieldValue::String("light rain".into()));
    /// ```
    pub fn new(key: impl Into<Cow<'a, str>>, value: impl Into<FieldValue<'a>>) -> Self {
        Field {
            key: key.into(),
            value: value.into(),
        }
    }

    /// Detaches the field from its input buffer.
    ///
    /// ```
    /// let f = line_protocol::Field::new("f", "s").into_owned();
    /// assert_eq!(f.key, "f");
    /// ```
    pub fn into_owned(self) -> Field<'static> {
        Field {
            key: Cow::Owned(self.key.into_owned()),
            value: self.value.into_owned(),
        }
    }
}

impl<'a> FieldValue<'a> {
    /// Detaches the value from its input buffer.
    ///
    /// ```
    /// use line_protocol::FieldValue;
    /// let v: FieldValue<'static> = FieldValue::from("x").into_owned();
    /// assert_eq!(v, FieldValue::String("x".into()));
    /// ```
    pub fn into_owned(self) -> FieldValue<'static> {
        match self {
            FieldValue::Float(v) => FieldValue::Float(v),
            FieldValue::Integer(v) => FieldValue::Integer(v),
            FieldValue::UInteger(v) => FieldValue::UInteger(v),
            FieldValue::String(s) => FieldValue::String(Cow::Owned(s.into_owned())),
            FieldValue::Boolean(v) => FieldValue::Boolean(v),
        }
    }

    /// The type's name as the `lp json` output spells it:
    /// `float`, `int`, `uint`, `string` or `bool`.
    ///
    /// ```
    /// assert_eq!(line_protocol::FieldValue::UInteger(1).type_name(), "uint");
    /// ```
    pub fn type_name(&self) -> &'static str {
        match self {
            FieldValue::Float(_) => "float",
            FieldValue::Integer(_) => "int",
            FieldValue::UInteger(_) => "uint",
            FieldValue::String(_) => "string",
            FieldValue::Boolean(_) => "bool",
        }
    }
}

impl<'a> Point<'a> {
    /// The value of the first tag with this key.
    ///
    /// ```
    /// let p = line_protocol::Point { tags: vec![line_protocol::Tag::new("a", "1")], ..Default::default() };
    /// assert_eq!(p.tag("a"), Some("1"));
    /// assert_eq!(p.tag("b"), None);
    /// ```
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|t| t.key == key)
            .map(|t| t.value.as_ref())
    }

    /// The value of the first field with this key.
    ///
    /// ```
    /// use line_protocol::{Field, FieldValue, Point};
    /// let p = Point { fields: vec![Field::new("f", 1i64)], ..Default::default() };
    /// assert_eq!(p.field("f"), Some(&FieldValue::Integer(1)));
    /// ```
    pub fn field(&self, key: &str) -> Option<&FieldValue<'a>> {
        self.fields.iter().find(|f| f.key == key).map(|f| &f.value)
    }

    /// Detaches the point from its input buffer.
    ///
    /// ```
    /// let owned: line_protocol::Point<'static> = line_protocol::Point::default().into_owned();
    /// assert!(owned.fields.is_empty());
    /// ```
    pub fn into_owned(self) -> Point<'static> {
        Point {
            measurement: Cow::Owned(self.measurement.into_owned()),
            tags: self.tags.into_iter().map(Tag::into_owned).collect(),
            fields: self.fields.into_iter().map(Field::into_owned).collect(),
            timestamp: self.timestamp,
        }
    }
}

impl From<f64> for FieldValue<'_> {
    fn from(v: f64) -> Self {
        FieldValue::Float(v)
    }
}
impl From<i64> for FieldValue<'_> {
    fn from(v: i64) -> Self {
        FieldValue::Integer(v)
    }
}
impl From<u64> for FieldValue<'_> {
    fn from(v: u64) -> Self {
        FieldValue::UInteger(v)
    }
}
impl From<bool> for FieldValue<'_> {
    fn from(v: bool) -> Self {
        FieldValue::Boolean(v)
    }
}
impl<'a> From<&'a str> for FieldValue<'a> {
    fn from(v: &'a str) -> Self {
        FieldValue::String(Cow::Borrowed(v))
    }
}
impl From<String> for FieldValue<'_> {
    fn from(v: String) -> Self {
        FieldValue::String(Cow::Owned(v))
    }
}
impl<'a> From<Cow<'a, str>> for FieldValue<'a> {
    fn from(v: Cow<'a, str>) -> Self {
        FieldValue::String(v)
    }
}
