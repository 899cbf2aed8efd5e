//! One point → one Kafka message: value, key, partition and export position.
//!
//! - value: the point as one line-protocol line with its `\n` — tags sorted, nanosecond
//!   timestamp — which is what Telegraf's `outputs.kafka` sends with `data_format = "influx"`;
//!   or, with `value_format = "json"`, the object `lp json` prints:
//!   `{"measurement":…,"tags":[[k,v]…],"fields":[[k,{"type":…,"value":…}]…],"timestamp":ns}`.
//! - key: the value of the key tag (default `station`); no key when the point lacks the tag.
//! - partition: sarama's FNV-1a of the key (so keys co-partition with Telegraf's
//!   `outputs.kafka`), or of the series key when there is no key tag, so a series still stays
//!   on one partition.
//! - headers (see [`crate::position`]): measurement, export position, low watermark.

use std::sync::Arc;

use line_protocol::Point;
use line_protocol::serialize::{SerializeError, Serializer};

use crate::config::ValueFormat;
use crate::partition::sarama_partition;
use crate::position::{ExportPosition, series_key_of_line};

/// A point ready to be produced.
///
/// ```
/// use telegraf_execd_kafka_bridge::{config::ValueFormat, message::MessageEncoder};
/// use line_protocol::{Field, Point, Tag};
/// let enc = MessageEncoder::new(ValueFormat::Influx, "station", 4);
/// let p = Point {
///     measurement: "weather".into(),
///     tags: vec![Tag::new("station", "paris")],
///     fields: vec![Field::new("temp", 21.5)],
///     timestamp: Some(5),
/// };
/// let r = enc.encode(&p, &"weather".into()).unwrap();
/// assert_eq!(r.value, b"weather,station=paris temp=21.5 5\n");
/// assert_eq!(r.key.as_deref(), Some(&b"paris"[..]));
/// assert_eq!(r.position.to_string(), "5 weather,station=paris");
/// assert_eq!(r.partition, telegraf_execd_kafka_bridge::partition::sarama_partition(b"paris", 4));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRecord {
    /// Place in the export order.
    pub position: ExportPosition,
    /// Partition chosen by [`MessageEncoder`].
    pub partition: i32,
    /// Message key (the key tag's value).
    pub key: Option<Vec<u8>>,
    /// Message value.
    pub value: Vec<u8>,
    /// Measurement name, shared by all records of one measurement.
    pub measurement: Arc<str>,
}

/// Encodes points for one topic.
///
/// ```
/// let enc = telegraf_execd_kafka_bridge::message::MessageEncoder::new(Default::default(), "station", 4);
/// assert_eq!(enc.partitions(), 4);
/// ```
#[derive(Debug, Clone)]
pub struct MessageEncoder {
    format: ValueFormat,
    key_tag: String,
    partitions: i32,
}

impl MessageEncoder {
    /// An encoder for `partitions` partitions, keyed by tag `key_tag`.
    ///
    /// ```
    /// use telegraf_execd_kafka_bridge::{config::ValueFormat, message::MessageEncoder};
    /// let enc = MessageEncoder::new(ValueFormat::Json, "station", 1);
    /// # drop(enc);
    /// ```
    pub fn new(format: ValueFormat, key_tag: impl Into<String>, partitions: i32) -> Self {
        MessageEncoder {
            format,
            key_tag: key_tag.into(),
            partitions,
        }
    }

    /// The topic's partition count this encoder routes for.
    ///
    /// ```
    /// # let enc = telegraf_execd_kafka_bridge::message::MessageEncoder::new(Default::default(), "k", 2);
    /// assert_eq!(enc.partitions(), 2);
    /// ```
    pub fn partitions(&self) -> i32 {
        self.partitions
    }

    /// Encodes one point (which must carry a timestamp); fails when line protocol cannot
    /// represent it (NaN, empty tag value or key, no field…).
    ///
    /// ```
    /// use telegraf_execd_kafka_bridge::{config::ValueFormat, message::MessageEncoder};
    /// use line_protocol::{Field, Point, Tag};
    /// let enc = MessageEncoder::new(ValueFormat::Json, "station", 4);
    /// let p = Point {
    ///     measurement: "weather".into(),
    ///     tags: vec![Tag::new("station", "paris")],
    ///     fields: vec![Field::new("temp", 21.0), Field::new("n", 3i64)],
    ///     timestamp: Some(5),
    /// };
    /// let r = enc.encode(&p, &"weather".into()).unwrap();
    /// assert_eq!(
    ///     String::from_utf8(r.value).unwrap(),
    ///     r#"{"measurement":"weather","tags":[["station","paris"]],"fields":[["temp",{"type":"float","value":21.0}],["n",{"type":"int","value":3}]],"timestamp":5}"#
    /// );
    /// let bad = Point { fields: vec![Field::new("temp", f64::NAN)], ..p };
    /// assert!(enc.encode(&bad, &"weather".into()).is_err());
    /// ```
    pub fn encode(
        &self,
        point: &Point<'_>,
        measurement: &Arc<str>,
    ) -> Result<ExportRecord, SerializeError> {
        // Telegraf's bytes: tags sorted, floats as Go's strconv 'f', -1 (`1001`, never `1e+21`).
        let line = Serializer::telegraf().to_vec(point)?;
        // The serializer always writes a space after the series key.
        let series = series_key_of_line(&line).unwrap_or(&line);
        // Serializer output is UTF-8 (it writes only `&str` contents and ASCII).
        let series = match std::str::from_utf8(series) {
            Ok(s) => s.to_owned(),
            Err(_) => String::from_utf8_lossy(series).into_owned(),
        };
        let key = point.tag(&self.key_tag).map(|v| v.as_bytes().to_vec());
        let partition =
            sarama_partition(key.as_deref().unwrap_or(series.as_bytes()), self.partitions);
        let value = match self.format {
            ValueFormat::Influx => line,
            ValueFormat::Json => json_value(point),
        };
        Ok(ExportRecord {
            position: ExportPosition::new(point.timestamp.unwrap_or(0), series),
            partition,
            key,
            value,
            measurement: Arc::clone(measurement),
        })
    }
}

