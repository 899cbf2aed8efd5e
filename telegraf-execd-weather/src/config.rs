//! The plugin's options: one `[[inputs.weather]]` table (see `weather.toml` for every option
//! with its default). Unknown keys are errors; every option has a default.

use std::path::Path;

use serde::Deserialize;
use telegraf_execd::config::{ConfigError, PluginKind, load_plugin_config, parse_plugin_config};
use telegraf_execd::{GoDuration, LogLevel};

use crate::anomaly::Anomalies;
use crate::model::{ModelError, WeatherModel};
use crate::station::{Station, default_stations};

/// The plugin name in `[[inputs.weather]]`.
pub const PLUGIN_NAME: &str = "weather";

/// All options of the weather plugin.
///
/// ```
/// use telegraf_execd_weather::WeatherConfig;
/// let c = WeatherConfig::from_toml("[[inputs.weather]]\nseed = 9\npoll_interval = \"30s\"\n", "w.toml").unwrap();
/// assert_eq!(c.seed, 9);
/// assert_eq!(c.poll_interval.as_secs(), 30);
/// assert_eq!(c.stations.len(), 12); // built-in set
/// let err = WeatherConfig::from_toml("[[inputs.weather]]\nsed = 9\n", "w.toml").unwrap_err();
/// assert!(err.to_string().starts_with("w.toml:2:1: unknown field `sed`"));
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WeatherConfig {
    /// Seed of the deterministic model. Default 1.
    pub seed: u64,
    /// Stderr log level: error|warn|info|debug|trace. Default info. `-log_level` overrides it.
    pub log_level: LogLevel,
    /// Own gather schedule (for Telegraf `signal = "none"`). Default 10s. `-poll_interval`
    /// overrides it.
    pub poll_interval: GoDuration,
    /// No own schedule: gather only on stdin newlines and signals (for `signal = "STDIN"`).
    /// Default false. `-poll_interval_disabled` overrides it.
    pub poll_interval_disabled: bool,
    /// Gather timestamps are truncated to a multiple of this. Default 1s. Output is always ns.
    pub precision: GoDuration,
    /// The stations (`[[inputs.weather.stations]]`); default the 12 built-in ones.
    pub stations: Vec<Station>,
    /// Optional anomalies (`[inputs.weather.anomalies]`); all off by default.
    pub anomalies: Anomalies,
}

impl Default for WeatherConfig {
    fn default() -> Self {
        WeatherConfig {
            seed: 1,
            log_level: LogLevel::Info,
            poll_interval: GoDuration::from_secs(10),
            poll_interval_disabled: false,
            precision: GoDuration::from_secs(1),
            stations: default_stations(),
            anomalies: Anomalies::default(),
        }
    }
}

/// A config that parses but cannot be used; the message names the option and what is allowed.
///
/// ```
/// let e = telegraf_execd_weather::WeatherConfig::from_toml("[[inputs.weather]]\nprecision = \"0s\"", "x").unwrap_err();
/// assert!(e.to_string().contains("precision"));
/// ```
#[derive(Debug, thiserror::Error)]
pub enum WeatherConfigError {
    /// Unreadable file, unset variable, syntax error, unknown or ill-typed option.
    #[error(transparent)]
    File(#[from] ConfigError),
    /// An option out of range.
    #[error("{origin}: option `{option}`: {problem}")]
    Option {
        /// The file name.
        origin: String,
        /// The option.
        option: &'static str,
        /// What is allowed.
        problem: String,
    },
    /// Stations or anomalies rejected by the model.
    #[error("{origin}: {source}")]
    Model {
        /// The file name.
        origin: String,
        /// The model's complaint.
        source: ModelError,
    },
}

impl WeatherConfig {
    /// Loads and validates a config file.
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let p = dir.path().join("w.toml");
    /// std::fs::write(&p, "[[inputs.weather]]\nseed = 3\n").unwrap();
    /// assert_eq!(telegraf_execd_weather::WeatherConfig::load(&p).unwrap().seed, 3);
    /// ```
    pub fn load(path: &Path) -> Result<Self, WeatherConfigError> {
        let config: WeatherConfig = load_plugin_config(path, PluginKind::Inputs, PLUGIN_NAME)?;
        config.validate(&path.display().to_string())?;
        Ok(config)
    }

