//! Timestamp precision: the unit a line's timestamp is written in.

use std::fmt;
use std::str::FromStr;

/// The unit of the timestamps in a line-protocol document.
///
/// Parsed timestamps are always converted to nanoseconds with an overflow check; a written
/// timestamp whose nanosecond value does not fit an `i64` is an error, never wrapped.
///
/// ```
/// use line_protocol::Precision;
/// assert_eq!("ms".parse::<Precision>().unwrap(), Precision::Milliseconds);
/// assert_eq!(Precision::Seconds.to_nanos(2), Some(2_000_000_000));
/// assert_eq!(Precision::Seconds.to_nanos(200_000_000_000_000_000), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Precision {
    /// Nanoseconds (`ns`), the default.
    #[default]
    Nanoseconds,
    /// Microseconds (`us`).
    Microseconds,
    /// Milliseconds (`ms`).
    Milliseconds,
    /// Seconds (`s`).
    Seconds,
}

impl Precision {
    /// Nanoseconds in one unit of this precision.
    ///
    /// ```
    /// assert_eq!(line_protocol::Precision::Microseconds.multiplier(), 1_000);
    /// ```
    pub const fn multiplier(self) -> i64 {
        match self {
            Precision::Nanoseconds => 1,
            Precision::Microseconds => 1_000,
            Precision::Milliseconds => 1_000_000,
            Precision::Seconds => 1_000_000_000,
        }
    }

    /// Converts a timestamp written in this precision to nanoseconds; `None` on overflow.
    ///
    /// ```
    /// use line_protocol::Precision;
    /// assert_eq!(Precision::Milliseconds.to_nanos(9_223_372_036_854), Some(9_223_372_036_854_000_000));
    /// assert_eq!(Precision::Milliseconds.to_nanos(9_223_372_036_855), None);
    /// ```
    pub const fn to_nanos(self, value: i64) -> Option<i64> {
        value.checked_mul(self.multiplier())
    }

    /// The short name used by InfluxDB's HTTP API and our command-line flags.
    ///
    /// ```
    /// assert_eq!(line_protocol::Precision::Seconds.as_str(), "s");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Precision::Nanoseconds => "ns",
            Precision::Microseconds => "us",
            Precision::Milliseconds => "ms",
            Precision::Seconds => "s",
        }
    }
}

impl fmt::Display for Precision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error for a precision name that is none of `ns`, `us`, `ms`, `s`.
///
/// ```
/// let err = "m".parse::<line_protocol::Precision>().unwrap_err();
/// assert!(err.to_string().contains("ns, us, ms, s"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown precision {0:?}: expected one of ns, us, ms, s")]
pub struct UnknownPrecision(pub String);

impl FromStr for Precision {
    type Err = UnknownPrecision;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ns" | "n" => Ok(Precision::Nanoseconds),
            "us" | "u" | "µs" => Ok(Precision::Microseconds),
            "ms" => Ok(Precision::Milliseconds),
            "s" => Ok(Precision::Seconds),
            other => Err(UnknownPrecision(other.to_string())),
        }
    }
}
