//! Tests of the msgpack framing and decoding, with a small writer for the shapes InfluxDB sends.

use super::*;

/// A test-only msgpack writer using the widest or narrowest forms on request.
#[derive(Default)]
struct Writer(Vec<u8>);

impl Writer {
    fn map(&mut self, n: usize) -> &mut Self {
        if n < 16 {
            self.0.push(0x80 | n as u8);
        } else {
            self.0.push(0xde);
            self.0.extend_from_slice(&(n as u16).to_be_bytes());
        }
        self
    }
    fn array(&mut self, n: usize) -> &mut Self {
        if n < 16 {
            self.0.push(0x90 | n as u8);
        } else {
            self.0.push(0xdc);
            self.0.extend_from_slice(&(n as u16).to_be_bytes());
        }
        self
    }
    fn str(&mut self, s: &str) -> &mut Self {
        if s.len() < 32 {
            self.0.push(0xa0 | s.len() as u8);
        } else {
            self.0.push(0xd9);
            self.0.push(s.len() as u8);
        }
        self.0.extend_from_slice(s.as_bytes());
        self
    }
    fn raw(&mut self, bytes: &[u8]) -> &mut Self {
        self.0.extend_from_slice(bytes);
        self
    }
    fn i64(&mut self, v: i64) -> &mut Self {
        self.raw(&[0xd3]).raw(&v.to_be_bytes())
    }
    fn f64(&mut self, v: f64) -> &mut Self {
        self.raw(&[0xcb]).raw(&v.to_bits().to_be_bytes())
    }
}

fn one_series(doc: &[u8]) -> RowSeries {
    let mut d = decode_document(doc).unwrap();
    d.results.remove(0).series.remove(0)
}

/// `{"results":[{"statement_id":0,"series":[{"name":"m","columns":[…],"values":rows}]}]}`
fn document(columns: &[&str], rows: impl FnOnce(&mut Writer)) -> Vec<u8> {
    let mut w = Writer::default();
    w.map(1).str("results").array(1).map(2);
    w.str("statement_id")
        .raw(&[0x00])
        .str("series")
        .array(1)
        .map(3);
    w.str("name").str("m").str("columns").array(columns.len());
    for c in columns {
        w.str(c);
    }
    w.str("values");
    rows(&mut w);
    w.0
}

#[test]
fn influxdb_bytes_decode() {
    // The start of a real InfluxDB 1.6.7 answer, cut after the first row (its statement map
    // had a third key, `partial`, after the series).
    let mut w = Writer::default();
    w.raw(b"\x81\xa7results\x91\x82\xacstatement_id\x00\xa6series\x91\x84\xa4name\xa7weather");
    w.raw(b"\xa7columns\x97\xa4time\xa9condition\xa8humidity\xa8pressure\xabtemperature\xa7country\xa7station");
    w.raw(b"\xa6values\x91\x97\xd3\x164W\x85\xd8\xa0\x00\x00\xa5clear\x00\xcb@\x8d\xb0\x00\x00\x00\x00\x00");
    w.raw(b"\xcb\xc0$\x00\x00\x00\x00\x00\x00\xa2c0\xa5st000");
    w.str("partial").raw(&[0xc2]);
    let s = one_series(&w.0);
    assert_eq!(s.name, "weather");
    assert!(!s.partial);
    let row: Vec<Cell<'_>> = s.row(0).unwrap().iter().collect();
    assert_eq!(
        row,
        [
            Cell::Integer(1_600_000_000_000_000_000),
            Cell::String("clear"),
            Cell::Integer(0),
            Cell::Float(950.0),
            Cell::Float(-10.0),
            Cell::String("c0"),
            Cell::String("st000"),
        ]
    );
}

