//! A child process's stdout and stderr, collected line by line by two threads while it runs.
//! Accessors hand out copies, so no lock is held while a test asserts (and formats a report).
//! The child is killed when this is dropped, so a failing test leaves no `--follow` reader behind.

#![allow(dead_code)] // each test file uses a different subset

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct ChildOutput {
    pub child: Child,
    stdout: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<Vec<String>>>,
    /// One message per stream at its EOF.
    closed: Receiver<()>,
}

fn collect(
    stream: impl Read + Send + 'static,
    closed: std::sync::mpsc::Sender<()>,
) -> Arc<Mutex<Vec<String>>> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&lines);
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            sink.lock().unwrap_or_else(|e| e.into_inner()).push(line);
        }
        let _ = closed.send(());
    });
    lines
}

impl ChildOutput {
    /// Starts `program` with `args`, no stdin, and collects its output.
    pub fn spawn(program: &str, args: &[&str]) -> ChildOutput {
        let child = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {program}: {e}"));
        ChildOutput::collect(child)
    }

    /// Sends the child `signal` (a name such as `TERM`) with `kill`.
    pub fn signal(&self, signal: &str) {
        let sent = Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -{signal}: {sent:?}");
    }

    /// Takes over the child and its piped stdout and stderr.
    pub fn collect(mut child: Child) -> ChildOutput {
        let (closed_tx, closed) = channel();
        ChildOutput {
            stdout: collect(
                child.stdout.take().expect("stdout piped"),
                closed_tx.clone(),
            ),
            stderr: collect(child.stderr.take().expect("stderr piped"), closed_tx),
            child,
            closed,
        }
    }

    /// Waits (at most `limit`) until both streams reached EOF, i.e. every line the child wrote
    /// has been collected; true when they did.
    pub fn wait_closed(&self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        (0..2).all(|_| {
            self.closed
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .is_ok()
        })
    }

    pub fn stdout(&self) -> Vec<String> {
        self.stdout
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn stderr(&self) -> Vec<String> {
        self.stderr
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Both streams, for assertion messages.
    pub fn report(&self) -> String {
        format!(
            "stdout:\n{}\nstderr:\n{}",
            self.stdout().join("\n"),
            self.stderr().join("\n")
        )
    }
}

impl Drop for ChildOutput {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.child.kill().ok();
            self.child.wait().ok();
        }
    }
}
