//! Reading points from InfluxDB: schema, the export query, and rows back to points.
//!
//! One query per measurement and window, without `GROUP BY`, so InfluxDB returns rows in time
//! order across all series (rows sharing a timestamp come in no fixed order; the exporter sorts
//! those). Columns are named explicitly with `::field` / `::tag` casts from `SHOW FIELD KEYS` /
//! `SHOW TAG KEYS`, so each column's role is known even when a tag and a field share a name, and
//! each field's type comes from the schema (JSON turns a float 89.0 into `89`).

use std::borrow::Cow;
use std::collections::BTreeMap;

use influxdb_http::{
    Api, Cell, ClientConfig as InfluxConfig, Credentials, Error as InfluxError, FieldType,
    InfluxClient, Query, Row, Secret, quote_ident,
};

use crate::config::BridgeConfig;
use line_protocol::{Field, FieldValue, Point, Tag};

/// The columns of one measurement, in query order: fields (sorted), then tags (sorted).
///
/// ```
/// use std::collections::BTreeMap;
/// use influxdb_http::FieldType;
/// use telegraf_execd_kafka_bridge::source::MeasurementSchema;
/// let s = MeasurementSchema::new(
///     "weather",
///     BTreeMap::from([("temp".to_string(), FieldType::Float)]),
///     vec!["station".to_string()],
/// );
/// assert_eq!(
///     s.select("\"weather\"", "time >= 0"),
///     "SELECT \"temp\"::field,\"station\"::tag FROM \"weather\" WHERE time >= 0"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasurementSchema {
    /// Measurement name.
    pub measurement: String,
    /// Field keys and types, sorted by key.
    pub fields: Vec<(String, FieldType)>,
    /// Tag keys, sorted.
    pub tags: Vec<String>,
}

impl MeasurementSchema {
    /// A schema from `SHOW FIELD KEYS` / `SHOW TAG KEYS` answers.
    ///
    /// ```
    /// use telegraf_execd_kafka_bridge::source::MeasurementSchema;
    /// let s = MeasurementSchema::new("m", Default::default(), vec!["b".into(), "a".into()]);
    /// assert_eq!(s.tags, ["a", "b"]);
    /// ```
    pub fn new(
        measurement: impl Into<String>,
        fields: BTreeMap<String, FieldType>,
        mut tags: Vec<String>,
    ) -> Self {
        tags.sort();
        tags.dedup();
        MeasurementSchema {
            measurement: measurement.into(),
            fields: fields.into_iter().collect(),
            tags,
        }
    }

    /// Reads the schema of `measurement` from the server.
    ///
    /// ```no_run
    /// # async fn demo(client: &influxdb_http::InfluxClient) -> Result<(), influxdb_http::Error> {
    /// let s = telegraf_execd_kafka_bridge::source::MeasurementSchema::fetch(client, "weather", "weather").await?;
    /// println!("{} fields", s.fields.len());
    /// # Ok(()) }
    /// ```
    pub async fn fetch(
        client: &InfluxClient,
        database: &str,
        measurement: &str,
    ) -> Result<Self, InfluxError> {
        let fields = client.show_field_keys(database, measurement).await?;
        let tags = client.show_tag_keys(database, measurement).await?;
        Ok(Self::new(measurement, fields, tags))
    }

    /// The `SELECT` for this measurement from `from` (a quoted, possibly qualified, measurement)
    /// with condition `condition`.
    ///
    /// ```
    /// use telegraf_execd_kafka_bridge::source::MeasurementSchema;
    /// let s = MeasurementSchema::new("m", Default::default(), vec![]);
    /// assert_eq!(s.select("\"m\"", "time <= 5"), "SELECT  FROM \"m\" WHERE time <= 5");
    /// ```
    pub fn select(&self, from: &str, condition: &str) -> String {
        let columns: Vec<String> = self
            .fields
            .iter()
            .map(|(k, _)| format!("{}::field", quote_ident(k)))
            .chain(self.tags.iter().map(|k| format!("{}::tag", quote_ident(k))))
            .collect();
        format!("SELECT {} FROM {from} WHERE {condition}", columns.join(","))
    }

