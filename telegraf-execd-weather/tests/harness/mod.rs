//! Launches the plugin the way Telegraf does: no shell, three pipes, signals to the PID.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

/// Stations in the default config, i.e. lines per gather.
pub const STATIONS: usize = 12;

pub struct Plugin {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: Receiver<String>,
    stderr: Receiver<String>,
    /// Every stderr line seen so far.
    pub stderr_lines: Vec<String>,
}

impl Plugin {
    pub fn spawn(args: &[&str]) -> Plugin {
        let mut child = Command::new(env!("CARGO_BIN_EXE_telegraf-execd-weather"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the plugin");
        let stdout = lines_of(child.stdout.take().unwrap());
        let stderr = lines_of(child.stderr.take().unwrap());
        Plugin {
            stdin: child.stdin.take(),
            child,
            stdout,
            stderr,
            stderr_lines: Vec::new(),
        }
    }

    /// Spawns and waits for the `I! started` line (signal handlers are installed by then).
    pub fn start(args: &[&str]) -> Plugin {
        let mut p = Plugin::spawn(args);
        p.wait_stderr("I! started", Duration::from_secs(10));
        p
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn send(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    pub fn close_stdin(&mut self) {
        self.stdin.take();
    }

    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args(["-s", name, &self.pid().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -s {name} failed");
    }

    /// Collects stdout lines until `n` have arrived or `timeout` passed.
    pub fn read_lines(&mut self, n: usize, timeout: Duration) -> Vec<String> {
        let deadline = Instant::now() + timeout;
        let mut out = Vec::new();
        while out.len() < n {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stdout.recv_timeout(left) {
                Ok(line) => out.push(line),
                Err(_) => break,
            }
        }
        out
    }

    /// Stdout lines arriving within `window` (for "nothing else came").
    pub fn lines_during(&mut self, window: Duration) -> Vec<String> {
        self.read_lines(usize::MAX, window)
    }

    /// Waits for a stderr line containing `needle`; panics with all stderr on timeout.
    pub fn wait_stderr(&mut self, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stderr.recv_timeout(left) {
                Ok(line) => {
                    self.stderr_lines.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {
                    panic!(
                        "no stderr line containing {needle:?}; stderr: {:#?}",
                        self.stderr_lines
                    )
                }
            }
        }
    }

    /// Waits for exit; returns the status and how long it took, or None after `timeout`.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<(ExitStatus, Duration)> {
        let started = Instant::now();
        while started.elapsed() < timeout {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some((status, started.elapsed()));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        None
    }

    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// All remaining stderr lines (after exit).
    pub fn drain_stderr(&mut self) -> Vec<String> {
        while let Ok(line) = self.stderr.recv_timeout(Duration::from_secs(5)) {
            self.stderr_lines.push(line);
        }
        self.stderr_lines.clone()
    }

    /// All remaining stdout lines (after exit).
    pub fn drain_stdout(&mut self) -> Vec<String> {
        let mut out = Vec::new();
        while let Ok(line) = self.stdout.recv_timeout(Duration::from_secs(5)) {
            out.push(line);
        }
        out
    }
}

impl Drop for Plugin {
    fn drop(&mut self) {
        // Only our own child, by its handle.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn lines_of<R: std::io::Read + Send + 'static>(r: R) -> Receiver<String> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(r).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Timestamps of the gathers in `lines` (one per group of `STATIONS` equal timestamps).
pub fn timestamps(lines: &[String]) -> Vec<i64> {
    lines
        .iter()
        .map(|l| {
            l.rsplit(' ')
                .next()
                .unwrap()
                .parse::<i64>()
                .expect("ns timestamp")
        })
        .collect()
}

pub fn write_config(dir: &tempfile::TempDir, text: &str) -> String {
    let path = dir.path().join("weather.toml");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}
