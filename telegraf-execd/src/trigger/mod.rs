//! Gather triggers: one blocking event stream fed by stdin newlines, signals and a poll ticker.
//!
//! | source | event |
//! |---|---|
//! | each `\n` byte on stdin ([`StdinMode::Newlines`]) | one [`Trigger::Gather`] — **never coalesced**: a burst of K newlines gives exactly K gathers |
//! | stdin EOF | [`Trigger::Stop`], after the gathers of every newline read before it |
//! | `SIGHUP`, `SIGUSR1`, `SIGUSR2` | one gather each (the Go shim dies on these; we do not). The kernel merges identical signals still pending, so signals sent faster than they are handled may count once |
//! | `SIGTERM`, `SIGINT` | [`Trigger::Stop`]; a second one exits the process at once with status 1 |
//! | poll ticker (optional) | a gather every interval. Ticks **are** coalesced: at most one tick waits in the queue, so a slow gather does not cause a backlog |
//!
//! With `align_poll` (the default) ticks fall on wall-clock multiples of the interval (like
//! Telegraf's `round_interval = true`) and carry that exact time, so timestamps are reproducible.
//!
//! Everything runs on plain threads and a `std::sync::mpsc` channel: no async runtime needed.
//! An async program can call [`Triggers::recv`] from a blocking task.

use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, SystemTime};

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM, SIGUSR1, SIGUSR2};

mod sources;
use sources::{poll, read_stdin};

/// A signal this crate handles.
///
/// ```
/// assert_eq!(telegraf_execd::trigger::Signal::Usr1.name(), "SIGUSR1");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Signal {
    /// `SIGHUP`
    Hup,
    /// `SIGUSR1`
    Usr1,
    /// `SIGUSR2`
    Usr2,
    /// `SIGTERM`
    Term,
    /// `SIGINT`
    Int,
}

impl Signal {
    /// The conventional name (`SIGHUP`).
    ///
    /// ```
    /// assert_eq!(telegraf_execd::trigger::Signal::Term.name(), "SIGTERM");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Signal::Hup => "SIGHUP",
            Signal::Usr1 => "SIGUSR1",
            Signal::Usr2 => "SIGUSR2",
            Signal::Term => "SIGTERM",
            Signal::Int => "SIGINT",
        }
    }

    fn from_raw(raw: i32) -> Option<Self> {
        match raw {
            SIGHUP => Some(Signal::Hup),
            SIGUSR1 => Some(Signal::Usr1),
            SIGUSR2 => Some(Signal::Usr2),
            SIGTERM => Some(Signal::Term),
            SIGINT => Some(Signal::Int),
            _ => None,
        }
    }
}

/// What asked for a gather.
///
/// ```
/// use telegraf_execd::trigger::GatherCause;
/// assert_ne!(GatherCause::Stdin, GatherCause::Poll);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GatherCause {
    /// A newline on stdin (Telegraf `signal = "STDIN"`).
    Stdin,
    /// A signal (Telegraf `signal = "SIGHUP"` etc.).
    Signal(Signal),
    /// The poll ticker (Telegraf `signal = "none"`).
    Poll,
    /// Sent by the program itself through a [`TriggerSender`].
    Manual,
}

/// Why the program should stop.
///
/// ```
/// use telegraf_execd::trigger::StopCause;
/// assert_eq!(StopCause::StdinEof.to_string(), "stdin closed");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopCause {
    /// stdin reached EOF (Telegraf stopping or reloading).
    StdinEof,
    /// Reading stdin failed.
    StdinError(String),
    /// `SIGTERM` or `SIGINT`.
    Signal(Signal),
    /// Requested by the program through a [`TriggerSender`].
    Manual(String),
}

impl std::fmt::Display for StopCause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StopCause::StdinEof => f.write_str("stdin closed"),
            StopCause::StdinError(e) => write!(f, "reading stdin failed: {e}"),
            StopCause::Signal(s) => write!(f, "received {}", s.name()),
            StopCause::Manual(why) => f.write_str(why),
        }
    }
}

