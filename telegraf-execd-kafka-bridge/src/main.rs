//! `telegraf-execd-kafka-bridge`: InfluxDB → Kafka exporter (Telegraf execd input), topic
//! setup and a verifying consumer. Thin glue: arguments, config, wiring, exit codes.

use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use clap::{Args, Parser, Subcommand};
use telegraf_execd::cli::{ShimArgs, parse_args};
use telegraf_execd::duration::GoDuration;
use telegraf_execd::logger::{self, LogLevel};
use telegraf_execd::runner::{GatherRequest, run_gather_loop};
use telegraf_execd::trigger::{StdinMode, Trigger, TriggerConfig, Triggers};
use telegraf_execd_kafka_bridge::config::BridgeConfig;
use telegraf_execd_kafka_bridge::consume::{ReadMode, TopicStats, read_topic_until};
use telegraf_execd_kafka_bridge::export::Exporter;
use telegraf_execd_kafka_bridge::health::HealthStats;
use telegraf_execd_kafka_bridge::kafka::client_config;
use telegraf_execd_kafka_bridge::timestamp::StartTime;
use telegraf_execd_kafka_bridge::topics::create_topics;
use telegraf_execd_kafka_bridge::verify::verify;

// Unprefixed (see Cargo.toml): librdkafka's malloc/free are jemalloc's as well.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read at its start (`MALLOC_CONF` in the environment still overrides
/// them). One arena: the bridge's threads hand every message from one to another (decode task,
/// export loop, librdkafka's broker threads), so per-thread arenas each kept their own
/// freed pages; freed pages go back to the system after 100 ms instead of 10 s. Measured by
/// `cargo bench --bench bridge` (tansu, 1M points): peak RSS 41-46 MB → 27-31 MB, same CPU.
/// (jemalloc's documented way to set options at build time; nothing else defines the symbol.)
#[allow(non_upper_case_globals, unsafe_code)]
#[unsafe(export_name = "malloc_conf")]
static malloc_conf: &[u8; 46] = b"narenas:1,dirty_decay_ms:100,muzzy_decay_ms:0\0";

/// Exports InfluxDB points to Kafka exactly once (run by Telegraf's inputs.execd; stdout carries
/// only the bridge's health metrics), creates the lab's topics, and reads topics back.
///
/// Flags take one or two dashes and both spellings: -log_level, --log-level, --bootstrap_servers.
#[derive(Parser)]
#[command(name = "telegraf-execd-kafka-bridge", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Without a subcommand: `run` with these options.
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Export InfluxDB points to Kafka, printing health metrics per gather (the default).
    Run(RunArgs),
    /// Create the configured topics through the Kafka admin API (idempotent).
    CreateTopics(ToolArgs),
    /// Print a topic's messages, live per-station statistics, or verify it against InfluxDB.
    Consume(ConsumeArgs),
}

#[derive(Args)]
struct RunArgs {
    #[command(flatten)]
    shim: ShimArgs,
}

#[derive(Args)]
struct ToolArgs {
    /// Bridge config file (the same [[inputs.kafka_bridge]] file `run` uses).
    #[arg(long = "config", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Overrides the config's `bootstrap.servers`.
    #[arg(long = "bootstrap-servers", value_name = "HOST:PORT,...")]
    bootstrap_servers: Option<String>,
    /// Time limit for Kafka (and InfluxDB) requests.
    #[arg(long = "timeout", value_name = "DURATION", default_value = "30s")]
    timeout: GoDuration,
    /// Log level on stderr: error|warn|info|debug|trace.
    #[arg(long = "log_level", value_name = "LEVEL")]
    log_level: Option<LogLevel>,
}

#[derive(Args)]
struct ConsumeArgs {
    #[command(flatten)]
    tool: ToolArgs,
    /// Topic to read (repeatable); default: the config's `topic`.
    #[arg(long = "topic", value_name = "TOPIC")]
    topics: Vec<String>,
    /// Keep reading new messages instead of stopping at the end of the partitions.
    #[arg(long)]
    follow: bool,
    /// Instead of messages, print per-station min/mean/max and message rates, one table per
    /// topic.
    #[arg(long, conflicts_with = "verify")]
    stats: bool,
    /// With --stats, how often to print the table.
    #[arg(long = "stats-interval", value_name = "DURATION", default_value = "1s")]
    stats_interval: GoDuration,
    /// Tag the statistics are grouped by.
    #[arg(long = "stats-tag", value_name = "TAG", default_value = "station")]
    stats_tag: String,
    /// Compare the topic with InfluxDB: report missing, duplicated and out-of-order points;
    /// exit 1 on any problem. Memory: 32 bytes per message read (up to twice that while
    /// reading) plus each distinct series key once, on top of librdkafka's fetch buffer
    /// (`queued.max.messages.kbytes`, 64 MB by default).
    #[arg(long, conflicts_with = "follow")]
    verify: bool,
    /// With --verify, check only points at or before this time (RFC 3339 or ns).
    #[arg(long, value_name = "TIME", requires = "verify")]
    until: Option<StartTime>,
    /// Stop after this many messages per topic.
    #[arg(long = "max-messages", value_name = "N")]
    max_messages: Option<u64>,
}

