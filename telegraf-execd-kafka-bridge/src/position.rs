//! A point's place in the export order, and how a message tells it.
//!
//! InfluxDB identifies a point by measurement, tag set and timestamp (writing the same three
//! again overwrites fields), so `(time, series key)` names every point uniquely. The bridge
//! exports in that order: by nanosecond timestamp, then by the canonical series key (the
//! line-protocol prefix `measurement,k1=v1,k2=v2` with tags sorted and escaped), compared
//! byte-wise. The order is total, and it is the same on every run, which is what lets a
//! restarted bridge tell already-exported points from new ones.
//!
//! A message's position is a function of its value (the point it carries), so the bridge does
//! not repeat it in a header: [`ExportPosition::of_value`] reads it back. The
//! [`HEADER_MEASUREMENT`] header marks a message as the bridge's, and one message in
//! [`WATERMARK_EVERY`] per partition carries the [`HEADER_WATERMARK`].

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use line_protocol::serialize::Serializer;
use line_protocol::{Point, Precision, Tag};

/// The Kafka header holding the measurement name, on every message the bridge writes: what
/// tells its messages from another producer's when a restarted bridge reads the topic's tail.
pub const HEADER_MEASUREMENT: &str = "measurement";
/// The Kafka header that held the point's [`ExportPosition`] (`<time ns> <series key>`) on every
/// message of bridges before 2026-12-06; read where present, no longer written: the position
/// is [`ExportPosition::of_value`], and the header cost the exporter a fifth of its CPU and
/// the broker a third of its (bridge bench against tansu, 1M points).
pub const HEADER_POSITION: &str = "export-position";
/// The Kafka header holding the low watermark: every point at or before it is acknowledged on
/// every partition. Carried by one message in [`WATERMARK_EVERY`] per partition, and absent while
/// nothing is acknowledged yet.
pub const HEADER_WATERMARK: &str = "export-watermark";

/// One in this many messages to a partition carries the [`HEADER_WATERMARK`]: a run's first
/// message to each partition and every `WATERMARK_EVERY`-th after it (once there is a watermark),
/// so any this many consecutive messages of a partition hold one, and the resume point reads back
/// this many messages per partition to find the newest.
///
/// A watermark on every message cost the exporter 3–14 % of its CPU and the broker 10–19 %
/// (bridge bench against tansu, 1M points, CPU per sample relative to influxd's, two runs on a
/// noisy machine): one more header allocated, copied and stored per message. Any watermark a message carries is a true lower
/// bound, so an older one only makes a restart re-read a little more of InfluxDB.
///
/// ```
/// assert!(telegraf_execd_kafka_bridge::position::WATERMARK_EVERY > 1);
/// ```
pub const WATERMARK_EVERY: u32 = 32;

/// A point's position in the export order: timestamp first, then series key.
///
/// ```
/// use telegraf_execd_kafka_bridge::position::ExportPosition;
/// let a = ExportPosition::new(10, "weather,station=b");
/// let b = ExportPosition::new(10, "weather,station=c");
/// let c = ExportPosition::new(11, "weather,station=a");
/// assert!(a < b && b < c);
/// assert_eq!(a.to_string(), "10 weather,station=b");
/// assert_eq!("10 weather,station=b".parse::<ExportPosition>().unwrap(), a);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ExportPosition {
    /// Nanoseconds since the Unix epoch.
    pub time: i64,
    /// The canonical, escaped series key (`measurement,tag=value,...`), shared by every
    /// position of the series (cloning a position copies no text).
    pub series: Arc<str>,
}

/// A header value that is not `<integer> <series key>`, or a message value that is not a point
/// with a timestamp.
///
/// ```
/// use telegraf_execd_kafka_bridge::position::ExportPosition;
/// let e = "soon weather".parse::<ExportPosition>().unwrap_err();
/// assert!(e.to_string().contains("soon weather"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid export position {text:?}: {reason}")]
pub struct PositionParseError {
    /// The text that failed to parse (a value's first 200 bytes).
    pub text: String,
    /// What it should have been.
    pub reason: String,
}

/// What a header value must be.
const HEADER_FORM: &str = "expected `<time ns> <series key>`";

impl ExportPosition {
    /// Builds a position.
    ///
    /// ```
    /// let p = telegraf_execd_kafka_bridge::position::ExportPosition::new(-5, "m");
    /// assert_eq!(p.time, -5);
    /// ```
    pub fn new(time: i64, series: impl Into<Arc<str>>) -> Self {
        ExportPosition {
            time,
            series: series.into(),
        }
    }

