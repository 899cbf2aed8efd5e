//! A [`log`] logger that writes what Telegraf's execd reader understands (Telegraf ≥ 1.32):
//! one line per record on stderr, starting at column 0 with `E! `, `W! `, `I! `, `D! ` or `T! `.
//!
//! No timestamp precedes the prefix (Telegraf adds its own). Newlines, carriage returns and
//! other control characters inside a message are escaped (`\n`, `\r`, `\u{1b}`) so one record is
//! exactly one line, and a line is capped at [`MAX_LINE_BYTES`], well under the 64 KiB at which
//! Telegraf's stderr scanner gives up.

use std::fmt::Write as _;
use std::io::Write as _;
use std::str::FromStr;

/// Longest stderr line written, newline included (Telegraf's scanner stops at 64 KiB).
pub const MAX_LINE_BYTES: usize = 16 * 1024;

/// A log level as Telegraf names it (`log_level` option / `-log_level` flag).
///
/// ```
/// use telegraf_execd::logger::LogLevel;
/// let l: LogLevel = "debug".parse().unwrap();
/// assert_eq!(l, LogLevel::Debug);
/// assert_eq!(l.prefix(), "D! ");
/// assert!("verbose".parse::<LogLevel>().unwrap_err().to_string().contains("error|warn|info|debug|trace"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum LogLevel {
    /// Only errors.
    Error,
    /// Errors and warnings.
    Warn,
    /// Errors, warnings and informational messages (the default).
    #[default]
    Info,
    /// Everything but trace.
    Debug,
    /// Everything.
    Trace,
}

/// An unknown level name; the message lists the allowed ones.
///
/// ```
/// let e = "loud".parse::<telegraf_execd::logger::LogLevel>().unwrap_err();
/// assert_eq!(e.0, "loud");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid log level {0:?}: allowed values are error|warn|info|debug|trace")]
pub struct UnknownLogLevel(pub String);

impl LogLevel {
    /// The three-character stderr prefix Telegraf maps to this level.
    ///
    /// ```
    /// assert_eq!(telegraf_execd::logger::LogLevel::Error.prefix(), "E! ");
    /// ```
    pub fn prefix(self) -> &'static str {
        match self {
            LogLevel::Error => "E! ",
            LogLevel::Warn => "W! ",
            LogLevel::Info => "I! ",
            LogLevel::Debug => "D! ",
            LogLevel::Trace => "T! ",
        }
    }

    /// The equivalent `log` filter.
    ///
    /// ```
    /// use telegraf_execd::logger::LogLevel;
    /// assert_eq!(LogLevel::Warn.filter(), log::LevelFilter::Warn);
    /// ```
    pub fn filter(self) -> log::LevelFilter {
        match self {
            LogLevel::Error => log::LevelFilter::Error,
            LogLevel::Warn => log::LevelFilter::Warn,
            LogLevel::Info => log::LevelFilter::Info,
            LogLevel::Debug => log::LevelFilter::Debug,
            LogLevel::Trace => log::LevelFilter::Trace,
        }
    }

    /// The lower-case name (`"info"`).
    ///
    /// ```
    /// assert_eq!(telegraf_execd::logger::LogLevel::Trace.as_str(), "trace");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
            LogLevel::Trace => "trace",
        }
    }

    fn of(level: log::Level) -> Self {
        match level {
            log::Level::Error => LogLevel::Error,
            log::Level::Warn => LogLevel::Warn,
            log::Level::Info => LogLevel::Info,
            log::Level::Debug => LogLevel::Debug,
            log::Level::Trace => LogLevel::Trace,
        }
    }
}

impl FromStr for LogLevel {
    type Err = UnknownLogLevel;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "error" => Ok(LogLevel::Error),
            "warn" => Ok(LogLevel::Warn),
            "info" => Ok(LogLevel::Info),
            "debug" => Ok(LogLevel::Debug),
            "trace" => Ok(LogLevel::Trace),
            other => Err(UnknownLogLevel(other.to_string())),
        }
    }
}

