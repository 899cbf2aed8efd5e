//! The runner's children: started in their own process group (so a terminal's Ctrl-C reaches
//! only the runner, which then stops them in order), stderr relayed line by line with the
//! child's name, and stopped the way Telegraf stops an execd plugin.
//!
//! Stopping: an execd plugin gets its stdin closed, then SIGTERM, then SIGKILL, each after a
//! grace period; a tool without a stdin protocol gets SIGTERM, then SIGKILL.

use std::ffi::{OsStr, OsString};
use std::io::Write as _;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use anyhow::Context as _;
use telegraf_execd::logger::LogLevel;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::task::JoinHandle;

/// A child's stderr line as the runner prints it: the child's level prefix kept at column 0,
/// its name in brackets after it. A line without a level prefix (a panic message, say) is
/// shown as an error, as Telegraf does.
///
/// ```
/// use telegraf_execd::logger::LogLevel;
/// use weather_pipeline::child::relay_line;
/// assert_eq!(relay_line("inject", "I! live: 12 stations every 10s"),
///            (LogLevel::Info, "I! [inject] live: 12 stations every 10s".to_string()));
/// assert_eq!(relay_line("bridge", "thread 'main' panicked"),
///            (LogLevel::Error, "E! [bridge] thread 'main' panicked".to_string()));
/// ```
pub fn relay_line(name: &str, line: &str) -> (LogLevel, String) {
    const LEVELS: [(&str, LogLevel); 5] = [
        ("E! ", LogLevel::Error),
        ("W! ", LogLevel::Warn),
        ("I! ", LogLevel::Info),
        ("D! ", LogLevel::Debug),
        ("T! ", LogLevel::Trace),
    ];
    for (prefix, level) in LEVELS {
        if let Some(rest) = line.strip_prefix(prefix) {
            return (level, format!("{prefix}[{name}] {rest}"));
        }
    }
    (LogLevel::Error, format!("E! [{name}] {line}"))
}

/// Writes one already formatted line to stderr if its level is enabled.
pub(crate) fn emit(level: LogLevel, line: &str) {
    if level.filter() <= log::max_level() {
        // One write per line: the relays of several children never interleave within a line.
        let _ = std::io::stderr()
            .lock()
            .write_all(format!("{line}\n").as_bytes());
    }
}

/// How a child is asked to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StopStyle {
    /// Execd plugin: close stdin, then SIGTERM, then SIGKILL.
    CloseStdin,
    /// Plain tool: SIGTERM, then SIGKILL.
    Terminate,
}

/// Where a child's stdout goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StdoutRoute {
    /// Straight to the runner's stdout (the live view).
    Inherit,
    /// Relayed to stderr at this level, prefixed like stderr lines.
    Log(LogLevel),
    /// Kept for the caller ([`Supervised::finish`]).
    Capture,
    /// Handed to the caller as a pipe ([`Supervised::take_stdout`]), to feed another child.
    Pipe,
    /// The alerts processor's output: its alert metrics are printed on the runner's stdout as
    /// readable lines ([`crate::alert_view`]); the metrics it passes through are dropped.
    AlertView,
}

/// What to start.
#[derive(Debug)]
pub(crate) struct Launch<'a> {
    pub name: &'static str,
    pub program: &'a Path,
    pub args: Vec<OsString>,
    pub stdout: StdoutRoute,
    pub stop: StopStyle,
}

/// A running child.
#[derive(Debug)]
pub(crate) struct Supervised {
    name: &'static str,
    child: Child,
    pid: u32,
    stdin: Option<ChildStdin>,
    stop: StopStyle,
    relays: Vec<JoinHandle<()>>,
    captured: Option<JoinHandle<Vec<u8>>>,
    piped: Option<tokio::process::ChildStdout>,
    status: Option<ExitStatus>,
}

/// How long the relays may take to drain after the child exited.
const RELAY_DRAIN: Duration = Duration::from_secs(2);

impl Supervised {
    /// Starts the child in its own process group.
    pub fn spawn(launch: Launch<'_>) -> std::io::Result<Self> {
        Self::spawn_fed(launch, None)
    }