fn main() -> ExitCode {
    logger::init(LogLevel::Info);
    let cli: Cli = match parse_args() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    // Only the (global) log level may come before a subcommand; the other `run` flags there
    // would be ignored by it. (clap's args_conflicts_with_subcommands would refuse the log
    // level too.)
    let shim = &cli.run.shim;
    if cli.command.is_some()
        && (shim.config.is_some()
            || shim.poll_interval.is_some()
            || shim.poll_interval_disabled.is_some())
    {
        log::error!(
            "-config, -poll_interval and -poll_interval_disabled go after the subcommand \
             (or without one, for run); only -log_level may come before it (see --help)"
        );
        return ExitCode::from(2);
    }
    let outcome = match cli.command {
        None => return run(cli.run),
        Some(Command::Run(args)) => return run(args),
        Some(Command::CreateTopics(args)) => topics_command(args),
        Some(Command::Consume(args)) => consume_command(args),
    };
    match outcome {
        Ok(code) => code,
        Err(e) => {
            log::error!("{e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The config file, or the defaults when none is given (then `run` insists on
/// `bootstrap.servers`, the tools accept `--bootstrap-servers`).
fn load_config(path: Option<&Path>) -> Result<(BridgeConfig, String)> {
    match path {
        Some(p) => Ok((BridgeConfig::load(p)?, p.display().to_string())),
        None => Ok((BridgeConfig::default(), "defaults".into())),
    }
}

/// The async runtime with `workers` threads.
fn runtime(workers: usize) -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .context("starting the async runtime")
}

fn run(args: RunArgs) -> ExitCode {
    let shim = args.shim;
    let (config, origin) = match &shim.config {
        Some(p) => match BridgeConfig::load(p) {
            Ok(c) => (c, p.display().to_string()),
            Err(e) => {
                log::error!("{e}");
                return ExitCode::FAILURE;
            }
        },
        None => {
            log::info!("no -config given, using the defaults");
            match BridgeConfig::from_toml("", "defaults") {
                Ok(c) => (c, "defaults".to_string()),
                Err(e) => {
                    log::error!("{e}");
                    return ExitCode::FAILURE;
                }
            }
        }
    };
    logger::set_level(shim.log_level.unwrap_or(config.log_level));
    if let Err(e) = config.require_brokers(&origin) {
        log::error!("{e}");
        return ExitCode::FAILURE;
    }
    match run_export(config, &origin, &shim) {
        Ok(code) => code,
        Err(e) => {
            log::error!("{e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run_export(config: BridgeConfig, origin: &str, shim: &ShimArgs) -> Result<ExitCode> {
    let poll = if shim.poll_interval_disabled == Some(true) {
        None
    } else {
        shim.poll_interval
            .map(Into::into)
            .or(config.health_interval())
    };
    let token = config.influx_token(origin)?;
    let topic = config.topic.clone();
    let stats = Arc::new(HealthStats::new());
    // Signal handlers before the slow connect (Kafka tails, InfluxDB schema): a SIGHUP/SIGUSR
    // from Telegraf during start-up is then a queued gather, not a kill.
    let triggers = Triggers::start(TriggerConfig {
        poll_interval: poll,
        ..TriggerConfig::default()
    })
    .context("installing gather triggers (stdin, signals)")?;
    // One worker: the export loop and the InfluxDB reading it waits on are one pipeline, and a
    // second worker only added thread hand-offs. Against tansu beside InfluxDB (1M points, 8
    // alternating pairs) the exporter used ~6 % less CPU relative to influxd's (median 0.61 vs
    // 0.65), a quarter less system time and ~1.5 MB less memory; librdkafka's broker threads
    // still send in parallel.
    let rt = runtime(1)?;
    let exporter = Exporter::connect(config, token, Arc::clone(&stats))?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let stopper = triggers.sender();
    let export = rt.spawn(async move {
        let result = exporter.run(stop_rx).await;
        if result.is_err() {
            stopper.stop("export failed");
        }
        result
    });
    let gather_stats = Arc::clone(&stats);
    let gather = move |req: &GatherRequest, out: &mut Vec<u8>| {
        out.extend_from_slice(gather_stats.render(&topic, req.at).as_bytes());
        Ok::<_, Infallible>(())
    };
    let loop_result = run_gather_loop(&triggers, gather, std::io::stdout().lock());
    // Stopping: by stdin EOF / SIGTERM (exit 0 after flushing) or because the export failed.
    let _ = stop_tx.send(true);
    let exported = rt
        .block_on(export)
        .map_err(|e| anyhow!("export task failed: {e}"))?;
    rt.shutdown_timeout(Duration::from_millis(500));
    exported?;
    match loop_result {
        Ok(_) => Ok(ExitCode::SUCCESS),
        Err(e) => Ok(e.report()),
    }
}

fn tool_config(tool: &ToolArgs) -> Result<(BridgeConfig, String)> {
    logger::set_level(tool.log_level.unwrap_or_default());
    let (mut config, origin) = load_config(tool.config.as_deref())?;
    if let Some(servers) = &tool.bootstrap_servers {
        config.kafka.set("bootstrap.servers", servers.clone());
    }
    if config.kafka.get("bootstrap.servers").is_none() {
        return Err(anyhow!(
            "no Kafka to talk to: give --bootstrap-servers or a -config with \"bootstrap.servers\""
        ));
    }
    Ok((config, origin))
}

fn topics_command(args: ToolArgs) -> Result<ExitCode> {
    let (config, _) = tool_config(&args)?;
    let rt = runtime(2)?;
    let outcomes = rt.block_on(create_topics(
        &client_config(&config.kafka),
        &config.topics,
        args.timeout.0,
    ))?;
    for ((name, outcome), spec) in outcomes.iter().zip(&config.topics) {
        let configs: String = spec
            .config
            .iter()
            .map(|(key, value)| format!(", {key}={value}"))
            .collect();
        println!(
            "{name}: {outcome} ({} partitions, replication factor {}{configs})",
            spec.partitions, spec.replication_factor
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn consume_command(args: ConsumeArgs) -> Result<ExitCode> {
    let (mut config, origin) = tool_config(&args.tool)?;
    let timeout = args.tool.timeout.0;
    let topics = if args.topics.is_empty() {
        vec![config.topic.clone()]
    } else {
        args.topics.clone()
    };
    if args.verify {
        let rt = runtime(2)?;
        let token = config.influx_token(&origin)?;
        let mut clean = true;
        for topic in topics {
            config.topic = topic;
            let report = rt.block_on(verify(
                &config,
                token.clone(),
                args.until.map(StartTime::nanos),
                timeout,
            ))?;
            println!("{report}");
            clean &= report.is_clean();
        }
        return Ok(if clean {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    // SIGTERM/SIGINT end the reading cleanly: the final statistics table still prints and the
    // exit status is 0 (a second signal exits at once, status 1).
    let stop = stop_on_signal()?;
    let client = client_config(&config.kafka);
    let mode = if args.follow {
        ReadMode::Follow
    } else {
        ReadMode::ToEnd
    };
    let stats = Arc::new(Mutex::new(TopicStats::new(&args.stats_tag, &topics)));
    let started = Instant::now();
    let last_print = Arc::new(Mutex::new(Instant::now()));
    let results: Vec<Result<u64>> = std::thread::scope(|scope| {
        let handles: Vec<_> = topics
            .iter()
            .map(|topic| {
                let (client, stats, last_print, stop) =
                    (&client, Arc::clone(&stats), Arc::clone(&last_print), &*stop);
                let (show_stats, interval, max) =
                    (args.stats, args.stats_interval.0, args.max_messages);
                scope.spawn(move || -> Result<u64> {
                    let mut seen = 0u64;
                    let summary = read_topic_until(client, topic, mode, timeout, stop, |m| {
                        seen += 1;
                        if show_stats {
                            let mut s = stats.lock().unwrap_or_else(|e| e.into_inner());
                            s.add(&m.topic, &m.value);
                            let mut last = last_print.lock().unwrap_or_else(|e| e.into_inner());
                            if last.elapsed() >= interval {
                                *last = Instant::now();
                                println!("{}", s.render(started.elapsed()));
                            }
                        } else {
                            println!("{m}");
                        }
                        max.is_none_or(|max| seen < max)
                    })?;
                    Ok(summary.messages)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow!("reader thread panicked")))
            })
            .collect()
    });
    let mut total = 0;
    for r in results {
        total += r?;
    }
    if args.stats {
        let s = stats.lock().unwrap_or_else(|e| e.into_inner());
        println!("{}", s.render(started.elapsed()));
    }
    log::info!("read {total} messages");
    Ok(ExitCode::SUCCESS)
}

/// A flag set by the first SIGTERM or SIGINT, through the execd crate's signal plumbing (which
/// also exits at once, status 1, on a second one). stdin is left alone: `consume` is run by
/// hand or by scripts, not by Telegraf.
fn stop_on_signal() -> Result<Arc<AtomicBool>> {
    let triggers = Triggers::start(TriggerConfig {
        stdin: StdinMode::Ignore,
        gather_signals: false,
        stop_signals: true,
        poll_interval: None,
        align_poll: false,
    })
    .context("installing SIGTERM/SIGINT handlers")?;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    std::thread::Builder::new()
        .name("consume-signals".into())
        .spawn(move || {
            loop {
                if let Trigger::Stop(why) = triggers.recv() {
                    log::info!("stopping: {why}");
                    flag.store(true, Ordering::Relaxed);
                    return;
                }
            }
        })
        .context("starting the signal thread")?;
    Ok(stop)
}
