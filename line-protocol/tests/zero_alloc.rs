//! A counting global allocator (`stats_alloc`) proves the zero-allocation paths: `Lines::next_into` and
//! `PointReader::next_point_with` allocate nothing per escape-free line after warm-up.

use std::alloc::System;
use std::io::BufReader;

use line_protocol::{Point, PointReader, parse_lines};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Allocations (and reallocations) made while `f` runs. The counter is global, so this file
/// runs without libtest's harness (`harness = false`): the checks run one after another on the
/// main thread, with no harness thread allocating beside them.
fn allocations_during(f: impl FnOnce()) -> usize {
    let region = Region::new(GLOBAL);
    f();
    let change = region.change();
    change.allocations + change.reallocations
}

/// Escape-free weather lines with every value type, a multi-byte city name and a
/// multi-line string value.
fn corpus(lines: usize) -> Vec<u8> {
    let mut out = String::new();
    for i in 0..lines {
        out.push_str(&format!(
            "weather,station=ST{i:05},city=Zürich,country=CH temperature={}.5,humidity={}i,\
             pressure=1013.25,wind=3u,raining={},condition=\"light rain\",note=\"two\nlines\" {}\n",
            i % 40,
            i % 100,
            if i % 2 == 0 { "true" } else { "F" },
            1_700_000_000_000_000_000i64 + i as i64,
        ));
        if i % 10 == 0 {
            out.push_str("# a comment\n\n");
        }
    }
    out.into_bytes()
}

fn next_into_allocates_nothing_per_line_after_warm_up() {
    let input = corpus(2_000);
    let mut lines = parse_lines(&input);
    let mut point = Point::default();
    // Warm-up: the first point sizes the vectors.
    lines.next_into(&mut point).unwrap().unwrap();
    let mut parsed = 1;
    let allocated = allocations_during(|| {
        while let Some(result) = lines.next_into(&mut point) {
            assert!(result.is_ok() && point.fields.len() == 7);
            parsed += 1;
        }
    });
    assert_eq!(parsed, 2_000);
    assert_eq!(allocated, 0, "heap allocations while parsing 1999 lines");
}

fn escaped_tokens_do_allocate() {
    let input = b"m\\ x f=1\nm f=\"a\\\"b\"\n".repeat(10);
    let mut lines = parse_lines(&input);
    let mut point = Point::default();
    lines.next_into(&mut point).unwrap().unwrap();
    let allocated = allocations_during(|| {
        while let Some(result) = lines.next_into(&mut point) {
            assert!(result.is_ok());
        }
    });
    assert!(
        allocated >= 19,
        "decoded names and strings are owned: {allocated}"
    );
}

fn point_reader_allocates_nothing_per_line_after_warm_up() {
    let input = corpus(2_000);
    let mut reader = PointReader::new(BufReader::with_capacity(8192, &input[..]));
    // Warm-up: enough points for the buffer to reach its working size.
    for _ in 0..100 {
        reader
            .next_point_with(|p| assert_eq!(p.fields.len(), 7))
            .unwrap()
            .unwrap();
    }
    let mut parsed = 100;
    let allocated = allocations_during(|| {
        while let Ok(Some(tags)) = reader.next_point_with(|p| p.tags.len()) {
            assert_eq!(tags, 3);
            parsed += 1;
        }
    });
    assert_eq!(parsed, 2_000);
    assert_eq!(allocated, 0, "heap allocations while streaming 1900 lines");
}

fn main() {
    next_into_allocates_nothing_per_line_after_warm_up();
    point_reader_allocates_nothing_per_line_after_warm_up();
    escaped_tokens_do_allocate();
    println!("zero_alloc: 3 passed, 0 failed");
}
