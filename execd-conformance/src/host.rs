//! Hosting a program the way `inputs.execd` does (`internal/process`, `plugins/inputs/execd`).
//!
//! - Launch: argv without a shell, environment = ours + `environment` entries, inherited
//!   working directory, three pipes. A failing first launch is an error.
//! - Gathers: `"\n"` on stdin (STDIN) or a signal to the pid (signal modes); nothing in `none`.
//! - stdout: framed and parsed as a stream; stderr: one line at a time, mapped by prefix.
//! - Exit: wait for the process *and* both pipes' EOF, then relaunch after `restart_delay`
//!   (also after exit 0), unless stopping or `stop_on_error` saw a failing exit.
//! - Stop: close stdin; SIGTERM after `term_after`; SIGKILL after `kill_after` more.
//! - Processors (`plugins/processors/execd`): [`ExecdHost::add`] writes one serialized metric
//!   to stdin synchronously, as `Add` does (blocking while the pipe is full); there are no
//!   gathers (`signal` stays `none`) and stdout is read exactly as for an input.

use std::io::Write;
use std::process::ExitStatus;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal, kill_process};

use crate::config::{ExecdConfig, GatherSignal};
use crate::supervisor::{Shared, State, launch, supervise};
use crate::transcript::{Event, TimedEvent, Transcript};

/// What can go wrong while hosting.
///
/// ```
/// use execd_conformance::{config::ExecdConfig, host::{ExecdHost, HostError}};
/// let e = ExecdHost::start(ExecdConfig::new(["/nonexistent/plugin"])).unwrap_err();
/// assert!(matches!(e, HostError::Spawn { .. }));
/// assert!(e.to_string().contains("/nonexistent/plugin"));
/// ```
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// `command` is empty.
    #[error("no command specified")]
    NoCommand,
    /// The program could not be started.
    #[error("starting {program}: {source}")]
    Spawn {
        /// The program path.
        program: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// No process is running (exited, in restart delay, or stopped).
    #[error("process is not running")]
    NotRunning,
    /// Writing the gather newline failed.
    #[error("writing to the process's stdin: {0}")]
    Stdin(std::io::Error),
    /// Sending a signal failed.
    #[error("signalling the process: {0}")]
    Signal(std::io::Error),
}

/// Which step of the stop sequence ended the process.
///
/// ```
/// use execd_conformance::host::StopStep;
/// assert!(StopStep::StdinEof < StopStep::Sigterm && StopStep::Sigterm < StopStep::Sigkill);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StopStep {
    /// No process was running when the stop began.
    AlreadyExited,
    /// It exited after stdin was closed, before SIGTERM.
    StdinEof,
    /// It exited after SIGTERM.
    Sigterm,
    /// It had to be killed.
    Sigkill,
}

/// The outcome of [`ExecdHost::stop`].
///
/// ```
/// use execd_conformance::{config::{ExecdConfig, GatherSignal}, host::{ExecdHost, StopStep}};
/// let host = ExecdHost::start(ExecdConfig::new(["/bin/cat"]).signal(GatherSignal::Stdin)).unwrap();
/// let report = host.stop();
/// assert_eq!(report.ended_by, StopStep::StdinEof);
/// assert!(report.status.unwrap().success());
/// ```
#[derive(Debug, Clone)]
pub struct StopReport {
    /// The step that ended the process.
    pub ended_by: StopStep,
    /// Exit status of the process stopped (None if none was running).
    pub status: Option<ExitStatus>,
    /// From closing stdin to the process's exit.
    pub exit_after: Duration,
    /// Both pipes reached EOF (false: something still held them when the harness gave up).
    pub pipes_closed: bool,
    /// Everything observed, including output printed during shutdown.
    pub transcript: Transcript,
}

/// A running `[[inputs.execd]]` instance.
///
/// ```
/// use execd_conformance::{config::{ExecdConfig, GatherSignal}, host::ExecdHost};
/// use std::time::Duration;
/// // A shell loop standing in for a plugin: one metric per newline.
/// let script = r#"while read _; do echo "m v=1i 1700000000000000000"; done"#;
/// let config = ExecdConfig::new(["/bin/sh", "-c", script]).signal(GatherSignal::Stdin);
/// let host = ExecdHost::start(config).unwrap();
/// host.gather().unwrap();
/// assert!(host.wait_for_metrics(1, Duration::from_secs(5)));
/// let report = host.stop();
/// assert_eq!(report.transcript.metrics_per_gather(), vec![1]);
/// ```
pub struct ExecdHost {
    config: ExecdConfig,
    shared: Arc<Shared>,
    supervisor: Option<JoinHandle<()>>,
}

