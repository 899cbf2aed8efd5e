//! The rule model: what a rule file says, checked once at load time.
//!
//! A rule watches one measurement (and, for value rules, one field) of every series that passes
//! its tag filter. Three kinds, chosen by the keys a rule sets:
//!
//! | kind | keys | fires when |
//! |---|---|---|
//! | threshold | `warn_above`, `crit_above`, `warn_below`, `crit_below` (any subset, at least one), `hysteresis`, `for` | the value is beyond a threshold for `for` (metric time) |
//! | deadman | `deadman = "5m"`, `level` | a series sends nothing for that long (metric time) |
//! | stuck | `stuck = "6h"`, `tolerance`, `level` | the value stays within `tolerance` of itself for that long |
//!
//! [`RuleConfig`] is the TOML form (`[[processors.alerts.rule]]`); [`Rule`] is the checked form
//! the engine runs and provisioning maps to InfluxDB 2 checks: thresholds per [`Level`] and
//! [`Direction`], the `for` duration, the deadman period.
//!
//! ```
//! use telegraf_execd_alerts::rules::{Condition, Direction, Level, RuleConfig, RuleSet};
//!
//! let configs: Vec<RuleConfig> = toml::from_str::<toml::Table>(r#"
//!     [[rule]]
//!     name = "temperature_high"
//!     measurement = "weather"
//!     field = "temperature"
//!     tags = { station = ["paris", "tokyo"] }
//!     warn_above = 35.0
//!     crit_above = 40.0
//!     hysteresis = 1.0
//!     for = "10m"
//!
//!     [[rule]]
//!     name = "station_silent"
//!     measurement = "weather"
//!     deadman = "5m"
//! "#).unwrap()["rule"].clone().try_into().unwrap();
//! let rules = RuleSet::new(configs).unwrap();
//! let high = rules.get("temperature_high").unwrap();
//! let Condition::Threshold(t) = &high.condition else { unreachable!() };
//! assert_eq!(t.limit(Level::Crit, Direction::Above), Some(40.0));
//! assert_eq!(t.for_duration.as_secs(), 600);
//! assert!(high.tags.allows("station", "tokyo"));
//! let silent = rules.get("station_silent").unwrap();
//! assert!(matches!(&silent.condition, Condition::Deadman(d) if d.period.as_secs() == 300 && d.level == Level::Crit));
//! ```

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;
use telegraf_execd::GoDuration;

/// An alert level, ordered `Ok < Warn < Crit`.
///
/// ```
/// use telegraf_execd_alerts::rules::Level;
/// assert!(Level::Ok < Level::Warn && Level::Warn < Level::Crit);
/// assert_eq!(Level::Crit.as_str(), "crit");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// No condition holds.
    #[default]
    Ok,
    /// The warning condition holds.
    Warn,
    /// The critical condition holds.
    Crit,
}

impl Level {
    /// The name used in the `level` and `previous_level` tags.
    ///
    /// ```
    /// assert_eq!(telegraf_execd_alerts::rules::Level::Ok.as_str(), "ok");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Ok => "ok",
            Level::Warn => "warn",
            Level::Crit => "crit",
        }
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which side of a threshold is bad.
///
/// ```
/// use telegraf_execd_alerts::rules::Direction;
/// assert_eq!(Direction::Above.as_str(), "above");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Too high: bad when the value is greater than the threshold.
    Above,
    /// Too low: bad when the value is less than the threshold.
    Below,
}

impl Direction {
    /// `"above"` or `"below"`.
    ///
    /// ```
    /// assert_eq!(telegraf_execd_alerts::rules::Direction::Below.as_str(), "below");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Above => "above",
            Direction::Below => "below",
        }
    }
}

