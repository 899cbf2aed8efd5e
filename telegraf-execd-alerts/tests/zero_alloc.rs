//! A counting global allocator (`stats_alloc`) proves that the processor allocates nothing per
//! pass-through line once warm: with the shipped rules, after every series has been seen and
//! the buffers have grown, processing more weather lines (escaped tags, a string field) makes
//! no heap allocation at all — parsing, series lookup, rule evaluation, copying and flushing.
//!
//! The counter is global, so this file runs without libtest's harness (`harness = false`): the
//! check runs on the main thread with no other thread allocating beside it.

use std::alloc::System;
use std::cell::RefCell;
use std::io::{self, Read, Write};

use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use telegraf_execd_alerts::{AlertsConfig, Engine, processor};
use telegraf_execd_weather::{WeatherModel, WeatherWriter};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const START_NS: i64 = 1_767_225_600_000_000_000; // 2026-01-01T00:00:00Z, a quiet winter day
const STEP_NS: i64 = 60_000_000_000;

/// Weather lines for all 12 built-in stations (`New\ York`, `São\ Paulo`, … escaped).
fn weather(from_step: i64, steps: i64) -> Vec<u8> {
    let model = WeatherModel::with_default_stations(1);
    let mut writer = WeatherWriter::new(&model);
    let mut out = Vec::new();
    for i in from_step..from_step + steps {
        writer
            .write_gather(START_NS + i * STEP_NS, &mut out)
            .unwrap();
    }
    out
}

/// Hands out the warm-up input, then the measured input, counting allocations from the first
/// read of the measured part to the end of the input.
struct Phased<'a> {
    warm_up: &'a [u8],
    measured: &'a [u8],
    region: &'a RefCell<Option<Region<'static, System>>>,
    allocations: &'a RefCell<Option<usize>>,
}

impl Read for Phased<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let (source, counting) = if !self.warm_up.is_empty() {
            (&mut self.warm_up, false)
        } else {
            (&mut self.measured, true)
        };
        if counting && self.region.borrow().is_none() {
            *self.region.borrow_mut() = Some(Region::new(GLOBAL));
        }
        let n = source.len().min(buf.len());
        buf[..n].copy_from_slice(&source[..n]);
        *source = &source[n..];
        if n == 0 {
            if let Some(region) = self.region.borrow().as_ref() {
                let change = region.change();
                *self.allocations.borrow_mut() = Some(change.allocations + change.reallocations);
            }
        }
        Ok(n)
    }
}

/// Counts bytes, keeps none (a `Vec` sink would grow).
struct Counting(usize);

impl Write for Counting {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn processing_allocates_nothing_per_line_after_warm_up() {
    // A day of warm-up (every series seen, every buffer at its size), then a day measured.
    let warm_up = weather(0, 1440);
    let measured = weather(1440, 1440);
    let region = RefCell::new(None);
    let allocations = RefCell::new(None);
    let input = Phased {
        warm_up: &warm_up,
        measured: &measured,
        region: &region,
        allocations: &allocations,
    };
    let mut engine = Engine::new(&AlertsConfig::shipped());
    let mut sink = Counting(0);
    let summary = processor::run(&mut engine, input, &mut sink, None).unwrap();
    assert_eq!(summary.metrics, 2 * 1440 * 12);
    assert_eq!(summary.alerts, 0, "a quiet day: no alert allocates either");
    assert_eq!(
        sink.0,
        warm_up.len() + measured.len(),
        "every byte passed through"
    );
    let allocated = allocations.borrow().expect("measured part read to its end");
    assert_eq!(
        allocated,
        0,
        "heap allocations while processing {} lines ({} bytes) after warm-up",
        1440 * 12,
        measured.len()
    );
}

fn main() {
    processing_allocates_nothing_per_line_after_warm_up();
    println!("zero_alloc: 1 passed, 0 failed");
}