    /// Turns one result row (`time`, fields…, tags…) into a point, or says why it cannot be
    /// line protocol. The point's tags come out sorted (the serializer's fast path); strings
    /// borrow from the row.
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// use influxdb_http::{Cell, FieldType, RowSeries};
    /// use line_protocol::FieldValue;
    /// use telegraf_execd_kafka_bridge::source::MeasurementSchema;
    /// let s = MeasurementSchema::new("m", BTreeMap::from([("f".to_string(), FieldType::Float)]), vec!["t".into()]);
    /// let mut rows = RowSeries::new("m", vec!["time".into(), "f".into(), "t".into()]);
    /// rows.push_row([Cell::Integer(10), Cell::Integer(89), Cell::String("a")]);
    /// let p = s.point(rows.row(0).unwrap()).unwrap();
    /// assert_eq!(p.field("f"), Some(&FieldValue::Float(89.0)));
    /// assert_eq!(p.tag("t"), Some("a"));
    /// assert_eq!(p.timestamp, Some(10));
    /// ```
    pub fn point<'r>(&'r self, row: Row<'r>) -> Result<Point<'r>, RowError> {
        let mut point = Point {
            tags: Vec::with_capacity(self.tags.len()),
            fields: Vec::with_capacity(self.fields.len()),
            ..Point::default()
        };
        self.point_into(row, &mut point)?;
        Ok(point)
    }

    /// Like [`MeasurementSchema::point`], overwriting `point` in place so its tag and field
    /// vectors are reused from row to row (on error `point` is left cleared).
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// use influxdb_http::{Cell, FieldType, RowSeries};
    /// use line_protocol::{FieldValue, Point};
    /// use telegraf_execd_kafka_bridge::source::MeasurementSchema;
    /// let s = MeasurementSchema::new("m", BTreeMap::from([("f".to_string(), FieldType::Integer)]), vec![]);
    /// let mut rows = RowSeries::new("m", vec!["time".into(), "f".into()]);
    /// rows.push_row([Cell::Integer(1), Cell::Integer(5)]);
    /// rows.push_row([Cell::Integer(2), Cell::Float(0.5)]);
    /// let mut p = Point::default();
    /// s.point_into(rows.row(0).unwrap(), &mut p).unwrap();
    /// assert_eq!(p.field("f"), Some(&FieldValue::Integer(5)));
    /// assert!(s.point_into(rows.row(1).unwrap(), &mut p).is_err());
    /// assert!(p.fields.is_empty());
    /// ```
    pub fn point_into<'r>(&'r self, row: Row<'r>, point: &mut Point<'r>) -> Result<(), RowError> {
        point.tags.clear();
        point.fields.clear();
        point.timestamp = None;
        point.measurement = Cow::Borrowed(self.measurement.as_str());
        if row.len() != 1 + self.fields.len() + self.tags.len() {
            return Err(RowError::Shape {
                expected: 1 + self.fields.len() + self.tags.len(),
                found: row.len(),
            });
        }
        let mut cells = row.iter();
        let time = cells
            .next()
            .and_then(|t| t.as_i64())
            .ok_or(RowError::Time)?;
        for ((key, kind), value) in self.fields.iter().zip(&mut cells) {
            if value.is_null() {
                continue;
            }
            let Some(converted) = convert(*kind, value) else {
                point.fields.clear();
                return Err(RowError::FieldValue {
                    key: key.clone(),
                    kind: *kind,
                    value: value.to_string(),
                });
            };
            point.fields.push(Field::new(key.as_str(), converted));
        }
        for (key, value) in self.tags.iter().zip(cells) {
            match value {
                Cell::Null => {}
                Cell::String(v) => point.tags.push(Tag::new(key.as_str(), v)),
                other => {
                    point.tags.clear();
                    point.fields.clear();
                    return Err(RowError::TagValue {
                        key: key.clone(),
                        value: other.to_string(),
                    });
                }
            }
        }
        point.timestamp = Some(time);
        Ok(())
    }
}

/// A row that cannot become a point.
///
/// ```
/// use telegraf_execd_kafka_bridge::source::RowError;
/// let e = RowError::FieldValue { key: "f".into(), kind: influxdb_http::FieldType::Integer, value: "1.5".into() };
/// assert_eq!(e.to_string(), "field \"f\" holds 1.5, not a integer");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RowError {
    /// The row has another number of columns than the query asked for.
    #[error("row has {found} columns, expected {expected}")]
    Shape {
        /// Columns asked for.
        expected: usize,
        /// Columns received.
        found: usize,
    },
    /// The time column is not an integer (the query asks for `epoch=ns`).
    #[error("time column is not integer nanoseconds")]
    Time,
    /// A field value does not match the type `SHOW FIELD KEYS` reported.
    #[error("field {key:?} holds {value}, not a {kind}")]
    FieldValue {
        /// Field key.
        key: String,
        /// Type from the schema.
        kind: FieldType,
        /// The JSON value.
        value: String,
    },
    /// A tag value that is not a string.
    #[error("tag {key:?} holds {value}, not a string")]
    TagValue {
        /// Tag key.
        key: String,
        /// The JSON value.
        value: String,
    },
}

