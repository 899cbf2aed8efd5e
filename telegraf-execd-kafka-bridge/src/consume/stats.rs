//! `consume --stats`: per topic, per-station message counts, rates and min/mean/max of every
//! numeric field, from line-protocol or `lp json` message values.

use std::collections::BTreeMap;
use std::time::Duration;

use line_protocol::{FieldValue, Precision, parse_point};

/// Running min/mean/max of one numeric field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FieldStats {
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Sum, for the mean.
    pub sum: f64,
    /// Number of values.
    pub count: u64,
}

impl FieldStats {
    fn add(&mut self, v: f64) {
        self.min = self.min.min(v);
        self.max = self.max.max(v);
        self.sum += v;
        self.count += 1;
    }

    /// Mean of the values seen.
    ///
    /// ```
    /// let s = telegraf_execd_kafka_bridge::consume::FieldStats { min: 1.0, max: 3.0, sum: 4.0, count: 2 };
    /// assert_eq!(s.mean(), 2.0);
    /// ```
    pub fn mean(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum / self.count as f64
        }
    }
}

/// Per-station statistics over line-protocol (or `lp json`) message values.
///
/// ```
/// use telegraf_execd_kafka_bridge::consume::StationStats;
/// let mut s = StationStats::new("station");
/// s.add(b"weather,station=paris temperature=20.0,humidity=50i 1\n");
/// s.add(b"weather,station=paris temperature=22.0 2\n");
/// let t = s.field("paris", "temperature").unwrap();
/// assert_eq!((t.min, t.mean(), t.max), (20.0, 21.0, 22.0));
/// assert_eq!(s.messages("paris"), 2);
/// ```
#[derive(Debug, Clone)]
pub struct StationStats {
    tag: String,
    stations: BTreeMap<String, (u64, BTreeMap<String, FieldStats>)>,
    unparsable: u64,
}

impl StationStats {
    /// Statistics grouped by the value of `tag`.
    ///
    /// ```
    /// let s = telegraf_execd_kafka_bridge::consume::StationStats::new("station");
    /// assert_eq!(s.unparsable(), 0);
    /// ```
    pub fn new(tag: impl Into<String>) -> Self {
        StationStats {
            tag: tag.into(),
            stations: BTreeMap::new(),
            unparsable: 0,
        }
    }

    /// Adds one message value.
    ///
    /// ```
    /// let mut s = telegraf_execd_kafka_bridge::consume::StationStats::new("station");
    /// s.add(b"not line protocol");
    /// assert_eq!(s.unparsable(), 1);
    /// ```
    pub fn add(&mut self, value: &[u8]) {
        let Some((station, numbers)) = self.numeric_fields(value) else {
            self.unparsable += 1;
            return;
        };
        let entry = self.stations.entry(station).or_default();
        entry.0 += 1;
        for (key, v) in numbers {
            entry
                .1
                .entry(key)
                .or_insert(FieldStats {
                    min: f64::INFINITY,
                    max: f64::NEG_INFINITY,
                    sum: 0.0,
                    count: 0,
                })
                .add(v);
        }
    }

    fn numeric_fields(&self, value: &[u8]) -> Option<(String, Vec<(String, f64)>)> {
        if value.first() == Some(&b'{') {
            let v: serde_json::Value = serde_json::from_slice(value).ok()?;
            let station = v["tags"]
                .as_array()?
                .iter()
                .find(|t| t[0] == self.tag.as_str())
                .and_then(|t| t[1].as_str())
                .unwrap_or("-")
                .to_string();
            let numbers = v["fields"]
                .as_array()?
                .iter()
                .filter_map(|f| Some((f[0].as_str()?.to_string(), f[1]["value"].as_f64()?)))
                .collect();
            return Some((station, numbers));
        }
        let point = parse_point(value, Precision::Nanoseconds).ok()?;
        let station = point.tag(&self.tag).unwrap_or("-").to_string();
        let numbers = point
            .fields
            .iter()
            .filter_map(|f| {
                let v = match f.value {
                    FieldValue::Float(v) => v,
                    FieldValue::Integer(v) => v as f64,
                    FieldValue::UInteger(v) => v as f64,
                    _ => return None,
                };
                Some((f.key.to_string(), v))
            })
            .collect();
        Some((station, numbers))
    }

    /// Statistics of one field of one station.
    ///
    /// ```
    /// let s = telegraf_execd_kafka_bridge::consume::StationStats::new("station");
    /// assert!(s.field("paris", "temperature").is_none());
    /// ```
    pub fn field(&self, station: &str, field: &str) -> Option<&FieldStats> {
        self.stations.get(station)?.1.get(field)
    }

    /// Messages seen for one station.
    ///
    /// ```
    /// assert_eq!(telegraf_execd_kafka_bridge::consume::StationStats::new("s").messages("x"), 0);
    /// ```
    pub fn messages(&self, station: &str) -> u64 {
        self.stations.get(station).map_or(0, |s| s.0)
    }

    /// Every message added, parsable or not.
    ///
    /// ```
    /// let mut s = telegraf_execd_kafka_bridge::consume::StationStats::new("station");
    /// s.add(b"weather,station=a t=1.0 1\n");
    /// s.add(b"garbage");
    /// assert_eq!(s.total(), 2);
    /// ```
    pub fn total(&self) -> u64 {
        self.stations.values().map(|(n, _)| n).sum::<u64>() + self.unparsable
    }

