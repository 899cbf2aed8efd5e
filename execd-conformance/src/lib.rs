//! A test harness that hosts execd programs exactly as Telegraf's `inputs.execd` and
//! `processors.execd` do, so the conformance tests (`tests/`) can check our plugins against the
//! behaviours Telegraf relies on (`shared/specs/telegraf-execd.md` §6) without running Telegraf.
//!
//! It is a test tool, not a second Telegraf: it launches, feeds gathers, reads and classifies
//! output, restarts and stops — and records everything in a [`transcript::Transcript`].
//!
//! ```
//! use execd_conformance::{config::{ExecdConfig, GatherSignal}, host::{ExecdHost, StopStep}};
//! use std::time::Duration;
//! let script = r#"echo "I! ready" >&2; while read _; do echo "m v=1i"; done"#;
//! let host = ExecdHost::start(ExecdConfig::new(["/bin/sh", "-c", script]).signal(GatherSignal::Stdin)).unwrap();
//! host.gather().unwrap();
//! assert!(host.wait_for_metrics(1, Duration::from_secs(5)));
//! let report = host.stop();
//! assert_eq!(report.ended_by, StopStep::StdinEof);
//! assert_eq!(report.transcript.error_lines().count(), 0);
//! ```
//!
//! Modules:
//! - [`config`]: the `[[inputs.execd]]` options honoured ([`config::ExecdConfig`]).
//! - [`host`]: launching, gathers (inputs) or metrics written in (processors), restarts and the
//!   stop sequence ([`host::ExecdHost`]).
//! - [`framing`]: where a line-protocol record ends in the stdout stream.
//! - [`metric`]: one record parsed and checked (independent parser, nanosecond timestamps).
//! - [`stderr`]: Telegraf's mapping of stderr lines to log levels.
//! - [`transcript`]: everything observed, with queries (metrics per gather, error lines...).
//! - [`binaries`]: building and locating the workspace's plugin binaries.

pub mod binaries;
pub mod config;
pub mod framing;
pub mod host;
pub mod metric;
pub mod stderr;
mod supervisor;
pub mod transcript;