impl std::fmt::Display for LogLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for LogLevel {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Formats one record as a complete stderr line (prefix, escaped message, `\n`), capped at
/// [`MAX_LINE_BYTES`]. Exposed so plugins and tests can produce the exact same shape.
///
/// ```
/// use telegraf_execd::logger::{format_line, LogLevel};
/// assert_eq!(format_line(LogLevel::Warn, "two\nlines"), "W! two\\nlines\n");
/// ```
pub fn format_line(level: LogLevel, message: &str) -> String {
    let mut line = String::with_capacity(message.len() + 8);
    line.push_str(level.prefix());
    // Leave room for the truncation marker and the newline.
    let limit = MAX_LINE_BYTES - 40;
    for (i, c) in message.char_indices() {
        if line.len() >= limit {
            let _ = write!(line, "... [{} bytes truncated]", message.len() - i);
            break;
        }
        match c {
            '\n' => line.push_str("\\n"),
            '\r' => line.push_str("\\r"),
            '\t' => line.push('\t'),
            c if c.is_control() => {
                let _ = write!(line, "\\u{{{:x}}}", c as u32);
            }
            c => line.push(c),
        }
    }
    line.push('\n');
    line
}

/// The stderr logger. Install it once with [`init`]; change the level later with [`set_level`].
///
/// ```
/// use telegraf_execd::logger::TelegrafLogger;
/// let logger = TelegrafLogger::new();
/// log::set_max_level(log::LevelFilter::Warn); // what `init`/`set_level` do
/// assert!(log::Log::enabled(&logger, &log::Metadata::builder().level(log::Level::Error).build()));
/// assert!(!log::Log::enabled(&logger, &log::Metadata::builder().level(log::Level::Info).build()));
/// ```
#[derive(Debug, Default)]
pub struct TelegrafLogger;

impl TelegrafLogger {
    /// A logger writing to this process's stderr.
    ///
    /// ```
    /// let _ = telegraf_execd::logger::TelegrafLogger::new();
    /// ```
    pub fn new() -> Self {
        TelegrafLogger
    }
}

impl log::Log for TelegrafLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let message = record.args().to_string();
        let line = format_line(LogLevel::of(record.level()), &message);
        // One write call per line so concurrent threads never interleave within a line; a
        // failing stderr (Telegraf gone) leaves nobody to tell.
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }

    fn flush(&self) {
        let _ = std::io::stderr().flush();
    }
}

static LOGGER: TelegrafLogger = TelegrafLogger;

/// Installs the Telegraf-style stderr logger as the `log` backend with the given level.
/// Calling it again only changes the level.
///
/// ```
/// use telegraf_execd::logger::{init, LogLevel};
/// init(LogLevel::Debug);
/// assert_eq!(log::max_level(), log::LevelFilter::Debug);
/// log::debug!("visible on stderr as `D! ...`");
/// ```
pub fn init(level: LogLevel) {
    // An error only means a logger is already installed (ours, or a test harness's).
    let _ = log::set_logger(&LOGGER);
    set_level(level);
}

/// Changes the level filter, e.g. after the config file has been read.
///
/// ```
/// use telegraf_execd::logger::{set_level, LogLevel};
/// set_level(LogLevel::Warn);
/// assert_eq!(log::max_level(), log::LevelFilter::Warn);
/// ```
pub fn set_level(level: LogLevel) {
    log::set_max_level(level.filter());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_and_escapes() {
        assert_eq!(format_line(LogLevel::Error, "bad"), "E! bad\n");
        assert_eq!(format_line(LogLevel::Info, "a\r\nb"), "I! a\\r\\nb\n");
        assert_eq!(format_line(LogLevel::Trace, "\u{1b}[1m"), "T! \\u{1b}[1m\n");
        assert_eq!(format_line(LogLevel::Debug, ""), "D! \n");
    }

    #[test]
    fn caps_long_lines_on_char_boundary() {
        let long = "é".repeat(100_000);
        let line = format_line(LogLevel::Warn, &long);
        assert!(line.len() <= MAX_LINE_BYTES, "{}", line.len());
        assert!(line.ends_with("bytes truncated]\n"));
        assert_eq!(line.matches('\n').count(), 1);
    }

    #[test]
    fn level_names_round_trip() {
        for l in [
            LogLevel::Error,
            LogLevel::Warn,
            LogLevel::Info,
            LogLevel::Debug,
            LogLevel::Trace,
        ] {
            assert_eq!(l.as_str().parse::<LogLevel>().unwrap(), l);
        }
        assert!("INFO".parse::<LogLevel>().is_err());
    }
}