/// A rule as written in TOML (`[[processors.alerts.rule]]`). Unknown keys are errors; which
/// keys are set decides the kind (see the module docs). [`RuleSet::new`] checks it.
///
/// ```
/// use telegraf_execd_alerts::rules::RuleConfig;
/// let c: RuleConfig = toml::from_str("name = \"wind\"\nmeasurement = \"weather\"\nfield = \"wind_speed\"\ncrit_above = 24.5").unwrap();
/// assert_eq!(c.crit_above, Some(24.5));
/// assert!(toml::from_str::<RuleConfig>("name = \"x\"\nwarn_abov = 1").is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RuleConfig {
    /// Unique rule name; the `rule` tag of its alerts.
    pub name: String,
    /// The measurement watched.
    pub measurement: String,
    /// The field watched (required for threshold and stuck rules; optional for deadman rules,
    /// which then count any metric of the series as a sign of life).
    pub field: Option<String>,
    /// Tag filter: a series is watched only if, for every key here, it has that tag with one
    /// of the listed values.
    pub tags: BTreeMap<String, Vec<String>>,
    /// Warning when the value is above this.
    pub warn_above: Option<f64>,
    /// Critical when the value is above this.
    pub crit_above: Option<f64>,
    /// Warning when the value is below this.
    pub warn_below: Option<f64>,
    /// Critical when the value is below this.
    pub crit_below: Option<f64>,
    /// A level is left only once the value is back inside its threshold by this margin.
    pub hysteresis: Option<f64>,
    /// How long (metric time) a threshold must be crossed before its level is entered.
    #[serde(rename = "for")]
    pub for_duration: Option<GoDuration>,
    /// Deadman rule: the series is silent for this long (metric time).
    pub deadman: Option<GoDuration>,
    /// Stuck rule: the value stays within `tolerance` for this long (metric time).
    pub stuck: Option<GoDuration>,
    /// Stuck rule: largest change still counted as "not moving". Default 0.
    pub tolerance: Option<f64>,
    /// Deadman and stuck rules: the level raised (`warn` or `crit`).
    pub level: Option<Level>,
}

/// A rule that cannot be used: names the rule, the key and what is allowed.
///
/// ```
/// use telegraf_execd_alerts::rules::{RuleConfig, RuleSet};
/// let bad = RuleConfig { name: "t".into(), measurement: "weather".into(), field: Some("temperature".into()),
///     warn_above: Some(40.0), crit_above: Some(35.0), ..Default::default() };
/// let e = RuleSet::new(vec![bad]).unwrap_err();
/// assert_eq!(e.to_string(), "rule `t`: `crit_above`: must be greater than warn_above (40), got 35");
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("rule `{rule}`: `{key}`: {problem}")]
pub struct RuleError {
    /// The rule's name, or `#N` (1-based position) when it has none.
    pub rule: String,
    /// The offending key.
    pub key: &'static str,
    /// What is wrong and what is allowed.
    pub problem: String,
}

/// Tag filter of a rule: tag key → allowed values. Empty = every series.
///
/// ```
/// use telegraf_execd_alerts::rules::TagFilter;
/// let f = TagFilter::from_iter([("station", ["paris", "tokyo"])]);
/// assert!(f.matches([("city", "Paris"), ("station", "paris")]));
/// assert!(!f.matches([("station", "lyon")]));
/// assert!(!f.matches([("city", "Tokyo")]));
/// assert!(TagFilter::default().matches([]));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TagFilter(BTreeMap<String, Vec<String>>);

impl TagFilter {
    /// True when there is no filter.
    ///
    /// ```
    /// assert!(telegraf_execd_alerts::rules::TagFilter::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The filter's keys with their allowed values, in key order.
    ///
    /// ```
    /// let f = telegraf_execd_alerts::rules::TagFilter::from_iter([("station", ["paris"])]);
    /// assert_eq!(f.iter().next(), Some(("station", &["paris".to_string()][..])));
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    /// True when `value` is allowed for tag `key` (or `key` is not filtered).
    ///
    /// ```
    /// let f = telegraf_execd_alerts::rules::TagFilter::from_iter([("station", ["paris"])]);
    /// assert!(f.allows("station", "paris") && !f.allows("station", "lyon") && f.allows("city", "x"));
    /// ```
    pub fn allows(&self, key: &str, value: &str) -> bool {
        self.0
            .get(key)
            .is_none_or(|allowed| allowed.iter().any(|v| v == value))
    }

