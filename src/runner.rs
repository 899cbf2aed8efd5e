//! One run of the pipeline, start to stop.
//!
//! 1. InfluxDB: `--influx-url`, or a [`LocalInfluxd`] (Debian's `influxd` in a temp dir); the
//!    database is created up front so the bridge never queries a missing one.
//! 2. Kafka: `--bootstrap-servers` (topics made by `create-topics`), or a [`MockKafka`] kept
//!    alive in this process.
//! 3. Children, each in its own process group: `inject` (backfill, then live), the bridge's
//!    `run`, and `consume --follow --stats` writing the live view to our stdout.
//! 4. Until Ctrl-C, SIGTERM or `--duration`: the broker-stop exercise on schedule; a child that
//!    exits on its own is a failure and stops everything.
//! 5. Stop: the injector first, then the live view; with `--verify`, `consume --verify` up to
//!    the moment the injector stopped (retried while the bridge catches up); then the bridge;
//!    then Kafka, InfluxDB and the temp folder.

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, Result, anyhow, bail};
use influxdb_http::{Api, ClientConfig, InfluxClient, LocalInfluxd, LocalInfluxdError};
use telegraf_execd::duration::format_go_duration;
use telegraf_execd_kafka_bridge::config::{BridgeConfig, TopicSpec};
use telegraf_execd_weather::WeatherConfig;
use telegraf_execd_weather::station::default_stations;
use tokio::signal::unix::{Signal, SignalKind, signal};

use crate::args::PipelineArgs;
use crate::binaries::SiblingBinaries;
use crate::child::{Launch, StdoutRoute, StopStyle, Supervised, os, start, start_fed};
use crate::cluster::MockKafka;
use crate::configs::{BridgeFile, weather_config};
use crate::verify::verify_topic;

/// Grace period of each stop step (stdin closed → SIGTERM → SIGKILL), as Telegraf's 5 s.
const STOP_GRACE: Duration = Duration::from_secs(5);
/// Kafka request limit of `create-topics`.
const TOOL_TIMEOUT: &str = "30s";

