//! JSON `/query` documents decoded straight into [`RowSeries`] tables.
//!
//! A serde visitor walks `{"results":[{"statement_id":…,"series":[{"name":…,"tags":…,
//! "columns":…,"values":[[…]…],"partial":…}],"error":…}],"error":…}` and writes each value
//! into the series' slot table as it is read: no `serde_json::Value` tree, no per-row `Vec`,
//! no per-string allocation.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::Cell;
use crate::rows::{ResultDocument, RowSeries, StatementRows};

/// Decodes one JSON document of a (chunked) `/query` response.
pub(crate) fn decode_document(bytes: &[u8]) -> Result<ResultDocument, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let doc = de.deserialize_map(DocumentVisitor)?;
    de.end()?;
    Ok(doc)
}

struct DocumentVisitor;

impl<'de> Visitor<'de> for DocumentVisitor {
    type Value = ResultDocument;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a query result object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ResultDocument, A::Error> {
        let mut doc = ResultDocument::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "results" => doc.results = map.next_value_seed(ResultsSeed)?,
                "error" => doc.error = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(doc)
    }
}

struct ResultsSeed;

impl<'de> DeserializeSeed<'de> for ResultsSeed {
    type Value = Vec<StatementRows>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ResultsSeed {
    type Value = Vec<StatementRows>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of statement results")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut results = Vec::new();
        while let Some(result) = seq.next_element_seed(StatementVisitor)? {
            results.push(result);
        }
        Ok(results)
    }
}

struct StatementVisitor;

impl<'de> DeserializeSeed<'de> for StatementVisitor {
    type Value = StatementRows;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for StatementVisitor {
    type Value = StatementRows;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a statement result object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut result = StatementRows::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "statement_id" => result.statement_id = Some(map.next_value()?),
                "series" => {
                    result.series = map.next_value_seed(SeriesListSeed)?;
                }
                "error" => result.error = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        // `statement_id` may follow `series` in a generic encoder's key order.
        for series in &mut result.series {
            series.statement_id = result.statement_id.unwrap_or(0);
        }
        Ok(result)
    }
}

struct SeriesListSeed;

impl<'de> DeserializeSeed<'de> for SeriesListSeed {
    type Value = Vec<RowSeries>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for SeriesListSeed {
    type Value = Vec<RowSeries>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of series")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut list = Vec::new();
        while let Some(series) = seq.next_element_seed(SeriesVisitor)? {
            list.push(series);
        }
        Ok(list)
    }
}

struct SeriesVisitor;

impl<'de> DeserializeSeed<'de> for SeriesVisitor {
    type Value = RowSeries;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for SeriesVisitor {
    type Value = RowSeries;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a series object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut series = RowSeries::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "name" => series.name = map.next_value()?,
                "tags" => {
                    // A tag a series lacks may be sent as `null`; it reads as "" like in
                    // `Series`.
                    let tags: BTreeMap<String, Option<String>> = map.next_value()?;
                    series.tags = tags
                        .into_iter()
                        .map(|(k, v)| (k, v.unwrap_or_default()))
                        .collect();
                }
                "columns" => series.columns = map.next_value()?,
                "values" => map.next_value_seed(RowsSeed(&mut series))?,
                "partial" => series.partial = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(series)
    }
}

/// Appends every row of `values` to the series.
struct RowsSeed<'s>(&'s mut RowSeries);

impl<'de> DeserializeSeed<'de> for RowsSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RowsSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of rows")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(RowSeed(self.0))?.is_some() {}
        Ok(())
    }
}

/// Appends one row.
struct RowSeed<'s>(&'s mut RowSeries);

impl<'de> DeserializeSeed<'de> for RowSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a row (a list of values)")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(CellSeed(self.0))?.is_some() {}
        self.0.end_row();
        Ok(())
    }
}

/// Appends one value.
struct CellSeed<'s>(&'s mut RowSeries);

