//! Line protocol: our parser and serializer against the IOx `influxdb-line-protocol` crate.
//!
//! Groups (peer in the same group, throughput in input bytes):
//! - `parse/<corpus>`: `ours` (zero-allocation `next_into` reuse), `ours-iter` (one `Point`
//!   per line) and `influxdb-line-protocol`; every measurement, tag, field value and timestamp
//!   is touched through `black_box`.
//! - `serialize/<corpus>`: `ours` (verbatim), `ours-canonical`, `ours-telegraf` (canonical with
//!   Telegraf's float form) and the crate's `LineProtocolBuilder` writing the same points into
//!   a reused buffer.
//! - `tool/<corpus>`: the `lp` tool's own loop (`src/bin/lp/run.rs`, reading through
//!   `PointReader` from a `BufRead`, output to a sink) beside the library doing the same job on
//!   the buffer: `library-check` vs `lp-check`, `library-fmt` (parse + canonical serialize)
//!   vs `lp-fmt`, `library-json` vs `lp-json`. The ratio is what the tool loses over the
//!   library (issue 13's budget: 15 %).
//!
//! Corpora are generated deterministically at setup (see `corpus/`); setup asserts that both
//! parsers read every line the same way and that our serialized output parses back equal.
//!
//! Run: `cargo bench --bench line_protocol -- --warm-up-time 1 --measurement-time 3`.

mod corpus;
#[path = "../line-protocol/tests/support/iox_agreement.rs"]
mod iox_agreement;
// The `lp` binary's modules, compiled in here so its loop runs in process.
#[allow(dead_code)] // `open`: the bench hands the loop an in-memory reader instead
#[path = "../line-protocol/src/bin/lp/input.rs"]
mod input;
#[path = "../line-protocol/src/bin/lp/run.rs"]
mod run;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use influxdb_line_protocol as iox;
use line_protocol::serialize::{FloatFormat, Serializer};
use line_protocol::{FieldValue, Point, Precision, json};

/// Parses the corpus with both parsers and panics on the first line they read differently.
fn assert_parsers_agree(name: &str, text: &str) {
    let ours = line_protocol::parse_lines(text.as_bytes());
    let theirs = iox::parse_lines(text);
    let mut count = 0;
    for (n, (a, b)) in ours.zip(theirs).enumerate() {
        let a = a.unwrap_or_else(|e| panic!("{name}: our parser rejects point {n}: {e}"));
        let b =
            b.unwrap_or_else(|e| panic!("{name}: influxdb-line-protocol rejects point {n}: {e}"));
        iox_agreement::assert_same(&format!("{name} point {n}"), &a, &b);
        count += 1;
    }
    assert_eq!(
        count,
        text.lines().count(),
        "{name}: both parsers yield every line"
    );
}

fn touch_ours(p: &Point<'_>) {
    black_box(&*p.measurement);
    for t in &p.tags {
        black_box((&*t.key, &*t.value));
    }
    for f in &p.fields {
        black_box(&*f.key);
        match &f.value {
            FieldValue::Float(v) => black_box(*v).to_bits(),
            FieldValue::Integer(v) => black_box(*v) as u64,
            FieldValue::UInteger(v) => black_box(*v),
            FieldValue::String(s) => black_box(&**s).len() as u64,
            FieldValue::Boolean(v) => black_box(*v) as u64,
        };
    }
    black_box(p.timestamp);
}

fn touch_iox(p: &iox::ParsedLine<'_>) {
    black_box(p.series.measurement.as_str());
    for (k, v) in p.series.tag_set.iter().flatten() {
        black_box((k.as_str(), v.as_str()));
    }
    for (k, v) in &p.field_set {
        black_box(k.as_str());
        match v {
            iox::FieldValue::F64(v) => black_box(*v).to_bits(),
            iox::FieldValue::I64(v) => black_box(*v) as u64,
            iox::FieldValue::U64(v) => black_box(*v),
            iox::FieldValue::String(s) => black_box(s.as_str()).len() as u64,
            iox::FieldValue::Boolean(v) => black_box(*v) as u64,
        };
    }
    black_box(p.timestamp);
}