    /// True when a series with these tags passes: every filtered key present with an allowed
    /// value. Allocation-free.
    ///
    /// ```
    /// let f = telegraf_execd_alerts::rules::TagFilter::from_iter([("a", vec!["1"]), ("b", vec!["2", "3"])]);
    /// assert!(f.matches([("b", "3"), ("a", "1")]));
    /// assert!(!f.matches([("a", "1")]));
    /// ```
    pub fn matches<'t>(&self, tags: impl IntoIterator<Item = (&'t str, &'t str)> + Clone) -> bool {
        self.0.iter().all(|(key, allowed)| {
            tags.clone()
                .into_iter()
                .any(|(k, v)| k == key && allowed.iter().any(|a| a == v))
        })
    }
}

impl<K, V, I> FromIterator<(K, I)> for TagFilter
where
    K: Into<String>,
    V: Into<String>,
    I: IntoIterator<Item = V>,
{
    fn from_iter<T: IntoIterator<Item = (K, I)>>(iter: T) -> Self {
        TagFilter(
            iter.into_iter()
                .map(|(k, vs)| (k.into(), vs.into_iter().map(Into::into).collect()))
                .collect(),
        )
    }
}

/// A threshold per direction for one level.
///
/// ```
/// let b = telegraf_execd_alerts::rules::Band { above: Some(35.0), below: None };
/// assert!(b.crossed(36.0) && !b.crossed(35.0));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Band {
    /// Bad when the value is greater than this.
    pub above: Option<f64>,
    /// Bad when the value is less than this.
    pub below: Option<f64>,
}

impl Band {
    /// The threshold for `direction`.
    ///
    /// ```
    /// use telegraf_execd_alerts::rules::{Band, Direction};
    /// assert_eq!(Band { above: None, below: Some(-10.0) }.get(Direction::Below), Some(-10.0));
    /// ```
    pub fn get(&self, direction: Direction) -> Option<f64> {
        match direction {
            Direction::Above => self.above,
            Direction::Below => self.below,
        }
    }

    /// True when `value` is beyond either threshold (strictly).
    ///
    /// ```
    /// let b = telegraf_execd_alerts::rules::Band { above: None, below: Some(0.0) };
    /// assert!(b.crossed(-0.5) && !b.crossed(0.0));
    /// ```
    pub fn crossed(&self, value: f64) -> bool {
        self.above.is_some_and(|t| value > t) || self.below.is_some_and(|t| value < t)
    }

    /// The direction `value` is beyond, if any.
    ///
    /// ```
    /// use telegraf_execd_alerts::rules::{Band, Direction};
    /// assert_eq!(Band { above: Some(1.0), below: Some(0.0) }.crossed_direction(2.0), Some(Direction::Above));
    /// ```
    pub fn crossed_direction(&self, value: f64) -> Option<Direction> {
        if self.above.is_some_and(|t| value > t) {
            Some(Direction::Above)
        } else if self.below.is_some_and(|t| value < t) {
            Some(Direction::Below)
        } else {
            None
        }
    }

    /// True when `value` is still beyond a threshold moved back by `margin` (the level holds).
    ///
    /// ```
    /// let b = telegraf_execd_alerts::rules::Band { above: Some(35.0), below: None };
    /// assert!(b.holds(34.5, 1.0) && !b.holds(34.0, 1.0));
    /// ```
    pub fn holds(&self, value: f64, margin: f64) -> bool {
        self.above.is_some_and(|t| value > t - margin)
            || self.below.is_some_and(|t| value < t + margin)
    }

    fn is_empty(&self) -> bool {
        self.above.is_none() && self.below.is_none()
    }
}

/// A threshold rule's levels.
///
/// ```
/// use telegraf_execd_alerts::rules::{Band, Direction, Level, Thresholds};
/// let t = Thresholds { warn: Band { above: Some(35.0), below: None }, crit: Band::default(),
///     hysteresis: 0.0, for_duration: std::time::Duration::ZERO };
/// assert_eq!(t.limit(Level::Warn, Direction::Above), Some(35.0));
/// assert_eq!(t.limit(Level::Crit, Direction::Above), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// Warning thresholds.
    pub warn: Band,
    /// Critical thresholds.
    pub crit: Band,
    /// Margin by which the value must come back before a level is left (≥ 0).
    pub hysteresis: f64,
    /// How long a threshold must stay crossed (metric time) before its level is entered; zero
    /// = at once. Leaving a level is never delayed.
    pub for_duration: Duration,
}

