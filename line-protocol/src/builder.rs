//! Building owned points in programs that create metrics.
//!
//! ```
//! use line_protocol::builder::PointBuilder;
//! use line_protocol::serialize::Serializer;
//!
//! let point = PointBuilder::new("weather")
//!     .tag("station", "paris-montsouris")
//!     .field("temperature", 21.5)
//!     .field("humidity", 64i64)
//!     .field("condition", "clear")
//!     .timestamp(1_700_000_000_000_000_000)
//!     .build()
//!     .unwrap();
//! assert_eq!(
//!     Serializer::canonical().to_string(&point).unwrap(),
//!     "weather,station=paris-montsouris temperature=21.5,humidity=64i,condition=\"clear\" 1700000000000000000\n"
//! );
//! ```

use std::borrow::Cow;

use crate::point::{Field, FieldValue, Point, Tag};
use crate::serialize::{SerializeError, Serializer};

/// A point that owns its text (or borrows `'static` literals): what a program that creates
/// metrics keeps, sends across threads and serializes later.
///
/// ```
/// let p: line_protocol::builder::OwnedPoint = line_protocol::Point::default();
/// assert!(p.tags.is_empty());
/// ```
pub type OwnedPoint = Point<'static>;

/// A point that failed the checks of canonical serialization (see [`SerializeError`]).
///
/// ```
/// use line_protocol::builder::PointBuilder;
/// let err = PointBuilder::new("m").tag("k", "v").build().unwrap_err();
/// assert_eq!(err.to_string(), "invalid point: point \"m\" has no fields");
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid point: {0}")]
pub struct BuildError(#[from] pub SerializeError);

/// Builds an [`OwnedPoint`] step by step and checks it once at the end.
///
/// Names accept `&'static str` (kept borrowed, no allocation) or `String`. Tags keep the order
/// they were added in; [`build`](Self::build) rejects everything canonical serialization
/// rejects, including duplicate tag keys, so a built point always serializes.
///
/// ```
/// use line_protocol::builder::PointBuilder;
/// use line_protocol::FieldValue;
///
/// let city = String::from("São Paulo");
/// let p = PointBuilder::new("weather").tag("city", city).field("rain", true).build().unwrap();
/// assert_eq!(p.tag("city"), Some("São Paulo"));
/// assert_eq!(p.field("rain"), Some(&FieldValue::Boolean(true)));
/// assert_eq!(p.timestamp, None);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PointBuilder {
    point: OwnedPoint,
}

impl PointBuilder {
    /// Starts a point with its measurement name.
    ///
    /// ```
    /// let b = line_protocol::builder::PointBuilder::new("cpu");
    /// assert_eq!(b.field("usage", 0.5).build().unwrap().measurement, "cpu");
    /// ```
    pub fn new(measurement: impl Into<Cow<'static, str>>) -> Self {
        PointBuilder {
            point: Point {
                measurement: measurement.into(),
                ..Point::default()
            },
        }
    }

    /// Starts a point with room for `tags` tags and `fields` fields, to avoid regrowing the
    /// vectors when building many points.
    ///
    /// ```
    /// let p = line_protocol::builder::PointBuilder::with_capacity("m", 2, 7).field("f", 1i64).build().unwrap();
    /// assert!(p.fields.capacity() >= 7);
    /// ```
    pub fn with_capacity(
        measurement: impl Into<Cow<'static, str>>,
        tags: usize,
        fields: usize,
    ) -> Self {
        PointBuilder {
            point: Point {
                measurement: measurement.into(),
                tags: Vec::with_capacity(tags),
                fields: Vec::with_capacity(fields),
                timestamp: None,
            },
        }
    }

    /// Adds a tag.
    ///
    /// ```
    /// let p = line_protocol::builder::PointBuilder::new("m").tag("host", "a").field("f", 1.0).build().unwrap();
    /// assert_eq!(p.tag("host"), Some("a"));
    /// ```
    pub fn tag(
        mut self,
        key: impl Into<Cow<'static, str>>,
        value: impl Into<Cow<'static, str>>,
    ) -> Self {
        self.point.tags.push(Tag::new(key, value));
        self
    }

    /// Adds a field; the value is anything that converts into a [`FieldValue`]
    /// (`f64`, `i64`, `u64`, `bool`, `&'static str`, `String`).
    ///
    /// ```
    /// use line_protocol::{builder::PointBuilder, FieldValue};
    /// let p = PointBuilder::new("m").field("n", 3u64).build().unwrap();
    /// assert_eq!(p.field("n"), Some(&FieldValue::UInteger(3)));
    /// ```
    pub fn field(
        mut self,
        key: impl Into<Cow<'static, str>>,
        value: impl Into<FieldValue<'static>>,
    ) -> Self {
        self.point.fields.push(Field::new(key, value));
        self
    }

