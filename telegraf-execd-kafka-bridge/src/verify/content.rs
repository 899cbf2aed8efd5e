//! What `--verify` compares values by, decoded on both sides without the exporter's code: a
//! message is parsed back (line protocol by the `line-protocol` parser, JSON by serde_json), an
//! InfluxDB row is read cell by cell with the schema's field types, and both become the same
//! canonical content (measurement, tags and fields sorted by key, typed values, timestamp),
//! hashed. An encoder bug (a wrong float form, a lost field, a bad escape) thus shows as a
//! mismatch instead of being reproduced on both sides. Only the join key, the position's series
//! key, is computed the way the exporter computes it (a wrong one shows as missing + unexpected).

use std::hash::{DefaultHasher, Hash, Hasher};

use influxdb_http::{Cell, FieldType, Row};
use line_protocol::serialize::Serializer;
use line_protocol::{Field, FieldValue, Point, Precision, Tag};

use crate::config::ValueFormat;
use crate::position::series_key_of_line;
use crate::source::MeasurementSchema;

/// A typed field value, as both sides see it.
#[derive(Debug, Clone, PartialEq, Hash)]
enum Value<'a> {
    /// Bits, so that equal means identical.
    Float(u64),
    Integer(i64),
    Unsigned(u64),
    String(&'a str),
    Boolean(bool),
}

/// One point's content in canonical order.
#[derive(Debug, Hash)]
struct Content<'a> {
    measurement: &'a str,
    tags: Vec<(&'a str, &'a str)>,
    fields: Vec<(&'a str, Value<'a>)>,
    time: i64,
}

impl Content<'_> {
    fn hash(mut self) -> u64 {
        self.tags.sort_unstable();
        self.fields
            .sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        let mut h = DefaultHasher::new();
        Hash::hash(&self, &mut h);
        h.finish().max(1)
    }
}

/// The content hash of a message value, or why it cannot be decoded.
pub(super) fn message_hash(value: &[u8], format: ValueFormat) -> Result<u64, String> {
    match format {
        ValueFormat::Influx => {
            let text = value.strip_suffix(b"\n").unwrap_or(value);
            let point = line_protocol::parse_point(text, Precision::Nanoseconds)
                .map_err(|e| e.to_string())?;
            let time = point.timestamp.ok_or("no timestamp")?;
            let content = Content {
                measurement: &point.measurement,
                tags: point.tags.iter().map(|t| (&*t.key, &*t.value)).collect(),
                fields: point
                    .fields
                    .iter()
                    .map(|f| {
                        let v = match &f.value {
                            FieldValue::Float(x) => Value::Float(x.to_bits()),
                            FieldValue::Integer(i) => Value::Integer(*i),
                            FieldValue::UInteger(u) => Value::Unsigned(*u),
                            FieldValue::String(s) => Value::String(s),
                            FieldValue::Boolean(b) => Value::Boolean(*b),
                        };
                        (&*f.key, v)
                    })
                    .collect(),
                time,
            };
            Ok(content.hash())
        }
        ValueFormat::Json => json_hash(value),
    }
}

/// The `lp json` object: `{"measurement":..,"tags":[[k,v]],"fields":[[k,{"type":..,"value":..}]],"timestamp":ns}`.
fn json_hash(value: &[u8]) -> Result<u64, String> {
    let v: serde_json::Value = serde_json::from_slice(value).map_err(|e| e.to_string())?;
    let str_of = |v: &serde_json::Value, what: &str| -> Result<String, String> {
        v.as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("{what} is not a string"))
    };
    let measurement = str_of(&v["measurement"], "measurement")?;
    let mut tags = Vec::new();
    for t in v["tags"].as_array().ok_or("no tags array")? {
        tags.push((str_of(&t[0], "tag key")?, str_of(&t[1], "tag value")?));
    }
    let mut raw_fields = Vec::new();
    for f in v["fields"].as_array().ok_or("no fields array")? {
        raw_fields.push((str_of(&f[0], "field key")?, f[1].clone()));
    }
    let time = v["timestamp"].as_i64().ok_or("no integer timestamp")?;
    let mut fields = Vec::new();
    for (k, f) in &raw_fields {
        let bad = || format!("field {k:?}: bad typed value {f}");
        let value = &f["value"];
        let v = match f["type"].as_str() {
            Some("float") => Value::Float(value.as_f64().ok_or_else(bad)?.to_bits()),
            Some("int") => Value::Integer(value.as_i64().ok_or_else(bad)?),
            Some("uint") => Value::Unsigned(value.as_u64().ok_or_else(bad)?),
            Some("string") => Value::String(value.as_str().ok_or_else(bad)?),
            Some("bool") => Value::Boolean(value.as_bool().ok_or_else(bad)?),
            _ => return Err(bad()),
        };
        fields.push((k.as_str(), v));
    }
    Ok(Content {
        measurement: &measurement,
        tags: tags.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect(),
        fields,
        time,
    }
    .hash())
}

/// One InfluxDB row as verify expects it in the topic.
pub(super) struct ExpectedRow<'r> {
    /// Series key of the position (the join key).
    pub(super) series: String,
    /// Content hash.
    pub(super) hash: u64,
    /// The key tag's value, if the row has it.
    pub(super) key: Option<&'r str>,
    /// The content, for examples.
    pub(super) description: String,
}

