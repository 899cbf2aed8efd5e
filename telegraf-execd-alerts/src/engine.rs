//! The alert engine: metrics in, alert metrics out, state per series.
//!
//! A series is a measurement plus its tag set (in any order). The engine keeps, per series
//! seen, its tags and one state per rule of its measurement, and writes an alert line only when
//! a state changes level. Every decision uses the metrics' own timestamps ("metric time"),
//! never the wall clock, so the same input always gives the same alerts:
//!
//! - a metric without a timestamp is taken to be at the latest metric time seen so far;
//! - metrics are evaluated in arrival order; a timestamp older than the series' last one is
//!   evaluated as it is (durations never go negative);
//! - **deadman**: Telegraf hands a processor metrics, never ticks, so silence can only be seen
//!   when other metrics arrive. Each deadman rule follows its metric time (the latest timestamp
//!   among the series it watches); when that passes a series' last timestamp plus the period,
//!   the series is declared dead, and the alert follows the metric that moved the time (it
//!   carries that metric's timestamp). If every series falls silent at once, nothing can be
//!   decided until data flows again: use InfluxDB's deadman check (`provision`) for that case.
//!   A series never seen cannot be missed.
//!
//! Memory is bounded by `max_series`: a series first seen beyond it is not watched (one `W!`).
//!
//! ```
//! use telegraf_execd_alerts::{AlertsConfig, Engine};
//!
//! let config = AlertsConfig::from_toml(r#"
//! [[processors.alerts]]
//!   [[processors.alerts.rule]]
//!     name = "heat"
//!     measurement = "weather"
//!     field = "temperature"
//!     warn_above = 35.0
//! "#, "a.toml").unwrap();
//! let mut engine = Engine::new(&config);
//! let mut out = Vec::new();
//! for (t, ts) in [(30.0, 1), (36.0, 2), (37.0, 3)] {
//!     let line = format!("weather,station=paris temperature={t} {ts}");
//!     engine.observe(&line_protocol::parse_point(line.as_bytes(), Default::default()).unwrap(), &mut out);
//! }
//! assert_eq!(String::from_utf8(out).unwrap(),
//!     "weather_alert,level=warn,previous_level=ok,rule=heat,station=paris \
//!      value=36.0,threshold=35.0,message=\"temperature is 36, above the warn threshold 35 (station=paris)\" 2\n");
//! ```

use std::hash::{BuildHasher, Hasher};

use line_protocol::{FieldValue, Point};
use rustc_hash::{FxBuildHasher, FxHashMap};

use crate::alert::{Alert, AlertWriter, Detail};
use crate::config::AlertsConfig;
use crate::rules::{Condition, Rule};
use crate::state::{Change, DeadmanState, StuckState, ThresholdState};

/// The alert engine; see the module docs.
#[derive(Debug)]
pub struct Engine {
    rules: Vec<Rule>,
    groups: Vec<Group>,
    max_series: usize,
    series: usize,
    refused: u64,
    /// Latest metric time seen (for metrics without a timestamp).
    clock: i64,
    writer: AlertWriter,
}

/// The rules of one measurement and the series seen for it.
#[derive(Debug)]
struct Group {
    measurement: String,
    /// Indices into `Engine::rules`; a series' slots follow this order.
    rules: Vec<usize>,
    series: FxHashMap<u64, Series>,
    /// Per rule of the group: deadman metric time and the earliest deadline to check.
    clocks: Vec<DeadmanClock>,
    /// Per rule of the group: where its field was in the last metric (metrics of one
    /// measurement usually keep their field order, so this is nearly always a hit).
    field_hints: Vec<usize>,
}

#[derive(Debug, Clone, Copy, Default)]
struct DeadmanClock {
    now: i64,
    next_check: i64,
}

/// A series' tags, sorted by key, then value.
type SeriesTags = [(Box<str>, Box<str>)];

#[derive(Debug)]
struct Series {
    tags: Box<SeriesTags>,
    slots: Box<[Slot]>,
}

#[derive(Debug)]
enum Slot {
    /// The rule's tag filter excludes this series.
    Unwatched,
    /// Watched, no value seen yet.
    Fresh,
    Threshold(ThresholdState),
    Stuck(StuckState),
    Deadman(DeadmanState),
}

