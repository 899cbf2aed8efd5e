//! `telegraf-execd-alerts`: the Telegraf `[[processors.execd]]` program (no subcommand).

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use telegraf_execd::cli::parse_args;
use telegraf_execd::trigger::{StopCause, Trigger, TriggerConfig, TriggerSender, Triggers};
use telegraf_execd::{LogLevel, ShimArgs, StdinMode, logger};
use telegraf_execd_alerts::processor::{self, Gate};
use telegraf_execd_alerts::{AlertsConfig, Engine};

/// Alerts for Telegraf: threshold, deadman and stuck-sensor rules over line protocol.
///
/// Without a subcommand it runs as a Telegraf [[processors.execd]] program: metrics in on stdin,
/// every metric out on stdout unchanged and in order, followed by an alert metric
/// (`weather_alert`) whenever a series changes level (ok, warn, crit). Logs go to stderr with
/// E!/W!/I!/D! prefixes. Exits 0 on stdin EOF (after flushing) and on SIGTERM/SIGINT.
/// Without -config it runs the shipped weather rules (alerts.toml).
/// Flags also work with one dash, Go-style: -config FILE, -log_level=debug.
#[derive(Debug, Parser)]
#[command(name = "telegraf-execd-alerts", version, verbatim_doc_comment)]
struct Cli {
    #[command(flatten)]
    shim: ShimArgs,

    #[command(subcommand)]
    command: Option<Command>,
}

/// Subcommands; `provision` (the same rules as InfluxDB 2 checks) is added here.
#[derive(Debug, Subcommand)]
enum Command {
    Provision(telegraf_execd_alerts::provision::ProvisionArgs),
}

fn main() -> ExitCode {
    logger::init(LogLevel::Info);
    let cli: Cli = match parse_args() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    match cli.command {
        None => run_processor(&cli.shim),
        Some(Command::Provision(args)) => telegraf_execd_alerts::provision::main(&args),
    }
}

/// Sends the main thread a stop when dropped.
struct StopOnDrop<'a>(&'a TriggerSender);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.stop("processing ended");
    }
}

fn run_processor(flags: &ShimArgs) -> ExitCode {
    if let Some(level) = flags.log_level {
        logger::set_level(level);
    }
    let config = match &flags.config {
        Some(path) => match AlertsConfig::load(path) {
            Ok(c) => c,
            Err(e) => {
                log::error!("{e}");
                return ExitCode::FAILURE;
            }
        },
        None => {
            log::info!("no -config given: using the shipped weather rules (alerts.toml)");
            AlertsConfig::shipped()
        }
    };
    logger::set_level(flags.log_level.unwrap_or(config.log_level));
    if flags.poll_interval.is_some() || flags.poll_interval_disabled.is_some() {
        log::warn!(
            "-poll_interval and -poll_interval_disabled are ignored: a processor runs on its input"
        );
    }
    let triggers = match Triggers::start(TriggerConfig {
        stdin: StdinMode::Ignore,
        gather_signals: false,
        stop_signals: true,
        poll_interval: None,
        align_poll: false,
    }) {
        Ok(t) => t,
        Err(e) => {
            log::error!("cannot install signal handlers: {e}");
            return ExitCode::FAILURE;
        }
    };
    log::info!(
        "alerts processor started: {} rules, at most {} series, alerts as `{}`",
        config.rules.len(),
        config.max_series,
        config.alert_measurement
    );
    let mut engine = Engine::new(&config);
    let gate = Gate::default();
    let done = triggers.sender();
    std::thread::scope(|scope| {
        let worker = scope.spawn(|| {
            // Wakes the main thread however the loop ends, a panic included.
            let _wake = StopOnDrop(&done);
            processor::run(
                &mut engine,
                std::io::stdin(),
                std::io::stdout().lock(),
                Some(&gate),
            )
        });
        loop {
            match triggers.recv() {
                Trigger::Stop(StopCause::Signal(signal)) => {
                    // Wait until the loop has flushed what it processed and is reading again,
                    // then leave without touching stdout (Telegraf sends SIGTERM only after
                    // stdin EOF went unanswered for 5 s).
                    let _idle = gate.wait_idle();
                    log::info!("received {}: exiting", signal.name());
                    std::process::exit(0);
                }
                Trigger::Stop(_) => break,
                Trigger::Gather { .. } => {}
            }
        }
        match worker.join() {
            Ok(Ok(summary)) => {
                log::info!(
                    "stdin closed: {} metrics passed through, {} alerts added, {} bad lines dropped",
                    summary.metrics,
                    summary.alerts,
                    summary.bad_lines
                );
                ExitCode::SUCCESS
            }
            Ok(Err(e)) if e.is_broken_pipe() => ExitCode::SUCCESS,
            Ok(Err(e)) => {
                log::error!("{e}");
                ExitCode::FAILURE
            }
            Err(_) => {
                log::error!("the processing thread panicked");
                ExitCode::FAILURE
            }
        }
    })
}
