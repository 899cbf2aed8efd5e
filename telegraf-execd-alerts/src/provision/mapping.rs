//! Rules → InfluxDB 2 objects: each rule becomes threshold or deadman checks over the bucket,
//! plus one HTTP endpoint and one notification rule for all of them.
//!
//! | rule | InfluxDB 2 |
//! |---|---|
//! | threshold, one direction | one threshold check named after the rule: `greater` (above) or `lesser` (below) per level, WARN and CRIT |
//! | threshold, both directions | two checks, `NAME (above)` and `NAME (below)` (a check holds one threshold per level) |
//! | `for = D` | the check runs `every: D` over the last `D`, on the window's `min` (above) or `max` (below): the level is raised when every point of the window is beyond the threshold |
//! | no `for` | `every` = the `-every` option; the window's `max` (above) or `min` (below): any point beyond the threshold |
//! | tag filter | `filter(fn: (r) => r["k"] == "v1" or r["k"] == "v2")` per key |
//! | `hysteresis` | not expressible in a check: left out, said in the check's description and in an `I!` line |
//! | deadman `D` | a deadman check, `timeSince: D`, `staleTime: 10 × D`, level WARN or CRIT |
//! | stuck `D`, `tolerance` | a threshold check every `D` on the window's `spread`: level when `spread < tolerance + 1e-9` |
//!
//! Every check carries the status tags `source = telegraf-execd-alerts` and `rule = NAME`; the
//! notification rule matches `source` and notifies each change to CRIT, WARN or OK.

use std::fmt::Write as _;
use std::time::Duration;

use influxdb_http::alerting::{
    AlertSetup, Check, CheckBase, CheckLevel, DashboardQuery, DeadmanCheck, HttpEndpoint, HttpRule,
    NotificationEndpoint, NotificationRule, RuleLevel, StatusRule, StatusTag, TagRule, Threshold,
    ThresholdCheck,
};

use crate::rules::{Condition, Direction, Level, Rule, RuleSet, Thresholds};

/// The value of the `source` status tag on every provisioned check.
pub const SOURCE_TAG: &str = "telegraf-execd-alerts";

/// Where the checks read and where notifications go.
///
/// ```
/// use telegraf_execd_alerts::provision::MappingOptions;
/// let o = MappingOptions::new("weather", "http://hook:8080/alerts");
/// assert_eq!(o.every, std::time::Duration::from_secs(60));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct MappingOptions {
    /// The bucket the checks query.
    pub bucket: String,
    /// Check interval of rules without `for`, and of deadman checks and the notification rule.
    pub every: Duration,
    /// Name of the HTTP notification endpoint.
    pub endpoint_name: String,
    /// Its URL (InfluxDB POSTs each status change there as JSON).
    pub endpoint_url: String,
    /// Name of the notification rule.
    pub rule_name: String,
}

impl MappingOptions {
    /// Defaults: every 1 m, endpoint and notification rule named after the program.
    ///
    /// ```
    /// let o = telegraf_execd_alerts::provision::MappingOptions::new("weather", "http://h/");
    /// assert_eq!(o.endpoint_name, "telegraf-execd-alerts");
    /// ```
    pub fn new(bucket: impl Into<String>, endpoint_url: impl Into<String>) -> Self {
        Self {
            bucket: bucket.into(),
            every: Duration::from_secs(60),
            endpoint_name: SOURCE_TAG.to_owned(),
            endpoint_url: endpoint_url.into(),
            rule_name: format!("{SOURCE_TAG}: level changes"),
        }
    }
}

/// The InfluxDB 2 objects for a rule set, and notes on what could not be carried over.
///
/// ```
/// use telegraf_execd_alerts::AlertsConfig;
/// use telegraf_execd_alerts::provision::{map_rules, MappingOptions};
/// let mapped = map_rules(&AlertsConfig::shipped().rules, &MappingOptions::new("weather", "http://h/"));
/// assert_eq!(mapped.setup.checks.len(), 6);
/// assert_eq!(mapped.setup.rules.len(), 1);
/// assert!(mapped.notes.iter().any(|n| n.contains("hysteresis")));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Mapped {
    /// Endpoint, checks and notification rule.
    pub setup: AlertSetup,
    /// One sentence per rule feature InfluxDB checks cannot express.
    pub notes: Vec<String>,
}

