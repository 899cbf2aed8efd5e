//! Statistical checks of the weather model's physics over generated data.

use telegraf_execd_weather::model::relative_humidity;
use telegraf_execd_weather::time::parse_rfc3339;
use telegraf_execd_weather::{Anomalies, Observation, Station, WeatherModel};

const NS: i64 = 1_000_000_000;
const HOUR: i64 = 3600 * NS;

fn t(text: &str) -> i64 {
    parse_rfc3339(text).unwrap()
}

fn model() -> WeatherModel {
    WeatherModel::with_default_stations(2026)
}

fn index(m: &WeatherModel, id: &str) -> usize {
    m.stations().iter().position(|s| s.id == id).unwrap()
}

/// Observations of one station every `step` over `[start, end)`.
fn series(
    m: &WeatherModel,
    station: usize,
    start: i64,
    end: i64,
    step: i64,
) -> Vec<(i64, Observation)> {
    (0..)
        .map(|k| start + k * step)
        .take_while(|&t| t < end)
        .map(|t| (t, m.observe(station, t).unwrap()))
        .collect()
}

fn mean(v: impl Iterator<Item = f64>) -> f64 {
    let (s, n) = v.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    s / n as f64
}

fn mean_temp(m: &WeatherModel, station: usize, start: &str, end: &str) -> f64 {
    mean(
        series(m, station, t(start), t(end), HOUR)
            .iter()
            .map(|(_, o)| o.temperature),
    )
}

#[test]
fn seasons_are_reversed_between_hemispheres() {
    let m = model();
    for id in ["sydney", "buenos_aires", "cape_town"] {
        let s = index(&m, id);
        let jan = mean_temp(&m, s, "2026-01-01", "2026-02-01");
        let jul = mean_temp(&m, s, "2026-07-01", "2026-08-01");
        assert!(
            jan > jul + 4.0,
            "{id}: January {jan:.1} should be warmer than July {jul:.1}"
        );
    }
    for id in ["paris", "new_york", "tokyo"] {
        let s = index(&m, id);
        let jan = mean_temp(&m, s, "2026-01-01", "2026-02-01");
        let jul = mean_temp(&m, s, "2026-07-01", "2026-08-01");
        assert!(
            jul > jan + 6.0,
            "{id}: July {jul:.1} should be warmer than January {jan:.1}"
        );
    }
    // Near the equator the seasons barely matter.
    let s = index(&m, "singapore");
    let d =
        mean_temp(&m, s, "2026-01-01", "2026-02-01") - mean_temp(&m, s, "2026-07-01", "2026-08-01");
    assert!(d.abs() < 2.5, "singapore seasonal difference {d:.2}");
}

#[test]
fn afternoon_is_warmer_than_pre_dawn_by_local_solar_time() {
    let m = model();
    for (i, st) in m.stations().iter().enumerate() {
        let (mut afternoon, mut dawn) = (Vec::new(), Vec::new());
        for (t, o) in series(&m, i, t("2026-01-01"), t("2027-01-01"), HOUR / 2) {
            let solar = ((t / NS) as f64 / 3600.0 + st.longitude / 15.0).rem_euclid(24.0);
            if (14.0..16.0).contains(&solar) {
                afternoon.push(o.temperature);
            } else if (4.0..6.5).contains(&solar) {
                dawn.push(o.temperature);
            }
        }
        let (a, d) = (mean(afternoon.into_iter()), mean(dawn.into_iter()));
        assert!(
            a > d + 3.0,
            "{}: afternoon {a:.2} vs pre-dawn {d:.2}",
            st.id
        );
    }
}

#[test]
fn daily_minimum_near_sunrise_and_maximum_mid_afternoon() {
    // Average temperature by solar hour over a year, for a station on the Greenwich meridian.
    let m = WeatherModel::new(
        3,
        vec![Station::new("g", "", "G", "GB", 45.0, 0.0, 0.0)],
        Anomalies::default(),
    )
    .unwrap();
    let mut by_hour = [0.0f64; 24];
    for (t, o) in series(&m, 0, t("2026-01-01"), t("2027-01-01"), HOUR) {
        by_hour[((t / HOUR) % 24) as usize] += o.temperature;
    }
    let argmax = (0..24)
        .max_by(|&a, &b| by_hour[a].total_cmp(&by_hour[b]))
        .unwrap();
    let argmin = (0..24)
        .min_by(|&a, &b| by_hour[a].total_cmp(&by_hour[b]))
        .unwrap();
    assert!((13..=16).contains(&argmax), "max at {argmax}h");
    assert!((4..=7).contains(&argmin), "min at {argmin}h");
    // The same station moved to 180°E peaks 12 h earlier in UTC.
    let east = WeatherModel::new(
        3,
        vec![Station::new("g", "", "G", "GB", 45.0, 180.0, 0.0)],
        Anomalies::default(),
    )
    .unwrap();
    let mut by_hour = [0.0f64; 24];
    for (t, o) in series(&east, 0, t("2026-01-01"), t("2027-01-01"), HOUR) {
        by_hour[((t / HOUR) % 24) as usize] += o.temperature;
    }
    let argmax_east = (0..24)
        .max_by(|&a, &b| by_hour[a].total_cmp(&by_hour[b]))
        .unwrap();
    assert_eq!((argmax + 24 - argmax_east) % 24, 12);
}