    /// Replaces `out` with the header text, the same as `Display` writes, reusing `out`'s
    /// allocation (this runs for every message sent and acknowledged).
    ///
    /// ```
    /// use telegraf_execd_kafka_bridge::position::ExportPosition;
    /// let mut text = String::from("old");
    /// ExportPosition::new(-7, "weather,station=a\\ b").write_header(&mut text);
    /// assert_eq!(text, "-7 weather,station=a\\ b");
    /// ```
    pub fn write_header(&self, out: &mut String) {
        out.clear();
        out.push_str(itoa::Buffer::new().format(self.time));
        out.push(' ');
        out.push_str(&self.series);
    }

    /// Parses a header value; the inverse of `Display`.
    ///
    /// ```
    /// use telegraf_execd_kafka_bridge::position::ExportPosition;
    /// let p = ExportPosition::from_header(b"7 weather,station=a\\ b").unwrap();
    /// assert_eq!(p, ExportPosition::new(7, "weather,station=a\\ b"));
    /// assert!(ExportPosition::from_header(b"\xff").is_err());
    /// ```
    pub fn from_header(bytes: &[u8]) -> Result<Self, PositionParseError> {
        let text = std::str::from_utf8(bytes).map_err(|_| PositionParseError {
            text: String::from_utf8_lossy(bytes).into_owned(),
            reason: HEADER_FORM.into(),
        })?;
        text.parse()
    }

    /// The position of the point a message value carries: its timestamp and its series key as
    /// the exporter writes it (tags sorted, escaped), whichever `value_format` wrote it: a value
    /// starting with `{` is read as an `lp json` object and, failing that, as line protocol (a
    /// measurement name may start with `{`); any other value as line protocol.
    ///
    /// ```
    /// use telegraf_execd_kafka_bridge::position::ExportPosition;
    /// let line = ExportPosition::of_value(b"weather,station=s1,city=a\\ b temp=1,n=\"x y\" 7\n").unwrap();
    /// assert_eq!(line, ExportPosition::new(7, "weather,city=a\\ b,station=s1"));
    /// let json = ExportPosition::of_value(
    ///     br#"{"measurement":"weather","tags":[["city","a b"],["station","s1"]],"fields":[["temp",{"type":"float","value":1.0}]],"timestamp":7}"#,
    /// ).unwrap();
    /// assert_eq!(json, line);
    /// let e = ExportPosition::of_value(b"weather temp=1\n").unwrap_err();
    /// assert!(e.to_string().contains("no timestamp"), "{e}");
    /// ```
    pub fn of_value(value: &[u8]) -> Result<Self, PositionParseError> {
        let error = |reason: String| PositionParseError {
            text: String::from_utf8_lossy(&value[..value.len().min(200)]).into_owned(),
            reason,
        };
        let json = value.first() == Some(&b'{');
        let point = if json {
            point_of_json(value).or_else(|json_error| {
                point_of_line(value)
                    .map_err(|_| error(format!("not an `lp json` point: {json_error}")))
            })?
        } else {
            point_of_line(value).map_err(error)?
        };
        let time = point
            .timestamp
            .ok_or_else(|| error("no timestamp".into()))?;
        let mut series = Vec::with_capacity(value.len());
        Serializer::telegraf()
            .write_series_key(&point, &mut series)
            .map_err(|e| error(e.to_string()))?;
        // Serializer output is UTF-8: it writes only `&str` contents and ASCII.
        let series = String::from_utf8(series).map_err(|e| error(e.to_string()))?;
        Ok(ExportPosition::new(time, series))
    }
}

impl fmt::Display for ExportPosition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.time, self.series)
    }
}

impl std::str::FromStr for ExportPosition {
    type Err = PositionParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = || PositionParseError {
            text: text.to_string(),
            reason: HEADER_FORM.into(),
        };
        // The time never contains a space, so the first space separates the two parts even
        // when the series key holds escaped spaces.
        let (time, series) = text.split_once(' ').ok_or_else(error)?;
        let time = time.parse::<i64>().map_err(|_| error())?;
        if series.is_empty() {
            return Err(error());
        }
        Ok(ExportPosition::new(time, series))
    }
}