/// One event from [`Triggers`].
///
/// ```
/// use telegraf_execd::trigger::{GatherCause, Trigger};
/// let t = Trigger::Gather { cause: GatherCause::Manual, at: std::time::SystemTime::UNIX_EPOCH };
/// assert!(matches!(t, Trigger::Gather { .. }));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// Gather once now.
    Gather {
        /// The source.
        cause: GatherCause,
        /// When it was requested: the scheduled tick time for aligned polls, else receipt time.
        at: SystemTime,
    },
    /// Flush and exit.
    Stop(StopCause),
}

/// How stdin is used.
///
/// ```
/// assert_eq!(telegraf_execd::trigger::StdinMode::default(), telegraf_execd::trigger::StdinMode::Newlines);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StdinMode {
    /// Every `\n` is a gather, EOF is stop (inputs).
    #[default]
    Newlines,
    /// Content is discarded, EOF is stop (programs that gather only on their own schedule).
    EofOnly,
    /// stdin is not read at all.
    Ignore,
}

/// Which sources feed the stream.
///
/// ```
/// use std::time::Duration;
/// use telegraf_execd::trigger::TriggerConfig;
/// let cfg = TriggerConfig { poll_interval: Some(Duration::from_secs(10)), ..TriggerConfig::default() };
/// assert!(cfg.gather_signals && cfg.align_poll);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerConfig {
    /// stdin handling (default [`StdinMode::Newlines`]).
    pub stdin: StdinMode,
    /// SIGHUP/SIGUSR1/SIGUSR2 → gather (default true).
    pub gather_signals: bool,
    /// SIGTERM/SIGINT → stop (default true).
    pub stop_signals: bool,
    /// Poll ticker interval; `None` (default) = no ticker. Zero is treated as `None`.
    pub poll_interval: Option<Duration>,
    /// Put ticks on wall-clock multiples of the interval (default true).
    pub align_poll: bool,
}

impl Default for TriggerConfig {
    fn default() -> Self {
        TriggerConfig {
            stdin: StdinMode::Newlines,
            gather_signals: true,
            stop_signals: true,
            poll_interval: None,
            align_poll: true,
        }
    }
}

/// Lets a program (or a test) inject its own events.
///
/// ```
/// use telegraf_execd::trigger::{StopCause, Trigger, Triggers};
/// let triggers = Triggers::manual();
/// triggers.sender().stop("done");
/// assert_eq!(triggers.recv(), Trigger::Stop(StopCause::Manual("done".into())));
/// ```
#[derive(Debug, Clone)]
pub struct TriggerSender(Sender<Trigger>);

impl TriggerSender {
    /// Requests one gather now (returns false if the receiver is gone).
    ///
    /// ```
    /// let t = telegraf_execd::trigger::Triggers::manual();
    /// assert!(t.sender().gather());
    /// ```
    pub fn gather(&self) -> bool {
        self.0
            .send(Trigger::Gather {
                cause: GatherCause::Manual,
                at: SystemTime::now(),
            })
            .is_ok()
    }

    /// Requests a stop with a reason (returns false if the receiver is gone).
    ///
    /// ```
    /// let t = telegraf_execd::trigger::Triggers::manual();
    /// assert!(t.sender().stop("fatal upstream error"));
    /// ```
    pub fn stop(&self, why: impl Into<String>) -> bool {
        self.0
            .send(Trigger::Stop(StopCause::Manual(why.into())))
            .is_ok()
    }
}

/// The event stream. Blocking: use [`Triggers::recv`] or iterate (the iterator never ends on
/// its own; stop at the first [`Trigger::Stop`]).
///
/// ```no_run
/// use std::time::Duration;
/// use telegraf_execd::trigger::{Trigger, TriggerConfig, Triggers};
/// let triggers = Triggers::start(TriggerConfig { poll_interval: Some(Duration::from_secs(10)), ..Default::default() })?;
/// for t in &triggers {
///     match t {
///         Trigger::Gather { at, .. } => println!("gather at {at:?}"),
///         Trigger::Stop(why) => { eprintln!("I! stopping: {why}"); break }
///     }
/// }
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct Triggers {
    rx: Receiver<Trigger>,
    tx: Sender<Trigger>,
    tick_pending: Arc<AtomicBool>,
}

