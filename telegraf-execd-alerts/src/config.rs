//! The plugin's options: one `[[processors.alerts]]` table with its `[[processors.alerts.rule]]`
//! tables (see `alerts.toml`, the shipped weather rules, for every option). Unknown keys are
//! errors naming file:line:column; rule errors name the rule and the key.

use std::path::Path;

use serde::Deserialize;
use telegraf_execd::LogLevel;
use telegraf_execd::config::{ConfigError, PluginKind, load_plugin_config, parse_plugin_config};

use crate::provision::ProvisionSettings;
use crate::rules::{RuleConfig, RuleError, RuleSet};

/// The plugin name in `[[processors.alerts]]`.
pub const PLUGIN_NAME: &str = "alerts";

/// The shipped rule file (`alerts.toml`): the weather lab's defaults.
pub const SHIPPED_RULES: &str = include_str!("../alerts.toml");

/// The checked options of the processor.
///
/// ```
/// use telegraf_execd_alerts::AlertsConfig;
/// let c = AlertsConfig::from_toml(r#"
/// [[processors.alerts]]
///   max_series = 500
///   [[processors.alerts.rule]]
///     name = "wind_storm"
///     measurement = "weather"
///     field = "wind_speed"
///     crit_above = 24.5
/// "#, "a.toml").unwrap();
/// assert_eq!(c.max_series, 500);
/// assert_eq!(c.alert_measurement, "weather_alert");
/// assert_eq!(c.rules.len(), 1);
/// let e = AlertsConfig::from_toml("[[processors.alerts]]\nmax_serie = 1\n", "a.toml").unwrap_err();
/// assert!(e.to_string().starts_with("a.toml:2:1: unknown field `max_serie`"), "{e}");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct AlertsConfig {
    /// Stderr log level. Default info; `-log_level` overrides it.
    pub log_level: LogLevel,
    /// Most (rule, series) states kept; further series are not watched (one `W!`). Default 10000.
    pub max_series: usize,
    /// Measurement of the alert metrics. Default `weather_alert`.
    pub alert_measurement: String,
    /// The rules, in file order.
    pub rules: RuleSet,
    /// `[processors.alerts.provision]`: where the `provision` subcommand sends the rules.
    pub provision: Option<ProvisionSettings>,
}

/// The TOML form of [`AlertsConfig`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawConfig {
    log_level: LogLevel,
    max_series: usize,
    alert_measurement: String,
    rule: Vec<RuleConfig>,
    provision: Option<ProvisionSettings>,
}

impl Default for RawConfig {
    fn default() -> Self {
        RawConfig {
            log_level: LogLevel::Info,
            max_series: 10_000,
            alert_measurement: "weather_alert".into(),
            rule: Vec::new(),
            provision: None,
        }
    }
}

/// A config that cannot be used.
///
/// ```
/// let e = telegraf_execd_alerts::AlertsConfig::from_toml(
///     "[[processors.alerts]]\n[[processors.alerts.rule]]\nname = \"x\"\nmeasurement = \"m\"\n", "a.toml").unwrap_err();
/// assert!(e.to_string().starts_with("a.toml: rule `x`: `warn_above`: the rule checks nothing"), "{e}");
/// ```
#[derive(Debug, thiserror::Error)]
pub enum AlertsConfigError {
    /// Unreadable file, unset variable, syntax error, unknown or ill-typed option.
    #[error(transparent)]
    File(#[from] ConfigError),
    /// A rule that cannot be used.
    #[error("{origin}: {source}")]
    Rule {
        /// The file name.
        origin: String,
        /// Which rule and key, and why.
        source: RuleError,
    },
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
}

impl AlertsConfig {
    /// Loads and checks a config file.
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let p = dir.path().join("a.toml");
    /// std::fs::write(&p, "[[processors.alerts]]\nmax_series = 3\n").unwrap();
    /// assert_eq!(telegraf_execd_alerts::AlertsConfig::load(&p).unwrap().max_series, 3);
    /// ```
    pub fn load(path: &Path) -> Result<Self, AlertsConfigError> {
        let raw: RawConfig = load_plugin_config(path, PluginKind::Processors, PLUGIN_NAME)?;
        Self::check(raw, &path.display().to_string())
    }