    /// Parses and validates config text; `origin` names it in errors.
    ///
    /// ```
    /// let c = telegraf_execd_weather::WeatherConfig::from_toml("", "empty").unwrap();
    /// assert_eq!(c, telegraf_execd_weather::WeatherConfig::default());
    /// ```
    pub fn from_toml(text: &str, origin: &str) -> Result<Self, WeatherConfigError> {
        let config: WeatherConfig =
            parse_plugin_config(text, origin, PluginKind::Inputs, PLUGIN_NAME)?;
        config.validate(origin)?;
        Ok(config)
    }

    /// Checks ranges and builds the model once; `origin` names the source in errors. Call it
    /// again after command-line flags changed the options.
    ///
    /// ```
    /// let mut c = telegraf_execd_weather::WeatherConfig::default();
    /// c.poll_interval = telegraf_execd::GoDuration::from_secs(0);
    /// let e = c.validate("command line").unwrap_err().to_string();
    /// assert!(e.contains("poll_interval"), "{e}");
    /// ```
    pub fn validate(&self, origin: &str) -> Result<(), WeatherConfigError> {
        let option = |option, problem: &str| WeatherConfigError::Option {
            origin: origin.to_string(),
            option,
            problem: problem.to_string(),
        };
        if self.precision.is_zero() || *self.precision > std::time::Duration::from_secs(3600) {
            return Err(option(
                "precision",
                "must be between 1ns and 1h (e.g. \"1s\", \"1ms\")",
            ));
        }
        if !self.poll_interval_disabled && self.poll_interval.is_zero() {
            return Err(option(
                "poll_interval",
                "must be longer than 0s (use poll_interval_disabled = true to turn polling off)",
            ));
        }
        self.model().map_err(|source| WeatherConfigError::Model {
            origin: origin.to_string(),
            source,
        })?;
        Ok(())
    }

    /// Builds the model these options describe.
    ///
    /// ```
    /// let m = telegraf_execd_weather::WeatherConfig::default().model().unwrap();
    /// assert_eq!(m.seed(), 1);
    /// ```
    pub fn model(&self) -> Result<WeatherModel, ModelError> {
        WeatherModel::new(self.seed, self.stations.clone(), self.anomalies.clone())
    }

    /// Truncates a timestamp to [`WeatherConfig::precision`].
    ///
    /// ```
    /// let c = telegraf_execd_weather::WeatherConfig::default();
    /// assert_eq!(c.truncate(1_700_000_000_123_456_789), 1_700_000_000_000_000_000);
    /// ```
    pub fn truncate(&self, t_ns: i64) -> i64 {
        let step = i64::try_from(self.precision.as_nanos())
            .unwrap_or(i64::MAX)
            .max(1);
        t_ns - t_ns.rem_euclid(step)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_example_documents_the_defaults() {
        let example = include_str!("../weather.toml");
        let parsed = WeatherConfig::from_toml(example, "weather.toml").unwrap();
        assert_eq!(parsed, WeatherConfig::default());
        // Uncommenting the examples gives a valid config too.
        let uncommented = example
            .replace("  # [[", "  [[")
            .replace("  #   ", "    ")
            .replace("[\"paris\", \"london\"]", "[\"quito\"]");
        let c = WeatherConfig::from_toml(&uncommented, "weather.toml").unwrap();
        assert_eq!(c.stations[0].id, "quito");
        assert_eq!(c.anomalies.heat_wave[0].stations, ["quito"]);
    }

    #[test]
    fn stations_and_anomalies_from_toml() {
        let text = r#"
[[inputs.weather]]
  seed = 5
  [[inputs.weather.stations]]
    id = "quito"
    city = "Quito"
    country = "EC"
    latitude = -0.13
    longitude = -78.36
    elevation = 2400.0
  [inputs.weather.anomalies]
    dropout_probability = 0.01
    [[inputs.weather.anomalies.heat_wave]]
      stations = ["quito"]
      start = "2026-07-01T00:00:00Z"
      duration = "24h"
"#;
        let c = WeatherConfig::from_toml(text, "t").unwrap();
        assert_eq!(c.stations.len(), 1);
        assert_eq!(c.anomalies.heat_wave[0].delta, 10.0);
        let bad = text.replace("latitude = -0.13", "latitude = -91");
        let e = WeatherConfig::from_toml(&bad, "t").unwrap_err().to_string();
        assert!(e.contains("quito") && e.contains("latitude"), "{e}");
        let bad = text.replace("elevation = 2400.0", "elevation = 2400.0\n    altitude = 3");
        let e = WeatherConfig::from_toml(&bad, "t").unwrap_err().to_string();
        assert!(
            e.contains("unknown field `altitude`") && e.starts_with("t:11:5"),
            "{e}"
        );
    }
}