impl Triggers {
    /// Starts the sources in `config`, reading this process's stdin and installing signal
    /// handlers. Call it once per process.
    ///
    /// ```no_run
    /// let triggers = telegraf_execd::trigger::Triggers::start(Default::default())?;
    /// let _first = triggers.recv();
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn start(config: TriggerConfig) -> std::io::Result<Triggers> {
        Self::start_with_stdin(config, std::io::stdin())
    }

    /// Like [`Triggers::start`] with `stdin` replaced by any reader.
    ///
    /// ```
    /// use telegraf_execd::trigger::{StopCause, Trigger, TriggerConfig, Triggers};
    /// let cfg = TriggerConfig { gather_signals: false, stop_signals: false, ..Default::default() };
    /// let t = Triggers::start_with_stdin(cfg, std::io::Cursor::new(b"\n\n".to_vec())).unwrap();
    /// assert!(matches!(t.recv(), Trigger::Gather { .. }));
    /// assert!(matches!(t.recv(), Trigger::Gather { .. }));
    /// assert_eq!(t.recv(), Trigger::Stop(StopCause::StdinEof));
    /// ```
    pub fn start_with_stdin<R>(config: TriggerConfig, stdin: R) -> std::io::Result<Triggers>
    where
        R: Read + Send + 'static,
    {
        let triggers = Triggers::manual();
        let mut raw = Vec::new();
        if config.gather_signals {
            raw.extend([SIGHUP, SIGUSR1, SIGUSR2]);
        }
        if config.stop_signals {
            for sig in [SIGTERM, SIGINT] {
                // A second SIGTERM/SIGINT after the first one exits at once, in case a gather hangs.
                let seen = Arc::new(AtomicBool::new(false));
                signal_hook::flag::register_conditional_shutdown(sig, 1, Arc::clone(&seen))?;
                signal_hook::flag::register(sig, seen)?;
            }
            raw.extend([SIGTERM, SIGINT]);
        }
        if !raw.is_empty() {
            let mut signals = signal_hook::iterator::Signals::new(&raw)?;
            let tx = triggers.tx.clone();
            std::thread::Builder::new()
                .name("execd-signals".into())
                .spawn(move || {
                    for raw in signals.forever() {
                        let Some(sig) = Signal::from_raw(raw) else {
                            continue;
                        };
                        let event = match sig {
                            Signal::Term | Signal::Int => Trigger::Stop(StopCause::Signal(sig)),
                            _ => Trigger::Gather {
                                cause: GatherCause::Signal(sig),
                                at: SystemTime::now(),
                            },
                        };
                        if tx.send(event).is_err() {
                            break;
                        }
                    }
                })?;
        }
        if config.stdin != StdinMode::Ignore {
            let tx = triggers.tx.clone();
            let count_newlines = config.stdin == StdinMode::Newlines;
            std::thread::Builder::new()
                .name("execd-stdin".into())
                .spawn(move || read_stdin(stdin, count_newlines, &tx))?;
        }
        if let Some(interval) = config.poll_interval.filter(|d| !d.is_zero()) {
            let tx = triggers.tx.clone();
            let pending = Arc::clone(&triggers.tick_pending);
            let align = config.align_poll;
            std::thread::Builder::new()
                .name("execd-poll".into())
                .spawn(move || poll(interval, align, &tx, &pending))?;
        }
        Ok(triggers)
    }

    /// A stream with no sources: only events sent through [`Triggers::sender`].
    ///
    /// ```
    /// let t = telegraf_execd::trigger::Triggers::manual();
    /// assert!(t.recv_timeout(std::time::Duration::from_millis(1)).is_none());
    /// ```
    pub fn manual() -> Triggers {
        let (tx, rx) = mpsc::channel();
        Triggers {
            rx,
            tx,
            tick_pending: Arc::new(AtomicBool::new(false)),
        }
    }