impl<'de> DeserializeSeed<'de> for CellSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for CellSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number, string, boolean or null")
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<(), E> {
        self.0.push_cell(Cell::Bool(v));
        Ok(())
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<(), E> {
        self.0.push_cell(Cell::Integer(v));
        Ok(())
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<(), E> {
        self.0.push_cell(Cell::Unsigned(v));
        Ok(())
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<(), E> {
        self.0.push_cell(Cell::Float(v));
        Ok(())
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<(), E> {
        self.0.push_cell(Cell::String(v));
        Ok(())
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        self.0.push_cell(Cell::Null);
        Ok(())
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<(), E> {
        self.0.push_cell(Cell::Null);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_series(json: &str) -> RowSeries {
        let mut doc = decode_document(json.as_bytes()).unwrap();
        assert_eq!(doc.results.len(), 1);
        assert_eq!(doc.results[0].series.len(), 1);
        doc.results.remove(0).series.remove(0)
    }

    #[test]
    fn every_value_shape_decodes_to_its_cell() {
        let s = one_series(
            r#"{"results":[{"statement_id":0,"series":[{"name":"m","columns":["time","f","i","u","s","b","n"],
            "values":[[1600000000000000000,21.5,-9223372036854775808,18446744073709551615,"q\"\\\n\u00e9 ☃",true,null],
                      [-5,89,9223372036854775807,9223372036854775808,"",false,null]]}]}]}"#,
        );
        assert_eq!(s.columns, ["time", "f", "i", "u", "s", "b", "n"]);
        let r0: Vec<Cell<'_>> = s.row(0).unwrap().iter().collect();
        assert_eq!(
            r0,
            [
                Cell::Integer(1_600_000_000_000_000_000),
                Cell::Float(21.5),
                Cell::Integer(i64::MIN),
                Cell::Unsigned(u64::MAX),
                Cell::String("q\"\\\né ☃"),
                Cell::Bool(true),
                Cell::Null
            ]
        );
        let r1: Vec<Cell<'_>> = s.row(1).unwrap().iter().collect();
        assert_eq!(
            r1,
            [
                Cell::Integer(-5),
                Cell::Integer(89),
                Cell::Integer(i64::MAX),
                Cell::Unsigned(1 << 63),
                Cell::String(""),
                Cell::Bool(false),
                Cell::Null
            ]
        );
    }

    #[test]
    fn floats_round_trip_exactly() {
        let s = one_series(
            r#"{"results":[{"series":[{"name":"m","columns":["time","f"],"values":[[1,0.1],[2,-0],[3,1e300],[4,2.2250738585072014e-308]]}]}]}"#,
        );
        let floats: Vec<f64> = s
            .rows()
            .map(|r| r.get(1).unwrap().as_f64().unwrap())
            .collect();
        assert_eq!(floats, [0.1, 0.0, 1e300, 2.2250738585072014e-308]);
    }

    #[test]
    fn tags_partial_and_statement_ids_are_kept() {
        let mut doc = decode_document(
            br#"{"results":[{"series":[{"name":"m","tags":{"station":"a b","city":null},"columns":["time","v"],"values":[[1,1]],"partial":true}],"statement_id":3,"partial":true}]}"#,
        )
        .unwrap();
        let s = doc.results.remove(0).series.remove(0);
        assert_eq!(s.statement_id, 3);
        assert!(s.partial);
        assert_eq!(s.tags.get("station").map(String::as_str), Some("a b"));
        assert_eq!(s.tags.get("city").map(String::as_str), Some(""));
    }

    #[test]
    fn tags_as_columns_are_ordinary_strings() {
        let s = one_series(
            r#"{"results":[{"series":[{"name":"m","columns":["time","temp","station"],"values":[[1,2,"paris"],[2,null,"lyon"]]}]}]}"#,
        );
        assert_eq!(s.row(1).unwrap().get(2), Some(Cell::String("lyon")));
        assert_eq!(s.row(1).unwrap().get(1), Some(Cell::Null));
    }

    #[test]
    fn errors_are_reported_where_they_are() {
        let doc = decode_document(br#"{"error":"database not found"}"#).unwrap();
        assert_eq!(doc.error.as_deref(), Some("database not found"));
        let doc = decode_document(
            br#"{"results":[{"statement_id":0,"series":[{"name":"m","columns":["time"],"values":[[1]]}]},{"statement_id":1,"error":"boom"}]}"#,
        )
        .unwrap();
        assert_eq!(doc.results[0].series[0].len(), 1);
        assert_eq!(doc.results[1].statement_id, Some(1));
        assert_eq!(doc.results[1].error.as_deref(), Some("boom"));
        assert!(doc.results[1].series.is_empty());
    }

    #[test]
    fn empty_and_unknown_parts_are_fine() {
        let doc = decode_document(br#"{"results":[{"statement_id":0,"messages":[{"level":"warning","text":"x"}]}],"extra":{"a":[1]}}"#).unwrap();
        assert!(doc.results[0].series.is_empty());
        assert!(decode_document(b"{}").unwrap().results.is_empty());
    }

    #[test]
    fn malformed_documents_are_errors() {
        for bad in [
            &b"{\"results\":[{\"series\":[{\"values\":[[1,[2]]]}]}]}"[..],
            b"{\"results\":[{\"series\":[{\"values\":[[1,{}]]}]}]}",
            b"{\"results\":",
            b"[]",
            b"{} trailing",
        ] {
            assert!(
                decode_document(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