impl Engine {
    /// An engine for `config`'s rules.
    ///
    /// ```
    /// let e = telegraf_execd_alerts::Engine::new(&telegraf_execd_alerts::AlertsConfig::shipped());
    /// assert_eq!(e.series(), 0);
    /// ```
    pub fn new(config: &AlertsConfig) -> Engine {
        let rules: Vec<Rule> = config.rules.iter().cloned().collect();
        let mut groups: Vec<Group> = Vec::new();
        for (i, rule) in rules.iter().enumerate() {
            let group = match groups
                .iter_mut()
                .position(|g| g.measurement == rule.measurement)
            {
                Some(g) => &mut groups[g],
                None => {
                    groups.push(Group {
                        measurement: rule.measurement.clone(),
                        rules: Vec::new(),
                        series: FxHashMap::default(),
                        clocks: Vec::new(),
                        field_hints: Vec::new(),
                    });
                    groups.last_mut().unwrap_or_else(|| unreachable!())
                }
            };
            group.rules.push(i);
            group.field_hints.push(0);
            group.clocks.push(DeadmanClock {
                now: i64::MIN,
                next_check: i64::MIN,
            });
        }
        Engine {
            rules,
            groups,
            max_series: config.max_series,
            series: 0,
            refused: 0,
            clock: i64::MIN,
            writer: AlertWriter::new(&config.alert_measurement),
        }
    }

    /// Series currently tracked.
    ///
    /// ```
    /// let e = telegraf_execd_alerts::Engine::new(&telegraf_execd_alerts::AlertsConfig::shipped());
    /// assert_eq!(e.series(), 0);
    /// ```
    pub fn series(&self) -> usize {
        self.series
    }

    /// Series not watched because `max_series` was reached (counted once per metric).
    ///
    /// ```
    /// let e = telegraf_execd_alerts::Engine::new(&telegraf_execd_alerts::AlertsConfig::shipped());
    /// assert_eq!(e.refused(), 0);
    /// ```
    pub fn refused(&self) -> u64 {
        self.refused
    }

    /// Alert lines written so far.
    ///
    /// ```
    /// let e = telegraf_execd_alerts::Engine::new(&telegraf_execd_alerts::AlertsConfig::shipped());
    /// assert_eq!(e.alerts(), 0);
    /// ```
    pub fn alerts(&self) -> u64 {
        self.writer.written()
    }

