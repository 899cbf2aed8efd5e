//! Civil time for the model and the CLI: RFC 3339 parsing/formatting and calendar helpers, in
//! UTC, on nanosecond Unix timestamps (proleptic Gregorian calendar).

/// Nanoseconds per second.
pub const NANOS_PER_SEC: i64 = 1_000_000_000;
/// Seconds per day.
pub const SECS_PER_DAY: i64 = 86_400;

/// A timestamp that is not RFC 3339.
///
/// ```
/// let e = telegraf_execd_weather::time::parse_rfc3339("2026-13-01T00:00:00Z").unwrap_err();
/// assert!(e.to_string().contains("2026-13-01T00:00:00Z"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid timestamp {input:?}: {reason} (expected RFC 3339 such as 2026-01-31T12:00:00Z or 2026-01-31)"
)]
pub struct TimeError {
    /// The rejected text.
    pub input: String,
    /// What is wrong.
    pub reason: &'static str,
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's `days_from_civil`).
///
/// ```
/// use telegraf_execd_weather::time::days_from_civil;
/// assert_eq!(days_from_civil(1970, 1, 1), 0);
/// assert_eq!(days_from_civil(2000, 3, 1), 11017);
/// ```
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month, day) of a day count since 1970-01-01.
///
/// ```
/// assert_eq!(telegraf_execd_weather::time::civil_from_days(11017), (2000, 3, 1));
/// ```
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Day of the year (1 = January 1st) of a nanosecond timestamp, in UTC.
///
/// ```
/// use telegraf_execd_weather::time::{day_of_year, parse_rfc3339};
/// assert_eq!(day_of_year(parse_rfc3339("2026-02-01T10:00:00Z").unwrap()), 32);
/// ```
pub fn day_of_year(t_ns: i64) -> u32 {
    let days = t_ns.div_euclid(NANOS_PER_SEC * SECS_PER_DAY);
    let (year, _, _) = civil_from_days(days);
    (days - days_from_civil(year, 1, 1) + 1) as u32
}

