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
//!
//! Series key, key and partition are the same for every point of a series, so the encoder
//! computes them once per series and keeps them in a bounded cache instead of escaping and
//! writing the tags again for every point.

use std::collections::HashMap;
use std::sync::Arc;

use line_protocol::Point;
use line_protocol::serialize::{SerializeError, Serializer};
use rustc_hash::FxBuildHasher;

use crate::config::ValueFormat;
use crate::partition::sarama_partition;
use crate::position::ExportPosition;

/// Series kept by one [`MessageEncoder`] before it starts over: about 200 bytes each, so at
/// most ~1.6 MB, while a window of a few thousand series hits the cache on every point after
/// its first.
const SERIES_CACHE_LIMIT: usize = 8192;

/// What every point of one series shares.
#[derive(Debug, Clone)]
struct SeriesParts {
    series: Arc<str>,
    key: Option<Arc<[u8]>>,
    partition: i32,
}

/// A point ready to be produced.
///
/// ```
/// use telegraf_execd_kafka_bridge::{config::ValueFormat, message::MessageEncoder};
/// use line_protocol::{Field, Point, Tag};
/// let mut enc = MessageEncoder::new(ValueFormat::Influx, "station", 4);
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
    /// Message key (the key tag's value), shared by the records of one series.
    pub key: Option<Arc<[u8]>>,
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
    /// Series seen lately, by measurement and tags (see [`MessageEncoder::series_parts`]).
    series: HashMap<Box<[u8]>, SeriesParts, FxBuildHasher>,
    /// The lookup key being built, reused from point to point.
    lookup: Vec<u8>,
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
            series: HashMap::default(),
            lookup: Vec::new(),
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
    /// let mut enc = MessageEncoder::new(ValueFormat::Json, "station", 4);
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
        &mut self,
        point: &Point<'_>,
        measurement: &Arc<str>,
    ) -> Result<ExportRecord, SerializeError> {
        // Telegraf's bytes: tags sorted, floats as Go's strconv 'f', -1 (`1001`, never `1e+21`).
        let serializer = Serializer::telegraf();
        let parts = self.series_parts(point)?;
        let mut line = Vec::with_capacity(parts.series.len() + 24 * point.fields.len() + 24);
        line.extend_from_slice(parts.series.as_bytes());
        serializer.write_fields_and_timestamp(point, &mut line)?;
        let value = match self.format {
            ValueFormat::Influx => line,
            ValueFormat::Json => json_value(point),
        };
        Ok(ExportRecord {
            position: ExportPosition::new(point.timestamp.unwrap_or(0), parts.series),
            partition: parts.partition,
            key: parts.key,
            value,
            measurement: Arc::clone(measurement),
        })
    }

    /// The series key, message key and partition of `point`'s series, from the cache when the
    /// same measurement and tags came before. The lookup key is the measurement and each tag's
    /// key and value, each preceded by `0xFF`, a byte UTF-8 text never contains.
    fn series_parts(&mut self, point: &Point<'_>) -> Result<SeriesParts, SerializeError> {
        let lookup = &mut self.lookup;
        lookup.clear();
        lookup.extend_from_slice(point.measurement.as_bytes());
        for tag in &point.tags {
            lookup.push(0xFF);
            lookup.extend_from_slice(tag.key.as_bytes());
            lookup.push(0xFF);
            lookup.extend_from_slice(tag.value.as_bytes());
        }
        if let Some(parts) = self.series.get(lookup.as_slice()) {
            return Ok(parts.clone());
        }
        let mut key_bytes = Vec::with_capacity(lookup.len() + 8);
        Serializer::telegraf().write_series_key(point, &mut key_bytes)?;
        // Serializer output is UTF-8 (it writes only `&str` contents and ASCII).
        let series: Arc<str> = match String::from_utf8(key_bytes) {
            Ok(s) => s.into(),
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into(),
        };
        let key: Option<Arc<[u8]>> = point.tag(&self.key_tag).map(|v| v.as_bytes().into());
        let partition =
            sarama_partition(key.as_deref().unwrap_or(series.as_bytes()), self.partitions);
        let parts = SeriesParts {
            series,
            key,
            partition,
        };
        if self.series.len() >= SERIES_CACHE_LIMIT {
            self.series.clear();
        }
        self.series
            .insert(self.lookup.as_slice().into(), parts.clone());
        Ok(parts)
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
        let mut enc = MessageEncoder::new(ValueFormat::Influx, "station", 4);
        let m: Arc<str> = "weather".into();
        let r = enc
            .encode(&point(vec![Tag::new("city", "x y")]), &m)
            .unwrap();
        assert_eq!(r.key, None);
        assert_eq!(&*r.position.series, "weather,city=x\\ y");
        assert_eq!(r.partition, sarama_partition(b"weather,city=x\\ y", 4));
    }

    /// The cache hands out what a fresh encoder computes, also past its size limit and for
    /// series whose measurement and tags would run together if simply concatenated.
    #[test]
    fn cached_series_parts_match_a_fresh_encoder() {
        let m: Arc<str> = "weather".into();
        let mut cached = MessageEncoder::new(ValueFormat::Influx, "station", 4);
        let stations: Vec<String> = (0..SERIES_CACHE_LIMIT + 100)
            .map(|i| format!("s {i}"))
            .collect();
        for round in 0..2 {
            for (i, station) in stations.iter().enumerate() {
                let mut p = point(vec![Tag::new("station", station.as_str())]);
                p.timestamp = Some(round);
                if i % 3 == 0 {
                    p.tags.push(Tag::new("z", "1"));
                }
                let fresh = MessageEncoder::new(ValueFormat::Influx, "station", 4)
                    .encode(&p, &m)
                    .unwrap();
                assert_eq!(cached.encode(&p, &m).unwrap(), fresh, "{station}");
            }
            assert!(cached.series.len() <= SERIES_CACHE_LIMIT);
        }
        let a = Point {
            measurement: "m,a=b".into(),
            ..point(vec![])
        };
        let b = Point {
            measurement: "m".into(),
            ..point(vec![Tag::new("a", "b")])
        };
        let ra = cached.encode(&a, &m).unwrap();
        let rb = cached.encode(&b, &m).unwrap();
        assert_eq!(&*ra.position.series, "m\\,a=b");
        assert_eq!(&*rb.position.series, "m,a=b");
    }

    /// A restarted bridge reads the positions back from the values (`ExportPosition::of_value`):
    /// they must be exactly the encoder's, in both formats, whatever the names hold.
    #[test]
    fn positions_read_back_from_values_are_the_encoders() {
        let names = [
            "weather", "{json", "we ather", "a,b", "a=b", "mid\\dle", "é \"q\"", "x\\ y",
        ];
        for format in [ValueFormat::Influx, ValueFormat::Json] {
            let mut enc = MessageEncoder::new(format, "station", 4);
            for (i, name) in names.iter().enumerate() {
                let p = Point {
                    measurement: (*name).into(),
                    tags: vec![
                        Tag::new("station", *name),
                        Tag::new(*name, "v"),
                        Tag::new("city", "Saint Étienne, =x"),
                    ],
                    fields: vec![
                        Field::new("note", format!("{name} \"quoted\" {{")),
                        Field::new("temp", 1e21),
                    ],
                    timestamp: Some(i64::MIN + i as i64),
                };
                let r = enc.encode(&p, &"weather".into()).unwrap();
                let back = ExportPosition::of_value(&r.value)
                    .unwrap_or_else(|e| panic!("{format:?} {name:?}: {e}"));
                assert_eq!(back, r.position, "{format:?} {name:?}");
            }
        }
    }

    #[test]
    fn same_station_same_partition_whatever_other_tags() {
        let mut enc = MessageEncoder::new(ValueFormat::Influx, "station", 4);
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
        let mut enc = MessageEncoder::new(ValueFormat::Influx, "station", 4);
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
