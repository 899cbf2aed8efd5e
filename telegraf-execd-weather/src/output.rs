//! Observations to line protocol, allocation-free on the hot path.
//!
//! One line per station per timestamp:
//!
//! ```text
//! weather,city=Paris,country=FR,station=paris temperature=4.21,humidity=87.3,pressure=1009.12,wind_speed=5.4,wind_direction=243i,precipitation=0.4,dew_point=2.27,condition="light rain" 1767225600000000000
//! ```
//!
//! [`WeatherWriter`] keeps one [`Point`] per station whose tags borrow the station's strings
//! (`Cow::Borrowed`) and whose fields are overwritten in place; with a reused output buffer a
//! gather allocates nothing. Lines are written by `line_protocol`'s canonical serializer (tags
//! already in key order, so it never has to sort).

use std::borrow::Cow;

use line_protocol::serialize::{SerializeError, Serializer};
use line_protocol::{Field, FieldValue, Point, Tag};

use crate::model::{Observation, WeatherModel};

/// The measurement name.
pub const MEASUREMENT: &str = "weather";

/// The field keys, in output order.
pub const FIELDS: [&str; 8] = [
    "temperature",
    "humidity",
    "pressure",
    "wind_speed",
    "wind_direction",
    "precipitation",
    "dew_point",
    "condition",
];

/// Writes a model's observations as line protocol.
///
/// ```
/// use telegraf_execd_weather::{WeatherModel, WeatherWriter};
/// let model = WeatherModel::with_default_stations(1);
/// let mut writer = WeatherWriter::new(&model);
/// let mut out = Vec::new();
/// let lines = writer.write_gather(1_767_225_600_000_000_000, &mut out).unwrap();
/// assert_eq!(lines, model.stations().len());
/// let text = String::from_utf8(out).unwrap();
/// assert!(text.starts_with("weather,city=Paris,country=FR,station=paris temperature="));
/// assert!(text.lines().all(|l| l.ends_with(" 1767225600000000000")));
/// ```
#[derive(Debug)]
pub struct WeatherWriter<'m> {
    model: &'m WeatherModel,
    points: Vec<Point<'m>>,
    serializer: Serializer,
}

impl<'m> WeatherWriter<'m> {
    /// Prepares one reusable point per station.
    ///
    /// ```
    /// let m = telegraf_execd_weather::WeatherModel::with_default_stations(1);
    /// let _w = telegraf_execd_weather::WeatherWriter::new(&m);
    /// ```
    pub fn new(model: &'m WeatherModel) -> Self {
        let points = model
            .stations()
            .iter()
            .map(|s| Point {
                measurement: Cow::Borrowed(MEASUREMENT),
                // Key order, so the canonical serializer's sort is a no-op check.
                tags: vec![
                    Tag::new("city", s.city.as_str()),
                    Tag::new("country", s.country.as_str()),
                    Tag::new("station", s.id.as_str()),
                ],
                fields: FIELDS
                    .iter()
                    .map(|&k| Field::new(k, FieldValue::Float(0.0)))
                    .collect(),
                timestamp: None,
            })
            .collect();
        WeatherWriter {
            model,
            points,
            serializer: Serializer::canonical(),
        }
    }

    /// The model being written.
    ///
    /// ```
    /// let m = telegraf_execd_weather::WeatherModel::with_default_stations(4);
    /// assert_eq!(telegraf_execd_weather::WeatherWriter::new(&m).model().seed(), 4);
    /// ```
    pub fn model(&self) -> &'m WeatherModel {
        self.model
    }

    /// Appends the line of station `index` at `t_ns`; returns false (writing nothing) during a
    /// dropout or for an unknown index.
    ///
    /// ```
    /// let m = telegraf_execd_weather::WeatherModel::with_default_stations(1);
    /// let mut w = telegraf_execd_weather::WeatherWriter::new(&m);
    /// let mut out = Vec::new();
    /// assert!(w.write_station(2, 0, &mut out).unwrap());
    /// assert!(String::from_utf8(out).unwrap().contains("station=reykjavik"));
    /// ```
    pub fn write_station(
        &mut self,
        index: usize,
        t_ns: i64,
        out: &mut Vec<u8>,
    ) -> Result<bool, SerializeError> {
        let Some(obs) = self.model.observe(index, t_ns) else {
            return Ok(false);
        };
        let point = &mut self.points[index];
        fill(point, &obs);
        point.timestamp = Some(t_ns);
        self.serializer.write(point, out)?;
        Ok(true)
    }

    /// Appends one line per station at `t_ns`; returns the number of lines written.
    ///
    /// ```
    /// let m = telegraf_execd_weather::WeatherModel::with_default_stations(1);
    /// let mut w = telegraf_execd_weather::WeatherWriter::new(&m);
    /// let mut a = Vec::new();
    /// let mut b = Vec::new();
    /// w.write_gather(5, &mut a).unwrap();
    /// w.write_gather(5, &mut b).unwrap();
    /// assert_eq!(a, b);
    /// ```
    pub fn write_gather(&mut self, t_ns: i64, out: &mut Vec<u8>) -> Result<usize, SerializeError> {
        let mut lines = 0;
        for index in 0..self.points.len() {
            lines += usize::from(self.write_station(index, t_ns, out)?);
        }
        Ok(lines)
    }
}

/// Overwrites the point's field values (keys stay) with the observation.
fn fill(point: &mut Point<'_>, obs: &Observation) {
    let values = [
        FieldValue::Float(obs.temperature),
        FieldValue::Float(obs.humidity),
        FieldValue::Float(obs.pressure),
        FieldValue::Float(obs.wind_speed),
        FieldValue::Integer(obs.wind_direction),
        FieldValue::Float(obs.precipitation),
        FieldValue::Float(obs.dew_point),
        FieldValue::String(Cow::Borrowed(obs.condition.as_str())),
    ];
    for (field, value) in point.fields.iter_mut().zip(values) {
        field.value = value;
    }
}