impl ExecdHost {
    /// Launches the program; an error if the first launch fails (Telegraf refuses to start).
    ///
    /// ```
    /// use execd_conformance::{config::ExecdConfig, host::ExecdHost};
    /// let host = ExecdHost::start(ExecdConfig::new(["/bin/cat"])).unwrap();
    /// assert!(host.pid().is_some());
    /// host.stop();
    /// ```
    pub fn start(config: ExecdConfig) -> Result<Self, HostError> {
        if config.command.is_empty() {
            return Err(HostError::NoCommand);
        }
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
            stdin: Mutex::new(None),
        });
        let instance = launch(&config, &shared, 0)?;
        let supervisor = {
            let (config, shared) = (config.clone(), Arc::clone(&shared));
            std::thread::spawn(move || supervise(&config, &shared, instance))
        };
        Ok(Self {
            config,
            shared,
            supervisor: Some(supervisor),
        })
    }

    /// Announces one gather as Telegraf's `Gather` does: `"\n"` on stdin, or the signal.
    /// In `none` mode only the gather is recorded. Failures are also recorded, like
    /// Telegraf's per-interval error while the process is down.
    ///
    /// ```
    /// use execd_conformance::{config::{ExecdConfig, GatherSignal}, host::ExecdHost};
    /// let host = ExecdHost::start(ExecdConfig::new(["/bin/cat"]).signal(GatherSignal::Stdin)).unwrap();
    /// host.gather().unwrap();
    /// assert_eq!(host.transcript().metrics_per_gather(), vec![0]);
    /// host.stop();
    /// ```
    pub fn gather(&self) -> Result<(), HostError> {
        self.gather_burst(1)
    }

    /// Announces `count` gathers back to back (in STDIN mode: one write of `count` newlines).
    ///
    /// ```
    /// use execd_conformance::{config::{ExecdConfig, GatherSignal}, host::ExecdHost};
    /// let host = ExecdHost::start(ExecdConfig::new(["/bin/cat"]).signal(GatherSignal::Stdin)).unwrap();
    /// host.gather_burst(3).unwrap();
    /// assert_eq!(host.transcript().metrics_per_gather().len(), 3);
    /// host.stop();
    /// ```
    pub fn gather_burst(&self, count: usize) -> Result<(), HostError> {
        {
            let mut state = self.shared.lock();
            for _ in 0..count {
                let index = state.gathers;
                state.gathers += 1;
                state.transcript.events.push(TimedEvent {
                    at: Instant::now(),
                    event: Event::Gather { index },
                });
            }
        }
        self.shared.changed.notify_all();
        let result = match self.config.signal {
            GatherSignal::None => Ok(()),
            GatherSignal::Stdin => {
                let mut stdin = self.shared.stdin();
                match stdin.as_mut() {
                    None => Err(HostError::NotRunning),
                    Some(pipe) => {
                        let newlines = vec![b'\n'; count];
                        pipe.write_all(&newlines)
                            .and_then(|()| pipe.flush())
                            .map_err(HostError::Stdin)
                    }
                }
            }
            signal_mode => {
                let signal = signal_mode
                    .unix_signal()
                    .expect("signal modes map to a signal");
                (0..count).try_for_each(|_| self.signal(signal))
            }
        };
        if let Err(e) = &result {
            self.shared.record(Event::GatherFailed {
                error: e.to_string(),
            });
        }
        result
    }

    /// Writes one metric, already serialized as a line-protocol record ending in `\n`, to the
    /// program's stdin and flushes, as `processors.execd` `Add` does: synchronously, so it
    /// blocks while the pipe is full (that back-pressure is the point). A failure is returned
    /// and recorded; the metric is then lost, as in Telegraf.
    ///
    /// ```
    /// use execd_conformance::{config::ExecdConfig, host::ExecdHost};
    /// use std::time::Duration;
    /// let host = ExecdHost::start(ExecdConfig::new(["/bin/cat"])).unwrap();
    /// host.add(b"m,t=a v=1i 1700000000000000000\n").unwrap();
    /// assert!(host.wait_for_metrics(1, Duration::from_secs(5)));
    /// let t = host.stop().transcript;
    /// assert_eq!(t.metrics().next().unwrap().1.tag("t"), Some("a"));
    /// ```
    pub fn add(&self, record: &[u8]) -> Result<(), HostError> {
        let result = {
            let mut stdin = self.shared.stdin();
            match stdin.as_mut() {
                None => Err(HostError::NotRunning),
                Some(pipe) => pipe
                    .write_all(record)
                    .and_then(|()| pipe.flush())
                    .map_err(HostError::Stdin),
            }
        };
        match &result {
            Ok(()) => {
                let mut state = self.shared.lock();
                let index = state.added;
                state.added += 1;
                state.transcript.events.push(TimedEvent {
                    at: Instant::now(),
                    event: Event::Added { index },
                });
            }
            Err(e) => {
                self.shared.record(Event::AddFailed {
                    error: e.to_string(),
                });
                return result;
            }
        }
        self.shared.changed.notify_all();
        result
    }

    /// Sends `signal` to the running instance (e.g. to kill it and watch the restart).
    ///
    /// ```
    /// use execd_conformance::{config::ExecdConfig, host::ExecdHost};
    /// use rustix::process::Signal;
    /// use std::time::Duration;
    /// let host = ExecdHost::start(ExecdConfig::new(["/bin/cat"]).stop_on_error(true)).unwrap();
    /// host.signal(Signal::KILL).unwrap();
    /// assert!(host.wait_for(Duration::from_secs(5), |t| !t.exits().is_empty()));
    /// host.stop();
    /// ```
    pub fn signal(&self, signal: Signal) -> Result<(), HostError> {
        let pid = self.pid().ok_or(HostError::NotRunning)?;
        let pid = i32::try_from(pid)
            .ok()
            .and_then(Pid::from_raw)
            .ok_or(HostError::NotRunning)?;
        kill_process(pid, signal).map_err(|e| HostError::Signal(e.into()))
    }

    /// The pid of the running instance, if one runs.
    ///
    /// ```
    /// use execd_conformance::{config::ExecdConfig, host::ExecdHost};
    /// let host = ExecdHost::start(ExecdConfig::new(["/bin/cat"])).unwrap();
    /// assert!(host.pid().is_some());
    /// host.stop();
    /// ```
    pub fn pid(&self) -> Option<u32> {
        self.shared.lock().pid
    }

    /// A snapshot of everything observed so far.
    ///
    /// ```
    /// use execd_conformance::{config::ExecdConfig, host::ExecdHost};
    /// let host = ExecdHost::start(ExecdConfig::new(["/bin/cat"])).unwrap();
    /// assert_eq!(host.transcript().launches(), 1);
    /// host.stop();
    /// ```
    pub fn transcript(&self) -> Transcript {
        self.shared.lock().transcript.clone()
    }

    /// Waits until `done` holds for the transcript; false on timeout.
    ///
    /// ```
    /// use execd_conformance::{config::ExecdConfig, host::ExecdHost};
    /// use std::time::Duration;
    /// let host = ExecdHost::start(ExecdConfig::new(["/bin/sh", "-c", "echo 'm v=1'"])).unwrap();
    /// assert!(host.wait_for(Duration::from_secs(5), |t| t.metrics().count() == 1));
    /// host.stop();
    /// ```
    pub fn wait_for(&self, timeout: Duration, mut done: impl FnMut(&Transcript) -> bool) -> bool {
        self.shared
            .wait_until(Instant::now() + timeout, |s| done(&s.transcript))
    }

    /// Waits until at least `count` metrics were parsed in total; false on timeout.
    ///
    /// ```
    /// use execd_conformance::{config::ExecdConfig, host::ExecdHost};
    /// use std::time::Duration;
    /// let host = ExecdHost::start(ExecdConfig::new(["/bin/sh", "-c", "echo 'm v=1'; echo 'm v=2'"])).unwrap();
    /// assert!(host.wait_for_metrics(2, Duration::from_secs(5)));
    /// host.stop();
    /// ```
    pub fn wait_for_metrics(&self, count: usize, timeout: Duration) -> bool {
        self.wait_for(timeout, |t| t.metrics().count() >= count)
    }

    /// Waits until stdout has been silent for `quiet` (since the last record, or since now
    /// if there was none); false if output kept coming until `timeout`.
    ///
    /// ```
    /// use execd_conformance::{config::ExecdConfig, host::ExecdHost};
    /// use std::time::Duration;
    /// let host = ExecdHost::start(ExecdConfig::new(["/bin/cat"])).unwrap();
    /// assert!(host.wait_quiet(Duration::from_millis(50), Duration::from_secs(5)));
    /// host.stop();
    /// ```
    pub fn wait_quiet(&self, quiet: Duration, timeout: Duration) -> bool {
        let start = Instant::now();
        let deadline = start + timeout;
        loop {
            let last = self
                .shared
                .lock()
                .transcript
                .last_output_at()
                .map_or(start, |t| t.max(start));
            let quiet_at = last + quiet;
            let now = Instant::now();
            if now >= quiet_at {
                return true;
            }
            if now >= deadline {
                return false;
            }
            std::thread::sleep((quiet_at.min(deadline)) - now);
        }
    }

    /// Stops like Telegraf: close stdin, SIGTERM after `term_after`, SIGKILL after
    /// `kill_after` more; then waits for the pipes to close (bounded). Output printed during
    /// shutdown is in the returned transcript.
    ///
    /// ```
    /// use execd_conformance::{config::{ExecdConfig, StopTimeouts}, host::{ExecdHost, StopStep}};
    /// use std::time::Duration;
    /// // Ignores EOF (never reads stdin) but dies on SIGTERM.
    /// let quick = StopTimeouts { term_after: Duration::from_millis(200), kill_after: Duration::from_secs(5) };
    /// let config = ExecdConfig::new(["/bin/sleep", "30"]).stop_timeouts(quick);
    /// let report = ExecdHost::start(config).unwrap().stop();
    /// assert_eq!(report.ended_by, StopStep::Sigterm);
    /// ```
    pub fn stop(mut self) -> StopReport {
        let started = Instant::now();
        let (running_pid, instance) = {
            let mut state = self.shared.lock();
            state.stopping = true;
            (state.pid, state.instance)
        };
        self.shared.stdin().take(); // EOF
        self.shared.changed.notify_all();

        let exited = |s: &State| s.pid.is_none() || s.instance != instance;
        let timeouts = self.config.stop_timeouts;
        let mut ended_by = if running_pid.is_none() {
            StopStep::AlreadyExited
        } else {
            StopStep::StdinEof
        };
        if running_pid.is_some()
            && !self
                .shared
                .wait_until(started + timeouts.term_after, exited)
        {
            ended_by = StopStep::Sigterm;
            let _ = self.signal(Signal::TERM);
            let kill_at = Instant::now() + timeouts.kill_after;
            if !self.shared.wait_until(kill_at, exited) {
                ended_by = StopStep::Sigkill;
                let _ = self.signal(Signal::KILL);
                self.shared
                    .wait_until(Instant::now() + Duration::from_secs(10), exited);
            }
        }
        // Telegraf blocks until both pipes close; give grandchildren a bounded chance.
        let pipes_closed = self
            .shared
            .wait_until(Instant::now() + Duration::from_secs(10), |s| {
                s.supervisor_done
            });
        if pipes_closed && let Some(handle) = self.supervisor.take() {
            let _ = handle.join();
        }
        let state = self.shared.lock();
        let exit = state
            .transcript
            .events
            .iter()
            .rev()
            .find_map(|e| match e.event {
                Event::Exited {
                    instance: i,
                    status,
                } if i == instance && running_pid.is_some() => Some((e.at, status)),
                _ => None,
            });
        StopReport {
            ended_by,
            status: exit.map(|(_, status)| status),
            exit_after: exit.map_or(Duration::ZERO, |(at, _)| {
                at.saturating_duration_since(started)
            }),
            pipes_closed,
            transcript: state.transcript.clone(),
        }
    }
}

impl std::fmt::Debug for ExecdHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecdHost")
            .field("command", &self.config.command)
            .field("signal", &self.config.signal)
            .field("pid", &self.pid())
            .finish()
    }
}

impl Drop for ExecdHost {
    fn drop(&mut self) {
        // A test that panicked before stop(): do not leave the child running.
        if self.supervisor.is_some() {
            self.shared.lock().stopping = true;
            self.shared.stdin().take();
            self.shared.changed.notify_all();
            let _ = self.signal(Signal::KILL);
        }
    }
}