    /// Evaluates one metric and appends the alert lines it causes to `out` (usually none).
    /// Allocates only for a new series and for alerts.
    ///
    /// ```
    /// let mut e = telegraf_execd_alerts::Engine::new(&telegraf_execd_alerts::AlertsConfig::shipped());
    /// let p = line_protocol::parse_point(b"weather,station=x temperature=20 1", Default::default()).unwrap();
    /// let mut out = Vec::new();
    /// e.observe(&p, &mut out);
    /// assert!(out.is_empty());
    /// assert_eq!(e.series(), 1);
    /// ```
    pub fn observe(&mut self, point: &Point<'_>, out: &mut Vec<u8>) {
        let at = match point.timestamp {
            Some(ts) => {
                self.clock = self.clock.max(ts);
                ts
            }
            None => self.clock.max(0),
        };
        let Some(g) = self
            .groups
            .iter()
            .position(|g| g.measurement == point.measurement)
        else {
            return;
        };
        let key = series_hash(point);
        let group = &mut self.groups[g];
        let known = group.series.get(&key).map(|s| same_tags(&s.tags, point));
        match known {
            Some(true) => {}
            Some(false) => {
                // Two tag sets with one 64-bit hash: keep the first, say so once.
                self.refused += 1;
                if self.refused == 1 {
                    log::warn!(
                        "series {} shares its hash with another one and is not watched",
                        describe(point)
                    );
                }
                return;
            }
            None => {
                if self.series >= self.max_series {
                    self.refused += 1;
                    if self.refused == 1 {
                        log::warn!(
                            "max_series ({}) reached: series {} and any further new series are not watched; raise max_series",
                            self.max_series,
                            describe(point)
                        );
                    }
                    return;
                }
                let mut tags: Vec<(Box<str>, Box<str>)> = point
                    .tags
                    .iter()
                    .map(|t| (t.key.as_ref().into(), t.value.as_ref().into()))
                    .collect();
                tags.sort();
                let slots = group
                    .rules
                    .iter()
                    .map(|&r| {
                        let pass = self.rules[r].tags.matches(
                            point
                                .tags
                                .iter()
                                .map(|t| (t.key.as_ref(), t.value.as_ref())),
                        );
                        if pass { Slot::Fresh } else { Slot::Unwatched }
                    })
                    .collect();
                group.series.insert(
                    key,
                    Series {
                        tags: tags.into_boxed_slice(),
                        slots,
                    },
                );
                self.series += 1;
            }
        }
        let Group {
            rules: group_rules,
            series,
            clocks,
            field_hints,
            ..
        } = group;
        let Some(this) = series.get_mut(&key) else {
            return;
        };
        let mut deadman_due = false;
        for (i, slot) in this.slots.iter_mut().enumerate() {
            if matches!(slot, Slot::Unwatched) {
                continue;
            }
            let rule = &self.rules[group_rules[i]];
            let value = match &rule.field {
                Some(name) => match find_field(point, name, &mut field_hints[i]) {
                    Some(v) => numeric(v),
                    None => continue,
                },
                None => None,
            };
            let emit = |detail: Detail, out: &mut Vec<u8>, writer: &AlertWriter| {
                writer.write(
                    &Alert {
                        rule,
                        tags: &this_tags(point),
                        detail,
                        timestamp: point.timestamp,
                    },
                    out,
                );
            };
            match (&rule.condition, slot) {
                (Condition::Threshold(t), slot) => {
                    let Some(v) = value else { continue };
                    if let Slot::Fresh = slot {
                        *slot = Slot::Threshold(ThresholdState::default());
                    }
                    if let Slot::Threshold(state) = slot {
                        if let Some(change) = state.observe(t, v, at) {
                            emit(Detail::Threshold { change, value: v }, out, &self.writer);
                        }
                    }
                }
                (Condition::Stuck(s), slot) => {
                    let Some(v) = value else { continue };
                    match slot {
                        Slot::Fresh => *slot = Slot::Stuck(StuckState::new(v, at)),
                        Slot::Stuck(state) => {
                            if let Some(change) = state.observe(s, v, at) {
                                let run = state.run_length(at);
                                emit(
                                    Detail::Stuck {
                                        change,
                                        value: v,
                                        period: s.period,
                                        run,
                                    },
                                    out,
                                    &self.writer,
                                );
                            }
                        }
                        _ => {}
                    }
                }
                (Condition::Deadman(d), slot) => {
                    match slot {
                        Slot::Fresh => *slot = Slot::Deadman(DeadmanState::new(at)),
                        Slot::Deadman(state) => {
                            if let Some((change, silence)) = state.seen(at) {
                                emit(
                                    Detail::Deadman {
                                        change,
                                        silence,
                                        period: d.period,
                                    },
                                    out,
                                    &self.writer,
                                );
                            }
                        }
                        _ => {}
                    }
                    let clock = &mut clocks[i];
                    clock.now = clock.now.max(at);
                    deadman_due |= clock.now > clock.next_check;
                }
            }
        }
        if deadman_due {
            self.check_deadmen(g, point.timestamp, out);
        }
    }

