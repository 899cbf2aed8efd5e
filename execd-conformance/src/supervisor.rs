//! The machinery behind [`crate::host::ExecdHost`]: shared state, launching an instance with
//! its two reader threads, and the restart loop (`cmdLoop` in Telegraf's `internal/process`).

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Instant;

use crate::config::ExecdConfig;
use crate::framing::LineFramer;
use crate::host::HostError;
use crate::metric::Metric;
use crate::stderr::StderrLine;
use crate::transcript::{Event, TimedEvent, Transcript};

#[derive(Default)]
pub(crate) struct State {
    pub(crate) transcript: Transcript,
    pub(crate) pid: Option<u32>,
    pub(crate) instance: usize,
    pub(crate) gathers: usize,
    /// Metrics written with `add` (processor hosting).
    pub(crate) added: usize,
    pub(crate) stopping: bool,
    pub(crate) supervisor_done: bool,
}

pub(crate) struct Shared {
    pub(crate) state: Mutex<State>,
    pub(crate) changed: Condvar,
    /// Kept apart from `state`: a write blocked on a full pipe must not stop the readers.
    pub(crate) stdin: Mutex<Option<ChildStdin>>,
}

impl Shared {
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn record(&self, event: Event) {
        self.lock().transcript.events.push(TimedEvent {
            at: Instant::now(),
            event,
        });
        self.changed.notify_all();
    }

    pub(crate) fn stdin(&self) -> MutexGuard<'_, Option<ChildStdin>> {
        self.stdin
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Waits until `done(state)` or the deadline; true if it became true.
    pub(crate) fn wait_until(
        &self,
        deadline: Instant,
        mut done: impl FnMut(&State) -> bool,
    ) -> bool {
        let mut state = self.lock();
        loop {
            if done(&state) {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            state = self
                .changed
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .0;
        }
    }
}

/// A launched instance and its two reader threads.
pub(crate) struct Instance {
    child: Child,
    readers: Vec<JoinHandle<()>>,
}

pub(crate) fn launch(
    config: &ExecdConfig,
    shared: &Arc<Shared>,
    instance: usize,
) -> Result<Instance, HostError> {
    let mut command = Command::new(&config.command[0]);
    command
        .args(&config.command[1..])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for entry in &config.environment {
        // Telegraf appends `KEY=value` to its own environment; the last duplicate wins.
        let (key, value) = entry.split_once('=').unwrap_or((entry.as_str(), ""));
        command.env(key, value);
    }
    let mut child = command.spawn().map_err(|source| HostError::Spawn {
        program: config.command[0].to_string_lossy().into_owned(),
        source,
    })?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = child.stderr.take().expect("stderr is piped");
    *shared.stdin() = child.stdin.take();
    {
        let mut state = shared.lock();
        state.pid = Some(child.id());
        state.instance = instance;
        state.transcript.events.push(TimedEvent {
            at: Instant::now(),
            event: Event::Started {
                instance,
                pid: child.id(),
            },
        });
    }
    shared.changed.notify_all();
    let readers = vec![
        {
            let shared = Arc::clone(shared);
            std::thread::spawn(move || read_stdout(stdout, &shared, instance))
        },
        {
            let shared = Arc::clone(shared);
            std::thread::spawn(move || read_stderr(stderr, &shared, instance))
        },
    ];
    Ok(Instance { child, readers })
}

fn record_stdout(shared: &Shared, instance: usize, record: &[u8]) {
    let line = String::from_utf8_lossy(record).into_owned();
    let event = match Metric::parse_bytes(record) {
        Ok(metric) => Event::Metric {
            instance,
            metric,
            line,
        },
        Err(error) => Event::BadRecord {
            instance,
            error,
            line,
        },
    };
    shared.record(event);
}

fn read_stdout(mut pipe: impl Read, shared: &Shared, instance: usize) {
    let mut framer = LineFramer::default();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match pipe.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                for record in framer.push(&buf[..n]) {
                    record_stdout(shared, instance, &record);
                }
            }
        }
    }
    if let Some(record) = framer.finish() {
        record_stdout(shared, instance, &record);
    }
}

fn read_stderr(pipe: impl Read, shared: &Shared, instance: usize) {
    let mut reader = BufReader::new(pipe);
    let mut raw = Vec::new();
    loop {
        raw.clear();
        match reader.read_until(b'\n', &mut raw) {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                if raw.last() == Some(&b'\n') {
                    raw.pop();
                }
                let line = StderrLine::classify(&String::from_utf8_lossy(&raw));
                shared.record(Event::Log { instance, line });
            }
        }
    }
}

/// The restart loop (`cmdLoop`): runs until stopping, `stop_on_error`, or a failed relaunch.
pub(crate) fn supervise(config: &ExecdConfig, shared: &Arc<Shared>, mut current: Instance) {
    let mut instance = 0;
    loop {
        let status = current.child.wait();
        let exited_at = Instant::now();
        shared.stdin().take();
        {
            let mut state = shared.lock();
            state.pid = None;
            if let Ok(status) = status {
                state.transcript.events.push(TimedEvent {
                    at: exited_at,
                    event: Event::Exited { instance, status },
                });
            }
        }
        shared.changed.notify_all();
        for reader in current.readers.drain(..) {
            let _ = reader.join();
        }
        shared.record(Event::PipesClosed {
            instance,
            after_exit: exited_at.elapsed(),
        });

        let failed = status.map_or(true, |s| !s.success());
        if shared.lock().stopping {
            break;
        }
        if config.stop_on_error && failed {
            shared.record(Event::GaveUp);
            break;
        }
        let relaunch_at = Instant::now() + config.restart_delay;
        if shared.wait_until(relaunch_at, |s| s.stopping) {
            break;
        }
        instance += 1;
        match launch(config, shared, instance) {
            Ok(next) => current = next,
            Err(e) => {
                shared.record(Event::SpawnFailed {
                    error: e.to_string(),
                });
                break;
            }
        }
    }
    shared.lock().supervisor_done = true;
    shared.changed.notify_all();
}
