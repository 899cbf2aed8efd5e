//! Alerts for the weather pipeline: a Telegraf `[[processors.execd]]` program that passes every
//! metric through unchanged and adds an alert metric whenever a series changes level
//! (ok → warn → crit → ok), and the rule model that InfluxDB 2 checks are provisioned from.
//!
//! ```
//! use telegraf_execd_alerts::{AlertsConfig, Engine, processor};
//!
//! let mut engine = Engine::new(&AlertsConfig::shipped());
//! let input = b"weather,station=paris wind_speed=12.5 1767225600000000000\n\
//!               weather,station=paris wind_speed=26.1 1767225610000000000\n";
//! let mut output = Vec::new();
//! processor::run(&mut engine, &input[..], &mut output, None).unwrap();
//! let text = String::from_utf8(output).unwrap();
//! let lines: Vec<&str> = text.lines().collect();
//! assert_eq!(lines.len(), 2); // `wind_storm` waits 2 minutes (`for = "2m"`)
//! ```
//!
//! Modules:
//! - [`rules`]: the rule model (thresholds per level and direction, hysteresis, `for`, deadman,
//!   stuck sensor, tag filters), checked with errors naming the rule and key.
//! - [`config`]: the `[[processors.alerts]]` config file ([`AlertsConfig`]).
//! - [`engine`]: state per series, driven by metric time; writes alert lines ([`Engine`]).
//! - [`processor`]: the stdin → stdout loop Telegraf's `processors.execd` talks to.
//! - [`provision`]: the `provision` subcommand: the rules as InfluxDB 2 checks, an HTTP
//!   notification endpoint and a notification rule, provisioned idempotently.

#![doc(test(attr(deny(warnings))))]

mod alert;
pub mod config;
pub mod engine;
pub mod processor;
pub mod provision;
pub mod rules;
mod state;

pub use config::{AlertsConfig, AlertsConfigError};
pub use engine::Engine;
pub use rules::{Condition, Direction, Level, Rule, RuleConfig, RuleError, RuleSet};
