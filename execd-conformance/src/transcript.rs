//! Everything that happened while a program was hosted, in arrival order.

use std::process::ExitStatus;
use std::time::{Duration, Instant};

use crate::metric::{Metric, MetricError};
use crate::stderr::StderrLine;

/// What happened.
#[derive(Debug, Clone)]
pub enum Event {
    /// A process instance was launched (instance 0 is the first launch).
    Started {
        /// Launch counter.
        instance: usize,
        /// Its process id.
        pid: u32,
    },
    /// The host announced a gather (newline written or signal sent).
    Gather {
        /// Gather counter, from 0.
        index: usize,
    },
    /// Announcing a gather failed (e.g. the process had exited: Telegraf logs an error).
    GatherFailed {
        /// Why.
        error: String,
    },
    /// The host wrote one metric to the processor's stdin (`processors.execd` `Add`).
    Added {
        /// Metric counter, from 0.
        index: usize,
    },
    /// Writing a metric to the processor failed; Telegraf logs `error writing to process
    /// stdin` and the metric is lost.
    AddFailed {
        /// Why.
        error: String,
    },
    /// A stdout record that parsed.
    Metric {
        /// Which instance printed it.
        instance: usize,
        /// The metric.
        metric: Metric,
        /// The record as printed.
        line: String,
    },
    /// A stdout record Telegraf would reject (`metric parse error`).
    BadRecord {
        /// Which instance printed it.
        instance: usize,
        /// The error.
        error: MetricError,
        /// The record as printed (lossy UTF-8).
        line: String,
    },
    /// A stderr line.
    Log {
        /// Which instance printed it.
        instance: usize,
        /// The line as Telegraf maps it.
        line: StderrLine,
    },
    /// The process exited.
    Exited {
        /// Which instance.
        instance: usize,
        /// Its status.
        status: ExitStatus,
    },
    /// After an exit, stdout and stderr both reached EOF (Telegraf waits for this).
    PipesClosed {
        /// Which instance.
        instance: usize,
        /// Time from the exit to the second EOF (grandchildren holding the pipes delay it).
        after_exit: Duration,
    },
    /// A relaunch failed; the restart loop ended for good.
    SpawnFailed {
        /// Why.
        error: String,
    },
    /// `stop_on_error` ended the restart loop after a failing exit.
    GaveUp,
}

/// An event with the time it was observed.
#[derive(Debug, Clone)]
pub struct TimedEvent {
    /// When the harness saw it.
    pub at: Instant,
    /// What it was.
    pub event: Event,
}

/// The events of one hosting session.
///
/// ```
/// use execd_conformance::transcript::{Event, Transcript};
/// let t = Transcript::default();
/// assert_eq!(t.metrics().count(), 0);
/// assert!(t.error_lines().next().is_none());
/// ```
#[derive(Debug, Clone, Default)]
pub struct Transcript {
    /// All events, oldest first.
    pub events: Vec<TimedEvent>,
}

impl Transcript {
    /// Parsed metrics with their arrival time.
    ///
    /// ```
    /// use execd_conformance::transcript::Transcript;
    /// assert!(Transcript::default().metrics().next().is_none());
    /// ```
    pub fn metrics(&self) -> impl Iterator<Item = (Instant, &Metric)> {
        self.events.iter().filter_map(|e| match &e.event {
            Event::Metric { metric, .. } => Some((e.at, metric)),
            _ => None,
        })
    }

    /// Stdout records Telegraf would reject.
    ///
    /// ```
    /// use execd_conformance::transcript::Transcript;
    /// assert_eq!(Transcript::default().bad_records().count(), 0);
    /// ```
    pub fn bad_records(&self) -> impl Iterator<Item = (&MetricError, &str)> {
        self.events.iter().filter_map(|e| match &e.event {
            Event::BadRecord { error, line, .. } => Some((error, line.as_str())),
            _ => None,
        })
    }

    /// All stderr lines.
    ///
    /// ```
    /// use execd_conformance::transcript::Transcript;
    /// assert_eq!(Transcript::default().log_lines().count(), 0);
    /// ```
    pub fn log_lines(&self) -> impl Iterator<Item = &StderrLine> {
        self.events.iter().filter_map(|e| match &e.event {
            Event::Log { line, .. } => Some(line),
            _ => None,
        })
    }

    /// Stderr lines Telegraf logs as errors (`E! ` and every unprefixed line).
    ///
    /// ```
    /// use execd_conformance::transcript::Transcript;
    /// assert_eq!(Transcript::default().error_lines().count(), 0);
    /// ```
    pub fn error_lines(&self) -> impl Iterator<Item = &StderrLine> {
        self.log_lines().filter(|l| l.is_error())
    }

    /// Exit statuses in order.
    ///
    /// ```
    /// use execd_conformance::transcript::Transcript;
    /// assert!(Transcript::default().exits().is_empty());
    /// ```
    pub fn exits(&self) -> Vec<ExitStatus> {
        self.events
            .iter()
            .filter_map(|e| match &e.event {
                Event::Exited { status, .. } => Some(*status),
                _ => None,
            })
            .collect()
    }

    /// Number of launches so far.
    ///
    /// ```
    /// use execd_conformance::transcript::Transcript;
    /// assert_eq!(Transcript::default().launches(), 0);
    /// ```
    pub fn launches(&self) -> usize {
        self.events
            .iter()
            .filter(|e| matches!(e.event, Event::Started { .. }))
            .count()
    }

    /// Metrics counted per gather window: window `i` holds the metrics that arrived after
    /// gather `i` and before gather `i + 1`. Metrics before the first gather are not counted
    /// here (see [`Transcript::metrics_before_first_gather`]).
    ///
    /// ```
    /// use execd_conformance::transcript::Transcript;
    /// assert!(Transcript::default().metrics_per_gather().is_empty());
    /// ```
    pub fn metrics_per_gather(&self) -> Vec<usize> {
        let mut windows: Vec<usize> = Vec::new();
        for e in &self.events {
            match e.event {
                Event::Gather { .. } => windows.push(0),
                Event::Metric { .. } => {
                    if let Some(last) = windows.last_mut() {
                        *last += 1;
                    }
                }
                _ => {}
            }
        }
        windows
    }

    /// Metrics that arrived before any gather was announced.
    ///
    /// ```
    /// use execd_conformance::transcript::Transcript;
    /// assert_eq!(Transcript::default().metrics_before_first_gather(), 0);
    /// ```
    pub fn metrics_before_first_gather(&self) -> usize {
        self.events
            .iter()
            .take_while(|e| !matches!(e.event, Event::Gather { .. }))
            .filter(|e| matches!(e.event, Event::Metric { .. }))
            .count()
    }

    /// Time of the last stdout record (metric or bad record), if any.
    ///
    /// ```
    /// use execd_conformance::transcript::Transcript;
    /// assert!(Transcript::default().last_output_at().is_none());
    /// ```
    pub fn last_output_at(&self) -> Option<Instant> {
        self.events
            .iter()
            .rev()
            .find(|e| matches!(e.event, Event::Metric { .. } | Event::BadRecord { .. }))
            .map(|e| e.at)
    }
}