impl Thresholds {
    /// The threshold of `level` (`Warn` or `Crit`) in `direction`; `None` for `Ok` or unset.
    ///
    /// ```
    /// use telegraf_execd_alerts::rules::{Band, Direction, Level, Thresholds};
    /// let t = Thresholds { warn: Band::default(), crit: Band { above: None, below: Some(-20.0) },
    ///     hysteresis: 0.5, for_duration: std::time::Duration::ZERO };
    /// assert_eq!(t.limit(Level::Crit, Direction::Below), Some(-20.0));
    /// assert_eq!(t.limit(Level::Ok, Direction::Below), None);
    /// ```
    pub fn limit(&self, level: Level, direction: Direction) -> Option<f64> {
        self.band(level).and_then(|b| b.get(direction))
    }

    /// The band of `level`; `None` for `Ok`.
    ///
    /// ```
    /// use telegraf_execd_alerts::rules::{Band, Level, Thresholds};
    /// let t = Thresholds { warn: Band { above: Some(1.0), below: None }, crit: Band::default(),
    ///     hysteresis: 0.0, for_duration: std::time::Duration::ZERO };
    /// assert_eq!(t.band(Level::Warn).unwrap().above, Some(1.0));
    /// ```
    pub fn band(&self, level: Level) -> Option<&Band> {
        match level {
            Level::Ok => None,
            Level::Warn => Some(&self.warn),
            Level::Crit => Some(&self.crit),
        }
    }
}

/// A deadman rule: a series that sends nothing for `period` (metric time) raises `level`.
///
/// ```
/// use telegraf_execd_alerts::rules::{Deadman, Level};
/// let d = Deadman { period: std::time::Duration::from_secs(300), level: Level::Crit };
/// assert_eq!(d.period.as_secs(), 300);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadman {
    /// Silence that counts as dead.
    pub period: Duration,
    /// Level raised (`Warn` or `Crit`).
    pub level: Level,
}

/// A stuck-sensor rule: the value stays within `tolerance` of where it started for `period`.
///
/// ```
/// use telegraf_execd_alerts::rules::{Level, Stuck};
/// let s = Stuck { period: std::time::Duration::from_secs(3600), tolerance: 0.0, level: Level::Warn };
/// assert_eq!(s.level, Level::Warn);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stuck {
    /// How long the value must stay put.
    pub period: Duration,
    /// Largest difference from the first value of the run still counted as unchanged (≥ 0).
    pub tolerance: f64,
    /// Level raised (`Warn` or `Crit`).
    pub level: Level,
}

/// What a rule checks.
///
/// ```
/// use telegraf_execd_alerts::rules::{Condition, Deadman, Level};
/// let c = Condition::Deadman(Deadman { period: std::time::Duration::from_secs(60), level: Level::Warn });
/// assert_eq!(c.kind(), "deadman");
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Condition {
    /// Value thresholds.
    Threshold(Thresholds),
    /// Silence of a series.
    Deadman(Deadman),
    /// A value that does not move.
    Stuck(Stuck),
}

impl Condition {
    /// `"threshold"`, `"deadman"` or `"stuck"`.
    ///
    /// ```
    /// use telegraf_execd_alerts::rules::{Condition, Level, Stuck};
    /// let c = Condition::Stuck(Stuck { period: std::time::Duration::from_secs(1), tolerance: 0.0, level: Level::Warn });
    /// assert_eq!(c.kind(), "stuck");
    /// ```
    pub fn kind(&self) -> &'static str {
        match self {
            Condition::Threshold(_) => "threshold",
            Condition::Deadman(_) => "deadman",
            Condition::Stuck(_) => "stuck",
        }
    }
}

