//! `telegraf-execd-weather`: the Telegraf execd input (default) and the `inject` subcommand.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use telegraf_execd::cli::parse_args;
use telegraf_execd::{LogLevel, ShimArgs, Triggers, logger};
use telegraf_execd_weather::inject::InjectArgs;
use telegraf_execd_weather::{WeatherConfig, execd, inject};

/// Deterministic weather for Telegraf.
///
/// Without a subcommand it runs as a Telegraf [[inputs.execd]] program: line protocol on stdout
/// (one `weather` line per station per gather), logs on stderr with E!/W!/I!/D! prefixes.
/// Gathers on each stdin newline, on SIGHUP/SIGUSR1/SIGUSR2 and every -poll_interval (unless
/// -poll_interval_disabled); exits 0 on stdin EOF or SIGTERM/SIGINT.
/// Pair signal = "STDIN" with -poll_interval_disabled, or signal = "none" with -poll_interval.
/// Flags also work with one dash, Go-style: -config FILE, -poll_interval=10s, and in
/// kebab-case: --poll-interval, --log-level. -log_level also goes after `inject`.
#[derive(Debug, Parser)]
#[command(name = "telegraf-execd-weather", version, verbatim_doc_comment)]
struct Cli {
    #[command(flatten)]
    shim: ShimArgs,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write generated weather into InfluxDB: a history backfill and/or live data.
    ///
    /// Examples:
    ///   INFLUX_URL=http://127.0.0.1:8086 telegraf-execd-weather inject --duration 30d --step 1m
    ///   INFLUX_TOKEN=... telegraf-execd-weather inject --url http://127.0.0.1:8086 --api v2 \
    ///       --org lab --bucket weather --live --interval 10s
    #[command(verbatim_doc_comment)]
    Inject(InjectArgs),
}

fn main() -> ExitCode {
    logger::init(LogLevel::Info);
    let cli: Cli = match parse_args() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    match cli.command {
        None => run_execd(&cli.shim),
        Some(Command::Inject(mut args)) => {
            if args.config.is_none() {
                args.config.clone_from(&cli.shim.config);
            }
            if let Some(level) = cli.shim.log_level {
                logger::set_level(level);
            }
            report(run_inject(&args).map(|_| ()))
        }
    }
}

fn report(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            log::error!("{e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run_execd(flags: &ShimArgs) -> ExitCode {
    if let Some(level) = flags.log_level {
        logger::set_level(level);
    }
    let mut config = match &flags.config {
        Some(path) => match WeatherConfig::load(path) {
            Ok(c) => c,
            Err(e) => {
                log::error!("{e}");
                return ExitCode::FAILURE;
            }
        },
        None => WeatherConfig::default(),
    };
    execd::apply_flags(&mut config, flags);
    logger::set_level(config.log_level);
    if let Err(e) = config.validate("command line") {
        log::error!("{e}");
        return ExitCode::FAILURE;
    }
    if flags.config.is_none() {
        log::info!("no -config given, using the defaults (12 built-in stations, seed 1)");
    }
    let model = match config.model() {
        Ok(m) => m,
        Err(e) => {
            log::error!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let trigger_config = execd::trigger_config(&config);
    let triggers = match Triggers::start(trigger_config.clone()) {
        Ok(t) => t,
        Err(e) => {
            log::error!("cannot install stdin/signal/poll triggers: {e}");
            return ExitCode::FAILURE;
        }
    };
    let schedule = match trigger_config.poll_interval {
        Some(d) => format!("every {}", telegraf_execd::duration::format_go_duration(d)),
        None => "poll disabled".into(),
    };
    log::info!(
        "started: {} stations, seed {}, {schedule}; also gathering on stdin newlines and SIGHUP/SIGUSR1/SIGUSR2",
        model.stations().len(),
        config.seed
    );
    match execd::run(&config, &model, &triggers, std::io::stdout().lock()) {
        Ok(summary) => {
            log::info!(
                "stopping ({}): {} gathers, {} bytes written",
                summary.stop,
                summary.gathers,
                summary.bytes_written
            );
            ExitCode::SUCCESS
        }
        Err(e) => e.report(),
    }
}

fn run_inject(args: &InjectArgs) -> anyhow::Result<inject::InjectSummary> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let summary = runtime.block_on(inject::run(args)).context("inject")?;
    log::info!(
        "inject done: {} lines in {} requests ({} retries)",
        summary.lines,
        summary.requests,
        summary.retries
    );
    Ok(summary)
}