    /// A handle to inject events.
    ///
    /// ```
    /// let t = telegraf_execd::trigger::Triggers::manual();
    /// let s = t.sender();
    /// std::thread::spawn(move || s.gather()).join().unwrap();
    /// assert!(matches!(t.recv(), telegraf_execd::trigger::Trigger::Gather { .. }));
    /// ```
    pub fn sender(&self) -> TriggerSender {
        TriggerSender(self.tx.clone())
    }

    /// Blocks until the next event.
    ///
    /// ```
    /// let t = telegraf_execd::trigger::Triggers::manual();
    /// t.sender().stop("x");
    /// assert!(matches!(t.recv(), telegraf_execd::trigger::Trigger::Stop(_)));
    /// ```
    pub fn recv(&self) -> Trigger {
        // `self.tx` keeps the channel open, so `recv` cannot fail.
        let t = self
            .rx
            .recv()
            .unwrap_or_else(|_| Trigger::Stop(StopCause::Manual("trigger channel closed".into())));
        self.consumed(&t);
        t
    }

    /// Waits at most `timeout` for the next event.
    ///
    /// ```
    /// let t = telegraf_execd::trigger::Triggers::manual();
    /// t.sender().gather();
    /// assert!(t.recv_timeout(std::time::Duration::from_secs(1)).is_some());
    /// ```
    pub fn recv_timeout(&self, timeout: Duration) -> Option<Trigger> {
        match self.rx.recv_timeout(timeout) {
            Ok(t) => {
                self.consumed(&t);
                Some(t)
            }
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => None,
        }
    }

    fn consumed(&self, t: &Trigger) {
        if matches!(
            t,
            Trigger::Gather {
                cause: GatherCause::Poll,
                ..
            }
        ) {
            self.tick_pending.store(false, Ordering::Release);
        }
    }
}

impl Iterator for &Triggers {
    type Item = Trigger;
    fn next(&mut self) -> Option<Trigger> {
        Some(self.recv())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    fn no_signals() -> TriggerConfig {
        TriggerConfig {
            gather_signals: false,
            stop_signals: false,
            ..TriggerConfig::default()
        }
    }

    #[test]
    fn burst_of_newlines_gives_one_gather_each_then_stop() {
        let input = b"\n\n\nx\n\n".repeat(100);
        let t = Triggers::start_with_stdin(no_signals(), std::io::Cursor::new(input)).unwrap();
        let mut gathers = 0;
        loop {
            match t.recv() {
                Trigger::Gather { cause, .. } => {
                    assert_eq!(cause, GatherCause::Stdin);
                    gathers += 1;
                }
                Trigger::Stop(cause) => {
                    assert_eq!(cause, StopCause::StdinEof);
                    break;
                }
            }
        }
        assert_eq!(gathers, 500);
    }

    #[test]
    fn eof_only_mode_ignores_content() {
        let cfg = TriggerConfig {
            stdin: StdinMode::EofOnly,
            ..no_signals()
        };
        let t = Triggers::start_with_stdin(cfg, std::io::Cursor::new(b"\n\n".to_vec())).unwrap();
        assert_eq!(t.recv(), Trigger::Stop(StopCause::StdinEof));
    }

    #[test]
    fn aligned_poll_ticks_on_interval_multiples_and_coalesces() {
        let cfg = TriggerConfig {
            stdin: StdinMode::Ignore,
            poll_interval: Some(Duration::from_millis(20)),
            ..no_signals()
        };
        let t = Triggers::start_with_stdin(cfg, std::io::empty()).unwrap();
        for _ in 0..3 {
            match t.recv() {
                Trigger::Gather {
                    cause: GatherCause::Poll,
                    at,
                } => {
                    let ns = at.duration_since(UNIX_EPOCH).unwrap().as_nanos();
                    assert_eq!(ns % 20_000_000, 0);
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        // Not consuming for a while must leave at most one tick queued.
        std::thread::sleep(Duration::from_millis(150));
        assert!(t.recv_timeout(Duration::ZERO).is_some());
        assert!(t.recv_timeout(Duration::ZERO).is_none());
    }
}