/// The point as the `lp json` object (tags sorted like the line-protocol value, fields in
/// point order), written by the line-protocol crate so both stay one format.
fn json_value(point: &Point<'_>) -> Vec<u8> {
    let mut sorted = point.clone();
    sorted
        .tags
        .sort_by(|a, b| a.key.as_bytes().cmp(b.key.as_bytes()));
    let mut out = Vec::with_capacity(256);
    line_protocol::json::write_point(&mut out, &sorted);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use line_protocol::{Field, Tag};

    fn point<'a>(tags: Vec<Tag<'a>>) -> Point<'a> {
        Point {
            measurement: "weather".into(),
            tags,
            fields: vec![Field::new("temp", 1.0)],
            timestamp: Some(1),
        }
    }

    #[test]
    fn points_without_the_key_tag_route_by_series_key() {
        let enc = MessageEncoder::new(ValueFormat::Influx, "station", 4);
        let m: Arc<str> = "weather".into();
        let r = enc
            .encode(&point(vec![Tag::new("city", "x y")]), &m)
            .unwrap();
        assert_eq!(r.key, None);
        assert_eq!(r.position.series, "weather,city=x\\ y");
        assert_eq!(r.partition, sarama_partition(b"weather,city=x\\ y", 4));
    }

    #[test]
    fn same_station_same_partition_whatever_other_tags() {
        let enc = MessageEncoder::new(ValueFormat::Influx, "station", 4);
        let m: Arc<str> = "weather".into();
        let a = enc
            .encode(
                &point(vec![Tag::new("station", "s1"), Tag::new("z", "1")]),
                &m,
            )
            .unwrap();
        let b = enc
            .encode(&point(vec![Tag::new("station", "s1")]), &m)
            .unwrap();
        assert_eq!(a.partition, b.partition);
        assert_ne!(a.position, b.position);
    }

    /// The bytes Telegraf's `influx` serializer writes for the same metric: Go's
    /// `strconv.AppendFloat(v, 'f', -1, 64)` for floats, tags sorted by key.
    #[test]
    fn influx_values_carry_telegrafs_float_form() {
        let enc = MessageEncoder::new(ValueFormat::Influx, "station", 4);
        let p = Point {
            measurement: "weather".into(),
            tags: vec![Tag::new("station", "s1"), Tag::new("city", "Le Mans")],
            fields: vec![
                Field::new("big", 1e21),
                Field::new("pressure", 1001.0),
                Field::new("temp", 21.5),
                Field::new("tiny", 1e-7),
                Field::new("zero", -0.0),
            ],
            timestamp: Some(1_700_000_000_000_000_000),
        };
        let r = enc.encode(&p, &"weather".into()).unwrap();
        assert_eq!(
            String::from_utf8(r.value).unwrap(),
            "weather,city=Le\\ Mans,station=s1 big=1000000000000000000000,pressure=1001,temp=21.5,tiny=0.0000001,zero=-0 1700000000000000000\n"
        );
    }

    #[test]
    fn json_escapes_and_sorts_tags() {
        let p = Point {
            measurement: "m\"x".into(),
            tags: vec![Tag::new("b", "2"), Tag::new("a", "1")],
            fields: vec![
                Field::new("s", "q\"\n"),
                Field::new("u", 7u64),
                Field::new("ok", true),
            ],
            timestamp: Some(-3),
        };
        let v: serde_json::Value = serde_json::from_slice(&json_value(&p)).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "measurement": "m\"x",
                "tags": [["a", "1"], ["b", "2"]],
                "fields": [
                    ["s", {"type": "string", "value": "q\"\n"}],
                    ["u", {"type": "uint", "value": 7}],
                    ["ok", {"type": "bool", "value": true}]
                ],
                "timestamp": -3
            })
        );
    }
}
