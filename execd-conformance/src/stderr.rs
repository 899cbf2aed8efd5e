//! How Telegraf (v1.32.0+) logs an execd program's stderr lines.
//!
//! A line starting at column 0 with `E! `, `W! `, `I! `, `D! ` or `T! ` is logged at that level
//! with the three characters removed; any other line is logged at error level as
//! `stderr: "<line>"`. A trailing `\r` is stripped. Telegraf's scanner stops for good at a
//! line of 64 KiB or more.

/// Longest stderr line (without its newline) Telegraf's `bufio.Scanner` still delivers.
pub const MAX_STDERR_LINE: usize = 64 * 1024 - 1;

/// Telegraf's log levels.
///
/// ```
/// use execd_conformance::stderr::LogLevel;
/// assert!(LogLevel::Error < LogLevel::Debug);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    /// `E! ` or no prefix.
    Error,
    /// `W! `
    Warn,
    /// `I! `
    Info,
    /// `D! ` (shown with `debug = true`).
    Debug,
    /// `T! ` (shown with `log_level = "trace"`).
    Trace,
}

/// One stderr line as Telegraf would log it.
///
/// ```
/// use execd_conformance::stderr::{LogLevel, StderrLine};
/// let l = StderrLine::classify("W! slow InfluxDB\r");
/// assert_eq!((l.level, l.prefixed, l.text.as_str()), (LogLevel::Warn, true, "slow InfluxDB"));
/// let l = StderrLine::classify("2024-01-01T00:00:00Z E! shim style");
/// assert_eq!((l.level, l.prefixed), (LogLevel::Error, false));
/// assert_eq!(l.telegraf_message(), "stderr: \"2024-01-01T00:00:00Z E! shim style\"");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StderrLine {
    /// The level Telegraf logs it at.
    pub level: LogLevel,
    /// Whether it carried a recognised prefix (unprefixed lines count as errors).
    pub prefixed: bool,
    /// The message: prefix removed, or the whole line when unprefixed.
    pub text: String,
    /// Longer than [`MAX_STDERR_LINE`]: Telegraf's reader would have stopped at this line.
    pub too_long: bool,
}

impl StderrLine {
    /// Maps one raw stderr line (without `\n`) the way Telegraf does.
    ///
    /// ```
    /// use execd_conformance::stderr::{LogLevel, StderrLine};
    /// assert_eq!(StderrLine::classify("e! lower case").prefixed, false);
    /// assert_eq!(StderrLine::classify(" I! indented").prefixed, false);
    /// assert_eq!(StderrLine::classify("D! x").level, LogLevel::Debug);
    /// ```
    pub fn classify(raw: &str) -> Self {
        let too_long = raw.len() > MAX_STDERR_LINE;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let level = match line.as_bytes() {
            [b'E', b'!', b' ', ..] => Some(LogLevel::Error),
            [b'W', b'!', b' ', ..] => Some(LogLevel::Warn),
            [b'I', b'!', b' ', ..] => Some(LogLevel::Info),
            [b'D', b'!', b' ', ..] => Some(LogLevel::Debug),
            [b'T', b'!', b' ', ..] => Some(LogLevel::Trace),
            _ => None,
        };
        match level {
            Some(level) => Self {
                level,
                prefixed: true,
                text: line[3..].to_owned(),
                too_long,
            },
            None => Self {
                level: LogLevel::Error,
                prefixed: false,
                text: line.to_owned(),
                too_long,
            },
        }
    }

    /// The message text Telegraf writes to its log for this line.
    ///
    /// ```
    /// use execd_conformance::stderr::StderrLine;
    /// assert_eq!(StderrLine::classify("I! started").telegraf_message(), "started");
    /// ```
    pub fn telegraf_message(&self) -> String {
        if self.prefixed {
            self.text.clone()
        } else {
            format!("stderr: {:?}", self.text)
        }
    }

    /// True if Telegraf logs it as an error (an `E! ` line or any unprefixed line).
    ///
    /// ```
    /// use execd_conformance::stderr::StderrLine;
    /// assert!(StderrLine::classify("panic!").is_error());
    /// assert!(!StderrLine::classify("I! fine").is_error());
    /// ```
    pub fn is_error(&self) -> bool {
        self.level == LogLevel::Error
    }
}