    /// Declares dead every series of group `g` whose deadman period has passed in its rule's
    /// metric time, and sets each rule's next check to its earliest remaining deadline.
    fn check_deadmen(&mut self, g: usize, timestamp: Option<i64>, out: &mut Vec<u8>) {
        let Group {
            rules,
            series,
            clocks,
            ..
        } = &mut self.groups[g];
        for (i, &r) in rules.iter().enumerate() {
            let rule = &self.rules[r];
            let Condition::Deadman(d) = &rule.condition else {
                continue;
            };
            let clock = &mut clocks[i];
            if clock.now <= clock.next_check {
                continue;
            }
            let mut next = i64::MAX;
            // Sorted by tags so that several deaths at once come out in a reproducible order.
            let mut dead: Vec<(&SeriesTags, i64, Change)> = Vec::new();
            for s in series.values_mut() {
                let Slot::Deadman(state) = &mut s.slots[i] else {
                    continue;
                };
                if let Some((change, silence)) = state.check(d, clock.now) {
                    dead.push((&s.tags, silence, change));
                } else if let Some(deadline) = state.deadline(d) {
                    next = next.min(deadline);
                }
            }
            clock.next_check = next;
            dead.sort_by(|a, b| a.0.cmp(b.0));
            for (tags, silence, change) in dead {
                let tags: Vec<(&str, &str)> =
                    tags.iter().map(|(k, v)| (k.as_ref(), v.as_ref())).collect();
                self.writer.write(
                    &Alert {
                        rule,
                        tags: &tags,
                        detail: Detail::Deadman {
                            change,
                            silence,
                            period: d.period,
                        },
                        timestamp,
                    },
                    out,
                );
            }
        }
    }
}

/// The point's tags as borrowed pairs (only built when an alert is written).
fn this_tags<'p>(point: &'p Point<'_>) -> Vec<(&'p str, &'p str)> {
    let mut tags: Vec<(&str, &str)> = point
        .tags
        .iter()
        .map(|t| (t.key.as_ref(), t.value.as_ref()))
        .collect();
    tags.sort();
    tags
}

/// The value of field `name`, looked up first where it was last time (`hint`).
fn find_field<'p>(
    point: &'p Point<'_>,
    name: &str,
    hint: &mut usize,
) -> Option<&'p FieldValue<'p>> {
    if let Some(f) = point.fields.get(*hint).filter(|f| f.key == name) {
        return Some(&f.value);
    }
    let at = point.fields.iter().position(|f| f.key == name)?;
    *hint = at;
    Some(&point.fields[at].value)
}

/// A numeric field value as f64; strings and booleans are not checked.
fn numeric(value: &FieldValue<'_>) -> Option<f64> {
    match *value {
        FieldValue::Float(f) => Some(f),
        FieldValue::Integer(i) => Some(i as f64),
        FieldValue::UInteger(u) => Some(u as f64),
        FieldValue::String(_) | FieldValue::Boolean(_) => None,
    }
}

/// Hash of the tag set, independent of tag order (the measurement is the group's).
fn series_hash(point: &Point<'_>) -> u64 {
    let mut sum: u64 = 0;
    for tag in &point.tags {
        let mut h = FxBuildHasher.build_hasher();
        h.write(tag.key.as_bytes());
        h.write_u8(0xff);
        h.write(tag.value.as_bytes());
        // Mix each tag's hash before adding, so that sums of different tag sets do not collide
        // along FxHash's linear structure.
        sum = sum.wrapping_add(mix(h.finish()));
    }
    mix(sum ^ point.tags.len() as u64)
}

