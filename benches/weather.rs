//! Weather generation + serialization, in lines per second (one line = one station at one time).
//!
//! Group `weather/gather` (each iteration: 100 timestamps one minute apart × 12 stations =
//! 1200 lines into a reused buffer):
//! - `ours`: `WeatherWriter` — the model plus `line_protocol`'s canonical serializer with one
//!   reused `Point` per station (borrowed tags, fields overwritten in place): the execd and
//!   `inject` hot path, allocation-free.
//! - `influxdb-line-protocol`: the same observations written with the IOx crate's
//!   `LineProtocolBuilder` into a reused buffer (the peer serializer).
//! - `model-only`: the observations alone, to split model cost from serialization cost.
//!
//! Setup asserts that `ours` and the peer write the same bytes (modulo float spelling, which is
//! checked by parsing both back).
//!
//! Target: ≥ 1M lines/s for `ours` on one core.
//! Run: `cargo bench --bench weather -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use influxdb_line_protocol as iox;
use telegraf_execd_weather::{Observation, WeatherModel, WeatherWriter};

const START_NS: i64 = 1_767_225_600_000_000_000; // 2026-01-01T00:00:00Z
const STEP_NS: i64 = 60_000_000_000;
const STEPS: i64 = 100;

fn iox_line(
    buf: Vec<u8>,
    model: &WeatherModel,
    station: usize,
    o: &Observation,
    t: i64,
) -> Vec<u8> {
    let s = &model.stations()[station];
    iox::LineProtocolBuilder::new_with(buf)
        .measurement("weather")
        .tag("city", &s.city)
        .tag("country", &s.country)
        .tag("station", &s.id)
        .field("temperature", o.temperature)
        .field("humidity", o.humidity)
        .field("pressure", o.pressure)
        .field("wind_speed", o.wind_speed)
        .field("wind_direction", o.wind_direction)
        .field("precipitation", o.precipitation)
        .field("dew_point", o.dew_point)
        .field("condition", o.condition.as_str())
        .timestamp(t)
        .close_line()
        .build()
}

fn write_ours(writer: &mut WeatherWriter<'_>, out: &mut Vec<u8>) -> usize {
    let mut lines = 0;
    for k in 0..STEPS {
        lines += writer
            .write_gather(START_NS + k * STEP_NS, out)
            .expect("valid stations");
    }
    lines
}

fn write_iox(model: &WeatherModel, mut out: Vec<u8>) -> Vec<u8> {
    for k in 0..STEPS {
        let t = START_NS + k * STEP_NS;
        for i in 0..model.stations().len() {
            let o = model.observe(i, t).expect("no dropouts configured");
            out = iox_line(out, model, i, &o, t);
        }
    }
    out
}

/// Both outputs parse to the same points (float spellings may differ between serializers).
fn assert_same_points(ours: &[u8], theirs: &[u8]) {
    let a: Vec<_> = line_protocol::parse_lines(ours)
        .collect::<Result<_, _>>()
        .expect("ours parses");
    let b: Vec<_> = line_protocol::parse_lines(theirs)
        .collect::<Result<_, _>>()
        .expect("peer parses");
    assert_eq!(a, b, "serializers disagree");
}

fn bench_weather(c: &mut Criterion) {
    let model = WeatherModel::with_default_stations(42);
    let lines = STEPS as u64 * model.stations().len() as u64;

    let mut writer = WeatherWriter::new(&model);
    let mut ours = Vec::with_capacity(1 << 20);
    assert_eq!(write_ours(&mut writer, &mut ours) as u64, lines);
    assert_same_points(&ours, &write_iox(&model, Vec::new()));

    let mut group = c.benchmark_group("weather/gather");
    group.throughput(Throughput::Elements(lines));
    group.bench_function("ours", |b| {
        b.iter(|| {
            ours.clear();
            black_box(write_ours(&mut writer, &mut ours));
            black_box(ours.len());
        })
    });
    let mut buf = Vec::with_capacity(1 << 20);
    group.bench_function("influxdb-line-protocol", |b| {
        b.iter(|| {
            buf.clear();
            buf = write_iox(black_box(&model), std::mem::take(&mut buf));
            black_box(buf.len());
        })
    });
    group.bench_function("model-only", |b| {
        b.iter(|| {
            for k in 0..STEPS {
                let t = START_NS + k * STEP_NS;
                for i in 0..model.stations().len() {
                    black_box(model.observe(i, black_box(t)));
                }
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench_weather);
criterion_main!(benches);
