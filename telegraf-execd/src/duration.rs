//! Go duration syntax (`10s`, `1m30s`, `500ms`, `1h`, `250us`), as Telegraf and the Go shim
//! write intervals.
//!
//! Grammar (Go's `time.ParseDuration`): one or more `<decimal><unit>` terms, e.g. `1h2m3.5s`;
//! units `ns`, `us` (also `µs`/`μs`), `ms`, `s`, `m`, `h`; a bare `0` is zero. Unlike Go, a
//! sign is rejected: every duration here (intervals, timeouts, steps) must be non-negative.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// Why a duration string was rejected. The message quotes the input.
///
/// ```
/// use telegraf_execd::duration::parse_go_duration;
/// let err = parse_go_duration("10").unwrap_err();
/// assert!(err.to_string().contains("missing unit"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid duration {input:?}: {reason} (expected Go syntax such as 10s, 1m30s, 500ms, 1h, 250us)"
)]
pub struct DurationError {
    /// The rejected text.
    pub input: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// Parses a Go duration string.
///
/// ```
/// use std::time::Duration;
/// use telegraf_execd::duration::parse_go_duration;
/// assert_eq!(parse_go_duration("1m30s").unwrap(), Duration::from_secs(90));
/// assert_eq!(parse_go_duration("500ms").unwrap(), Duration::from_millis(500));
/// assert_eq!(parse_go_duration("1.5h").unwrap(), Duration::from_secs(5400));
/// assert_eq!(parse_go_duration("0").unwrap(), Duration::ZERO);
/// assert!(parse_go_duration("-1s").is_err());
/// assert!(parse_go_duration("5 s").is_err());
/// ```
pub fn parse_go_duration(input: &str) -> Result<Duration, DurationError> {
    let fail = |reason| DurationError {
        input: input.to_string(),
        reason,
    };
    if input.is_empty() {
        return Err(fail("empty string"));
    }
    if input == "0" {
        return Ok(Duration::ZERO);
    }
    if input.starts_with('-') || input.starts_with('+') {
        return Err(fail("a sign is not allowed, durations are non-negative"));
    }
    let mut rest = input;
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (int_part, after_int) = rest.split_at(int_len);
        let (frac_part, after_num) = match after_int.strip_prefix('.') {
            Some(f) => {
                let n = f.bytes().take_while(u8::is_ascii_digit).count();
                f.split_at(n)
            }
            None => ("", after_int),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(fail("expected a number"));
        }
        let unit_len = after_num
            .char_indices()
            .find(|(_, c)| c.is_ascii_digit() || *c == '.')
            .map_or(after_num.len(), |(i, _)| i);
        let (unit, after_unit) = after_num.split_at(unit_len);
        let unit_ns: u128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            "" => return Err(fail("missing unit")),
            _ => return Err(fail("unknown unit (allowed: ns, us, ms, s, m, h)")),
        };
        let int: u128 = if int_part.is_empty() {
            0
        } else {
            int_part.parse().map_err(|_| fail("number too large"))?
        };
        let mut term = int.checked_mul(unit_ns).ok_or_else(|| fail("overflow"))?;
        // Fraction digits beyond the unit's nanosecond resolution are truncated, as in Go.
        let mut scale = unit_ns;
        for d in frac_part.bytes() {
            scale /= 10;
            if scale == 0 {
                break;
            }
            term += u128::from(d - b'0') * scale;
        }
        total = total.checked_add(term).ok_or_else(|| fail("overflow"))?;
        rest = after_unit;
    }
    let secs = u64::try_from(total / 1_000_000_000).map_err(|_| fail("overflow"))?;
    // The remainder is below 1e9, so it fits a u32.
    Ok(Duration::new(secs, (total % 1_000_000_000) as u32))
}

/// Formats a duration the way Go prints it (`1h0m0s`, `1m30s`, `500ms`, `250µs`, `0s`).
///
/// ```
/// use std::time::Duration;
/// use telegraf_execd::duration::format_go_duration;
/// assert_eq!(format_go_duration(Duration::from_secs(90)), "1m30s");
/// assert_eq!(format_go_duration(Duration::from_millis(1500)), "1.5s");
/// assert_eq!(format_go_duration(Duration::from_millis(500)), "500ms");
/// assert_eq!(format_go_duration(Duration::ZERO), "0s");
/// ```
pub fn format_go_duration(d: Duration) -> String {
    let ns = d.as_nanos();
    if ns == 0 {
        return "0s".into();
    }
    if ns < 1_000 {
        return format!("{ns}ns");
    }
    if ns < 1_000_000 {
        return format!("{}µs", decimal(ns, 1_000));
    }
    if ns < 1_000_000_000 {
        return format!("{}ms", decimal(ns, 1_000_000));
    }
    let secs = ns / 1_000_000_000;
    let sub = ns % 1_000_000_000;
    let (h, m, s) = (secs / 3600, (secs / 60) % 60, secs % 60);
    let s_text = decimal(u128::from(s as u64) * 1_000_000_000 + sub, 1_000_000_000);
    if h > 0 {
        format!("{h}h{m}m{s_text}s")
    } else if m > 0 {
        format!("{m}m{s_text}s")
    } else {
        format!("{s_text}s")
    }
}