    /// Like [`Supervised::spawn`], with stdin read from `stdin` (another child's
    /// [`StdoutRoute::Pipe`]) instead of what the stop style implies.
    pub fn spawn_fed(launch: Launch<'_>, stdin: Option<Stdio>) -> std::io::Result<Self> {
        let mut command = Command::new(launch.program);
        command
            .args(&launch.args)
            .process_group(0)
            .stdin(match (stdin, launch.stop) {
                (Some(feed), _) => feed,
                (None, StopStyle::CloseStdin) => Stdio::piped(),
                (None, StopStyle::Terminate) => Stdio::null(),
            })
            .stdout(match launch.stdout {
                StdoutRoute::Inherit => Stdio::inherit(),
                StdoutRoute::Log(_)
                | StdoutRoute::Capture
                | StdoutRoute::Pipe
                | StdoutRoute::AlertView => Stdio::piped(),
            })
            .stderr(Stdio::piped())
            // Safety net if the runner itself fails: no child outlives a dropped handle.
            .kill_on_drop(true);
        let mut child = command.spawn().map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!("starting {}: {e}", launch.program.display()),
            )
        })?;
        let pid = child.id().unwrap_or(0);
        let name = launch.name;
        let mut relays = Vec::new();
        if let Some(stderr) = child.stderr.take() {
            relays.push(tokio::spawn(relay(name, stderr, None)));
        }
        let mut captured = None;
        let mut piped = None;
        match (launch.stdout, child.stdout.take()) {
            (StdoutRoute::Pipe, out) => piped = out,
            (StdoutRoute::AlertView, Some(out)) => {
                relays.push(tokio::spawn(crate::alert_view::print_alerts(out)));
            }
            (StdoutRoute::Log(level), Some(out)) => {
                relays.push(tokio::spawn(relay(name, out, Some(level))));
            }
            (StdoutRoute::Capture, Some(mut out)) => {
                captured = Some(tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let _ = tokio::io::AsyncReadExt::read_to_end(&mut out, &mut buf).await;
                    buf
                }));
            }
            _ => {}
        }
        Ok(Supervised {
            name,
            stdin: child.stdin.take(),
            child,
            pid,
            stop: launch.stop,
            relays,
            captured,
            piped,
            status: None,
        })
    }

    /// The stdout pipe of a [`StdoutRoute::Pipe`] child, as stdin for another child (once).
    pub fn take_stdout(&mut self) -> Option<Stdio> {
        let out = self.piped.take()?;
        out.into_owned_fd().ok().map(Stdio::from)
    }

    /// The child's name in logs.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Waits for the child to exit (cancel-safe; the status is remembered).
    pub async fn wait(&mut self) -> std::io::Result<ExitStatus> {
        if let Some(status) = self.status {
            return Ok(status);
        }
        let status = self.child.wait().await?;
        self.status = Some(status);
        Ok(status)
    }

    /// Stops the child (see the module docs), waits for it and for its output relays.
    pub async fn stop(&mut self, grace: Duration) -> std::io::Result<ExitStatus> {
        if self.status.is_none() && self.stop == StopStyle::CloseStdin {
            drop(self.stdin.take());
            if let Ok(done) = tokio::time::timeout(grace, self.wait()).await {
                return self.drained(done).await;
            }
            log::warn!(
                "{} did not exit within {grace:?} of stdin closing; sending SIGTERM",
                self.name
            );
        }
        if self.status.is_none() {
            self.signal(rustix::process::Signal::TERM);
            if let Ok(done) = tokio::time::timeout(grace, self.wait()).await {
                return self.drained(done).await;
            }
            log::warn!(
                "{} did not exit within {grace:?} of SIGTERM; killing it",
                self.name
            );
            let _ = self.child.start_kill();
        }
        let done = self.wait().await;
        self.drained(done).await
    }

    /// Waits for the child and returns its status and captured stdout.
    pub async fn finish(mut self) -> std::io::Result<(ExitStatus, Vec<u8>)> {
        let status = self.wait().await?;
        let status = self.drained(Ok(status)).await?;
        let out = match self.captured.take() {
            Some(task) => task.await.unwrap_or_default(),
            None => Vec::new(),
        };
        Ok((status, out))
    }

    async fn drained(
        &mut self,
        status: std::io::Result<ExitStatus>,
    ) -> std::io::Result<ExitStatus> {
        for relay in self.relays.drain(..) {
            let _ = tokio::time::timeout(RELAY_DRAIN, relay).await;
        }
        status
    }

    fn signal(&self, signal: rustix::process::Signal) {
        let pid = i32::try_from(self.pid)
            .ok()
            .and_then(rustix::process::Pid::from_raw);
        if let Some(pid) = pid
            && let Err(e) = rustix::process::kill_process(pid, signal)
        {
            log::debug!("signalling {} (pid {}): {e}", self.name, self.pid);
        }
    }
}