    /// Parses and checks config text; `origin` names it in errors.
    ///
    /// ```
    /// let c = telegraf_execd_alerts::AlertsConfig::from_toml("", "empty").unwrap();
    /// assert!(c.rules.is_empty());
    /// ```
    pub fn from_toml(text: &str, origin: &str) -> Result<Self, AlertsConfigError> {
        let raw: RawConfig =
            parse_plugin_config(text, origin, PluginKind::Processors, PLUGIN_NAME)?;
        Self::check(raw, origin)
    }

    /// The shipped weather rules ([`SHIPPED_RULES`]), used when no `-config` is given.
    ///
    /// ```
    /// let c = telegraf_execd_alerts::AlertsConfig::shipped();
    /// assert!(c.rules.get("temperature_high").is_some());
    /// ```
    pub fn shipped() -> Self {
        // The file is part of the binary and tested (`shipped_rules_load`); it cannot fail here.
        Self::from_toml(SHIPPED_RULES, "alerts.toml (shipped)")
            .unwrap_or_else(|e| unreachable!("shipped rules are tested: {e}"))
    }

    fn check(raw: RawConfig, origin: &str) -> Result<Self, AlertsConfigError> {
        let option = |option, problem: &str| AlertsConfigError::Option {
            origin: origin.to_string(),
            option,
            problem: problem.to_string(),
        };
        if raw.max_series == 0 {
            return Err(option("max_series", "must be at least 1"));
        }
        if raw.alert_measurement.is_empty() {
            return Err(option("alert_measurement", "must not be empty"));
        }
        let rules = RuleSet::new(raw.rule).map_err(|source| AlertsConfigError::Rule {
            origin: origin.to_string(),
            source,
        })?;
        Ok(AlertsConfig {
            log_level: raw.log_level,
            max_series: raw.max_series,
            alert_measurement: raw.alert_measurement,
            rules,
            provision: raw.provision,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{Condition, Level};

    #[test]
    fn shipped_rules_load() {
        let c = AlertsConfig::from_toml(SHIPPED_RULES, "alerts.toml").unwrap();
        let kinds: Vec<(&str, &str)> = c
            .rules
            .iter()
            .map(|r| (r.name.as_str(), r.condition.kind()))
            .collect();
        assert_eq!(
            kinds,
            [
                ("temperature_high", "threshold"),
                ("temperature_low", "threshold"),
                ("wind_storm", "threshold"),
                ("pressure_drop", "threshold"),
                ("humidity_stuck", "stuck"),
                ("station_silent", "deadman"),
            ]
        );
        assert!(c.rules.iter().all(|r| r.measurement == "weather"));
        assert!(matches!(
            c.rules.get("station_silent").unwrap().condition,
            Condition::Deadman(d) if d.level == Level::Crit
        ));
    }

    #[test]
    fn rule_errors_name_the_file() {
        let e = AlertsConfig::from_toml(
            "[[processors.alerts]]\n[[processors.alerts.rule]]\nname = \"w\"\nmeasurement = \"weather\"\nfield = \"wind_speed\"\nwarn_above = 20\ncrit_above = 10\n",
            "x.toml",
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "x.toml: rule `w`: `crit_above`: must be greater than warn_above (20), got 10"
        );
        let e = AlertsConfig::from_toml(
            "[[processors.alerts]]\n[[processors.alerts.rule]]\nname = \"w\"\nfor = \"5\"\n",
            "x.toml",
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("x.toml:4:"), "{e}");
        let e = AlertsConfig::from_toml("[[inputs.alerts]]\n", "x.toml").unwrap_err();
        assert!(e.to_string().contains("[[processors.alerts]]"), "{e}");
        let e = AlertsConfig::from_toml("[[processors.alerts]]\nmax_series = 0\n", "x.toml")
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "x.toml: option `max_series`: must be at least 1"
        );
    }
}
