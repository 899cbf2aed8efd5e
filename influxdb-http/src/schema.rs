//! Schema queries: measurements, tag keys and field types.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde_json::Value;

use crate::query::quote_ident;
use crate::{Error, InfluxClient, Query, Series};

/// The type of a field as `SHOW FIELD KEYS` names it.
///
/// ```
/// use influxdb_http::FieldType;
/// assert_eq!("integer".parse::<FieldType>(), Ok(FieldType::Integer));
/// assert_eq!(FieldType::Unsigned.to_string(), "unsigned");
/// assert!("decimal".parse::<FieldType>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FieldType {
    /// 64-bit float.
    Float,
    /// Signed 64-bit integer (`i` suffix).
    Integer,
    /// Unsigned 64-bit integer (`u` suffix).
    Unsigned,
    /// String.
    String,
    /// Boolean.
    Boolean,
}

impl FieldType {
    /// The InfluxQL name (`float`, `integer`, `unsigned`, `string`, `boolean`).
    ///
    /// ```
    /// assert_eq!(influxdb_http::FieldType::Float.as_str(), "float");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Float => "float",
            FieldType::Integer => "integer",
            FieldType::Unsigned => "unsigned",
            FieldType::String => "string",
            FieldType::Boolean => "boolean",
        }
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for FieldType {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "float" => Ok(FieldType::Float),
            "integer" => Ok(FieldType::Integer),
            "unsigned" => Ok(FieldType::Unsigned),
            "string" => Ok(FieldType::String),
            "boolean" => Ok(FieldType::Boolean),
            other => Err(format!("unknown field type {other:?}")),
        }
    }
}

impl InfluxClient {
    /// Field name → type for `measurement` (`SHOW FIELD KEYS FROM …`).
    ///
    /// JSON query results lose the float/integer distinction (`89.0` arrives as `89`): use
    /// this map to rebuild typed values. A field stored with different types in different
    /// shards is reported as [`Error::FieldTypeConflict`] rather than guessed.
    ///
    /// ```
    /// # use influxdb_http::{Api, ClientConfig, InfluxClient, Error};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Error> {
    /// let client = InfluxClient::new(ClientConfig::new("http://127.0.0.1:9", Api::v1("db"))?)?;
    /// assert!(client.show_field_keys("weather", "weather").await.is_err()); // no server
    /// # Ok(()) }
    /// ```
    pub async fn show_field_keys(
        &self,
        db: &str,
        measurement: &str,
    ) -> Result<BTreeMap<String, FieldType>, Error> {
        let q = Query::new(format!("SHOW FIELD KEYS FROM {}", quote_ident(measurement)));
        let mut types = BTreeMap::new();
        for series in self.query(db, &q).await? {
            for row in &series.values {
                let (Some(name), Some(kind)) = (text(row, 0), text(row, 1)) else {
                    return Err(bad_row(&series, row));
                };
                let kind = kind
                    .parse::<FieldType>()
                    .map_err(|message| Error::BadResponse {
                        url: "SHOW FIELD KEYS".into(),
                        message,
                    })?;
                if let Some(previous) = types.insert(name.to_owned(), kind)
                    && previous != kind
                {
                    return Err(Error::FieldTypeConflict {
                        measurement: measurement.to_owned(),
                        field: name.to_owned(),
                        types: format!("{previous}, {kind}"),
                    });
                }
            }
        }
        Ok(types)
    }

    /// Tag keys of `measurement`, sorted (`SHOW TAG KEYS FROM …`).
    ///
    /// ```
    /// # use influxdb_http::{Api, ClientConfig, InfluxClient, Error};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Error> {
    /// let client = InfluxClient::new(ClientConfig::new("http://127.0.0.1:9", Api::v1("db"))?)?;
    /// assert!(client.show_tag_keys("weather", "weather").await.is_err()); // no server
    /// # Ok(()) }
    /// ```
    pub async fn show_tag_keys(&self, db: &str, measurement: &str) -> Result<Vec<String>, Error> {
        let q = Query::new(format!("SHOW TAG KEYS FROM {}", quote_ident(measurement)));
        self.first_column(db, &q).await
    }

    /// Measurement names of `db`, sorted (`SHOW MEASUREMENTS`).
    ///
    /// ```
    /// # use influxdb_http::{Api, ClientConfig, InfluxClient, Error};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Error> {
    /// let client = InfluxClient::new(ClientConfig::new("http://127.0.0.1:9", Api::v1("db"))?)?;
    /// assert!(client.show_measurements("weather").await.is_err()); // no server
    /// # Ok(()) }
    /// ```
    pub async fn show_measurements(&self, db: &str) -> Result<Vec<String>, Error> {
        self.first_column(db, &Query::new("SHOW MEASUREMENTS"))
            .await
    }

    /// The first column of every row, as strings, sorted and deduplicated.
    async fn first_column(&self, db: &str, q: &Query) -> Result<Vec<String>, Error> {
        let mut names = Vec::new();
        for series in self.query(db, q).await? {
            for row in &series.values {
                let name = text(row, 0).ok_or_else(|| bad_row(&series, row))?;
                names.push(name.to_owned());
            }
        }
        names.sort();
        names.dedup();
        Ok(names)
    }
}

fn text(row: &[Value], index: usize) -> Option<&str> {
    row.get(index).and_then(Value::as_str)
}

fn bad_row(series: &Series, row: &[Value]) -> Error {
    Error::BadResponse {
        url: "/query".into(),
        message: format!(
            "unexpected row {} in series {:?} (columns {:?})",
            Value::Array(row.to_vec()),
            series.name,
            series.columns
        ),
    }
}
