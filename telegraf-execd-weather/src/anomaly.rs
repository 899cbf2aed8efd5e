//! Optional anomalies for alerting tests: heat waves, sensor spikes, dropouts. All off by default
//! and, like the rest of the model, pure functions of (seed, station, time).

use serde::Deserialize;
use telegraf_execd::GoDuration;

use crate::time::Timestamp;

/// Anomaly settings (`[inputs.weather.anomalies]`).
///
/// ```
/// use telegraf_execd_weather::Anomalies;
/// let a: Anomalies = toml::from_str(r#"
///     spike_probability = 0.001
///     [[heat_wave]]
///     stations = ["paris"]
///     start = "2026-07-01T00:00:00Z"
///     duration = "72h"
///     delta = 12.0
/// "#).unwrap();
/// assert_eq!(a.heat_wave[0].delta, 12.0);
/// assert_eq!(a.spike_magnitude, 15.0);
/// assert!(a.validate().is_ok());
/// assert!(!Anomalies::default().is_active());
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Anomalies {
    /// Scheduled heat waves (`[[inputs.weather.anomalies.heat_wave]]`), none by default.
    pub heat_wave: Vec<HeatWave>,
    /// Chance, per station and timestamp (second), that the temperature reading jumps by
    /// ±`spike_magnitude` (a faulty sensor). Default 0.
    pub spike_probability: f64,
    /// Size of a spike in °C. Default 15.
    pub spike_magnitude: f64,
    /// Chance, per station and timestamp (second), that the station reports nothing. Default 0.
    pub dropout_probability: f64,
}

impl Default for Anomalies {
    fn default() -> Self {
        Anomalies {
            heat_wave: Vec::new(),
            spike_probability: 0.0,
            spike_magnitude: 15.0,
            dropout_probability: 0.0,
        }
    }
}

/// A heat wave: temperature raised by `delta` °C between `start` and `start + duration`, with
/// six-hour ramps at both ends (clamped to a third of the duration each). Dew point is not
/// raised, so humidity drops as it does in real heat waves.
///
/// ```
/// use telegraf_execd_weather::anomaly::HeatWave;
/// let h: HeatWave = toml::from_str("start = \"2026-07-01\"\nduration = \"48h\"").unwrap();
/// assert!(h.stations.is_empty()); // all stations
/// assert_eq!(h.delta, 10.0);
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeatWave {
    /// Station ids affected; empty (the default) = all.
    #[serde(default)]
    pub stations: Vec<String>,
    /// When it begins (RFC 3339 string).
    pub start: Timestamp,
    /// How long it lasts (Go duration).
    pub duration: GoDuration,
    /// Extra °C at its peak. Default 10.
    #[serde(default = "default_delta")]
    pub delta: f64,
}

fn default_delta() -> f64 {
    10.0
}

/// An anomaly setting that is out of range; the message names the option.
///
/// ```
/// let a = telegraf_execd_weather::Anomalies { dropout_probability: 2.0, ..Default::default() };
/// assert!(a.validate().unwrap_err().to_string().contains("dropout_probability"));
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("anomalies.{option}: {problem}")]
pub struct AnomalyError {
    /// The option, e.g. `spike_probability` or `heat_wave[0].delta`.
    pub option: String,
    /// What is wrong and what is allowed.
    pub problem: String,
}

impl Anomalies {
    /// True when any anomaly can occur.
    ///
    /// ```
    /// let a = telegraf_execd_weather::Anomalies { spike_probability: 0.1, ..Default::default() };
    /// assert!(a.is_active());
    /// ```
    pub fn is_active(&self) -> bool {
        !self.heat_wave.is_empty() || self.spike_probability > 0.0 || self.dropout_probability > 0.0
    }

    /// Checks ranges (station ids are checked against the station list by the model).
    ///
    /// ```
    /// let a = telegraf_execd_weather::Anomalies { spike_magnitude: f64::NAN, ..Default::default() };
    /// assert!(a.validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<(), AnomalyError> {
        let fail = |option: String, problem: &str| {
            Err(AnomalyError {
                option,
                problem: problem.to_string(),
            })
        };
        for (name, p) in [
            ("spike_probability", self.spike_probability),
            ("dropout_probability", self.dropout_probability),
        ] {
            if !(0.0..=1.0).contains(&p) {
                return fail(name.into(), "must be a probability between 0.0 and 1.0");
            }
        }
        if !self.spike_magnitude.is_finite() || self.spike_magnitude.abs() > 100.0 {
            return fail(
                "spike_magnitude".into(),
                "must be a number of °C between -100 and 100",
            );
        }
        for (i, h) in self.heat_wave.iter().enumerate() {
            if !h.delta.is_finite() || h.delta.abs() > 40.0 {
                return fail(
                    format!("heat_wave[{i}].delta"),
                    "must be a number of °C between -40 and 40",
                );
            }
            if h.duration.is_zero() {
                return fail(format!("heat_wave[{i}].duration"), "must be longer than 0s");
            }
        }
        Ok(())
    }
}

/// A heat wave resolved against the station list, in seconds.
#[derive(Debug, Clone)]
pub(crate) struct ActiveHeatWave {
    /// Which stations (by index) it affects.
    pub stations: Vec<bool>,
    pub start: f64,
    pub end: f64,
    pub ramp: f64,
    pub delta: f64,
}

impl ActiveHeatWave {
    /// The temperature offset at `t` seconds for the station with index `station`.
    pub fn offset(&self, station: usize, t: f64) -> f64 {
        if t <= self.start || t >= self.end || !self.stations[station] {
            return 0.0;
        }
        let edge = (t - self.start).min(self.end - t);
        let ramp = (edge / self.ramp).min(1.0);
        // Smoothstep so the onset looks like weather, not a step.
        self.delta * ramp * ramp * (3.0 - 2.0 * ramp)
    }
}
