//! The `[[inputs.execd]]` options the harness honours, with Telegraf's defaults.

use std::ffi::OsString;
use std::str::FromStr;
use std::time::Duration;

/// How each gather is announced to the program (`signal = ...`).
///
/// ```
/// use execd_conformance::config::GatherSignal;
/// assert_eq!("STDIN".parse::<GatherSignal>(), Ok(GatherSignal::Stdin));
/// // Telegraf's values are case-sensitive.
/// assert!("stdin".parse::<GatherSignal>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GatherSignal {
    /// `"none"`: nothing is sent; the program emits on its own schedule.
    None,
    /// `"STDIN"`: one `\n` per gather.
    Stdin,
    /// `"SIGHUP"`
    Sighup,
    /// `"SIGUSR1"`
    Sigusr1,
    /// `"SIGUSR2"`
    Sigusr2,
}

/// A `signal` value Telegraf does not know (it would fail on every interval).
///
/// ```
/// use execd_conformance::config::GatherSignal;
/// let e = "HUP".parse::<GatherSignal>().unwrap_err();
/// assert!(e.to_string().contains("\"HUP\""));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid signal {0:?}: expected one of none, STDIN, SIGHUP, SIGUSR1, SIGUSR2")]
pub struct InvalidSignal(pub String);

impl FromStr for GatherSignal {
    type Err = InvalidSignal;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "none" => Ok(Self::None),
            "STDIN" => Ok(Self::Stdin),
            "SIGHUP" => Ok(Self::Sighup),
            "SIGUSR1" => Ok(Self::Sigusr1),
            "SIGUSR2" => Ok(Self::Sigusr2),
            other => Err(InvalidSignal(other.to_owned())),
        }
    }
}

impl GatherSignal {
    /// The Unix signal sent per gather, for the three signal modes.
    ///
    /// ```
    /// use execd_conformance::config::GatherSignal;
    /// assert!(GatherSignal::Sighup.unix_signal().is_some());
    /// assert!(GatherSignal::Stdin.unix_signal().is_none());
    /// ```
    pub fn unix_signal(self) -> Option<rustix::process::Signal> {
        use rustix::process::Signal;
        match self {
            Self::None | Self::Stdin => None,
            Self::Sighup => Some(Signal::HUP),
            Self::Sigusr1 => Some(Signal::USR1),
            Self::Sigusr2 => Some(Signal::USR2),
        }
    }
}

/// How long each step of Telegraf's stop sequence waits (`Process.Stop`: close stdin,
/// SIGTERM 5 s later, SIGKILL 5 s after that).
///
/// ```
/// use execd_conformance::config::StopTimeouts;
/// use std::time::Duration;
/// assert_eq!(StopTimeouts::default().term_after, Duration::from_secs(5));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StopTimeouts {
    /// From closing stdin to SIGTERM.
    pub term_after: Duration,
    /// From SIGTERM to SIGKILL.
    pub kill_after: Duration,
}

impl Default for StopTimeouts {
    fn default() -> Self {
        Self {
            term_after: Duration::from_secs(5),
            kill_after: Duration::from_secs(5),
        }
    }
}

/// One `[[inputs.execd]]` instance as the harness runs it.
///
/// ```
/// use execd_conformance::config::{ExecdConfig, GatherSignal};
/// let c = ExecdConfig::new(["/bin/cat"]).signal(GatherSignal::Stdin).env("TZ=UTC");
/// assert_eq!(c.restart_delay, std::time::Duration::from_secs(10));
/// assert_eq!(c.environment, vec!["TZ=UTC".to_string()]);
/// ```
#[derive(Debug, Clone)]
pub struct ExecdConfig {
    /// `command`: the program and its arguments, run without a shell.
    pub command: Vec<OsString>,
    /// `environment`: `KEY=value` entries added to the harness's own environment.
    pub environment: Vec<String>,
    /// `signal`.
    pub signal: GatherSignal,
    /// `restart_delay` (default 10 s).
    pub restart_delay: Duration,
    /// `stop_on_error`: do not restart after a failing exit.
    pub stop_on_error: bool,
    /// The stop sequence's waits.
    pub stop_timeouts: StopTimeouts,
}

impl ExecdConfig {
    /// A config running `command` with Telegraf's defaults (`signal = "none"`, 10 s delay).
    ///
    /// ```
    /// use execd_conformance::config::{ExecdConfig, GatherSignal};
    /// let c = ExecdConfig::new(["/bin/true", "-x"]);
    /// assert_eq!(c.command.len(), 2);
    /// assert_eq!(c.signal, GatherSignal::None);
    /// ```
    pub fn new<I, S>(command: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        Self {
            command: command.into_iter().map(Into::into).collect(),
            environment: Vec::new(),
            signal: GatherSignal::None,
            restart_delay: Duration::from_secs(10),
            stop_on_error: false,
            stop_timeouts: StopTimeouts::default(),
        }
    }

    /// Sets `signal`.
    ///
    /// ```
    /// use execd_conformance::config::{ExecdConfig, GatherSignal};
    /// assert_eq!(ExecdConfig::new(["x"]).signal(GatherSignal::Sighup).signal, GatherSignal::Sighup);
    /// ```
    pub fn signal(mut self, signal: GatherSignal) -> Self {
        self.signal = signal;
        self
    }

    /// Adds one `environment` entry (`KEY=value`).
    ///
    /// ```
    /// use execd_conformance::config::ExecdConfig;
    /// assert_eq!(ExecdConfig::new(["x"]).env("A=1").env("B=2").environment.len(), 2);
    /// ```
    pub fn env(mut self, entry: impl Into<String>) -> Self {
        self.environment.push(entry.into());
        self
    }

    /// Sets `restart_delay`.
    ///
    /// ```
    /// use execd_conformance::config::ExecdConfig;
    /// use std::time::Duration;
    /// let c = ExecdConfig::new(["x"]).restart_delay(Duration::from_millis(200));
    /// assert_eq!(c.restart_delay, Duration::from_millis(200));
    /// ```
    pub fn restart_delay(mut self, delay: Duration) -> Self {
        self.restart_delay = delay;
        self
    }

    /// Sets `stop_on_error`.
    ///
    /// ```
    /// use execd_conformance::config::ExecdConfig;
    /// assert!(ExecdConfig::new(["x"]).stop_on_error(true).stop_on_error);
    /// ```
    pub fn stop_on_error(mut self, stop: bool) -> Self {
        self.stop_on_error = stop;
        self
    }

    /// Sets the stop sequence's waits (shorter than Telegraf's only to test the escalation).
    ///
    /// ```
    /// use execd_conformance::config::{ExecdConfig, StopTimeouts};
    /// use std::time::Duration;
    /// let t = StopTimeouts { term_after: Duration::from_secs(1), kill_after: Duration::from_secs(1) };
    /// assert_eq!(ExecdConfig::new(["x"]).stop_timeouts(t).stop_timeouts, t);
    /// ```
    pub fn stop_timeouts(mut self, timeouts: StopTimeouts) -> Self {
        self.stop_timeouts = timeouts;
        self
    }
}
