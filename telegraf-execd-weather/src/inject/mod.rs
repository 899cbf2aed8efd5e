//! `telegraf-execd-weather inject`: write generated weather straight into InfluxDB.
//!
//! - **Backfill** (`--duration 30d --step 1m`, or `--start/--end`): every station at every step
//!   of `[start, end)`, in time order, in batches of `--batch-size` lines. Generation runs on its
//!   own thread, a few batches ahead of the writer.
//! - **Live** (`--live --interval 10s`): every station at each wall-clock multiple of the
//!   interval until SIGINT/SIGTERM. A write that still fails after the client's retries is kept
//!   and sent before the next tick's lines (up to 100 000 lines; older lines are dropped with a
//!   `W! `), so a short outage loses nothing.
//!
//! Writes go through [`influxdb_http::InfluxClient`]: gzip, retries with backoff on connection
//! errors, timeouts, 429 and 5xx, and a permanent error quoting InfluxDB's reason on other 4xx.
//! Every line carries its timestamp, so a retried request can only overwrite identical points:
//! no point is lost or written twice. The v1 database is created first (idempotent) unless
//! `--no-create-database`.

mod args;
mod progress;

pub use args::{ApiVersion, Backfill, InjectArgs, InjectArgsError, parse_span};
pub use progress::Progress;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use influxdb_http::{Api, Batch, Batcher, InfluxClient, WriteError};

use crate::config::{WeatherConfig, WeatherConfigError};
use crate::model::WeatherModel;
use crate::output::WeatherWriter;
use crate::time::Timestamp;

