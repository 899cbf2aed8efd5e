//! The `start` option: an RFC 3339 time or integer nanoseconds since the Unix epoch.

use std::fmt;

/// A point in time given in the config, kept as nanoseconds since the Unix epoch.
///
/// ```
/// use telegraf_execd_kafka_bridge::timestamp::StartTime;
/// let t: StartTime = "2024-01-01T00:00:00Z".parse().unwrap();
/// assert_eq!(t.nanos(), 1_704_067_200_000_000_000);
/// let t: StartTime = "2024-01-01T01:00:00.5+01:00".parse().unwrap();
/// assert_eq!(t.nanos(), 1_704_067_200_500_000_000);
/// assert!("2024-13-01T00:00:00Z".parse::<StartTime>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct StartTime(i64);

/// Text that is neither RFC 3339 nor an integer.
///
/// ```
/// let e = "yesterday".parse::<telegraf_execd_kafka_bridge::timestamp::StartTime>().unwrap_err();
/// assert!(e.to_string().contains("yesterday"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid time {0:?}: expected RFC 3339 (2024-01-01T00:00:00Z) or integer nanoseconds")]
pub struct TimeParseError(pub String);

impl StartTime {
    /// From nanoseconds since the epoch.
    ///
    /// ```
    /// assert_eq!(telegraf_execd_kafka_bridge::timestamp::StartTime::from_nanos(5).nanos(), 5);
    /// ```
    pub const fn from_nanos(ns: i64) -> Self {
        StartTime(ns)
    }

    /// Nanoseconds since the epoch.
    ///
    /// ```
    /// let t: telegraf_execd_kafka_bridge::timestamp::StartTime = "1970-01-01T00:00:01Z".parse().unwrap();
    /// assert_eq!(t.nanos(), 1_000_000_000);
    /// ```
    pub const fn nanos(self) -> i64 {
        self.0
    }
}

impl fmt::Display for StartTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::str::FromStr for StartTime {
    type Err = TimeParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Ok(ns) = s.parse::<i64>() {
            return Ok(StartTime(ns));
        }
        parse_rfc3339(s)
            .map(StartTime)
            .ok_or_else(|| TimeParseError(s.to_string()))
    }
}

impl<'de> serde::Deserialize<'de> for StartTime {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Int(i64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Int(ns) => Ok(StartTime(ns)),
            Raw::Text(s) => s.parse().map_err(serde::de::Error::custom),
        }
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` → ns since the epoch.
fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut rest = &s[19..];
    let mut frac_ns = 0i64;
    if let Some(after_dot) = rest.strip_prefix('.') {
        let digits = after_dot.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 9 {
            return None;
        }
        frac_ns = after_dot[..digits].parse::<i64>().ok()? * 10i64.pow(9 - digits as u32);
        rest = &after_dot[digits..];
    }
    let offset_s = match rest.as_bytes() {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let digits = [*h1, *h2, *m1, *m2];
            if !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            let h = i64::from((h1 - b'0') * 10 + (h2 - b'0'));
            let m = i64::from((m1 - b'0') * 10 + (m2 - b'0'));
            if h > 23 || m > 59 {
                return None;
            }
            let total = h * 3600 + m * 60;
            if *sign == b'+' { total } else { -total }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_s;
    secs.checked_mul(1_000_000_000)?.checked_add(frac_ns)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ns(s: &str) -> Option<i64> {
        s.parse::<StartTime>().ok().map(StartTime::nanos)
    }

    #[test]
    fn known_instants() {
        assert_eq!(ns("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(ns("1969-12-31T23:59:59Z"), Some(-1_000_000_000));
        assert_eq!(ns("2000-02-29T12:00:00Z"), Some(951_825_600_000_000_000));
        assert_eq!(ns("2023-11-14T22:13:20Z"), Some(1_700_000_000_000_000_000));
        assert_eq!(
            ns("2023-11-14T22:13:20.000000001Z"),
            Some(1_700_000_000_000_000_001)
        );
        assert_eq!(
            ns("2023-11-14T23:13:20+01:00"),
            Some(1_700_000_000_000_000_000)
        );
        assert_eq!(ns("1700000000000000000"), Some(1_700_000_000_000_000_000));
    }

    #[test]
    fn rejects_malformed_dates() {
        for bad in [
            "2023-02-29T00:00:00Z",
            "2023-01-01T24:00:00Z",
            "2023-01-01T00:00:00",
            "2023-01-01T00:00:00.Z",
            "2023-01-01T00:00:00.1234567890Z",
            "2023-01-01T00:00:00+1:00",
            "2023-1-01T00:00:00Z",
            "",
        ] {
            assert_eq!(ns(bad), None, "{bad}");
        }
    }

    #[test]
    fn deserializes_from_toml_int_or_string() {
        #[derive(serde::Deserialize)]
        struct C {
            a: StartTime,
            b: StartTime,
        }
        let c: C = toml::from_str("a = 5\nb = \"1970-01-01T00:00:01Z\"").unwrap();
        assert_eq!((c.a.nanos(), c.b.nanos()), (5, 1_000_000_000));
        assert!(toml::from_str::<C>("a = 5\nb = \"soon\"").is_err());
    }
}