/// splitmix64's finaliser.
fn mix(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// True when the point's tags are exactly `sorted` (in any order). Allocation-free.
fn same_tags(sorted: &SeriesTags, point: &Point<'_>) -> bool {
    if sorted.len() != point.tags.len() {
        return false;
    }
    // Telegraf writes tags sorted by key: then they pair up in order.
    let in_order = sorted
        .iter()
        .zip(&point.tags)
        .all(|((k, v), t)| **k == *t.key && **v == *t.value);
    in_order
        || point.tags.iter().all(|t| {
            sorted
                .binary_search_by(|(k, v)| {
                    (k.as_ref(), v.as_ref()).cmp(&(t.key.as_ref(), t.value.as_ref()))
                })
                .is_ok()
        })
}

fn describe(point: &Point<'_>) -> String {
    let mut s = point.measurement.to_string();
    for (k, v) in this_tags(point) {
        s.push(',');
        s.push_str(k);
        s.push('=');
        s.push_str(v);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use line_protocol::parse_point;

    fn engine(rules: &str, max_series: usize) -> Engine {
        let text = format!("[[processors.alerts]]\nmax_series = {max_series}\n{rules}");
        Engine::new(&AlertsConfig::from_toml(&text, "t.toml").unwrap())
    }

    fn feed(e: &mut Engine, lines: &str) -> String {
        let mut out = Vec::new();
        for line in lines.lines() {
            let p = parse_point(line.as_bytes(), Default::default()).unwrap();
            e.observe(&p, &mut out);
        }
        String::from_utf8(out).unwrap()
    }

    const HEAT: &str = "[[processors.alerts.rule]]\nname = \"heat\"\nmeasurement = \"weather\"\nfield = \"temperature\"\nwarn_above = 35.0\ncrit_above = 40.0\ntags = { station = [\"paris\", \"tokyo\"] }\n";
    const SILENT: &str = "[[processors.alerts.rule]]\nname = \"silent\"\nmeasurement = \"weather\"\ndeadman = \"5m\"\n";

    #[test]
    fn series_are_told_apart_by_tag_set_in_any_order() {
        let mut e = engine(HEAT, 100);
        let out = feed(
            &mut e,
            "weather,station=paris,city=Paris temperature=36 1\n\
             weather,city=Paris,station=paris temperature=37 2\n\
             weather,station=tokyo temperature=36i 3\n\
             weather,station=lyon temperature=50 4\n\
             other,station=paris temperature=50 5\n",
        );
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2, "{out}");
        assert!(lines[0].starts_with("weather_alert,city=Paris,level=warn,previous_level=ok,rule=heat,station=paris value=36.0,threshold=35.0,"), "{out}");
        assert!(lines[0].ends_with(" 1"), "{out}");
        assert!(
            lines[1].starts_with(
                "weather_alert,level=warn,previous_level=ok,rule=heat,station=tokyo value=36.0,"
            ),
            "{out}"
        );
        assert_eq!(
            e.series(),
            3,
            "lyon is a series (unwatched by heat), `other` has no rule"
        );
    }

    #[test]
    fn deadman_fires_in_metric_time_when_others_move_it() {
        let mut e = engine(SILENT, 100);
        let mut input = String::new();
        for minute in 0..10i64 {
            let ts = minute * 60_000_000_000;
            input.push_str(&format!("weather,station=a t=1 {ts}\n"));
            if !(2..8).contains(&minute) {
                input.push_str(&format!("weather,station=b t=1 {ts}\n"));
            }
        }
        let out = feed(&mut e, &input);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2, "{out}");
        // b last seen at minute 1; dead once a's time passes 6 min, i.e. at minute 7.
        assert!(
            lines[0].starts_with("weather_alert,level=crit,previous_level=ok,rule=silent,station=b value=360.0,threshold=300.0,message=\"no data for 6m0s (deadman period 5m0s) (station=b)\" 420000000000"),
            "{out}"
        );
        assert!(
            lines[1].starts_with("weather_alert,level=ok,previous_level=crit,rule=silent,station=b value=420.0,threshold=300.0,"),
            "{out}"
        );
        assert!(lines[1].ends_with(" 480000000000"), "{out}");
    }

    #[test]
    fn max_series_bounds_memory() {
        let mut e = engine(HEAT, 2);
        let out = feed(
            &mut e,
            "weather,station=paris temperature=20 1\n\
             weather,station=tokyo temperature=20 1\n\
             weather,station=lyon temperature=20 1\n\
             weather,station=rome temperature=20 1\n\
             weather,station=paris temperature=41 2\n",
        );
        assert_eq!(e.series(), 2);
        assert_eq!(e.refused(), 2);
        assert!(
            out.contains("level=crit"),
            "known series still alert: {out}"
        );
    }

    #[test]
    fn metrics_without_timestamp_take_the_latest_metric_time() {
        let rules = "[[processors.alerts.rule]]\nname = \"h\"\nmeasurement = \"m\"\nfield = \"v\"\nwarn_above = 1.0\nfor = \"1s\"\n";
        let mut e = engine(rules, 10);
        let out = feed(&mut e, "m v=2 5000000000\nm v=2\nm v=2 6000000000\n");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 1, "{out}");
        assert!(lines[0].ends_with(" 6000000000"), "{out}");
    }
}
