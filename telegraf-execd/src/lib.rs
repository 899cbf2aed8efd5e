//! Plumbing shared by programs that Telegraf runs with `[[inputs.execd]]` (and friends).
//!
//! Telegraf launches the program with three pipes, writes `"\n"` to stdin or sends a signal per
//! gather, reads line protocol from stdout, maps `E! `/`W! `/`I! `/`D! `/`T! ` stderr prefixes to
//! log levels, and closes stdin (then SIGTERM at +5 s, SIGKILL at +10 s) to stop it. This crate
//! gives a program everything around that, runtime-agnostic (plain threads, no async runtime):
//!
//! - [`logger`]: a `log` backend writing Telegraf-prefixed, one-line records to stderr.
//! - [`cli`]: Go-shim flags (`-config`, `-poll_interval`, `-poll_interval_disabled`,
//!   `-log_level`) for clap, and single-dash normalisation.
//! - [`duration`]: Go duration syntax (`10s`, `1m30s`, `500ms`).
//! - [`expand`]: `$VAR` / `${VAR}` / `${VAR:-default}` expansion (unset = error with its line).
//! - [`config`]: one `[[inputs.<name>]]` table from a TOML file, unknown keys rejected with
//!   file:line:column.
//! - [`trigger`]: stdin newlines, SIGHUP/SIGUSR1/SIGUSR2 and a poll ticker → `Gather` events;
//!   stdin EOF and SIGTERM/SIGINT → `Stop`.
//! - [`runner`]: the gather loop writing each gather to stdout whole and flushed.
//!
//! A complete execd input:
//!
//! ```no_run
//! use std::process::ExitCode;
//! use clap::Parser;
//! use telegraf_execd::{cli, config, logger, runner, trigger};
//!
//! #[derive(Parser)]
//! struct Cli {
//!     #[command(flatten)]
//!     shim: cli::ShimArgs,
//! }
//!
//! #[derive(Default, serde::Deserialize)]
//! #[serde(deny_unknown_fields, default)]
//! struct Options { greeting: String }
//!
//! fn main() -> ExitCode {
//!     logger::init(logger::LogLevel::Info);
//!     let args = Cli::parse_from(cli::normalize_args(std::env::args_os()));
//!     let options: Options = match &args.shim.config {
//!         Some(path) => match config::load_plugin_config(path, config::PluginKind::Inputs, "hello") {
//!             Ok(o) => o,
//!             Err(e) => { log::error!("{e}"); return ExitCode::FAILURE; }
//!         },
//!         None => Options::default(),
//!     };
//!     logger::set_level(args.shim.log_level.unwrap_or_default());
//!     let poll = if args.shim.poll_interval_disabled == Some(true) { None }
//!                else { Some(args.shim.poll_interval.map_or(std::time::Duration::from_secs(10), Into::into)) };
//!     let triggers = match trigger::Triggers::start(trigger::TriggerConfig { poll_interval: poll, ..Default::default() }) {
//!         Ok(t) => t,
//!         Err(e) => { log::error!("cannot install triggers: {e}"); return ExitCode::FAILURE; }
//!     };
//!     let gather = |req: &runner::GatherRequest, out: &mut Vec<u8>| {
//!         out.extend_from_slice(format!("hello text=\"{}\" {}\n", options.greeting, req.at_nanos()).as_bytes());
//!         Ok::<_, std::convert::Infallible>(())
//!     };
//!     match runner::run_gather_loop(&triggers, gather, std::io::stdout().lock()) {
//!         Ok(_) => ExitCode::SUCCESS,
//!         Err(e) => e.report(),
//!     }
//! }
//! ```

#![doc(test(attr(deny(warnings))))]

pub mod cli;
pub mod config;
pub mod duration;
pub mod expand;
pub mod logger;
pub mod runner;
pub mod trigger;

pub use cli::{ShimArgs, accept_both_spellings, normalize_args, parse_args, parse_args_from};
pub use config::{ConfigError, PluginKind, load_plugin_config};
pub use duration::{GoDuration, parse_go_duration};
pub use logger::LogLevel;
pub use runner::{Gather, GatherRequest, RunError, RunSummary, run_gather_loop};
pub use trigger::{GatherCause, StdinMode, StopCause, Trigger, TriggerConfig, Triggers};