/// The export position of a Kafka message, from its headers (key, value) and value: its
/// [`HEADER_POSITION`] header where an older bridge wrote one, else
/// [`ExportPosition::of_value`]. `Ok(None)` for a message that is not the bridge's: it carries
/// neither that header nor [`HEADER_MEASUREMENT`].
///
/// ```
/// use telegraf_execd_kafka_bridge::position::{message_position, ExportPosition};
/// let value = b"weather,station=s1 temp=1 7\n";
/// let bridge = [("measurement", Some(&b"weather"[..]))];
/// assert_eq!(message_position(bridge, value).unwrap(), Some(ExportPosition::new(7, "weather,station=s1")));
/// let old = [("measurement", Some(&b"weather"[..])), ("export-position", Some(&b"7 weather,station=s1"[..]))];
/// assert_eq!(message_position(old, value).unwrap(), Some(ExportPosition::new(7, "weather,station=s1")));
/// assert_eq!(message_position([], value).unwrap(), None);
/// assert!(message_position(bridge, b"garbage").is_err());
/// ```
pub fn message_position<'h>(
    headers: impl IntoIterator<Item = (&'h str, Option<&'h [u8]>)>,
    value: &[u8],
) -> Result<Option<ExportPosition>, PositionParseError> {
    let mut bridge = false;
    for (key, header) in headers {
        match (key, header) {
            (HEADER_POSITION, Some(v)) => return ExportPosition::from_header(v).map(Some),
            (HEADER_MEASUREMENT, _) => bridge = true,
            _ => {}
        }
    }
    if bridge {
        ExportPosition::of_value(value).map(Some)
    } else {
        Ok(None)
    }
}

/// A line-protocol value (one line, with or without its `\n`) as a point.
fn point_of_line(value: &[u8]) -> Result<Point<'_>, String> {
    let line = value.strip_suffix(b"\n").unwrap_or(value);
    line_protocol::parse_point(line, Precision::Nanoseconds).map_err(|e| e.to_string())
}

/// Measurement, tags and timestamp of an `lp json` object; its fields do not make the position.
#[derive(serde::Deserialize)]
struct JsonSeries<'a> {
    #[serde(borrow)]
    measurement: Cow<'a, str>,
    #[serde(borrow)]
    tags: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    timestamp: i64,
}

/// An `lp json` value as a point without fields.
fn point_of_json(value: &[u8]) -> Result<Point<'_>, String> {
    let JsonSeries {
        measurement,
        tags,
        timestamp,
    } = serde_json::from_slice(value).map_err(|e| e.to_string())?;
    Ok(Point {
        measurement,
        tags: tags.into_iter().map(|(k, v)| Tag::new(k, v)).collect(),
        fields: Vec::new(),
        timestamp: Some(timestamp),
    })
}

/// The series key of one serialized line-protocol line: everything before the first space that
/// does not follow a backslash.
///
/// A serializer never ends a name with a backslash (it would escape the delimiter after it) and
/// always writes a space inside a name as `\ `, so in its output a space is part of a name
/// exactly when a backslash precedes it (`two\\ words` is `two\` + escaped space).
///
/// ```
/// use telegraf_execd_kafka_bridge::position::series_key_of_line;
/// assert_eq!(series_key_of_line(b"weather,station=a\\ b t=1 5\n"), Some(&b"weather,station=a\\ b"[..]));
/// assert_eq!(series_key_of_line(b"m f=1\n"), Some(&b"m"[..]));
/// assert_eq!(series_key_of_line(b"nospace"), None);
/// ```
pub fn series_key_of_line(line: &[u8]) -> Option<&[u8]> {
    let end = line
        .iter()
        .enumerate()
        .position(|(i, &b)| b == b' ' && (i == 0 || line[i - 1] != b'\\'))?;
    Some(&line[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_time_then_series_bytes() {
        let mut v = [
            ExportPosition::new(2, "a"),
            ExportPosition::new(1, "z"),
            ExportPosition::new(1, "b,x=1"),
            ExportPosition::new(1, "b"),
        ];
        v.sort();
        let s: Vec<String> = v.iter().map(ToString::to_string).collect();
        assert_eq!(s, ["1 b", "1 b,x=1", "1 z", "2 a"]);
    }

    #[test]
    fn header_round_trip_keeps_spaces_in_series() {
        let p = ExportPosition::new(i64::MIN, "we\\ ather,k=v\\ w");
        let back: ExportPosition = p.to_string().parse().unwrap();
        assert_eq!(back, p);
        let mut header = String::new();
        for p in [
            p,
            ExportPosition::new(i64::MAX, "m"),
            ExportPosition::new(0, "m,t=1"),
        ] {
            p.write_header(&mut header);
            assert_eq!(header, p.to_string());
        }
    }

    #[test]
    fn rejects_malformed_headers() {
        for bad in ["", "12", "12 ", "x m", " m", "1.5 m"] {
            assert!(bad.parse::<ExportPosition>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn series_key_stops_at_unescaped_space_only() {
        assert_eq!(
            series_key_of_line(b"a\\\\ b f=1"),
            Some(&b"a\\\\ b"[..]),
            "the second backslash escapes the space"
        );
        assert_eq!(
            series_key_of_line(b"m,t=v\\,w f=1"),
            Some(&b"m,t=v\\,w"[..])
        );
    }
}