/// Writes `p` with the crate's typestate builder (one value method per type).
fn iox_build(buf: Vec<u8>, p: &Point<'_>) -> Vec<u8> {
    let mut b = iox::LineProtocolBuilder::new_with(buf).measurement(&p.measurement);
    for t in &p.tags {
        b = b.tag(&t.key, &t.value);
    }
    let (first, rest) = p.fields.split_first().expect("parsed points have fields");
    let mut b = match &first.value {
        FieldValue::Float(v) => b.field(&first.key, *v),
        FieldValue::Integer(v) => b.field(&first.key, *v),
        FieldValue::UInteger(v) => b.field(&first.key, *v),
        FieldValue::String(v) => b.field(&first.key, &**v),
        FieldValue::Boolean(v) => b.field(&first.key, *v),
    };
    for f in rest {
        b = match &f.value {
            FieldValue::Float(v) => b.field(&f.key, *v),
            FieldValue::Integer(v) => b.field(&f.key, *v),
            FieldValue::UInteger(v) => b.field(&f.key, *v),
            FieldValue::String(v) => b.field(&f.key, &**v),
            FieldValue::Boolean(v) => b.field(&f.key, *v),
        };
    }
    match p.timestamp {
        Some(ts) => b.timestamp(ts).close_line().build(),
        None => b.close_line().build(),
    }
}

fn bench_parse(c: &mut Criterion, corpora: &[corpus::Corpus]) {
    for corpus in corpora {
        let bytes = corpus.text.as_bytes();
        let mut group = c.benchmark_group(format!("parse/{}", corpus.name));
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function("ours", |b| {
            b.iter(|| {
                let mut lines = line_protocol::parse_lines(black_box(bytes));
                let mut point = Point::default();
                while let Some(result) = lines.next_into(&mut point) {
                    result.expect("corpus lines are valid");
                    touch_ours(&point);
                }
            })
        });
        group.bench_function("ours-iter", |b| {
            b.iter(|| {
                for p in line_protocol::parse_lines(black_box(bytes)) {
                    touch_ours(&p.expect("corpus lines are valid"));
                }
            })
        });
        group.bench_function("influxdb-line-protocol", |b| {
            b.iter(|| {
                for p in iox::parse_lines(black_box(&corpus.text)) {
                    touch_iox(&p.expect("corpus lines are valid"));
                }
            })
        });
        group.finish();
    }
}

fn bench_serialize(c: &mut Criterion, corpora: &[corpus::Corpus]) {
    for corpus in corpora {
        let points: Vec<Point<'static>> = line_protocol::parse_lines(corpus.text.as_bytes())
            .map(|p| p.expect("corpus lines are valid").into_owned())
            .collect();
        // Our output must read back as the same points.
        let mut check = Vec::new();
        for p in &points {
            Serializer::verbatim()
                .write(p, &mut check)
                .expect("corpus points serialize");
        }
        let reparsed =
            line_protocol::parse_lines(&check).map(|p| p.expect("serialized output parses"));
        assert!(
            reparsed.eq(points.iter().cloned()),
            "{}: serialize round trip",
            corpus.name
        );

        let mut group = c.benchmark_group(format!("serialize/{}", corpus.name));
        group.throughput(Throughput::Bytes(corpus.text.len() as u64));
        let mut buf = Vec::with_capacity(corpus.text.len() * 2);
        group.bench_function("ours", |b| {
            b.iter(|| {
                buf.clear();
                for p in black_box(&points) {
                    Serializer::verbatim()
                        .write(p, &mut buf)
                        .expect("corpus points serialize");
                }
                black_box(buf.len())
            })
        });
        group.bench_function("ours-canonical", |b| {
            b.iter(|| {
                buf.clear();
                for p in black_box(&points) {
                    Serializer::canonical()
                        .write(p, &mut buf)
                        .expect("corpus points serialize");
                }
                black_box(buf.len())
            })
        });
        group.bench_function("ours-telegraf", |b| {
            b.iter(|| {
                buf.clear();
                for p in black_box(&points) {
                    Serializer::telegraf()
                        .write(p, &mut buf)
                        .expect("corpus points serialize");
                }
                black_box(buf.len())
            })
        });
        group.bench_function("influxdb-line-protocol", |b| {
            b.iter(|| {
                buf.clear();
                for p in black_box(&points) {
                    buf = iox_build(std::mem::take(&mut buf), p);
                }
                black_box(buf.len())
            })
        });
        group.finish();
    }
}