/// Maps every rule; see the [module table](self) for how.
///
/// ```
/// use telegraf_execd_alerts::AlertsConfig;
/// use telegraf_execd_alerts::provision::{map_rules, MappingOptions};
/// use influxdb_http::alerting::Check;
/// let mapped = map_rules(&AlertsConfig::shipped().rules, &MappingOptions::new("weather", "http://h/"));
/// let Check::Threshold(high) = &mapped.setup.checks[0] else { panic!() };
/// assert_eq!(high.base.name, "temperature_high");
/// assert_eq!(high.base.every, "5m");
/// ```
pub fn map_rules(rules: &RuleSet, options: &MappingOptions) -> Mapped {
    let mut checks = Vec::new();
    let mut notes = Vec::new();
    for rule in rules.iter() {
        match &rule.condition {
            Condition::Threshold(t) => {
                let directions: Vec<Direction> = [Direction::Above, Direction::Below]
                    .into_iter()
                    .filter(|d| {
                        t.limit(Level::Warn, *d)
                            .or(t.limit(Level::Crit, *d))
                            .is_some()
                    })
                    .collect();
                for &direction in &directions {
                    let name = match directions.len() {
                        1 => rule.name.clone(),
                        _ => format!("{} ({})", rule.name, direction.as_str()),
                    };
                    checks.push(threshold_check(rule, t, direction, name, options));
                }
                if t.hysteresis > 0.0 {
                    notes.push(format!(
                        "rule `{}`: hysteresis {} is not provisioned (InfluxDB checks have none); the check's level follows each window",
                        rule.name, t.hysteresis
                    ));
                }
            }
            Condition::Deadman(d) => {
                let mut base = base(rule, rule.name.clone(), options.every, options, None);
                base.description = Some(format!(
                    "{}: no data from a series for {}",
                    provenance(rule),
                    flux_duration(d.period)
                ));
                checks.push(Check::Deadman(DeadmanCheck {
                    base,
                    time_since: flux_duration(d.period),
                    stale_time: flux_duration(d.period * 10),
                    report_zero: false,
                    level: check_level(d.level),
                }));
            }
            Condition::Stuck(s) => {
                let mut base = base(rule, rule.name.clone(), s.period, options, Some("spread"));
                base.description = Some(format!(
                    "{}: the value moves less than {} within {}",
                    provenance(rule),
                    s.tolerance,
                    flux_duration(s.period)
                ));
                // `spread < tolerance + ε` is `spread <= tolerance` for a check's strict `lesser`.
                let value = s.tolerance + 1e-9;
                checks.push(Check::Threshold(ThresholdCheck {
                    base,
                    thresholds: vec![Threshold::Lesser {
                        level: check_level(s.level),
                        value,
                        all_values: false,
                    }],
                }));
            }
        }
    }
    let endpoint = NotificationEndpoint::Http(HttpEndpoint {
        description: Some(format!("Status changes of the {SOURCE_TAG} checks")),
        ..HttpEndpoint::post(&options.endpoint_name, &options.endpoint_url)
    });
    let changes = [RuleLevel::Crit, RuleLevel::Warn, RuleLevel::Ok]
        .map(|to| StatusRule::change(RuleLevel::Any, to))
        .to_vec();
    let mut rule = HttpRule::new(
        &options.rule_name,
        flux_duration(options.every),
        vec![TagRule::equal("source", SOURCE_TAG)],
        changes,
    );
    rule.description = Some(format!(
        "Every level change (to crit, warn or ok) of the {SOURCE_TAG} checks"
    ));
    Mapped {
        setup: AlertSetup {
            endpoint,
            checks,
            rules: vec![NotificationRule::Http(rule)],
            owner_tag: Some(StatusTag::new("source", SOURCE_TAG)),
        },
        notes,
    }
}

fn threshold_check(
    rule: &Rule,
    t: &Thresholds,
    direction: Direction,
    name: String,
    options: &MappingOptions,
) -> Check {
    let held = !t.for_duration.is_zero();
    // With `for`, the level needs every point of the window beyond the threshold.
    let aggregate = match (direction, held) {
        (Direction::Above, true) | (Direction::Below, false) => "min",
        (Direction::Above, false) | (Direction::Below, true) => "max",
    };
    let every = if held { t.for_duration } else { options.every };
    let mut base = base(rule, name, every, options, Some(aggregate));
    let mut description = provenance(rule);
    let mut thresholds = Vec::new();
    for level in [Level::Warn, Level::Crit] {
        let Some(value) = t.limit(level, direction) else {
            continue;
        };
        let _ = write!(
            description,
            "; {} {} {value}",
            level.as_str(),
            direction.as_str()
        );
        let level = check_level(level);
        thresholds.push(match direction {
            Direction::Above => Threshold::Greater {
                level,
                value,
                all_values: false,
            },
            Direction::Below => Threshold::Lesser {
                level,
                value,
                all_values: false,
            },
        });
    }
    if held {
        let _ = write!(description, " for {}", flux_duration(t.for_duration));
    }
    base.description = Some(description);
    Check::Threshold(ThresholdCheck { base, thresholds })
}