/// A checked rule.
///
/// ```
/// use telegraf_execd_alerts::rules::{RuleConfig, RuleSet};
/// let c = RuleConfig { name: "p".into(), measurement: "weather".into(), field: Some("pressure".into()),
///     warn_below: Some(985.0), ..Default::default() };
/// let rules = RuleSet::new(vec![c]).unwrap();
/// let rule = rules.iter().next().unwrap();
/// assert_eq!((rule.name.as_str(), rule.field.as_deref()), ("p", Some("pressure")));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Unique name; the `rule` tag of its alerts.
    pub name: String,
    /// Measurement watched.
    pub measurement: String,
    /// Field watched (always set for threshold and stuck rules).
    pub field: Option<String>,
    /// Which series are watched.
    pub tags: TagFilter,
    /// What is checked.
    pub condition: Condition,
}

/// The checked rules of one file, in file order, names unique.
///
/// ```
/// use telegraf_execd_alerts::rules::{RuleConfig, RuleSet};
/// let r = RuleConfig { name: "a".into(), measurement: "m".into(), deadman: Some("1m".parse().unwrap()), ..Default::default() };
/// let e = RuleSet::new(vec![r.clone(), r]).unwrap_err();
/// assert_eq!(e.to_string(), "rule `a`: `name`: used by rule #1 too; names must be unique");
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleSet(Vec<Rule>);

impl RuleSet {
    /// Checks every rule (kind, ranges, orders of thresholds, unique names).
    ///
    /// ```
    /// let e = telegraf_execd_alerts::rules::RuleSet::new(vec![Default::default()]).unwrap_err();
    /// assert_eq!(e.to_string(), "rule `#1`: `name`: is required");
    /// ```
    pub fn new(configs: Vec<RuleConfig>) -> Result<RuleSet, RuleError> {
        let mut rules: Vec<Rule> = Vec::with_capacity(configs.len());
        for (i, config) in configs.into_iter().enumerate() {
            let rule = check(config, i + 1)?;
            if let Some(j) = rules.iter().position(|r| r.name == rule.name) {
                return Err(RuleError {
                    rule: rule.name,
                    key: "name",
                    problem: format!("used by rule #{} too; names must be unique", j + 1),
                });
            }
            rules.push(rule);
        }
        Ok(RuleSet(rules))
    }

    /// The rules in file order.
    ///
    /// ```
    /// assert_eq!(telegraf_execd_alerts::rules::RuleSet::default().iter().count(), 0);
    /// ```
    pub fn iter(&self) -> std::slice::Iter<'_, Rule> {
        self.0.iter()
    }

    /// The rule named `name`.
    ///
    /// ```
    /// assert!(telegraf_execd_alerts::rules::RuleSet::default().get("x").is_none());
    /// ```
    pub fn get(&self, name: &str) -> Option<&Rule> {
        self.0.iter().find(|r| r.name == name)
    }

    /// Number of rules.
    ///
    /// ```
    /// assert_eq!(telegraf_execd_alerts::rules::RuleSet::default().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True without rules.
    ///
    /// ```
    /// assert!(telegraf_execd_alerts::rules::RuleSet::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'a> IntoIterator for &'a RuleSet {
    type Item = &'a Rule;
    type IntoIter = std::slice::Iter<'a, Rule>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// Checks one rule; `position` is 1-based.