/// `value / unit` as a decimal without trailing zeros.
fn decimal(value: u128, unit: u128) -> String {
    let int = value / unit;
    let frac = value % unit;
    if frac == 0 {
        return int.to_string();
    }
    let width = unit.ilog10() as usize;
    let digits = format!("{frac:0width$}");
    format!("{int}.{}", digits.trim_end_matches('0'))
}

/// A [`Duration`] read and written in Go syntax: use it for config fields and CLI flags.
///
/// In TOML it accepts a Go duration string or, like Telegraf, an integer number of seconds.
///
/// ```
/// use telegraf_execd::duration::GoDuration;
/// let d: GoDuration = "1m30s".parse().unwrap();
/// assert_eq!(d.as_secs(), 90);
/// assert_eq!(d.to_string(), "1m30s");
///
/// #[derive(serde::Deserialize)]
/// struct Cfg { interval: GoDuration, timeout: GoDuration }
/// let c: Cfg = toml::from_str("interval = \"10s\"\ntimeout = 5").unwrap();
/// assert_eq!((c.interval.as_secs(), c.timeout.as_secs()), (10, 5));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct GoDuration(pub Duration);

impl GoDuration {
    /// Wraps a duration.
    ///
    /// ```
    /// # use telegraf_execd::duration::GoDuration;
    /// assert_eq!(GoDuration::from_secs(10).to_string(), "10s");
    /// ```
    pub const fn from_secs(secs: u64) -> Self {
        GoDuration(Duration::from_secs(secs))
    }
}

impl std::ops::Deref for GoDuration {
    type Target = Duration;
    fn deref(&self) -> &Duration {
        &self.0
    }
}

impl From<Duration> for GoDuration {
    fn from(d: Duration) -> Self {
        GoDuration(d)
    }
}

impl From<GoDuration> for Duration {
    fn from(d: GoDuration) -> Self {
        d.0
    }
}

impl FromStr for GoDuration {
    type Err = DurationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_go_duration(s).map(GoDuration)
    }
}

impl fmt::Display for GoDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_go_duration(self.0))
    }
}

impl<'de> serde::Deserialize<'de> for GoDuration {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = GoDuration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a Go duration string such as \"10s\" or an integer number of seconds")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<GoDuration, E> {
                v.parse().map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<GoDuration, E> {
                u64::try_from(v)
                    .map(GoDuration::from_secs)
                    .map_err(|_| E::custom("a duration must not be negative"))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<GoDuration, E> {
                Ok(GoDuration::from_secs(v))
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl serde::Serialize for GoDuration {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_examples() {
        let ok = [
            ("10s", Duration::from_secs(10)),
            ("1m30s", Duration::from_secs(90)),
            ("500ms", Duration::from_millis(500)),
            ("1h", Duration::from_secs(3600)),
            ("250us", Duration::from_micros(250)),
            ("250µs", Duration::from_micros(250)),
            ("1.5s", Duration::from_millis(1500)),
            (".5s", Duration::from_millis(500)),
            ("2h45m0.5s", Duration::from_millis(9_900_500)),
            ("3ns", Duration::from_nanos(3)),
            ("1.0000000001s", Duration::from_secs(1)),
        ];
        for (text, want) in ok {
            assert_eq!(parse_go_duration(text).unwrap(), want, "{text}");
        }
    }

    #[test]
    fn rejects_bad_input_with_reason() {
        for (text, reason) in [
            ("", "empty"),
            ("10", "missing unit"),
            ("5d", "unknown unit"),
            ("-1s", "sign"),
            ("s", "expected a number"),
            ("1s ", "unknown unit"),
            ("99999999999999999999999h", "overflow"),
        ] {
            let err = parse_go_duration(text).unwrap_err();
            assert!(err.to_string().contains(reason), "{text}: {err}");
        }
    }

    #[test]
    fn format_round_trips() {
        for ns in [
            1u64,
            999,
            1_000,
            250_000,
            1_500_000,
            1_000_000_000,
            90_000_000_000,
        ] {
            let d = Duration::from_nanos(ns);
            assert_eq!(parse_go_duration(&format_go_duration(d)).unwrap(), d);
        }
        assert_eq!(format_go_duration(Duration::from_secs(3600)), "1h0m0s");
    }
}