/// Reads a row (`time`, fields in schema order, tags in schema order) with the schema's types;
/// `Err` for a row line protocol cannot carry (the bridge skips those too).
pub(super) fn expected_row<'r>(
    schema: &'r MeasurementSchema,
    row: Row<'r>,
    key_tag: &str,
) -> Result<(i64, ExpectedRow<'r>), String> {
    let time = row.time().ok_or("no time")?;
    let nf = schema.fields.len();
    let mut fields = Vec::with_capacity(nf);
    for (i, (key, ty)) in schema.fields.iter().enumerate() {
        let cell = row.get(1 + i).unwrap_or(Cell::Null);
        if cell.is_null() {
            continue;
        }
        let mismatch = || format!("field {key:?}: {cell:?} is not {ty:?}");
        let v = match ty {
            FieldType::Float => {
                let x = cell.as_f64().ok_or_else(mismatch)?;
                if !x.is_finite() {
                    return Err(format!("field {key:?} is {x}"));
                }
                Value::Float(x.to_bits())
            }
            FieldType::Integer => Value::Integer(cell.as_i64().ok_or_else(mismatch)?),
            FieldType::Unsigned => Value::Unsigned(cell.as_u64().ok_or_else(mismatch)?),
            FieldType::String => Value::String(cell.as_str().ok_or_else(mismatch)?),
            FieldType::Boolean => Value::Boolean(cell.as_bool().ok_or_else(mismatch)?),
        };
        fields.push((key.as_str(), v));
    }
    if fields.is_empty() {
        return Err("no field".into());
    }
    let mut tags = Vec::with_capacity(schema.tags.len());
    for (i, key) in schema.tags.iter().enumerate() {
        match row.get(1 + nf + i).unwrap_or(Cell::Null) {
            Cell::Null => {}
            Cell::String("") => {}
            Cell::String(v) if v.contains(['\n', '\r']) => {
                return Err(format!("tag {key:?} holds a line break"));
            }
            Cell::String(v) => tags.push((key.as_str(), v)),
            other => return Err(format!("tag {key:?} is {other:?}")),
        }
    }
    let series = series_key(&schema.measurement, &tags)?;
    let key = tags.iter().find(|(k, _)| *k == key_tag).map(|(_, v)| *v);
    let description = describe(&series, &fields, time);
    let hash = Content {
        measurement: &schema.measurement,
        tags,
        fields,
        time,
    }
    .hash();
    Ok((
        time,
        ExpectedRow {
            series,
            hash,
            key,
            description,
        },
    ))
}

/// `series k=v,k=v time` with readable values, for examples.
fn describe(series: &str, fields: &[(&str, Value<'_>)], time: i64) -> String {
    let fields: Vec<String> = fields
        .iter()
        .map(|(k, v)| match v {
            Value::Float(bits) => format!("{k}={:?}", f64::from_bits(*bits)),
            Value::Integer(i) => format!("{k}={i}i"),
            Value::Unsigned(u) => format!("{k}={u}u"),
            Value::String(s) => format!("{k}={s:?}"),
            Value::Boolean(b) => format!("{k}={b}"),
        })
        .collect();
    format!("{series} {} {time}", fields.join(","))
}

/// The series key as the exporter writes positions: the canonical serializer's series key.
fn series_key(measurement: &str, tags: &[(&str, &str)]) -> Result<String, String> {
    let mut tags: Vec<Tag<'_>> = tags.iter().map(|(k, v)| Tag::new(*k, *v)).collect();
    tags.sort_by(|a, b| a.key.as_bytes().cmp(b.key.as_bytes()));
    let point = Point {
        measurement: measurement.into(),
        tags,
        fields: vec![Field::new("f", true)],
        timestamp: None,
    };
    let line = Serializer::canonical()
        .to_vec(&point)
        .map_err(|e| e.to_string())?;
    let key = series_key_of_line(&line).ok_or("no series key")?;
    Ok(String::from_utf8_lossy(key).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_protocol_and_json_of_one_point_hash_alike_and_a_float_form_does_not_matter() {
        let a = message_hash(
            b"weather,city=a\\ b,station=s temperature=1001,humidity=3i 5\n",
            ValueFormat::Influx,
        )
        .unwrap();
        let b = message_hash(
            b"weather,station=s,city=a\\ b humidity=3i,temperature=1001.0 5\n",
            ValueFormat::Influx,
        )
        .unwrap();
        assert_eq!(a, b, "order and float spelling are not content");
        let j = message_hash(
            br#"{"measurement":"weather","tags":[["city","a b"],["station","s"]],"fields":[["temperature",{"type":"float","value":1001.0}],["humidity",{"type":"int","value":3}]],"timestamp":5}"#,
            ValueFormat::Json,
        )
        .unwrap();
        assert_eq!(a, j);
        let int = message_hash(
            b"weather,city=a\\ b,station=s temperature=1001i,humidity=3i 5\n",
            ValueFormat::Influx,
        )
        .unwrap();
        assert_ne!(a, int, "a float is not an integer");
        assert!(message_hash(b"garbage", ValueFormat::Influx).is_err());
    }
}