/// Copies lines from a child's pipe to stderr: stderr lines keep their own level
/// ([`relay_line`]), stdout lines get `level`.
async fn relay(name: &'static str, pipe: impl AsyncRead + Unpin, level: Option<LogLevel>) {
    let mut reader = BufReader::new(pipe);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let text = String::from_utf8_lossy(&buf);
        let line = text.trim_end_matches(['\n', '\r']);
        let (level, formatted) = match level {
            None => relay_line(name, line),
            Some(level) => (level, format!("{}[{name}] {line}", level.prefix())),
        };
        emit(level, &formatted);
    }
}

/// Arguments of mixed types as `OsString`s.
pub(crate) fn os(args: &[&dyn AsRef<OsStr>]) -> Vec<OsString> {
    args.iter().map(|a| a.as_ref().to_os_string()).collect()
}

/// Starts a child and logs its process id (tests and users find it there).
pub(crate) fn start(launch: Launch<'_>) -> anyhow::Result<Supervised> {
    let name = launch.name;
    started(name, Supervised::spawn(launch))
}

/// [`start`] with stdin read from another child's stdout.
pub(crate) fn start_fed(launch: Launch<'_>, stdin: Option<Stdio>) -> anyhow::Result<Supervised> {
    let name = launch.name;
    started(name, Supervised::spawn_fed(launch, stdin))
}

fn started(name: &'static str, spawned: std::io::Result<Supervised>) -> anyhow::Result<Supervised> {
    let child = spawned.with_context(|| format!("starting {name}"))?;
    log::info!("started {name} (pid {})", child.pid());
    Ok(child)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt as _;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    fn shell(script: &str, stop: StopStyle) -> Supervised {
        Supervised::spawn(Launch {
            name: "sh",
            program: Path::new("/bin/sh"),
            args: os(&[&"-c", &script]),
            stdout: StdoutRoute::Capture,
            stop,
        })
        .unwrap()
    }

    #[test]
    fn an_execd_child_stops_when_its_stdin_closes() {
        runtime().block_on(async {
            let mut child = shell("read line; echo eof; exit 3", StopStyle::CloseStdin);
            let started = std::time::Instant::now();
            let status = child.stop(Duration::from_secs(5)).await.unwrap();
            assert_eq!(status.code(), Some(3));
            assert!(
                started.elapsed() < Duration::from_secs(4),
                "waited for SIGTERM"
            );
        });
    }

    #[test]
    fn sigterm_then_sigkill_after_the_grace_period() {
        runtime().block_on(async {
            // Ignores stdin EOF and SIGTERM: only SIGKILL ends it.
            let script = "trap '' TERM; while :; do :; done";
            let mut child = shell(script, StopStyle::CloseStdin);
            let started = std::time::Instant::now();
            let status = child.stop(Duration::from_millis(300)).await.unwrap();
            assert_eq!(status.signal(), Some(9), "{status}");
            // Two grace periods: after stdin closed, after SIGTERM.
            assert!(started.elapsed() >= Duration::from_millis(600));

            let mut child = shell("sleep 30", StopStyle::Terminate);
            let status = child.stop(Duration::from_secs(5)).await.unwrap();
            assert_eq!(status.signal(), Some(15), "{status}");
        });
    }

    #[test]
    fn captured_stdout_and_exit_status() {
        runtime().block_on(async {
            let child = shell(
                "echo verify messages=1 expected=1; exit 0",
                StopStyle::Terminate,
            );
            let (status, out) = child.finish().await.unwrap();
            assert!(status.success());
            assert_eq!(out, b"verify messages=1 expected=1\n");
        });
    }

    #[test]
    fn children_run_in_their_own_process_group() {
        runtime().block_on(async {
            let mut child = shell("sleep 30", StopStyle::Terminate);
            let pid = rustix::process::Pid::from_raw(child.pid() as i32).unwrap();
            let group = rustix::process::getpgid(Some(pid)).unwrap();
            assert_eq!(group, pid);
            assert_ne!(group, rustix::process::getpgrp());
            child.stop(Duration::from_secs(5)).await.unwrap();
        });
    }
}