/// The common check fields: query over the rule's measurement, field and tags.
fn base(
    rule: &Rule,
    name: String,
    every: Duration,
    options: &MappingOptions,
    aggregate: Option<&str>,
) -> CheckBase {
    let every = flux_duration(every);
    let query = flux_query(rule, &options.bucket, &every, aggregate);
    let mut base = CheckBase::new(name, DashboardQuery::flux(query), every);
    base.tags = vec![
        StatusTag::new("source", SOURCE_TAG),
        StatusTag::new("rule", &rule.name),
    ];
    base.status_message_template = message_template(rule);
    base
}

fn provenance(rule: &Rule) -> String {
    format!("{SOURCE_TAG} rule `{}`", rule.name)
}

/// The check's Flux: the bucket, the last `every`, the rule's measurement, field and tags.
///
/// InfluxDB replaces `range(start:)` with `-every` and `aggregateWindow(every:)` with the
/// check's `every` anyway; writing them the same keeps the query readable as it runs.
fn flux_query(rule: &Rule, bucket: &str, every: &str, aggregate: Option<&str>) -> String {
    let mut q = format!(
        "from(bucket: {})\n  |> range(start: -{every})\n",
        flux_string(bucket)
    );
    let _ = writeln!(
        q,
        "  |> filter(fn: (r) => r[\"_measurement\"] == {})",
        flux_string(&rule.measurement)
    );
    if let Some(field) = &rule.field {
        let _ = writeln!(
            q,
            "  |> filter(fn: (r) => r[\"_field\"] == {})",
            flux_string(field)
        );
    }
    for (key, values) in rule.tags.iter() {
        let key = flux_string(key);
        let any: Vec<String> = values
            .iter()
            .map(|v| format!("r[{key}] == {}", flux_string(v)))
            .collect();
        let _ = writeln!(q, "  |> filter(fn: (r) => {})", any.join(" or "));
    }
    if let Some(fun) = aggregate {
        let _ = writeln!(
            q,
            "  |> aggregateWindow(every: {every}, fn: {fun}, createEmpty: false)"
        );
    }
    q.push_str("  |> yield(name: \"check\")");
    q
}

/// `${ r._check_name } is ${ r._level }…`, with the value when the field is a plain identifier
/// (the template is a Flux string, so `r["odd name"]` cannot appear in it).
fn message_template(rule: &Rule) -> String {
    let mut template = "${ r._check_name } is ${ r._level }".to_owned();
    if let Some(field) = &rule.field {
        let plain = field
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'_')
            && field.bytes().next().is_some_and(|c| !c.is_ascii_digit());
        if plain {
            let _ = write!(template, ": {field} = ${{ string(v: r.{field}) }}");
        }
    }
    template
}

fn check_level(level: Level) -> CheckLevel {
    match level {
        Level::Ok => CheckLevel::Ok,
        Level::Warn => CheckLevel::Warn,
        Level::Crit => CheckLevel::Crit,
    }
}

/// A Flux string literal: quotes, backslashes and `${` (interpolation) escaped.
///
/// ```
/// use telegraf_execd_alerts::provision::flux_string;
/// assert_eq!(flux_string(r#"a"b\c${d}"#), r#""a\"b\\c\${d}""#);
/// ```
pub fn flux_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '$' => out.push_str("\\$"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A Flux duration literal in the largest whole units (`5m`, `1h30m`, `90s` → `1m30s`).
///
/// ```
/// use std::time::Duration;
/// use telegraf_execd_alerts::provision::flux_duration;
/// assert_eq!(flux_duration(Duration::from_secs(300)), "5m");
/// assert_eq!(flux_duration(Duration::from_secs(5400)), "1h30m");
/// assert_eq!(flux_duration(Duration::from_millis(1500)), "1s500ms");
/// assert_eq!(flux_duration(Duration::ZERO), "0s");
/// ```
pub fn flux_duration(d: Duration) -> String {
    const UNITS: [(&str, u128); 6] = [
        ("d", 86_400_000_000_000),
        ("h", 3_600_000_000_000),
        ("m", 60_000_000_000),
        ("s", 1_000_000_000),
        ("ms", 1_000_000),
        ("ns", 1),
    ];
    let mut rest = d.as_nanos();
    if rest == 0 {
        return "0s".to_owned();
    }
    let mut out = String::new();
    for (unit, size) in UNITS {
        if rest >= size {
            let _ = write!(out, "{}{unit}", rest / size);
            rest %= size;
        }
    }
    out
}

#[cfg(test)]
#[path = "mapping_tests.rs"]
mod tests;