fn check(c: RuleConfig, position: usize) -> Result<Rule, RuleError> {
    let rule = if c.name.is_empty() {
        format!("#{position}")
    } else {
        c.name.clone()
    };
    let fail = |key: &'static str, problem: String| RuleError {
        rule: rule.clone(),
        key,
        problem,
    };
    if c.name.is_empty() {
        return Err(fail("name", "is required".into()));
    }
    if c.name.chars().any(char::is_control) {
        return Err(fail("name", "must not contain control characters".into()));
    }
    if c.measurement.is_empty() {
        return Err(fail("measurement", "is required".into()));
    }
    if c.field.as_deref() == Some("") {
        return Err(fail("field", "must not be empty".into()));
    }
    for (key, values) in &c.tags {
        if key.is_empty() {
            return Err(fail("tags", "a tag key must not be empty".into()));
        }
        if values.is_empty() {
            return Err(fail(
                "tags",
                format!("tag `{key}` lists no value; list at least one or remove the key"),
            ));
        }
    }
    let thresholds = [
        ("warn_above", c.warn_above),
        ("crit_above", c.crit_above),
        ("warn_below", c.warn_below),
        ("crit_below", c.crit_below),
    ];
    for (key, value) in thresholds {
        if value.is_some_and(|v| !v.is_finite()) {
            return Err(fail(key, "must be a finite number".into()));
        }
    }
    let threshold_key = thresholds
        .iter()
        .find(|(_, v)| v.is_some())
        .map(|(k, _)| *k);
    let kinds: Vec<&'static str> = [
        threshold_key,
        c.deadman.map(|_| "deadman"),
        c.stuck.map(|_| "stuck"),
    ]
    .into_iter()
    .flatten()
    .collect();
    let condition = match kinds.as_slice() {
        [] => {
            return Err(fail(
                "warn_above",
                "the rule checks nothing: set thresholds (warn_above, crit_above, warn_below, crit_below), deadman or stuck".into(),
            ));
        }
        [_, second, ..] => {
            return Err(fail(
                second,
                format!(
                    "cannot be combined with `{}` in one rule; write two rules",
                    kinds[0]
                ),
            ));
        }
        ["deadman"] => {
            reject_keys(&c, &["hysteresis", "for", "tolerance"], &fail)?;
            let period = positive(c.deadman, "deadman", &fail)?;
            Condition::Deadman(Deadman {
                period,
                level: alert_level(c.level, Level::Crit, &fail)?,
            })
        }
        ["stuck"] => {
            reject_keys(&c, &["hysteresis", "for"], &fail)?;
            require_field(&c, &fail)?;
            let period = positive(c.stuck, "stuck", &fail)?;
            let tolerance = c.tolerance.unwrap_or(0.0);
            if !(tolerance.is_finite() && tolerance >= 0.0) {
                return Err(fail("tolerance", format!("must be ≥ 0, got {tolerance}")));
            }
            Condition::Stuck(Stuck {
                period,
                tolerance,
                level: alert_level(c.level, Level::Warn, &fail)?,
            })
        }
        _ => {
            reject_keys(&c, &["level", "tolerance"], &fail)?;
            require_field(&c, &fail)?;
            let warn = Band {
                above: c.warn_above,
                below: c.warn_below,
            };
            let crit = Band {
                above: c.crit_above,
                below: c.crit_below,
            };
            order(&warn, &crit, &fail)?;
            let hysteresis = c.hysteresis.unwrap_or(0.0);
            if !(hysteresis.is_finite() && hysteresis >= 0.0) {
                return Err(fail("hysteresis", format!("must be ≥ 0, got {hysteresis}")));
            }
            Condition::Threshold(Thresholds {
                warn,
                crit,
                hysteresis,
                for_duration: c.for_duration.map_or(Duration::ZERO, Into::into),
            })
        }
    };
    Ok(Rule {
        name: c.name,
        measurement: c.measurement,
        field: c.field,
        tags: TagFilter(c.tags),
        condition,
    })
}

