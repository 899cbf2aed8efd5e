//! The weather model: stations in, physically consistent observations out.
//!
//! - **Temperature**: annual mean by latitude, cooler by 6.5 °C/km of elevation; a seasonal
//!   cycle by latitude and day of year, reversed in the southern hemisphere; a day/night cycle
//!   by local solar time from longitude (coldest near 06:00, warmest near 15:00), damped by
//!   cloud; slow weather noise; warm sector ahead of fronts and cold air behind.
//! - **Dew point** follows the daily-mean temperature minus a station-specific depression
//!   (smaller near fronts) and is capped at the temperature; **humidity** is derived from both
//!   by the Magnus formula, so it peaks at night and dips in the afternoon.
//! - **Pressure** (sea level): a slow bounded random walk, fronts as dips of 6–22 hPa over
//!   10–20 h, and the semi-diurnal tide.
//! - **Rain** only when humidity ≥ 85 % *and* pressure fell over the last three hours; its
//!   rate grows with both and with the front. Below 0.5 °C it is snow.
//! - **Wind**: station base, stronger in the afternoon and much stronger with a front, direction
//!   from the prevailing belt (trades, westerlies, polar easterlies) veering as fronts pass.
//!
//! Every quantity is a pure function of (seed, station id, timestamp): see [`crate::noise`].

mod climate;
mod observation;

pub use climate::relative_humidity;
pub use observation::{Condition, Observation};

use climate::{Climate, channel};

use crate::anomaly::{ActiveHeatWave, Anomalies, AnomalyError};
use crate::noise::{hash, unit};
use crate::station::{Station, StationError, validate_stations};