/// Why `inject` stopped.
///
/// ```
/// use telegraf_execd_weather::inject::{InjectArgsError, InjectError};
/// let e = InjectError::from(InjectArgsError("--org is required with --api v2".into()));
/// assert!(e.to_string().contains("--org"));
/// ```
#[derive(Debug, thiserror::Error)]
pub enum InjectError {
    /// Bad option combination.
    #[error(transparent)]
    Args(#[from] InjectArgsError),
    /// Bad weather config file.
    #[error(transparent)]
    Config(#[from] WeatherConfigError),
    /// The client could not be built or the database created.
    #[error("InfluxDB: {0}")]
    Influx(#[from] influxdb_http::Error),
    /// A write failed for good; `at` is the first timestamp of the failed batch.
    #[error("writing the batch starting at {at} failed: {source}")]
    Write {
        /// First timestamp in the batch.
        at: Timestamp,
        /// The client's error (quotes InfluxDB's reason).
        source: WriteError,
    },
    /// A line could not be serialized (a station name the serializer rejects).
    #[error("serializing: {0}")]
    Serialize(#[from] line_protocol::serialize::SerializeError),
    /// Signal handling could not be set up.
    #[error("installing signal handlers: {0}")]
    Signal(std::io::Error),
}

/// What an inject run did.
///
/// ```
/// let s = telegraf_execd_weather::inject::InjectSummary::default();
/// assert_eq!(s.lines, 0);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InjectSummary {
    /// Lines written (backfill and live).
    pub lines: u64,
    /// HTTP requests sent, retries included.
    pub requests: u64,
    /// Requests that were retries.
    pub retries: u64,
}

/// Runs the subcommand: loads the weather config, then backfills and/or goes live.
///
/// ```no_run
/// # #[allow(dead_code)]
/// # async fn f(args: telegraf_execd_weather::inject::InjectArgs) -> Result<(), telegraf_execd_weather::inject::InjectError> {
/// let summary = telegraf_execd_weather::inject::run(&args).await?;
/// println!("{} lines", summary.lines);
/// # Ok(()) }
/// ```
pub async fn run(args: &InjectArgs) -> Result<InjectSummary, InjectError> {
    let mut config = match &args.config {
        Some(path) => WeatherConfig::load(path)?,
        None => WeatherConfig::default(),
    };
    if let Some(seed) = args.seed {
        config.seed = seed;
    }
    let model = config.model().map_err(|source| WeatherConfigError::Model {
        origin: "--seed".into(),
        source,
    })?;
    if args.batch_size == 0 {
        return Err(InjectArgsError("--batch-size must be at least 1".into()).into());
    }
    let now = now_ns();
    let backfill = args.backfill(now)?;
    if backfill.is_none() && !args.live {
        return Err(InjectArgsError(
            "nothing to do: give --duration (or --start/--end) for a backfill, and/or --live"
                .into(),
        )
        .into());
    }
    if args.live && args.interval.is_zero() {
        return Err(InjectArgsError("--interval must be longer than 0s".into()).into());
    }
    let client_config = args.client_config()?;
    let create = match &client_config.api {
        Api::V1 { database, .. } if !args.no_create_database => Some(database.clone()),
        _ => None,
    };
    let client = InfluxClient::new(client_config)?;
    if let Some(db) = create {
        client.create_database(&db).await?;
        log::info!("database {db:?} ready");
    }
    let mut summary = InjectSummary::default();
    if let Some(window) = backfill {
        backfill_window(&client, &model, window, args.batch_size, &mut summary).await?;
    }
    if args.live {
        live(&client, &model, args.interval.into(), &mut summary).await?;
    }
    Ok(summary)
}

fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

/// A batch plus the first timestamp in it (for error messages).
struct TimedBatch {
    first: i64,
    batch: Batch,
}

/// Writes every station at every step of `window`, in order; see the module docs.
///
/// ```no_run
/// # #[allow(dead_code)]
/// # async fn f(client: influxdb_http::InfluxClient) -> Result<(), telegraf_execd_weather::inject::InjectError> {
/// use telegraf_execd_weather::{inject::{backfill_window, Backfill, InjectSummary}, WeatherModel};
/// let model = WeatherModel::with_default_stations(1);
/// let window = Backfill { start: 0, end: 3_600_000_000_000, step: 60_000_000_000 };
/// let mut summary = InjectSummary::default();
/// backfill_window(&client, &model, window, 5000, &mut summary).await?;
/// assert_eq!(summary.lines, 60 * 12);
/// # Ok(()) }
/// ```
pub async fn backfill_window(
    client: &InfluxClient,
    model: &WeatherModel,
    window: Backfill,
    batch_size: usize,
    summary: &mut InjectSummary,
) -> Result<(), InjectError> {
    let total = window.steps() * model.stations().len() as u64;
    log::info!(
        "backfill {} .. {} every {}: {} steps x {} stations = {total} lines",
        Timestamp(window.start),
        Timestamp(window.end),
        telegraf_execd::duration::format_go_duration(Duration::from_nanos(window.step as u64)),
        window.steps(),
        model.stations().len()
    );
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<TimedBatch, InjectError>>(4);
    let generator_model = model.clone();
    let generator = std::thread::Builder::new()
        .name("weather-generate".into())
        .spawn(move || generate(&generator_model, window, batch_size, &tx))
        .map_err(InjectError::Signal)?;
    let mut progress = Progress::for_stderr(total);
    let mut result = Ok(());
    while let Some(item) = rx.recv().await {
        let TimedBatch { first, batch } = match item {
            Ok(b) => b,
            Err(e) => {
                result = Err(e);
                break;
            }
        };
        match client.write(&batch.bytes).await {
            Ok(outcome) => {
                summary.lines += batch.lines as u64;
                summary.requests += u64::from(outcome.requests);
                summary.retries += u64::from(outcome.retries);
                progress.advance(batch.lines as u64);
            }
            Err(source) => {
                result = Err(InjectError::Write {
                    at: Timestamp(first),
                    source,
                });
                break;
            }
        }
    }
    // Dropping the receiver makes a still-running generator stop at its next send.
    drop(rx);
    let _ = generator.join();
    progress.finish();
    result
}

/// The generator thread: batches in time order, sent to the writer.
fn generate(
    model: &WeatherModel,
    window: Backfill,
    batch_size: usize,
    tx: &tokio::sync::mpsc::Sender<Result<TimedBatch, InjectError>>,
) {
    let mut writer = WeatherWriter::new(model);
    let mut batcher = Batcher::new(batch_size, 64 << 20);
    let mut line = Vec::with_capacity(256);
    let mut first = None;
    let mut t = window.start;
    while t < window.end {
        for station in 0..model.stations().len() {
            line.clear();
            match writer.write_station(station, t, &mut line) {
                Ok(false) => continue,
                Ok(true) => {}
                Err(e) => {
                    let _ = tx.blocking_send(Err(e.into()));
                    return;
                }
            }
            let batch_first = *first.get_or_insert(t);
            if let Some(batch) = batcher.push(&line) {
                // A line that did not fit starts the next batch (it is not in this one).
                first = if batcher.is_empty() { None } else { Some(t) };
                if tx
                    .blocking_send(Ok(TimedBatch {
                        first: batch_first,
                        batch,
                    }))
                    .is_err()
                {
                    return;
                }
            }
        }
        t = match t.checked_add(window.step) {
            Some(next) => next,
            None => break,
        };
    }
    if let (Some(batch), Some(first)) = (batcher.finish(), first) {
        let _ = tx.blocking_send(Ok(TimedBatch { first, batch }));
    }
}

/// Most lines kept for resending while InfluxDB is unreachable in live mode.
const LIVE_BACKLOG_LINES: usize = 100_000;

/// Live mode: all stations at each interval tick until SIGINT/SIGTERM; see the module docs.
async fn live(
    client: &InfluxClient,
    model: &WeatherModel,
    interval: Duration,
    summary: &mut InjectSummary,
) -> Result<(), InjectError> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).map_err(InjectError::Signal)?;
    let mut int = signal(SignalKind::interrupt()).map_err(InjectError::Signal)?;
    let step = i64::try_from(interval.as_nanos())
        .unwrap_or(i64::MAX)
        .max(1);
    let mut writer = WeatherWriter::new(model);
    let mut backlog: Vec<u8> = Vec::new();
    let mut backlog_lines = 0usize;
    log::info!(
        "live: {} stations every {}",
        model.stations().len(),
        telegraf_execd::duration::format_go_duration(interval)
    );
    loop {
        let now = now_ns();
        let tick = (now / step + 1) * step;
        let wait = Duration::from_nanos((tick - now).max(0) as u64);
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = term.recv() => { log::info!("live: SIGTERM, stopping"); return Ok(()); }
            _ = int.recv() => { log::info!("live: SIGINT, stopping"); return Ok(()); }
        }
        let before = backlog.len();
        let lines = writer.write_gather(tick, &mut backlog)?;
        backlog_lines += lines;
        log::debug!(
            "live: tick {} ({lines} lines, {} bytes pending before)",
            Timestamp(tick),
            before
        );
        match client.write(&backlog).await {
            Ok(outcome) => {
                summary.lines += backlog_lines as u64;
                summary.requests += u64::from(outcome.requests);
                summary.retries += u64::from(outcome.retries);
                backlog.clear();
                backlog_lines = 0;
            }
            Err(e @ WriteError::GaveUp { .. }) => {
                let offset = e.resume_offset().unwrap_or(0);
                let sent = backlog[..offset].iter().filter(|&&b| b == b'\n').count();
                summary.lines += sent as u64;
                backlog.drain(..offset);
                backlog_lines -= sent;
                log::warn!("live: {e}; keeping {backlog_lines} lines for the next tick");
                while backlog_lines > LIVE_BACKLOG_LINES {
                    let cut = backlog
                        .iter()
                        .position(|&b| b == b'\n')
                        .map_or(backlog.len(), |i| i + 1);
                    backlog.drain(..cut);
                    backlog_lines -= 1;
                    if backlog_lines == LIVE_BACKLOG_LINES {
                        log::warn!("live: backlog full, dropping the oldest lines");
                    }
                }
            }
            Err(source) => {
                return Err(InjectError::Write {
                    at: Timestamp(tick),
                    source,
                });
            }
        }
    }
}