/// Thresholds must nest: crit beyond warn on each side, and every "below" under every "above"
/// (otherwise some value would be both too low and too high).
fn order(
    warn: &Band,
    crit: &Band,
    fail: &impl Fn(&'static str, String) -> RuleError,
) -> Result<(), RuleError> {
    if let (Some(w), Some(c)) = (warn.above, crit.above) {
        if c <= w {
            return Err(fail(
                "crit_above",
                format!("must be greater than warn_above ({w}), got {c}"),
            ));
        }
    }
    if let (Some(w), Some(c)) = (warn.below, crit.below) {
        if c >= w {
            return Err(fail(
                "crit_below",
                format!("must be less than warn_below ({w}), got {c}"),
            ));
        }
    }
    for (below_key, below) in [("warn_below", warn.below), ("crit_below", crit.below)] {
        for (above_key, above) in [("warn_above", warn.above), ("crit_above", crit.above)] {
            if let (Some(b), Some(a)) = (below, above) {
                if b >= a {
                    return Err(fail(
                        below_key,
                        format!("must be less than {above_key} ({a}), got {b}"),
                    ));
                }
            }
        }
    }
    debug_assert!(!(warn.is_empty() && crit.is_empty()));
    Ok(())
}

fn reject_keys(
    c: &RuleConfig,
    keys: &[&'static str],
    fail: &impl Fn(&'static str, String) -> RuleError,
) -> Result<(), RuleError> {
    let kind = if c.deadman.is_some() {
        "deadman"
    } else if c.stuck.is_some() {
        "stuck"
    } else {
        "threshold"
    };
    for &key in keys {
        let set = match key {
            "hysteresis" => c.hysteresis.is_some(),
            "for" => c.for_duration.is_some(),
            "tolerance" => c.tolerance.is_some(),
            "level" => c.level.is_some(),
            _ => false,
        };
        if set {
            let why = match key {
                "level" => "threshold rules take their level from warn_*/crit_*",
                "tolerance" => "it belongs to stuck rules",
                _ => "it belongs to threshold rules",
            };
            return Err(fail(key, format!("not allowed in a {kind} rule: {why}")));
        }
    }
    Ok(())
}

fn require_field(
    c: &RuleConfig,
    fail: &impl Fn(&'static str, String) -> RuleError,
) -> Result<(), RuleError> {
    match c.field {
        Some(_) => Ok(()),
        None => Err(fail(
            "field",
            "is required: the field whose value is checked".into(),
        )),
    }
}

fn positive(
    d: Option<GoDuration>,
    key: &'static str,
    fail: &impl Fn(&'static str, String) -> RuleError,
) -> Result<Duration, RuleError> {
    let d: Duration = d.map_or(Duration::ZERO, Into::into);
    if d.is_zero() {
        return Err(fail(key, "must be a duration longer than 0s".into()));
    }
    Ok(d)
}

fn alert_level(
    level: Option<Level>,
    default: Level,
    fail: &impl Fn(&'static str, String) -> RuleError,
) -> Result<Level, RuleError> {
    match level.unwrap_or(default) {
        Level::Ok => Err(fail("level", "must be \"warn\" or \"crit\"".into())),
        l => Ok(l),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(toml_text: &str) -> Result<Rule, RuleError> {
        let config: RuleConfig = toml::from_str(toml_text).expect("valid TOML");
        RuleSet::new(vec![config]).map(|s| s.0.into_iter().next().unwrap())
    }

    fn error(toml_text: &str) -> String {
        rule(toml_text).unwrap_err().to_string()
    }

    const HEAD: &str = "name = \"r\"\nmeasurement = \"weather\"\n";

    #[test]
    fn threshold_rule_in_both_directions() {
        let r = rule(&format!(
            "{HEAD}field = \"temperature\"\nwarn_above = 35\ncrit_above = 40.0\nwarn_below = -10\ncrit_below = -20\nhysteresis = 0.5\nfor = \"5m\"\n"
        ))
        .unwrap();
        let Condition::Threshold(t) = r.condition else {
            panic!("{r:?}")
        };
        assert_eq!(t.limit(Level::Warn, Direction::Above), Some(35.0));
        assert_eq!(t.limit(Level::Crit, Direction::Below), Some(-20.0));
        assert_eq!(t.hysteresis, 0.5);
        assert_eq!(t.for_duration, Duration::from_secs(300));
        assert!(r.tags.is_empty());
    }

    #[test]
    fn deadman_and_stuck_rules_with_defaults() {
        let d = rule(&format!("{HEAD}deadman = \"90s\"\n")).unwrap();
        assert_eq!(
            d.condition,
            Condition::Deadman(Deadman {
                period: Duration::from_secs(90),
                level: Level::Crit
            })
        );
        assert_eq!(d.field, None);
        let s = rule(&format!(
            "{HEAD}field = \"humidity\"\nstuck = \"6h\"\ntags = {{ station = [\"paris\"] }}\n"
        ))
        .unwrap();
        assert_eq!(
            s.condition,
            Condition::Stuck(Stuck {
                period: Duration::from_secs(6 * 3600),
                tolerance: 0.0,
                level: Level::Warn
            })
        );
        assert!(s.tags.matches([("station", "paris")]));
    }

    #[test]
    fn errors_name_rule_and_key() {
        let cases = [
            (
                "measurement = \"w\"\nfield = \"t\"\nwarn_above = 1",
                "rule `#1`: `name`: is required",
            ),
            (
                "name = \"r\"\nfield = \"t\"\nwarn_above = 1",
                "rule `r`: `measurement`: is required",
            ),
            (
                "name = \"r\"\nmeasurement = \"w\"\nwarn_above = 1",
                "rule `r`: `field`: is required: the field whose value is checked",
            ),
            (
                "name = \"r\"\nmeasurement = \"w\"\nfield = \"t\"",
                "rule `r`: `warn_above`: the rule checks nothing",
            ),
            (
                "name = \"r\"\nmeasurement = \"w\"\nfield = \"t\"\nwarn_below = 1\ncrit_below = 2",
                "rule `r`: `crit_below`: must be less than warn_below (1), got 2",
            ),
            (
                "name = \"r\"\nmeasurement = \"w\"\nfield = \"t\"\nwarn_below = 50\nwarn_above = 40",
                "rule `r`: `warn_below`: must be less than warn_above (40), got 50",
            ),
            (
                "name = \"r\"\nmeasurement = \"w\"\nfield = \"t\"\nwarn_above = 1\nhysteresis = -1",
                "rule `r`: `hysteresis`: must be ≥ 0, got -1",
            ),
            (
                "name = \"r\"\nmeasurement = \"w\"\nfield = \"t\"\nwarn_above = nan",
                "rule `r`: `warn_above`: must be a finite number",
            ),
            (
                "name = \"r\"\nmeasurement = \"w\"\nwarn_above = 1\ndeadman = \"1m\"",
                "rule `r`: `deadman`: cannot be combined with `warn_above` in one rule",
            ),
            (
                "name = \"r\"\nmeasurement = \"w\"\ndeadman = \"0s\"",
                "rule `r`: `deadman`: must be a duration longer than 0s",
            ),
            (
                "name = \"r\"\nmeasurement = \"w\"\ndeadman = \"1m\"\nfor = \"1m\"",
                "rule `r`: `for`: not allowed in a deadman rule",
            ),
            (
                "name = \"r\"\nmeasurement = \"w\"\ndeadman = \"1m\"\nlevel = \"ok\"",
                "rule `r`: `level`: must be \"warn\" or \"crit\"",
            ),
            (
                "name = \"r\"\nmeasurement = \"w\"\nfield = \"t\"\nwarn_above = 1\nlevel = \"crit\"",
                "rule `r`: `level`: not allowed in a threshold rule",
            ),
            (
                "name = \"r\"\nmeasurement = \"w\"\nfield = \"h\"\nstuck = \"1h\"\ntolerance = -0.1",
                "rule `r`: `tolerance`: must be ≥ 0",
            ),
            (
                "name = \"r\"\nmeasurement = \"w\"\ndeadman = \"1m\"\ntags = { station = [] }",
                "rule `r`: `tags`: tag `station` lists no value",
            ),
        ];
        for (text, expected) in cases {
            let e = error(text);
            assert!(
                e.starts_with(expected),
                "{text:?}\n got: {e}\nwant: {expected}"
            );
        }
    }

    #[test]
    fn unknown_keys_and_bad_types_are_serde_errors() {
        assert!(
            toml::from_str::<RuleConfig>("name = \"r\"\nwarn_abve = 1")
                .unwrap_err()
                .to_string()
                .contains("unknown field `warn_abve`")
        );
        assert!(toml::from_str::<RuleConfig>("name = \"r\"\nlevel = \"major\"").is_err());
        assert!(toml::from_str::<RuleConfig>("name = \"r\"\nfor = \"5\"").is_err());
    }
}
