//! A deterministic, physically consistent weather generator, shipped as a Telegraf execd input
//! (`telegraf-execd-weather`) and as an InfluxDB backfill/live writer (`telegraf-execd-weather
//! inject`).
//!
//! ```
//! use telegraf_execd_weather::{WeatherModel, WeatherWriter};
//!
//! let model = WeatherModel::with_default_stations(42);
//! let mut writer = WeatherWriter::new(&model);
//! let mut out = Vec::new();
//! writer.write_gather(1_767_225_600_000_000_000, &mut out).unwrap();
//! let first = std::str::from_utf8(&out).unwrap().lines().next().unwrap();
//! assert!(first.starts_with("weather,city=Paris,country=FR,station=paris temperature="));
//! ```
//!
//! Modules:
//! - [`station`]: [`Station`] and the built-in set of 12 real stations;
//! - [`model`]: [`WeatherModel`] and [`Observation`] (the physics and its invariants);
//! - [`noise`]: hash-based randomness, a pure function of (seed, station, time);
//! - [`anomaly`]: optional heat waves, sensor spikes and dropouts;
//! - [`output`]: [`WeatherWriter`], allocation-free line protocol;
//! - [`config`]: [`WeatherConfig`], the `[[inputs.weather]]` options;
//! - [`execd`]: the execd input's gather loop;
//! - [`inject`]: writing history or live data into InfluxDB (v1 or v2 API);
//! - [`time`]: RFC 3339 and calendar helpers.

#![doc(test(attr(deny(warnings))))]

pub mod anomaly;
pub mod config;
pub mod execd;
pub mod inject;

pub mod model;
pub mod noise;
pub mod output;
pub mod station;
pub mod time;

pub use anomaly::Anomalies;
pub use config::WeatherConfig;
pub use model::{Condition, Observation, WeatherModel};
pub use output::WeatherWriter;
pub use station::Station;