/// Runs the pipeline until Ctrl-C, SIGTERM or `--duration`; see the module docs.
///
/// `Ok(ExitCode::SUCCESS)` after a clean stop (and a clean verification with `--verify`),
/// `Ok(ExitCode::FAILURE)` when the verification found problems or was interrupted, `Err` when
/// something it needs is missing or a child failed (everything started is stopped first).
///
/// ```
/// use clap::Parser;
/// use weather_pipeline::{args::PipelineArgs, runner::run_pipeline};
/// let args = PipelineArgs::parse_from(["weather-pipeline", "--bin-dir", "/nonexistent"]);
/// let e = run_pipeline(&args).unwrap_err();
/// assert!(e.to_string().contains("cannot find telegraf-execd-weather in /nonexistent"), "{e}");
/// ```
pub fn run_pipeline(args: &PipelineArgs) -> Result<ExitCode> {
    args.check()?;
    let dir = match &args.bin_dir {
        Some(dir) => dir.clone(),
        None => SiblingBinaries::default_dir().context("locating this executable's folder")?,
    };
    let bins = SiblingBinaries::find(&dir)?;
    if args.alerts {
        bins.alerts_binary()?;
    }
    let stations = args
        .stations
        .resolve(&default_stations())
        .map_err(anyhow::Error::msg)?;
    if let (Some(total), Some((_, down, _))) = (args.duration, args.outage())
        && down >= total
    {
        log::warn!(
            "--after {} is not before the end of --duration {}: no broker will stop",
            format_go_duration(down),
            format_go_duration(total)
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(run(args, &bins, &stations))
}

/// SIGINT and SIGTERM, installed before anything starts so none is lost.
struct StopSignals {
    interrupt: Signal,
    terminate: Signal,
}

impl StopSignals {
    fn install() -> Result<Self> {
        Ok(StopSignals {
            interrupt: signal(SignalKind::interrupt()).context("installing the SIGINT handler")?,
            terminate: signal(SignalKind::terminate()).context("installing the SIGTERM handler")?,
        })
    }

    async fn next(&mut self) -> &'static str {
        tokio::select! {
            _ = self.interrupt.recv() => "SIGINT",
            _ = self.terminate.recv() => "SIGTERM",
        }
    }
}

/// Why the running phase ended.
enum Ending {
    Signal(&'static str),
    Duration,
    ChildExited(&'static str, std::io::Result<std::process::ExitStatus>),
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

fn influxd_error(e: LocalInfluxdError) -> anyhow::Error {
    match e {
        LocalInfluxdError::Spawn { .. } => anyhow!(
            "{e}; on Debian: `sudo apt-get install influxdb` (package influxdb, which provides \
             influxd), or pass --influx-url of a running InfluxDB 1.x"
        ),
        other => anyhow!("starting influxd: {other}"),
    }
}

async fn run(
    args: &PipelineArgs,
    bins: &SiblingBinaries,
    stations: &[telegraf_execd_weather::Station],
) -> Result<ExitCode> {
    let mut signals = StopSignals::install()?;
    let workdir = tempfile::Builder::new()
        .prefix("weather-pipeline-")
        .tempdir()
        .context("creating the temporary folder")?;
    log::info!("working folder {}", workdir.path().display());

    let influxd = match &args.influx_url {
        Some(_) => None,
        None => Some(LocalInfluxd::start().map_err(influxd_error)?),
    };
    let influx_url = match (&args.influx_url, &influxd) {
        (Some(url), _) => url.clone(),
        (None, Some(server)) => {
            log::info!(
                "started influxd at {} (data in {})",
                server.url(),
                server.dir().display()
            );
            server.url().to_string()
        }
        (None, None) => unreachable!("influxd is started when no --influx-url is given"),
    };
    let client = InfluxClient::new(
        ClientConfig::new(&influx_url, Api::v1(args.database.clone()))
            .with_context(|| format!("--influx-url {influx_url}"))?,
    )
    .context("creating the InfluxDB client")?;
    client
        .create_database(&args.database)
        .await
        .with_context(|| format!("creating database {:?} at {influx_url}", args.database))?;

    let mut mock = match &args.bootstrap_servers {
        Some(_) => None,
        None => Some(MockKafka::start(&TopicSpec::lab_defaults())?),
    };
    let bootstrap = match (&args.bootstrap_servers, &mock) {
        (Some(servers), _) => servers.clone(),
        (None, Some(kafka)) => {
            log::info!(
                "started the mock Kafka cluster: brokers 1..=3 at {}; topics weather, weather-telegraf and weather-alerts (4 partitions, RF 3)",
                kafka.bootstrap_servers()
            );
            kafka.bootstrap_servers()
        }
        (None, None) => {
            unreachable!("the mock cluster is started when no --bootstrap-servers is given")
        }
    };

    let weather_path = workdir.path().join("weather.toml");
    let text = weather_config(args.seed, stations);
    WeatherConfig::from_toml(&text, &weather_path.display().to_string())
        .context("the generated weather config")?;
    std::fs::write(&weather_path, text).context("writing weather.toml")?;
    let bridge_path = workdir.path().join("kafka-bridge.toml");
    let text = BridgeFile {
        influx_url: influx_url.clone(),
        database: args.database.clone(),
        bootstrap_servers: bootstrap.clone(),
        lateness: args.lateness.0,
        log_level: args.log_level,
        startup_quiet_period: mock.as_ref().map(|_| Duration::ZERO),
    }
    .render();
    BridgeConfig::from_toml(&text, &bridge_path.display().to_string())
        .context("the generated bridge config")?;
    std::fs::write(&bridge_path, text).context("writing kafka-bridge.toml")?;

    if mock.is_none() {
        create_topics(bins, &bridge_path).await?;
    }

    let level = args.log_level.as_str();
    let mut inject_args = os(&[
        &"--log_level",
        &level,
        &"inject",
        &"--config",
        &weather_path,
        &"--url",
        &influx_url,
        &"--database",
        &args.database,
        &"--step",
        &args.step.to_string(),
        &"--live",
        &"--interval",
        &args.interval.to_string(),
    ]);
    if !args.backfill.is_zero() {
        inject_args.extend(os(&[&"--duration", &format_go_duration(args.backfill)]));
    }
    let mut inject = start(Launch {
        name: "inject",
        program: &bins.weather,
        args: inject_args,
        stdout: StdoutRoute::Log(telegraf_execd::logger::LogLevel::Info),
        stop: StopStyle::Terminate,
    })?;
    let mut bridge = start(Launch {
        name: "bridge",
        program: &bins.bridge,
        args: os(&[&"run", &"--config", &bridge_path]),
        // Its stdout is its health metrics (line protocol, every 10 s).
        stdout: StdoutRoute::Log(telegraf_execd::logger::LogLevel::Debug),
        stop: StopStyle::CloseStdin,
    })?;
    let mut consume = start(Launch {
        name: "consume",
        program: &bins.bridge,
        args: os(&[
            &"consume",
            &"--config",
            &bridge_path,
            &"--follow",
            &"--stats",
            &"--stats-interval",
            &args.stats_interval.to_string(),
            &"--log_level",
            &level,
        ]),
        stdout: StdoutRoute::Inherit,
        stop: StopStyle::Terminate,
    })?;
    // The alerts processor, fed like Telegraf feeds processors.execd: an execd weather input on
    // the same model, seed, stations and interval as `inject` (so the same live observations)
    // piped into it; its alert metrics go to the live view.
    let mut alerting = match args.alerts {
        false => None,
        true => {
            let program = bins.alerts_binary()?;
            let mut source = start(Launch {
                name: "weather",
                program: &bins.weather,
                args: os(&[
                    &"-config",
                    &weather_path,
                    &"-poll_interval",
                    &args.interval.to_string(),
                    &"-log_level",
                    &level,
                ]),
                stdout: StdoutRoute::Pipe,
                stop: StopStyle::CloseStdin,
            })?;
            let mut alerts_args = os(&[&"-log_level", &level]);
            if let Some(config) = &args.alerts_config {
                alerts_args.extend(os(&[&"-config", config]));
            }
            let feed = source.take_stdout();
            let processor = start_fed(
                Launch {
                    name: "alerts",
                    program,
                    args: alerts_args,
                    stdout: StdoutRoute::AlertView,
                    // Stopped by its input: the weather child's exit closes the pipe (EOF).
                    stop: StopStyle::CloseStdin,
                },
                feed,
            )?;
            Some((source, processor))
        }
    };
    log::info!(
        "pipeline running: {} stations, backfill {} at {}, live every {}{}; Ctrl-C to stop",
        stations.len(),
        format_go_duration(args.backfill),
        args.step,
        args.interval,
        args.duration
            .map(|d| format!(", stopping after {}", format_go_duration(d)))
            .unwrap_or_default()
    );

    let started = Instant::now();
    let deadline = args.duration.map(|d| started + d);
    let mut outage = args.outage().map(|(id, down, up)| OutageSchedule {
        broker: id,
        down_at: Some(started + down),
        up_at: up.map(|up| started + up),
    });
    let ending = loop {
        let next_outage = outage.as_ref().and_then(OutageSchedule::next);
        tokio::select! {
            name = signals.next() => break Ending::Signal(name),
            () = sleep_until(deadline) => break Ending::Duration,
            () = sleep_until(next_outage) => {
                if let (Some(schedule), Some(kafka)) = (outage.as_mut(), mock.as_mut()) {
                    schedule.step(kafka)?;
                }
            }
            status = inject.wait() => break Ending::ChildExited(inject.name(), status),
            status = bridge.wait() => break Ending::ChildExited(bridge.name(), status),
            status = consume.wait() => break Ending::ChildExited(consume.name(), status),
            (name, status) = wait_alerting(&mut alerting) => break Ending::ChildExited(name, status),
        }
    };

    let mut failure = match ending {
        Ending::Signal(name) => {
            log::info!("{name}: stopping the pipeline");
            None
        }
        Ending::Duration => {
            log::info!("--duration reached: stopping the pipeline");
            None
        }
        Ending::ChildExited(name, status) => {
            let status = status.map_or_else(|e| e.to_string(), |s| s.to_string());
            log::error!("{name} exited on its own ({status}): stopping the pipeline");
            Some(anyhow!("{name} exited on its own ({status})"))
        }
    };

    report_stop(&mut inject, &failure).await;
    let until = now_ns();
    if let Some((source, processor)) = alerting.as_mut() {
        report_stop(source, &failure).await;
        report_stop(processor, &failure).await;
    }
    report_stop(&mut consume, &failure).await;
    let mut code = ExitCode::SUCCESS;
    if args.verify && failure.is_none() {
        tokio::select! {
            verdict = verify_topic(bins, &bridge_path, until, args.lateness.0) => match verdict {
                Ok(summary) if summary.is_clean() => {}
                Ok(_) => {
                    log::error!("verification failed: the topic does not hold every point exactly once");
                    code = ExitCode::FAILURE;
                }
                Err(e) if client.ping().await.is_err() => {
                    // Our influxd shares the runner's process group: a terminal's Ctrl-C stops it too.
                    let hint = if influxd.is_some() {
                        " (the influxd this run started got the terminal's Ctrl-C too; stop with --duration or SIGTERM to verify)"
                    } else {
                        ""
                    };
                    failure = Some(e.context(format!("cannot verify: InfluxDB at {influx_url} no longer answers{hint}")));
                }
                Err(e) => failure = Some(e.context("verifying the topic")),
            },
            name = signals.next() => {
                log::warn!("{name}: verification interrupted");
                code = ExitCode::FAILURE;
            }
        }
    }
    report_stop(&mut bridge, &failure).await;
    drop(mock);
    drop(influxd);
    let folder = workdir.path().display().to_string();
    workdir
        .close()
        .with_context(|| format!("removing {folder}"))?;
    log::info!(
        "pipeline stopped after {:.1}s",
        started.elapsed().as_secs_f64()
    );
    match failure {
        Some(e) => Err(e),
        None => Ok(code),
    }
}

/// The first of the alerting children to exit; never, without `--alerts`.
async fn wait_alerting(
    alerting: &mut Option<(Supervised, Supervised)>,
) -> (&'static str, std::io::Result<std::process::ExitStatus>) {
    match alerting {
        Some((source, processor)) => tokio::select! {
            status = source.wait() => (source.name(), status),
            status = processor.wait() => (processor.name(), status),
        },
        None => std::future::pending().await,
    }
}

/// Stops a child and logs how it ended (after a failure elsewhere, quietly).
async fn report_stop(child: &mut Supervised, failure: &Option<anyhow::Error>) {
    use std::os::unix::process::ExitStatusExt as _;
    match child.stop(STOP_GRACE).await {
        Ok(status) if status.success() => log::info!("{} stopped", child.name()),
        // A tool without a SIGTERM handler ends by the signal it was asked to stop with.
        Ok(status) if status.signal() == Some(rustix::process::Signal::TERM.as_raw()) => {
            log::info!("{} stopped (SIGTERM)", child.name());
        }
        Ok(status) if failure.is_some() => log::info!("{} stopped ({status})", child.name()),
        Ok(status) => log::warn!("{} stopped with {status}", child.name()),
        Err(e) => log::warn!("stopping {}: {e}", child.name()),
    }
}

/// The broker-stop exercise: when the broker goes down and (optionally) comes back.
struct OutageSchedule {
    broker: i32,
    down_at: Option<Instant>,
    up_at: Option<Instant>,
}

impl OutageSchedule {
    fn next(&self) -> Option<Instant> {
        self.down_at.or(self.up_at)
    }

    fn step(&mut self, kafka: &mut MockKafka) -> Result<()> {
        if self.down_at.take().is_some() {
            let moves = kafka.stop_broker(self.broker)?;
            log::warn!(
                "broker {} is down; moved partition leaders: {}",
                self.broker,
                moves
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        } else if self.up_at.take().is_some() {
            kafka.start_broker(self.broker)?;
            log::info!(
                "broker {} is up again (leaders stay where they are)",
                self.broker
            );
        }
        Ok(())
    }
}

/// `create-topics` against external brokers.
async fn create_topics(bins: &SiblingBinaries, bridge_path: &Path) -> Result<()> {
    let tool = start(Launch {
        name: "create-topics",
        program: &bins.bridge,
        args: os(&[
            &"create-topics",
            &"--config",
            &bridge_path,
            &"--timeout",
            &TOOL_TIMEOUT,
        ]),
        stdout: StdoutRoute::Log(telegraf_execd::logger::LogLevel::Info),
        stop: StopStyle::Terminate,
    })?;
    let (status, _) = tool.finish().await.context("running create-topics")?;
    if !status.success() {
        bail!("create-topics failed ({status})");
    }
    Ok(())
}