/// Result value → typed field value, by the schema's type (JSON results turn a float 89.0
/// into the integer 89). NaN and infinities arrive from InfluxDB 3.x as strings or `null`;
/// they are rejected here or by the serializer.
fn convert(kind: FieldType, value: Cell<'_>) -> Option<FieldValue<'_>> {
    Some(match kind {
        FieldType::Float => FieldValue::Float(value.as_f64()?),
        FieldType::Integer => FieldValue::Integer(value.as_i64()?),
        FieldType::Unsigned => FieldValue::UInteger(value.as_u64()?),
        FieldType::String => FieldValue::String(Cow::Borrowed(value.as_str()?)),
        FieldType::Boolean => FieldValue::Boolean(value.as_bool()?),
    })
}

/// The `FROM` target: `"db"."rp"."m"` when a retention policy is set, else `"m"`.
///
/// ```
/// use telegraf_execd_kafka_bridge::source::from_clause;
/// assert_eq!(from_clause("weather", "", "weather"), "\"weather\"");
/// assert_eq!(from_clause("weather", "autogen", "weather"), "\"weather\".\"autogen\".\"weather\"");
/// ```
pub fn from_clause(database: &str, retention_policy: &str, measurement: &str) -> String {
    if retention_policy.is_empty() {
        quote_ident(measurement)
    } else {
        format!(
            "{}.{}.{}",
            quote_ident(database),
            quote_ident(retention_policy),
            quote_ident(measurement)
        )
    }
}

/// The time condition of one export query, plus the configured filter.
///
/// ```
/// use telegraf_execd_kafka_bridge::source::window_condition;
/// assert_eq!(window_condition(Some(5), 9, ""), "time >= 5 AND time <= 9");
/// assert_eq!(window_condition(None, 9, "\"station\" = 'a'"), "time <= 9 AND (\"station\" = 'a')");
/// ```
pub fn window_condition(from: Option<i64>, to: i64, filter: &str) -> String {
    let mut c = match from {
        Some(from) => format!("time >= {from} AND time <= {to}"),
        None => format!("time <= {to}"),
    };
    if !filter.trim().is_empty() {
        c.push_str(&format!(" AND ({filter})"));
    }
    c
}

/// The export query for one measurement and window.
///
/// ```
/// use telegraf_execd_kafka_bridge::source::{export_query, MeasurementSchema};
/// let s = MeasurementSchema::new("m", Default::default(), vec!["t".into()]);
/// let q = export_query(&s, "db", "", Some(1), 2, "", 500);
/// assert_eq!(q.text(), "SELECT \"t\"::tag FROM \"m\" WHERE time >= 1 AND time <= 2");
/// assert_eq!(q.get_chunk_size(), 500);
/// ```
pub fn export_query(
    schema: &MeasurementSchema,
    database: &str,
    retention_policy: &str,
    from: Option<i64>,
    to: i64,
    filter: &str,
    chunk_size: usize,
) -> Query {
    let from_target = from_clause(database, retention_policy, &schema.measurement);
    Query::new(schema.select(&from_target, &window_condition(from, to, filter)))
        .chunk_size(chunk_size)
}

/// The InfluxDB client for the `influxdb` settings.
///
/// ```
/// let c = telegraf_execd_kafka_bridge::config::BridgeConfig::default();
/// let client = telegraf_execd_kafka_bridge::source::influx_client(&c, None).unwrap();
/// assert_eq!(client.config().url.as_str(), "http://127.0.0.1:8086/");
/// ```
pub fn influx_client(
    config: &BridgeConfig,
    token: Option<String>,
) -> Result<InfluxClient, InfluxError> {
    let i = &config.influxdb;
    // A token means 2.x/3.x (`Authorization: Token`, accepted by their v1-compatible /query);
    // otherwise 1.x, with basic auth when a username is set.
    let api = match token {
        Some(token) => Api::V2 {
            org: String::new(),
            bucket: i.database.clone(),
            token: Secret::new(token),
        },
        None => Api::V1 {
            database: i.database.clone(),
            retention_policy: (!i.retention_policy.is_empty()).then(|| i.retention_policy.clone()),
            auth: (!i.username.is_empty()).then(|| Credentials {
                username: i.username.clone(),
                password: Secret::new(i.password.clone()),
            }),
        },
    };
    let mut c = InfluxConfig::new(&i.url, api)?;
    c.timeout = i.timeout.0;
    c.tls_ca.clone_from(&i.tls_ca);
    InfluxClient::new(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One row of cells, read back through a `RowSeries` like the exporter does.
    fn with_row<T>(cells: &[Cell<'_>], f: impl FnOnce(Row<'_>) -> T) -> T {
        let mut rows = influxdb_http::RowSeries::default();
        rows.push_row(cells.iter().copied());
        f(rows.row(0).unwrap())
    }

    fn schema() -> MeasurementSchema {
        MeasurementSchema::new(
            "weather",
            BTreeMap::from([
                ("temp".to_string(), FieldType::Float),
                ("n".to_string(), FieldType::Integer),
                ("u".to_string(), FieldType::Unsigned),
                ("s".to_string(), FieldType::String),
                ("b".to_string(), FieldType::Boolean),
            ]),
            vec!["station".into(), "city".into()],
        )
    }

    #[test]
    fn columns_are_fields_then_tags_sorted() {
        let s = schema();
        let keys: Vec<&str> = s.fields.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["b", "n", "s", "temp", "u"]);
        assert_eq!(s.tags, ["city", "station"]);
    }

    #[test]
    fn whole_number_floats_stay_floats_and_nulls_are_absent() {
        let s = schema();
        use Cell::{Integer as I, Null as N, String as S};
        let row = [I(7), N, I(3), S("x"), I(89), N, N, S("paris")];
        let line = with_row(&row, |row| {
            let p = s.point(row).unwrap();
            assert_eq!(p.field("temp"), Some(&FieldValue::Float(89.0)));
            assert_eq!(p.field("n"), Some(&FieldValue::Integer(3)));
            assert_eq!(p.field("b"), None);
            assert_eq!(p.tags, vec![Tag::new("station", "paris")]);
            line_protocol::serialize::Serializer::canonical()
                .to_string(&p)
                .unwrap()
        });
        assert_eq!(line, "weather,station=paris n=3i,s=\"x\",temp=89.0 7\n");
    }

    #[test]
    fn mismatched_values_are_row_errors() {
        let s = schema();
        use Cell::{Float as F, Integer as I, Null as N, String as S, Unsigned as U};
        let bad_int = [I(7), N, F(1.5), N, N, N, N, N];
        assert_eq!(
            with_row(&bad_int, |r| s.point(r).map(drop)),
            Err(RowError::FieldValue {
                key: "n".into(),
                kind: FieldType::Integer,
                value: "1.5".into()
            })
        );
        let too_big = [I(7), N, U(u64::MAX), N, N, N, N, N];
        assert!(with_row(&too_big, |r| s.point(r).is_err()));
        let negative_unsigned = [I(7), N, N, N, N, I(-1), N, N];
        assert!(with_row(&negative_unsigned, |r| s.point(r).is_err()));
        let nan_as_text = [I(7), N, N, N, S("NaN"), N, N, N];
        assert!(with_row(&nan_as_text, |r| s.point(r).is_err()));
        let tag_not_text = [I(7), N, N, N, F(1.0), N, Cell::Bool(true), N];
        assert!(matches!(
            with_row(&tag_not_text, |r| s.point(r).map(drop)),
            Err(RowError::TagValue { .. })
        ));
        assert!(matches!(
            with_row(&[I(7)], |r| s.point(r).map(drop)),
            Err(RowError::Shape { .. })
        ));
        let bad_time = [S("x"), N, N, N, I(1), N, N, N];
        assert_eq!(
            with_row(&bad_time, |r| s.point(r).map(drop)),
            Err(RowError::Time)
        );
    }

    #[test]
    fn empty_tag_value_fails_serialization_not_conversion() {
        let s = schema();
        let row = [
            Cell::Integer(7),
            Cell::Null,
            Cell::Null,
            Cell::Null,
            Cell::Float(1.0),
            Cell::Null,
            Cell::String(""),
            Cell::String("a"),
        ];
        with_row(&row, |row| {
            let p = s.point(row).unwrap();
            assert!(
                line_protocol::serialize::Serializer::canonical()
                    .to_vec(&p)
                    .is_err()
            );
        });
    }

    #[test]
    fn filter_is_parenthesised() {
        assert_eq!(
            window_condition(Some(-1), 0, "a = 1 OR b = 2"),
            "time >= -1 AND time <= 0 AND (a = 1 OR b = 2)"
        );
    }
}
