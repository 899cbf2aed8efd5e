//! Physics end to end: the weather plugin's model with a heat wave over Paris, written as the
//! plugin writes it, through the processor binary with the shipped rules.

mod common;

use std::io::Write;

use common::{Processor, WAIT};
use telegraf_execd_weather::{WeatherConfig, WeatherWriter};

const MINUTE: i64 = 60_000_000_000;
/// 2026-06-30T00:00:00Z; three days at one-minute steps, the heat wave on the second day.
const START: i64 = 1_782_777_600_000_000_000;
const STEPS: i64 = 3 * 1440;

/// A one-day heat wave over Paris only: +22 °C at its peak, six-hour ramps. Paris (~22 °C on
/// that afternoon in the model) then passes 35 °C (warn) in the morning ramp and 40 °C (crit)
/// in the afternoon (peak ~44 °C) of 2026-07-01, and falls back through both as the wave
/// ramps down in the evening.
const WEATHER: &str = r#"
[[inputs.weather]]
  seed = 1
  [inputs.weather.anomalies]
    [[inputs.weather.anomalies.heat_wave]]
      stations = ["paris"]
      start = "2026-07-01T00:00:00Z"
      duration = "24h"
      delta = 22.0
"#;

fn weather_lines() -> &'static [u8] {
    static LINES: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    LINES.get_or_init(generate)
}

fn generate() -> Vec<u8> {
    let config = WeatherConfig::from_toml(WEATHER, "weather.toml").unwrap();
    let model = config.model().unwrap();
    let mut writer = WeatherWriter::new(&model);
    let mut out = Vec::new();
    for i in 0..STEPS {
        writer.write_gather(START + i * MINUTE, &mut out).unwrap();
    }
    out
}

/// Runs the binary over `input`, written in pieces of `piece` bytes; returns stdout.
fn process(input: &[u8], piece: usize) -> Vec<u8> {
    let mut p = Processor::start(&[]);
    let mut stdin = p.take_stdin();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        for chunk in input.chunks(piece) {
            stdin.write_all(chunk).unwrap();
        }
    });
    let (status, _) = p.wait_exit(WAIT * 6);
    writer.join().unwrap();
    assert!(status.success(), "{status}");
    p.drain_stdout().to_vec()
}

struct AlertLine {
    rule: String,
    station: String,
    previous: String,
    level: String,
    value: f64,
    threshold: f64,
    at: i64,
}

/// Calls `f` on every point of `bytes` (which must all parse).
fn for_each_point(bytes: &[u8], mut f: impl FnMut(&line_protocol::Point<'_>)) {
    let mut reader = line_protocol::PointReader::new(bytes);
    while reader
        .next_point_with(&mut f)
        .expect("line protocol")
        .is_some()
    {}
}

fn float(p: &line_protocol::Point<'_>, key: &str) -> f64 {
    match p.field(key) {
        Some(line_protocol::FieldValue::Float(v)) => *v,
        other => panic!("{key}: {other:?}"),
    }
}

fn alerts(output: &[u8]) -> Vec<AlertLine> {
    let mut alerts = Vec::new();
    for_each_point(output, |p| {
        if p.measurement == "weather_alert" {
            alerts.push(AlertLine {
                rule: p.tag("rule").unwrap().into(),
                station: p.tag("station").unwrap().into(),
                previous: p.tag("previous_level").unwrap().into(),
                level: p.tag("level").unwrap().into(),
                value: float(p, "value"),
                threshold: float(p, "threshold"),
                at: p.timestamp.unwrap(),
            });
        }
    });
    alerts
}

/// Paris' temperatures by minute, read back from the generated lines.
fn paris_temperatures(input: &[u8]) -> Vec<(i64, f64)> {
    let mut temps = Vec::new();
    for_each_point(input, |p| {
        if p.tag("station") == Some("paris") {
            temps.push((p.timestamp.unwrap(), float(p, "temperature")));
        }
    });
    temps
}

/// The first time `t` stays above `threshold` for 5 minutes (the rules' `for`), from `after`.
fn held_above(temps: &[(i64, f64)], threshold: f64, after: i64) -> i64 {
    let mut since = None;
    for &(at, t) in temps.iter().filter(|(at, _)| *at >= after) {
        if t > threshold {
            let s = *since.get_or_insert(at);
            if at - s >= 5 * MINUTE {
                return at;
            }
        } else {
            since = None;
        }
    }
    panic!("never above {threshold} for 5 minutes");
}

#[test]
fn heat_wave_gives_exactly_warn_crit_then_back_to_ok_for_paris_and_nothing_else() {
    let input = weather_lines();
    let output = process(input, 1 << 16);
    let alerts = alerts(&output);
    let seen: Vec<(&str, &str, &str, &str)> = alerts
        .iter()
        .map(|a| {
            (
                a.rule.as_str(),
                a.station.as_str(),
                a.previous.as_str(),
                a.level.as_str(),
            )
        })
        .collect();
    // Rising through warn into crit, then (the heat wave ends, the night cools) falling back
    // through the warn band to ok: every state change once, in this order, and nothing for the
    // eleven other stations or any other rule.
    assert_eq!(
        seen,
        [
            ("temperature_high", "paris", "ok", "warn"),
            ("temperature_high", "paris", "warn", "crit"),
            ("temperature_high", "paris", "crit", "warn"),
            ("temperature_high", "paris", "warn", "ok"),
        ]
    );
    // The levels are entered when the model's temperature has been beyond the threshold for
    // `for = "5m"`, and left when it is back by the hysteresis (1 °C).
    let temps = paris_temperatures(input);
    let warn_at = held_above(&temps, 35.0, START);
    let crit_at = held_above(&temps, 40.0, START);
    assert_eq!((alerts[0].at, alerts[0].threshold), (warn_at, 35.0));
    assert_eq!((alerts[1].at, alerts[1].threshold), (crit_at, 40.0));
    assert!(alerts[0].value > 35.0 && alerts[1].value > 40.0);
    assert!(alerts[2].value <= 39.0 && alerts[2].threshold == 40.0);
    assert!(alerts[3].value <= 34.0 && alerts[3].threshold == 35.0);
    let wave = (START + 1440 * MINUTE)..(START + 2 * 1440 * MINUTE);
    assert!(
        alerts.iter().all(|a| wave.contains(&a.at)),
        "all within the heat wave's day"
    );
    // Every input line passed through, in order, each alert right after its metric.
    let passed: Vec<&[u8]> = output
        .split_inclusive(|&b| b == b'\n')
        .filter(|l| !l.starts_with(b"weather_alert"))
        .collect();
    assert_eq!(passed.concat(), input);
    for a in &alerts {
        let at = a.at.to_string();
        let pos = output
            .split(|&b| b == b'\n')
            .position(|l| l.starts_with(b"weather_alert") && l.ends_with(at.as_bytes()))
            .unwrap();
        let before = output.split(|&b| b == b'\n').nth(pos - 1).unwrap();
        assert!(
            before.starts_with(b"weather,city=Paris,") && before.ends_with(at.as_bytes()),
            "{}",
            String::from_utf8_lossy(before)
        );
    }
}

#[test]
fn replaying_the_same_input_gives_the_same_output_however_it_is_split() {
    let input = weather_lines();
    let first = process(input, 1 << 16);
    let second = process(input, 997);
    assert!(alerts(&first).len() == 4);
    assert!(first == second, "outputs differ between runs");
}
