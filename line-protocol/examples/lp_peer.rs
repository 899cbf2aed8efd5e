//! The peer for whole-process measurements of `lp`: the same jobs done with the
//! `influxdb-line-protocol` crate in a minimal program.
//!
//! - `lp_peer check FILE`: parse every line and decode every value; report bad lines and the
//!   count, like `lp check`.
//! - `lp_peer fmt FILE`: parse, then write every point back with the crate's
//!   `LineProtocolBuilder` (tags in input order: the crate has no canonical mode) to stdout.
//!
//! The crate parses a `&str`, so the program reads the file whole and checks UTF-8 once.
//!
//! ```sh
//! hyperfine 'target/release/lp check /tmp/weather.lp' 'target/release/examples/lp_peer check /tmp/weather.lp'
//! ```

use std::hint::black_box;
use std::io::{self, Write};

use influxdb_line_protocol::{FieldValue, LineProtocolBuilder, ParsedLine, parse_lines};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(command), Some(path)) = (args.next(), args.next()) else {
        anyhow::bail!("usage: lp_peer check|fmt FILE");
    };
    let text = String::from_utf8(std::fs::read(&path)?)?;
    let mut stdout = io::stdout().lock();
    let (mut points, mut errors) = (0u64, 0u64);
    let mut out = Vec::with_capacity(1 << 17);
    for (n, line) in parse_lines(&text).enumerate() {
        let line = match line {
            Ok(line) => line,
            Err(e) => {
                errors += 1;
                writeln!(stdout, "{path}:{}: {e}", n + 1)?;
                continue;
            }
        };
        points += 1;
        match command.as_str() {
            "check" => touch(&line),
            "fmt" => {
                out = build(out, &line);
                if out.len() >= 1 << 16 {
                    stdout.write_all(&out)?;
                    out.clear();
                }
            }
            other => anyhow::bail!("unknown command {other}"),
        }
    }
    stdout.write_all(&out)?;
    let summary = format!("{points} points, {errors} errors");
    if command == "check" {
        writeln!(stdout, "{summary}")?;
    } else {
        eprintln!("{summary}");
    }
    Ok(())
}

/// Decodes every value, as a consumer would.
fn touch(p: &ParsedLine<'_>) {
    black_box(p.series.measurement.as_str());
    for (k, v) in p.series.tag_set.iter().flatten() {
        black_box((k.as_str(), v.as_str()));
    }
    for (k, v) in &p.field_set {
        black_box(k.as_str());
        match v {
            FieldValue::F64(v) => black_box(v.to_bits()),
            FieldValue::I64(v) => black_box(*v as u64),
            FieldValue::U64(v) => black_box(*v),
            FieldValue::String(s) => black_box(s.as_str().len() as u64),
            FieldValue::Boolean(v) => black_box(*v as u64),
        };
    }
    black_box(p.timestamp);
}

/// Writes `p` with the crate's typestate builder, appending to `buf`.
fn build(buf: Vec<u8>, p: &ParsedLine<'_>) -> Vec<u8> {
    let mut b = LineProtocolBuilder::new_with(buf).measurement(p.series.measurement.as_str());
    for (k, v) in p.series.tag_set.iter().flatten() {
        b = b.tag(k.as_str(), v.as_str());
    }
    let mut fields = p.field_set.iter();
    let (k, v) = fields.next().expect("parsed lines have fields");
    let mut b = match v {
        FieldValue::F64(v) => b.field(k.as_str(), *v),
        FieldValue::I64(v) => b.field(k.as_str(), *v),
        FieldValue::U64(v) => b.field(k.as_str(), *v),
        FieldValue::String(v) => b.field(k.as_str(), v.as_str()),
        FieldValue::Boolean(v) => b.field(k.as_str(), *v),
    };
    for (k, v) in fields {
        b = match v {
            FieldValue::F64(v) => b.field(k.as_str(), *v),
            FieldValue::I64(v) => b.field(k.as_str(), *v),
            FieldValue::U64(v) => b.field(k.as_str(), *v),
            FieldValue::String(v) => b.field(k.as_str(), v.as_str()),
            FieldValue::Boolean(v) => b.field(k.as_str(), *v),
        };
    }
    match p.timestamp {
        Some(ts) => b.timestamp(ts).close_line().build(),
        None => b.close_line().build(),
    }
}
