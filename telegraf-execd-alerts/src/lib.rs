//! Alerts for the weather pipeline: a Telegraf `[[processors.execd]]` program that passes every
//! metric through unchanged and adds an alert metric whenever a series changes level
//! (ok → warn → crit → ok), and the rule model that InfluxDB 2 checks are provisioned from.
//!
//! Modules:
//! - [`rules`]: the rule model (thresholds per level and direction, hysteresis, `for`, deadman,
//!   stuck sensor, tag filters), checked with errors naming the rule and key.
//! - [`config`]: the `[[processors.alerts]]` config file ([`AlertsConfig`]).

#![doc(test(attr(deny(warnings))))]

pub mod config;
pub mod rules;

pub use config::{AlertsConfig, AlertsConfigError};
pub use rules::{Condition, Direction, Level, Rule, RuleConfig, RuleError, RuleSet};
