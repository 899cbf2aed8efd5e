//! A counting global allocator (`stats_alloc`) proves the zero-allocation paths: `Lines::next_into` and
//! `PointReader::next_point_with` allocate nothing per line after warm-up: escape-free lines
//! borrow every token, and escaped ones are decoded into buffers reused from earlier points.

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

/// Lines whose every name and string needs decoding, in four shapes of different sizes (so
/// the tag and field vectors shrink and grow between points), with comments and blank lines.
fn escaped_corpus(lines: usize) -> Vec<u8> {
    let shapes = [
        "m\\ x,k\\=1=v\\,1 f\\ 1=\"a\\\"b\"",
        "m\\,y,k\\ 2=long\\ tag\\ value,k\\,3=w f=1i,g\\=h=\"C:\\\\dir\\\\file\",s=\"x\"",
        "m\\ x f\\ 1=\"a\\\"b\",f\\ 2=2.5,f\\ 3=\"naïve \\\"q\\\"\" 1700000000000000000",
        "m\\ z,a=b,c\\ d=e\\ f,g=h i=1u",
    ];
    let mut out = String::new();
    for i in 0..lines {
        out.push_str(shapes[i % shapes.len()]);
        out.push('\n');
        if i % 7 == 0 {
            out.push_str("# a comment\n\n");
        }
    }
    out.into_bytes()
}

fn next_into_reuses_decoded_buffers_after_warm_up() {
    let input = escaped_corpus(2_000);
    let mut lines = parse_lines(&input);
    let mut point = Point::default();
    // Warm-up: the decoded-string buffers grow to fit every shape.
    for _ in 0..200 {
        lines.next_into(&mut point).unwrap().unwrap();
    }
    let mut parsed = 200;
    let allocated = allocations_during(|| {
        while let Some(result) = lines.next_into(&mut point) {
            assert!(result.is_ok());
            assert!(["m x", "m,y", "m z"].contains(&&*point.measurement));
            parsed += 1;
        }
    });
    assert_eq!(parsed, 2_000);
    assert_eq!(
        allocated, 0,
        "heap allocations while parsing 1800 escaped lines"
    );
    // The decoding itself is still right on the last (fourth-shape) point.
    assert_eq!(point.measurement, "m z");
    assert_eq!(point.tag("c d"), Some("e f"));
}

fn point_reader_allocates_nothing_per_line_after_warm_up() {
    for input in [corpus(2_000), escaped_corpus(2_000)] {
        point_reader_allocates_nothing_after_warm_up(&input);
    }
}

fn point_reader_allocates_nothing_after_warm_up(input: &[u8]) {
    let mut reader = PointReader::new(BufReader::with_capacity(8192, input));
    // Warm-up: enough points for the buffer and the decoded-string buffers to reach their
    // working size.
    for _ in 0..200 {
        reader
            .next_point_with(|p| assert!(!p.fields.is_empty()))
            .unwrap()
            .unwrap();
    }
    let mut parsed = 200;
    let allocated = allocations_during(|| {
        while let Ok(Some(measured)) = reader.next_point_with(|p| p.measurement.len()) {
            assert!(measured > 0);
            parsed += 1;
        }
    });
    assert_eq!(parsed, 2_000);
    assert_eq!(
        allocated,
        0,
        "heap allocations while streaming 1800 lines of {}",
        String::from_utf8_lossy(&input[..40])
    );

    // The same through `for_each_point` (the `lp` tool's loop).
    let mut reader = PointReader::new(BufReader::with_capacity(8192, input));
    for _ in 0..200 {
        reader.next_point_with(|_| ()).unwrap().unwrap();
    }
    let mut parsed = 200;
    let allocated = allocations_during(|| {
        reader
            .for_each_point(|_, entry| {
                assert!(!entry?.fields.is_empty());
                parsed += 1;
                Ok::<_, line_protocol::ReadError>(())
            })
            .unwrap();
    });
    assert_eq!(parsed, 2_000);
    // At most one per read: when the buffer's last LF lies inside a multi-line string value,
    // the point it cuts is tried, fails (its error names the field: a small allocation) and is
    // left to the framing path. Lines themselves allocate nothing.
    let reads = input.len() / 8192 + 1;
    assert!(
        allocated <= reads,
        "{allocated} heap allocations in for_each_point over 1800 lines ({reads} reads) of {}",
        String::from_utf8_lossy(&input[..40])
    );
}

fn main() {
    next_into_allocates_nothing_per_line_after_warm_up();
    point_reader_allocates_nothing_per_line_after_warm_up();
    next_into_reuses_decoded_buffers_after_warm_up();
    println!("zero_alloc: 3 passed, 0 failed");
}
