//! The processor binary launched like Telegraf's `processors.execd` launches it: argv without
//! a shell, three pipes. Reader threads collect stdout (bytes) and stderr (lines); waits are on
//! channels with generous timeouts (readiness, never sleeps).

#![allow(dead_code)] // each test file uses part of the harness

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

pub const WAIT: Duration = Duration::from_secs(10);

pub struct Processor {
    child: Option<Child>,
    pid: u32,
    stdin: Option<ChildStdin>,
    stdout: Receiver<Vec<u8>>,
    stderr: Receiver<String>,
    exit: Receiver<ExitStatus>,
    pub out: Vec<u8>,
    pub err: Vec<String>,
}

impl Processor {
    /// Spawns the binary; does not wait for anything.
    pub fn spawn(args: &[&str]) -> Processor {
        let mut child = Command::new(env!("CARGO_BIN_EXE_telegraf-execd-alerts"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the processor");
        let stdin = child.stdin.take();
        let mut stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        let (out_tx, out_rx) = channel();
        std::thread::spawn(move || {
            let mut buf = vec![0; 1 << 16];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 || out_tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        let (err_tx, err_rx) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if err_tx.send(line).is_err() {
                    break;
                }
            }
        });
        let pid = child.id();
        Processor {
            child: Some(child),
            pid,
            stdin,
            stdout: out_rx,
            stderr: err_rx,
            exit: channel().1,
            out: Vec::new(),
            err: Vec::new(),
        }
    }

    /// Spawns and waits for the start-up log line.
    pub fn start(args: &[&str]) -> Processor {
        let mut p = Processor::spawn(args);
        p.wait_stderr("I! alerts processor started");
        p
    }

    pub fn send(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Takes the stdin pipe (to write from another thread).
    pub fn take_stdin(&mut self) -> ChildStdin {
        self.stdin.take().expect("stdin open")
    }

    /// Waits until stdout has given at least `n` bytes in total; returns everything so far.
    pub fn read_bytes(&mut self, n: usize) -> &[u8] {
        let deadline = Instant::now() + WAIT;
        while self.out.len() < n {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stdout.recv_timeout(left) {
                Ok(chunk) => self.out.extend_from_slice(&chunk),
                Err(e) => panic!(
                    "stdout gave {} of {n} bytes ({e:?}): {:?}\nstderr: {:?}",
                    self.out.len(),
                    String::from_utf8_lossy(&self.out),
                    self.err
                ),
            }
        }
        &self.out
    }

    /// Reads stdout to its end (the process closed it).
    pub fn drain_stdout(&mut self) -> &[u8] {
        loop {
            match self.stdout.recv_timeout(WAIT) {
                Ok(chunk) => self.out.extend_from_slice(&chunk),
                Err(RecvTimeoutError::Disconnected) => return &self.out,
                Err(RecvTimeoutError::Timeout) => panic!("stdout not closed"),
            }
        }
    }

    /// Waits for a stderr line containing `pattern`.
    pub fn wait_stderr(&mut self, pattern: &str) -> String {
        if let Some(line) = self.err.iter().find(|l| l.contains(pattern)) {
            return line.clone();
        }
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stderr.recv_timeout(left) {
                Ok(line) => {
                    self.err.push(line.clone());
                    if line.contains(pattern) {
                        return line;
                    }
                }
                Err(e) => panic!(
                    "no stderr line with {pattern:?} ({e:?}); got {:?}",
                    self.err
                ),
            }
        }
    }

    /// Reads stderr to its end.
    pub fn drain_stderr(&mut self) -> &[String] {
        while let Ok(line) = self.stderr.recv_timeout(WAIT) {
            self.err.push(line);
        }
        &self.err
    }

    pub fn signal(&self, signal: rustix::process::Signal) {
        let pid = rustix::process::Pid::from_raw(self.pid as i32).unwrap();
        rustix::process::kill_process(pid, signal).unwrap();
    }

    /// Waits for the exit; returns the status and how long it took from this call.
    pub fn wait_exit(&mut self, timeout: Duration) -> (ExitStatus, Duration) {
        let started = Instant::now();
        if let Some(mut child) = self.child.take() {
            let (tx, rx) = channel();
            std::thread::spawn(move || {
                let _ = tx.send(child.wait().unwrap());
            });
            self.exit = rx;
        }
        let status = self
            .exit
            .recv_timeout(timeout)
            .unwrap_or_else(|_| panic!("no exit within {timeout:?}; stderr {:?}", self.err));
        (status, started.elapsed())
    }
}

impl Drop for Processor {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Every stderr line carries a Telegraf level prefix at column 0.
pub fn assert_prefixed(lines: &[String]) {
    for line in lines {
        assert!(
            ["E! ", "W! ", "I! ", "D! ", "T! "]
                .iter()
                .any(|p| line.starts_with(p)),
            "unprefixed stderr line: {line:?}"
        );
    }
}

/// Writes `text` to `name` in `dir`; returns the path.
pub fn write_file(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}