    /// Values that were neither line protocol nor `lp json`.
    ///
    /// ```
    /// assert_eq!(telegraf_execd_kafka_bridge::consume::StationStats::new("s").unparsable(), 0);
    /// ```
    pub fn unparsable(&self) -> u64 {
        self.unparsable
    }

    /// A text table: one line per station and field, `elapsed` giving the message rates.
    ///
    /// ```
    /// let mut s = telegraf_execd_kafka_bridge::consume::StationStats::new("station");
    /// s.add(b"weather,station=a t=1.0 1\n");
    /// let table = s.render(std::time::Duration::from_secs(1));
    /// assert!(table.contains("a"), "{table}");
    /// assert!(table.contains("1.0/s"), "{table}");
    /// ```
    pub fn render(&self, elapsed: Duration) -> String {
        let secs = elapsed.as_secs_f64().max(1e-9);
        let mut out = format!(
            "{:<24} {:>10} {:>10}  {:<20} {:>12} {:>12} {:>12}\n",
            self.tag, "messages", "rate", "field", "min", "mean", "max"
        );
        for (station, (count, fields)) in &self.stations {
            let rate = format!("{:.1}/s", *count as f64 / secs);
            let mut first = true;
            for (name, f) in fields {
                let (s, c, r) = if first {
                    (station.as_str(), count.to_string(), rate.clone())
                } else {
                    ("", String::new(), String::new())
                };
                first = false;
                out.push_str(&format!(
                    "{s:<24} {c:>10} {r:>10}  {name:<20} {:>12.3} {:>12.3} {:>12.3}\n",
                    f.min,
                    f.mean(),
                    f.max
                ));
            }
            if fields.is_empty() {
                out.push_str(&format!("{station:<24} {count:>10} {rate:>10}\n"));
            }
        }
        if self.unparsable > 0 {
            out.push_str(&format!("unparsable values: {}\n", self.unparsable));
        }
        out
    }
}

/// [`StationStats`] kept apart per topic: `consume --stats --topic weather --topic
/// weather-telegraf` shows whether each topic advances, not a sum that hides a stalled one.
///
/// ```
/// use telegraf_execd_kafka_bridge::consume::TopicStats;
/// let mut s = TopicStats::new("station", ["weather", "weather-telegraf"]);
/// s.add("weather", b"weather,station=paris temperature=20.0 1\n");
/// assert_eq!(s.topic("weather").unwrap().messages("paris"), 1);
/// assert_eq!(s.topic("weather-telegraf").unwrap().total(), 0);
/// let table = s.render(std::time::Duration::from_secs(1));
/// assert!(table.contains("topic weather-telegraf: 0 messages"), "{table}");
/// ```
#[derive(Debug, Clone)]
pub struct TopicStats {
    tag: String,
    topics: BTreeMap<String, StationStats>,
}

impl TopicStats {
    /// Statistics for `topics` (each shown from the start, even before its first message),
    /// grouped by the value of `tag`.
    ///
    /// ```
    /// let s = telegraf_execd_kafka_bridge::consume::TopicStats::new("station", ["weather"]);
    /// assert!(s.topic("weather").is_some());
    /// ```
    pub fn new<T: Into<String>>(tag: &str, topics: impl IntoIterator<Item = T>) -> Self {
        TopicStats {
            tag: tag.to_string(),
            topics: topics
                .into_iter()
                .map(|t| (t.into(), StationStats::new(tag)))
                .collect(),
        }
    }

    /// Adds one message value read from `topic`.
    ///
    /// ```
    /// let mut s = telegraf_execd_kafka_bridge::consume::TopicStats::new("station", ["a"]);
    /// s.add("b", b"m,station=x v=1 1");
    /// assert_eq!(s.topic("b").unwrap().total(), 1);
    /// ```
    pub fn add(&mut self, topic: &str, value: &[u8]) {
        if let Some(stats) = self.topics.get_mut(topic) {
            stats.add(value);
        } else {
            let mut stats = StationStats::new(self.tag.clone());
            stats.add(value);
            self.topics.insert(topic.to_string(), stats);
        }
    }

    /// The statistics of one topic.
    ///
    /// ```
    /// assert!(telegraf_execd_kafka_bridge::consume::TopicStats::new("s", ["a"]).topic("b").is_none());
    /// ```
    pub fn topic(&self, topic: &str) -> Option<&StationStats> {
        self.topics.get(topic)
    }

    /// One [`StationStats::render`] table per topic, each after a `topic NAME: N messages` line.
    ///
    /// ```
    /// let s = telegraf_execd_kafka_bridge::consume::TopicStats::new("station", ["weather"]);
    /// assert!(s.render(std::time::Duration::from_secs(1)).starts_with("topic weather: 0 messages\n"));
    /// ```
    pub fn render(&self, elapsed: Duration) -> String {
        let mut out = String::new();
        for (topic, stats) in &self.topics {
            out.push_str(&format!("topic {topic}: {} messages\n", stats.total()));
            out.push_str(&stats.render(elapsed));
        }
        out
    }
}