/// Parses RFC 3339 (`2026-01-31T12:00:00Z`, `…T12:00:00.5+02:00`, lower-case `t`/`z`, or a space
/// instead of `T`) or a bare date (`2026-01-31`, midnight UTC) into Unix nanoseconds.
///
/// ```
/// use telegraf_execd_weather::time::parse_rfc3339;
/// assert_eq!(parse_rfc3339("1970-01-01T00:00:01Z").unwrap(), 1_000_000_000);
/// assert_eq!(parse_rfc3339("1970-01-01T02:00:00.25+02:00").unwrap(), 250_000_000);
/// assert_eq!(parse_rfc3339("1970-01-02").unwrap(), 86_400_000_000_000);
/// assert!(parse_rfc3339("yesterday").is_err());
/// ```
pub fn parse_rfc3339(input: &str) -> Result<i64, TimeError> {
    let fail = |reason| TimeError {
        input: input.to_string(),
        reason,
    };
    let b = input.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Result<i64, TimeError> {
        let s = input.get(r).ok_or_else(|| fail("too short"))?;
        if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
            return Err(fail("expected digits"));
        }
        s.parse().map_err(|_| fail("expected digits"))
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(fail("expected YYYY-MM-DD"));
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&month) {
        return Err(fail("month out of range"));
    }
    let month = month as u32;
    let days_in_month = match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if !(1..=days_in_month).contains(&day) {
        return Err(fail("day out of range"));
    }
    let days = days_from_civil(year, month, day as u32);
    if b.len() == 10 {
        return Ok(days * SECS_PER_DAY * NANOS_PER_SEC);
    }
    if !matches!(b[10], b'T' | b't' | b' ') || b.len() < 19 || b[13] != b':' || b[16] != b':' {
        return Err(fail("expected THH:MM:SS after the date"));
    }
    let (h, m, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if h > 23 || m > 59 || s > 60 {
        return Err(fail("time of day out of range"));
    }
    let mut pos = 19;
    let mut nanos = 0i64;
    if b.get(pos) == Some(&b'.') {
        let digits = b[pos + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if digits == 0 {
            return Err(fail("expected digits after '.'"));
        }
        for (i, &d) in b[pos + 1..pos + 1 + digits].iter().enumerate().take(9) {
            nanos += i64::from(d - b'0') * 10i64.pow(8 - i as u32);
        }
        pos += 1 + digits;
    }
    let offset_secs = match b.get(pos) {
        Some(b'Z' | b'z') if b.len() == pos + 1 => 0,
        Some(sign @ (b'+' | b'-')) if b.len() == pos + 6 && b[pos + 3] == b':' => {
            let (oh, om) = (num(pos + 1..pos + 3)?, num(pos + 4..pos + 6)?);
            if oh > 23 || om > 59 {
                return Err(fail("offset out of range"));
            }
            let off = oh * 3600 + om * 60;
            if *sign == b'+' { off } else { -off }
        }
        _ => return Err(fail("expected Z or a ±HH:MM offset")),
    };
    let secs = days * SECS_PER_DAY + h * 3600 + m * 60 + s - offset_secs;
    secs.checked_mul(NANOS_PER_SEC)
        .and_then(|n| n.checked_add(nanos))
        .ok_or_else(|| fail("outside the range of nanosecond timestamps"))
}

/// Formats Unix nanoseconds as RFC 3339 in UTC (`2026-01-31T12:00:00Z`, fraction only if any).
///
/// ```
/// use telegraf_execd_weather::time::format_rfc3339;
/// assert_eq!(format_rfc3339(86_400_500_000_000), "1970-01-02T00:00:00.5Z");
/// ```
pub fn format_rfc3339(t_ns: i64) -> String {
    let secs = t_ns.div_euclid(NANOS_PER_SEC);
    let nanos = t_ns.rem_euclid(NANOS_PER_SEC);
    let days = secs.div_euclid(SECS_PER_DAY);
    let sod = secs.rem_euclid(SECS_PER_DAY);
    let (y, mo, d) = civil_from_days(days);
    let mut s = format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}",
        sod / 3600,
        (sod / 60) % 60,
        sod % 60
    );
    if nanos != 0 {
        let frac = format!("{nanos:09}");
        s.push('.');
        s.push_str(frac.trim_end_matches('0'));
    }
    s.push('Z');
    s
}

/// A point in time written as RFC 3339 in config files and on the command line.
///
/// ```
/// use telegraf_execd_weather::time::Timestamp;
/// let t: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
/// assert_eq!(t.0, 1_767_225_600_000_000_000);
/// assert_eq!(t.to_string(), "2026-01-01T00:00:00Z");
/// #[derive(serde::Deserialize)]
/// struct C { start: Timestamp }
/// let c: C = toml::from_str("start = \"2026-01-01\"").unwrap();
/// assert_eq!(c.start, t);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl std::str::FromStr for Timestamp {
    type Err = TimeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_rfc3339(s).map(Timestamp)
    }
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&format_rfc3339(self.0))
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip_over_centuries() {
        for days in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn rfc3339_round_trip_and_errors() {
        for text in [
            "2026-11-27T04:25:00Z",
            "2024-02-29T23:59:59.123456789Z",
            "1969-12-31T23:59:59Z",
        ] {
            assert_eq!(format_rfc3339(parse_rfc3339(text).unwrap()), text);
        }
        for (bad, why) in [
            ("2026-02-29", "day out of range"),
            ("2026-01-01T24:00:00Z", "time of day"),
            ("2026-01-01T00:00:00", "expected Z"),
            ("2026-01-01T00:00:00+0200", "expected Z"),
            ("26-01-01", "YYYY-MM-DD"),
        ] {
            let e = parse_rfc3339(bad).unwrap_err().to_string();
            assert!(e.contains(why), "{bad}: {e}");
        }
        assert_eq!(
            day_of_year(parse_rfc3339("2024-12-31T23:00:00Z").unwrap()),
            366
        );
    }
}