    /// Sets the timestamp in nanoseconds since the Unix epoch.
    ///
    /// ```
    /// let p = line_protocol::builder::PointBuilder::new("m").field("f", 1.0).timestamp(42).build().unwrap();
    /// assert_eq!(p.timestamp, Some(42));
    /// ```
    pub fn timestamp(mut self, nanos: i64) -> Self {
        self.point.timestamp = Some(nanos);
        self
    }

    /// Checks the point like [`Serializer::canonical`] would and returns it.
    ///
    /// ```
    /// use line_protocol::builder::PointBuilder;
    /// use line_protocol::serialize::SerializeError;
    ///
    /// let err = PointBuilder::new("m").tag("k", "a").tag("k", "b").field("f", 1.0).build().unwrap_err();
    /// assert_eq!(err.0, SerializeError::DuplicateTagKey { key: "k".into() });
    /// assert!(PointBuilder::new("m").field("f", f64::NAN).build().is_err());
    /// ```
    pub fn build(self) -> Result<OwnedPoint, BuildError> {
        Serializer::canonical().validate(&self.point)?;
        Ok(self.point)
    }

    /// Checks the point and writes it as one line with `serializer`, for example
    /// [`Serializer::telegraf`] for the bytes Telegraf's `influx` serializer writes.
    ///
    /// ```
    /// use line_protocol::builder::PointBuilder;
    /// use line_protocol::serialize::Serializer;
    ///
    /// let b = PointBuilder::new("weather").tag("station", "s1").field("pressure", 1001.0).timestamp(7);
    /// assert_eq!(b.clone().line(Serializer::telegraf()).unwrap(), b"weather,station=s1 pressure=1001 7\n");
    /// assert_eq!(b.line(Serializer::canonical()).unwrap(), b"weather,station=s1 pressure=1001.0 7\n");
    /// ```
    pub fn line(self, serializer: Serializer) -> Result<Vec<u8>, BuildError> {
        let point = self.build()?;
        Ok(serializer.to_vec(&point)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serialize::Element;

    #[test]
    fn built_points_serialize() {
        let p = PointBuilder::with_capacity("weather", 3, 2)
            .tag("station", "s1")
            .tag("city", String::from("Rio de Janeiro"))
            .tag("country", "BR")
            .field("temperature", -0.5)
            .field("code", 800i64)
            .timestamp(-1)
            .build()
            .unwrap();
        assert_eq!(
            Serializer::canonical().to_string(&p).unwrap(),
            "weather,city=Rio\\ de\\ Janeiro,country=BR,station=s1 temperature=-0.5,code=800i -1\n"
        );
    }

    #[test]
    fn built_points_in_telegraf_form_read_back_exactly() {
        let line = PointBuilder::new("weather")
            .tag("city", "São Paulo")
            .field("pressure", 1001.0)
            .field("rain", 1e-7)
            .field("big", 1e21)
            .field("zero", -0.0)
            .field("code", 800i64)
            .line(Serializer::telegraf())
            .unwrap();
        assert_eq!(
            line,
            b"weather,city=S\xc3\xa3o\\ Paulo pressure=1001,rain=0.0000001,big=1000000000000000000000,zero=-0,code=800i\n"
        );
        let back =
            crate::parse_point(&line[..line.len() - 1], crate::Precision::Nanoseconds).unwrap();
        let floats: Vec<u64> = back.fields[..4]
            .iter()
            .map(|f| match f.value {
                FieldValue::Float(v) => v.to_bits(),
                ref other => panic!("{other:?} is not a float"),
            })
            .collect();
        let expected: Vec<u64> = [1001.0f64, 1e-7, 1e21, -0.0]
            .iter()
            .map(|v| v.to_bits())
            .collect();
        assert_eq!(floats, expected);
        assert_eq!(back.fields[4].value, FieldValue::Integer(800));
    }

    #[test]
    fn build_rejects_like_canonical_serialization() {
        let err = PointBuilder::new("m")
            .tag("k", "")
            .field("f", 1.0)
            .build()
            .unwrap_err();
        assert_eq!(
            err.0,
            SerializeError::Empty {
                element: Element::TagValue {
                    index: 0,
                    key: "k".into()
                }
            }
        );
        assert!(PointBuilder::new("#m").field("f", 1.0).build().is_err());
        assert!(PointBuilder::new("m").field("f\\", 1.0).build().is_err());
        assert!(
            PointBuilder::new("m")
                .field("f", f64::INFINITY)
                .build()
                .is_err()
        );
        assert!(PointBuilder::new("m\n").field("f", 1.0).build().is_err());
    }
}