/// Runs the `lp` loop over `text` as `lp COMMAND -` would, output discarded.
fn lp_run(command: run::Command, text: &[u8]) -> run::Outcome {
    let options = run::Options {
        precision: Precision::Nanoseconds,
        max_line_length: Some(4 << 20),
        floats: FloatFormat::Telegraf,
    };
    let input = input::Input {
        name: "<bench>".into(),
        reader: Box::new(std::io::BufReader::with_capacity(1 << 16, text)),
    };
    run::run(command, input, &options, std::io::sink(), std::io::sink()).expect("in memory")
}

fn bench_tool(c: &mut Criterion, corpora: &[corpus::Corpus]) {
    use run::Command;
    for corpus in corpora {
        let bytes = corpus.text.as_bytes();
        let lines = corpus.text.lines().count() as u64;
        for command in [Command::Check, Command::Fmt, Command::Json] {
            let outcome = lp_run(command, bytes);
            assert_eq!(
                (outcome.points, outcome.errors),
                (lines, 0),
                "{}",
                corpus.name
            );
        }
        let serializer = Serializer::canonical().with_float_format(FloatFormat::Telegraf);
        let mut group = c.benchmark_group(format!("tool/{}", corpus.name));
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        // The library side writes into a buffer it empties every 64 KiB, as the tool does.
        let mut out = Vec::with_capacity(1 << 17);
        let mut library = |b: &mut criterion::Bencher<'_>,
                           write: &dyn Fn(&Point<'_>, &mut Vec<u8>)| {
            b.iter(|| {
                let mut lines = line_protocol::parse_lines(black_box(bytes));
                let mut point = Point::default();
                while let Some(result) = lines.next_into(&mut point) {
                    result.expect("corpus lines are valid");
                    write(&point, &mut out);
                    if out.len() >= 1 << 16 {
                        black_box(&out);
                        out.clear();
                    }
                }
            })
        };
        group.bench_function("library-check", |b| library(b, &|p, _| touch_ours(p)));
        group.bench_function("lp-check", |b| {
            b.iter(|| lp_run(Command::Check, black_box(bytes)))
        });
        group.bench_function("library-fmt", |b| {
            library(b, &|p, out| serializer.write(p, out).expect("canonical"))
        });
        group.bench_function("lp-fmt", |b| {
            b.iter(|| lp_run(Command::Fmt, black_box(bytes)))
        });
        group.bench_function("library-json", |b| {
            library(b, &|p, out| {
                json::write_point(out, p);
                out.push(b'\n');
            })
        });
        group.bench_function("lp-json", |b| {
            b.iter(|| lp_run(Command::Json, black_box(bytes)))
        });
        group.finish();
    }
}

fn line_protocol_benches(c: &mut Criterion) {
    let corpora = corpus::all();
    for corpus in &corpora {
        assert_parsers_agree(corpus.name, &corpus.text);
    }
    bench_parse(c, &corpora);
    bench_serialize(c, &corpora);
    bench_tool(c, &corpora);
}

criterion_group!(benches, line_protocol_benches);
criterion_main!(benches);