#[test]
fn higher_stations_are_cooler_by_the_lapse_rate() {
    let low = Station::new("low", "", "Low", "XX", 40.0, 10.0, 0.0);
    let high = Station {
        id: "high".into(),
        elevation: 2000.0,
        ..low.clone()
    };
    // Same id → same weather noise: compare a station with itself at two elevations.
    let same_noise_high = Station {
        elevation: 2000.0,
        ..low.clone()
    };
    let a = WeatherModel::new(1, vec![low], Anomalies::default()).unwrap();
    let b = WeatherModel::new(1, vec![same_noise_high], Anomalies::default()).unwrap();
    let c = WeatherModel::new(1, vec![high], Anomalies::default()).unwrap();
    let mean_of = |m: &WeatherModel| mean_temp(m, 0, "2026-01-01", "2027-01-01");
    let d = mean_of(&a) - mean_of(&b);
    assert!(
        (11.5..=14.5).contains(&d),
        "2000 m should be ~13 °C cooler, got {d:.2}"
    );
    assert!(mean_of(&a) - mean_of(&c) > 8.0);
}

#[test]
fn dew_point_humidity_and_ranges_are_consistent() {
    let m = model();
    for i in 0..m.stations().len() {
        for (_, o) in series(&m, i, t("2026-01-01"), t("2026-04-01"), HOUR / 4) {
            assert!(o.dew_point <= o.temperature, "{o:?}");
            let rh = relative_humidity(o.temperature, o.dew_point);
            assert!(
                (o.humidity - rh).abs() <= 0.05 + 1e-9,
                "{o:?} vs Magnus {rh}"
            );
            assert!((0.0..=100.0).contains(&o.humidity));
            assert!((940.0..=1060.0).contains(&o.pressure), "{o:?}");
            assert!((0..360).contains(&o.wind_direction));
            assert!(o.wind_speed >= 0.0 && o.wind_speed < 40.0);
            assert!((-60.0..=55.0).contains(&o.temperature));
            assert!(o.precipitation >= 0.0);
            assert_eq!(
                o.precipitation > 0.0,
                o.condition.is_precipitation(),
                "{o:?}"
            );
        }
    }
}

#[test]
fn humidity_peaks_at_night_and_dips_in_the_afternoon() {
    let m = model();
    let s = index(&m, "denver");
    let lon = m.stations()[s].longitude;
    let (mut night, mut day) = (Vec::new(), Vec::new());
    for (t, o) in series(&m, s, t("2026-03-01"), t("2026-10-01"), HOUR) {
        let solar = ((t / NS) as f64 / 3600.0 + lon / 15.0).rem_euclid(24.0);
        if (3.0..6.0).contains(&solar) {
            night.push(o.humidity);
        } else if (13.0..16.0).contains(&solar) {
            day.push(o.humidity);
        }
    }
    assert!(mean(night.into_iter()) > mean(day.into_iter()) + 10.0);
}

#[test]
fn rain_only_with_high_humidity_and_falling_pressure() {
    let m = model();
    let (mut rainy, mut total) = (0, 0);
    for i in 0..m.stations().len() {
        for (_, o) in series(&m, i, t("2026-01-01"), t("2027-01-01"), HOUR) {
            total += 1;
            if o.precipitation > 0.0 {
                rainy += 1;
                assert!(
                    o.humidity >= 85.0,
                    "rain at {}% humidity: {o:?}",
                    o.humidity
                );
                assert!(
                    o.pressure_tendency < 0.0,
                    "rain with rising pressure: {o:?}"
                );
            }
        }
    }
    let share = rainy as f64 / total as f64;
    assert!(
        (0.02..0.30).contains(&share),
        "it rains {:.1}% of the time",
        share * 100.0
    );
}

#[test]
fn pressure_wanders_slowly_and_fronts_bring_wind() {
    let m = model();
    let s = index(&m, "london");
    let obs = series(&m, s, t("2026-01-01"), t("2027-01-01"), 10 * 60 * NS);
    let max_step = obs
        .windows(2)
        .map(|w| (w[1].1.pressure - w[0].1.pressure).abs())
        .fold(0.0, f64::max);
    assert!(
        max_step < 1.5,
        "pressure jumped {max_step:.2} hPa in 10 minutes"
    );
    let lo = obs.iter().map(|(_, o)| o.pressure).fold(f64::MAX, f64::min);
    let hi = obs.iter().map(|(_, o)| o.pressure).fold(f64::MIN, f64::max);
    assert!(
        hi - lo > 20.0,
        "pressure range {lo:.1}..{hi:.1} is too flat for a year with fronts"
    );
    let low_p = mean(
        obs.iter()
            .filter(|(_, o)| o.pressure < 1000.0)
            .map(|(_, o)| o.wind_speed),
    );
    let high_p = mean(
        obs.iter()
            .filter(|(_, o)| o.pressure > 1015.0)
            .map(|(_, o)| o.wind_speed),
    );
    assert!(
        low_p > high_p + 2.0,
        "wind with deep lows {low_p:.1} vs highs {high_p:.1}"
    );
}

#[test]
fn output_depends_on_seed_and_time_only() {
    let a = model();
    let b = model();
    let times: Vec<i64> = (0..200)
        .map(|k| t("2026-05-01") + k * 7 * 60 * NS)
        .collect();
    // Different orders of evaluation give the same observations.
    let forward: Vec<_> = times.iter().map(|&t| a.observe(4, t)).collect();
    let mut backward: Vec<_> = times.iter().rev().map(|&t| b.observe(4, t)).collect();
    backward.reverse();
    assert_eq!(forward, backward);
    let other = WeatherModel::with_default_stations(2027);
    let differing = times
        .iter()
        .filter(|&&t| other.observe(4, t) != a.observe(4, t))
        .count();
    assert!(differing > 190);
}