#[test]
fn every_value_shape_decodes_to_its_cell() {
    let long = "é".repeat(40);
    let doc = document(&["time", "v"], |w| {
        w.array(14);
        let row = |w: &mut Writer, v: &[u8]| {
            w.array(2).i64(1).raw(v);
        };
        row(w, &[0x7f]);
        row(w, &[0xe0]);
        row(w, &[0xd0, 0x80]);
        row(w, &[0xcc, 0xff]);
        row(w, &[0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
        row(w, &[0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0]);
        row(w, &[0xca, 0x3f, 0xc0, 0, 0]);
        row(w, &[0xc0]);
        row(w, &[0xc3]);
        row(w, &[0xc2]);
        row(w, &[0xa3, b'a', b'"', b'\n']);
        row(w, &[0xd9, long.len() as u8]);
        w.raw(long.as_bytes());
        row(w, &[0xda, 0, 3]);
        w.raw("☃".as_bytes());
        w.array(2).i64(-1).f64(-0.0);
    });
    let s = one_series(&doc);
    let cells: Vec<Cell<'_>> = s.rows().map(|r| r.get(1).unwrap()).collect();
    assert_eq!(
        cells,
        [
            Cell::Integer(127),
            Cell::Integer(-32),
            Cell::Integer(-128),
            Cell::Integer(255),
            Cell::Unsigned(u64::MAX),
            Cell::Integer(i64::MIN),
            Cell::Float(1.5),
            Cell::Null,
            Cell::Bool(true),
            Cell::Bool(false),
            Cell::String("a\"\n"),
            Cell::String(&long),
            Cell::String("☃"),
            Cell::Float(-0.0),
        ]
    );
    assert!(
        s.row(13)
            .unwrap()
            .get(1)
            .unwrap()
            .as_f64()
            .unwrap()
            .is_sign_negative()
    );
    assert_eq!(s.row(13).unwrap().time(), Some(-1));
}

#[test]
fn tags_partial_and_errors() {
    let mut w = Writer::default();
    w.map(2).str("results").array(2);
    w.map(3)
        .str("statement_id")
        .raw(&[0x01])
        .str("series")
        .array(1)
        .map(5);
    w.str("name")
        .str("m")
        .str("tags")
        .map(2)
        .str("station")
        .str("a b")
        .str("city")
        .raw(&[0xc0]);
    w.str("columns")
        .array(1)
        .str("time")
        .str("values")
        .array(1)
        .array(1)
        .i64(5);
    w.str("partial").raw(&[0xc3]);
    w.str("messages").array(1).map(1).str("text").str("ignored");
    w.map(2)
        .str("statement_id")
        .raw(&[0x02])
        .str("error")
        .str("boom");
    w.str("error").raw(&[0xc0]);
    let doc = decode_document(&w.0).unwrap();
    assert_eq!(doc.error, None);
    let s = &doc.results[0].series[0];
    assert_eq!(s.statement_id, 1);
    assert!(s.partial);
    assert_eq!(s.tags["station"], "a b");
    assert_eq!(s.tags["city"], "");
    assert_eq!(doc.results[1].statement_id, Some(2));
    assert_eq!(doc.results[1].error.as_deref(), Some("boom"));

    let mut w = Writer::default();
    w.map(1).str("error").str("database not found: x");
    let doc = decode_document(&w.0).unwrap();
    assert_eq!(doc.error.as_deref(), Some("database not found: x"));
}

#[test]
fn bad_documents_name_the_byte() {
    let nested = document(&["time"], |w| {
        w.array(1).array(1).array(0);
    });
    let e = decode_document(&nested).unwrap_err();
    assert!(e.message.contains("scalar"), "{e}");
    let mut truncated = document(&["time"], |w| {
        w.array(1).array(1).i64(1);
    });
    truncated.pop();
    assert!(decode_document(&truncated).is_err());
    let mut trailing = document(&["time"], |w| {
        w.array(0);
    });
    trailing.push(0xc0);
    assert!(decode_document(&trailing).is_err());
    let cut_string = document(&["time"], |w| {
        w.array(1).array(1).raw(&[0xa5, b'a']);
    });
    let e = decode_document(&cut_string).unwrap_err();
    assert!(e.to_string().contains("ends inside"), "{e}");
}

#[test]
fn invalid_utf8_becomes_replacement_characters_like_influxdb_json() {
    let doc = document(&["time", "s"], |w| {
        w.array(1).array(2).i64(1).raw(&[0xa3, b'a', 0xff, b'b']);
    });
    let s = one_series(&doc);
    assert_eq!(s.row(0).unwrap().get(1), Some(Cell::String("a\u{fffd}b")));
}

#[test]
fn scanner_finds_each_document_fed_byte_by_byte() {
    let first = document(&["time", "s"], |w| {
        w.array(20);
        for i in 0..20 {
            w.array(2).i64(i).str("some text value");
        }
    });
    let second = document(&["time"], |w| {
        w.array(0);
    });
    let mut stream = first.clone();
    stream.extend_from_slice(&second);
    let mut scanner = DocumentScanner::default();
    let mut ends = Vec::new();
    let mut start = 0;
    for fed in 1..=stream.len() {
        while let Some(len) = scanner.scan(&stream[start..fed]) {
            start += len;
            ends.push(start);
        }
    }
    assert_eq!(ends, [first.len(), stream.len()]);
    // A scalar document (never sent, but well-formed) is one byte.
    assert_eq!(DocumentScanner::default().scan(&[0xc0, 0xc0]), Some(1));
    assert_eq!(DocumentScanner::default().scan(&[]), None);
}
