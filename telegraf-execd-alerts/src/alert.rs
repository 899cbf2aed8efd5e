//! Alert metrics: what a level change is written as.
//!
//! ```text
//! weather_alert,city=Paris,country=FR,level=crit,previous_level=warn,rule=temperature_high,station=paris value=40.3,threshold=40,message="temperature is 40.3, above the crit threshold 40 (city=Paris,country=FR,station=paris)" 1782918000000000000
//! ```
//!
//! Tags: `rule`, `level` (`ok|warn|crit`), `previous_level`, and the series' own tags (a series
//! tag named like one of the three is dropped). Fields: `value`, `threshold`, `message`:
//!
//! | rule kind | `value` | `threshold` |
//! |---|---|---|
//! | threshold | the field's value | the threshold crossed (entering) or come back from (leaving) |
//! | stuck | the field's value | `tolerance` |
//! | deadman | seconds of silence | the period in seconds |
//!
//! The timestamp is the triggering metric's (none if it had none). Tags are sorted by key.

use std::borrow::Cow;
use std::time::Duration;

use line_protocol::serialize::Serializer;
use line_protocol::{Field, FieldValue, Point, Tag};
use telegraf_execd::duration::format_go_duration;

use crate::rules::{Direction, Level, Rule};
use crate::state::Change;

/// What changed, per rule kind.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Detail {
    Threshold {
        change: Change,
        value: f64,
    },
    Stuck {
        change: Change,
        value: f64,
        period: Duration,
        /// ns the value has not moved.
        run: i64,
    },
    Deadman {
        change: Change,
        /// ns without data.
        silence: i64,
        period: Duration,
    },
}

/// One alert to write.
#[derive(Debug)]
pub(crate) struct Alert<'a> {
    pub rule: &'a Rule,
    /// The series' tags, sorted.
    pub tags: &'a [(&'a str, &'a str)],
    pub detail: Detail,
    pub timestamp: Option<i64>,
}

/// Writes alerts as line protocol.
#[derive(Debug)]
pub(crate) struct AlertWriter {
    measurement: String,
    serializer: Serializer,
    written: std::cell::Cell<u64>,
}

const OWN_TAGS: [&str; 3] = ["level", "previous_level", "rule"];

impl AlertWriter {
    pub(crate) fn new(measurement: &str) -> Self {
        AlertWriter {
            measurement: measurement.to_string(),
            serializer: Serializer::canonical(),
            written: std::cell::Cell::new(0),
        }
    }

    /// Alerts written so far.
    pub(crate) fn written(&self) -> u64 {
        self.written.get()
    }

    /// Appends the alert's line to `out`.
    pub(crate) fn write(&self, alert: &Alert<'_>, out: &mut Vec<u8>) {
        let (change, value, threshold) = match alert.detail {
            Detail::Threshold { change, value } => (change, value, change.threshold),
            Detail::Stuck { change, value, .. } => (change, value, change.threshold),
            Detail::Deadman {
                change,
                silence,
                period,
            } => (change, silence as f64 / 1e9, period.as_secs_f64()),
        };
        let series = alert
            .tags
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",");
        let series = if series.is_empty() {
            alert.rule.measurement.clone()
        } else {
            series
        };
        let message = format!("{} ({series})", sentence(alert, value));
        let mut tags: Vec<Tag<'_>> = alert
            .tags
            .iter()
            .filter(|(k, _)| !OWN_TAGS.contains(k))
            .map(|&(k, v)| Tag::new(k, v))
            .collect();
        tags.push(Tag::new("rule", alert.rule.name.as_str()));
        tags.push(Tag::new("level", change.level.as_str()));
        tags.push(Tag::new("previous_level", change.previous.as_str()));
        let mut fields = vec![Field::new("value", FieldValue::Float(value))];
        if threshold.is_finite() {
            fields.push(Field::new("threshold", FieldValue::Float(threshold)));
        }
        fields.push(Field::new(
            "message",
            FieldValue::String(Cow::Owned(message)),
        ));
        let point = Point {
            measurement: Cow::Borrowed(&self.measurement),
            tags,
            fields,
            timestamp: alert.timestamp,
        };
        self.written.set(self.written.get() + 1);
        if let Err(e) = self.serializer.write(&point, out) {
            log::error!(
                "rule {}: cannot write the alert for {series}: {e}",
                alert.rule.name
            );
        }
    }
}

/// The readable part of the message.
fn sentence(alert: &Alert<'_>, value: f64) -> String {
    let field = alert.rule.field.as_deref().unwrap_or("value");
    match alert.detail {
        Detail::Threshold { change, .. } => {
            let (side, back) = match change.direction {
                Direction::Above => ("above", "below"),
                Direction::Below => ("below", "above"),
            };
            if change.level > change.previous {
                format!(
                    "{field} is {value}, {side} the {} threshold {}",
                    change.level, change.threshold
                )
            } else {
                let now = match change.level {
                    Level::Ok => String::from("within limits"),
                    level => format!("still {level}"),
                };
                format!(
                    "{field} is {value}, back {back} the {} threshold {}, {now}",
                    change.previous, change.threshold
                )
            }
        }
        Detail::Stuck {
            change,
            period,
            run,
            ..
        } => {
            if change.level > change.previous {
                format!(
                    "{field} has stayed at {value} (±{}) for {}, longer than {}: sensor stuck?",
                    change.threshold,
                    go(run),
                    format_go_duration(period)
                )
            } else {
                format!("{field} moves again: {value}")
            }
        }
        Detail::Deadman {
            change,
            silence,
            period,
        } => {
            if change.level > change.previous {
                format!(
                    "no data for {} (deadman period {})",
                    go(silence),
                    format_go_duration(period)
                )
            } else {
                format!("data again after {} of silence", go(silence))
            }
        }
    }
}

fn go(nanos: i64) -> String {
    format_go_duration(Duration::from_nanos(u64::try_from(nanos).unwrap_or(0)))
}