/// A model that cannot be built: bad station or anomaly settings.
///
/// ```
/// use telegraf_execd_weather::{Anomalies, WeatherModel};
/// let err = WeatherModel::new(1, vec![], Anomalies::default()).unwrap_err();
/// assert!(err.to_string().contains("empty"));
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    /// A station is invalid.
    #[error("stations: {0}")]
    Station(#[from] StationError),
    /// An anomaly setting is invalid.
    #[error(transparent)]
    Anomaly(#[from] AnomalyError),
}

/// Deterministic weather for a set of stations.
///
/// ```
/// use telegraf_execd_weather::WeatherModel;
/// let model = WeatherModel::with_default_stations(42);
/// let t = 1_767_225_600_000_000_000; // 2026-01-01T00:00:00Z
/// let obs = model.observe(0, t).unwrap();
/// assert!(obs.dew_point <= obs.temperature);
/// assert_eq!(model.observe(0, t), Some(obs)); // same seed, same time, same weather
/// ```
#[derive(Debug, Clone)]
pub struct WeatherModel {
    seed: u64,
    stations: Vec<Station>,
    climates: Vec<Climate>,
    anomalies: Anomalies,
    heat_waves: Vec<ActiveHeatWave>,
}

impl WeatherModel {
    /// Builds a model; validates the stations and anomalies (heat-wave station ids must exist).
    ///
    /// ```
    /// use telegraf_execd_weather::{station::default_stations, Anomalies, WeatherModel};
    /// let m = WeatherModel::new(7, default_stations(), Anomalies::default()).unwrap();
    /// assert_eq!(m.seed(), 7);
    /// ```
    pub fn new(
        seed: u64,
        stations: Vec<Station>,
        anomalies: Anomalies,
    ) -> Result<Self, ModelError> {
        validate_stations(&stations)?;
        anomalies.validate()?;
        let mut heat_waves = Vec::new();
        for (i, h) in anomalies.heat_wave.iter().enumerate() {
            if let Some(unknown) = h
                .stations
                .iter()
                .find(|id| !stations.iter().any(|s| &s.id == *id))
            {
                return Err(AnomalyError {
                    option: format!("heat_wave[{i}].stations"),
                    problem: format!("unknown station id {unknown:?}"),
                }
                .into());
            }
            let start = h.start.0 as f64 / 1e9;
            let length = h.duration.as_secs_f64();
            heat_waves.push(ActiveHeatWave {
                stations: stations
                    .iter()
                    .map(|s| h.stations.is_empty() || h.stations.contains(&s.id))
                    .collect(),
                start,
                end: start + length,
                ramp: (6.0 * 3600.0f64).min(length / 3.0),
                delta: h.delta,
            });
        }
        let climates = stations.iter().map(|s| Climate::new(s, seed)).collect();
        Ok(WeatherModel {
            seed,
            stations,
            climates,
            anomalies,
            heat_waves,
        })
    }

    /// The built-in stations, no anomalies.
    ///
    /// ```
    /// let m = telegraf_execd_weather::WeatherModel::with_default_stations(1);
    /// assert!(m.stations().len() >= 10);
    /// ```
    pub fn with_default_stations(seed: u64) -> Self {
        // The built-in list and default anomalies are valid by construction (unit-tested).
        Self::new(
            seed,
            crate::station::default_stations(),
            Anomalies::default(),
        )
        .unwrap_or_else(|e| unreachable!("built-in stations are valid: {e}"))
    }

    /// The seed.
    ///
    /// ```
    /// assert_eq!(telegraf_execd_weather::WeatherModel::with_default_stations(3).seed(), 3);
    /// ```
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The stations, in output order.
    ///
    /// ```
    /// let m = telegraf_execd_weather::WeatherModel::with_default_stations(1);
    /// assert_eq!(m.stations()[0].id, "paris");
    /// ```
    pub fn stations(&self) -> &[Station] {
        &self.stations
    }

    /// The anomaly settings.
    ///
    /// ```
    /// assert!(!telegraf_execd_weather::WeatherModel::with_default_stations(1).anomalies().is_active());
    /// ```
    pub fn anomalies(&self) -> &Anomalies {
        &self.anomalies
    }

    /// The observation of station `index` at `t_ns` (Unix nanoseconds), or `None` during a
    /// configured dropout (or for an index out of range).
    ///
    /// ```
    /// let m = telegraf_execd_weather::WeatherModel::with_default_stations(1);
    /// let o = m.observe(1, 0).unwrap();
    /// assert!((0.0..=100.0).contains(&o.humidity));
    /// assert!(m.observe(99, 0).is_none());
    /// ```
    pub fn observe(&self, index: usize, t_ns: i64) -> Option<Observation> {
        let climate = self.climates.get(index)?;
        let t = t_ns as f64 / 1e9;
        let second = t_ns.div_euclid(1_000_000_000);
        let a = &self.anomalies;
        if a.dropout_probability > 0.0
            && unit(hash(climate.key, channel::DROPOUT, second)) < a.dropout_probability
        {
            return None;
        }
        let (fronts, earlier) = climate.fronts(t, t - 3.0 * 3600.0);
        let solar_hour = climate.solar_hour(t);
        let shape = climate::diurnal_shape(solar_hour);
        let cloud = climate.cloud(t, &fronts);
        let daily_mean = climate.daily_mean_temperature(t, &fronts);
        let heat: f64 = self.heat_waves.iter().map(|h| h.offset(index, t)).sum();
        let mut temperature = daily_mean + climate.diurnal(shape, cloud) + heat;
        if a.spike_probability > 0.0 {
            let h = hash(climate.key, channel::SPIKE, second);
            if unit(h) < a.spike_probability {
                temperature += if h & 1 == 0 {
                    a.spike_magnitude
                } else {
                    -a.spike_magnitude
                };
            }
        }
        let dew_point = climate.dew_point(t, daily_mean, &fronts);
        let (pressure, before) = climate.pressure_and_3h_before(t, solar_hour, &fronts, &earlier);
        let tendency = pressure - before;
        let (wind_speed, wind_direction) = climate.wind(t, shape, &fronts);
        let rain_draw = unit(hash(
            climate.key,
            channel::RAIN,
            t_ns.div_euclid(600_000_000_000),
        ));
        Some(Observation::new(
            temperature,
            dew_point,
            pressure,
            tendency,
            wind_speed,
            wind_direction,
            cloud,
            fronts.index,
            rain_draw,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anomaly::HeatWave;
    use crate::time::{Timestamp, parse_rfc3339};

    #[test]
    fn heat_wave_raises_temperature_only_in_its_window_and_stations() {
        let start = parse_rfc3339("2026-07-01T00:00:00Z").unwrap();
        let anomalies = Anomalies {
            heat_wave: vec![HeatWave {
                stations: vec!["paris".into()],
                start: Timestamp(start),
                duration: telegraf_execd::GoDuration::from_secs(72 * 3600),
                delta: 12.0,
            }],
            ..Anomalies::default()
        };
        let hot = WeatherModel::new(5, crate::station::default_stations(), anomalies).unwrap();
        let normal = WeatherModel::with_default_stations(5);
        let mid = start + 36 * 3600 * 1_000_000_000;
        let d =
            hot.observe(0, mid).unwrap().temperature - normal.observe(0, mid).unwrap().temperature;
        assert!((d - 12.0).abs() < 0.02, "{d}");
        assert_eq!(hot.observe(1, mid), normal.observe(1, mid));
        let before = start - 1_000_000_000;
        assert_eq!(hot.observe(0, before), normal.observe(0, before));
    }

    #[test]
    fn unknown_heat_wave_station_is_named() {
        let anomalies = Anomalies {
            heat_wave: vec![HeatWave {
                stations: vec!["atlantis".into()],
                start: Timestamp(0),
                duration: telegraf_execd::GoDuration::from_secs(60),
                delta: 1.0,
            }],
            ..Anomalies::default()
        };
        let e = WeatherModel::new(1, crate::station::default_stations(), anomalies).unwrap_err();
        assert!(
            e.to_string().contains("heat_wave[0].stations") && e.to_string().contains("atlantis"),
            "{e}"
        );
    }

    #[test]
    fn spikes_and_dropouts_follow_their_probability() {
        let anomalies = Anomalies {
            spike_probability: 0.1,
            dropout_probability: 0.2,
            ..Anomalies::default()
        };
        let m = WeatherModel::new(9, crate::station::default_stations(), anomalies).unwrap();
        let plain = WeatherModel::with_default_stations(9);
        let (mut spikes, mut drops, n) = (0, 0, 10_000);
        for i in 0..n {
            let t = i * 60 * 1_000_000_000;
            match m.observe(3, t) {
                None => drops += 1,
                Some(o) => {
                    let base = plain.observe(3, t).unwrap();
                    if (o.temperature - base.temperature).abs() > 14.0 {
                        spikes += 1;
                    }
                }
            }
        }
        assert!((1_700..2_300).contains(&drops), "{drops}");
        assert!((600..1_000).contains(&spikes), "{spikes}");
    }
}
