//! The `inject` subcommand's options and how they turn into a plan and an InfluxDB client.

use std::path::PathBuf;
use std::time::Duration;

use influxdb_http::{Api, ClientConfig, ContentEncoding, Credentials, Secret};
use telegraf_execd::GoDuration;

use crate::time::Timestamp;

/// API flavour of the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ApiVersion {
    /// InfluxDB 1.x: `POST /write?db=…&precision=ns`.
    V1,
    /// InfluxDB 2.x/3.x: `POST /api/v2/write?org=…&bucket=…&precision=ns` with `Authorization: Token …`.
    V2,
}

/// `telegraf-execd-weather inject`: write generated weather into InfluxDB.
///
/// ```
/// use clap::Parser;
/// use telegraf_execd_weather::inject::InjectArgs;
/// #[derive(Parser)]
/// struct Cli { #[command(flatten)] inject: InjectArgs }
/// let cli = Cli::parse_from(["x", "--url", "http://127.0.0.1:8086", "--duration", "30d", "--step", "1m"]);
/// assert_eq!(cli.inject.duration.unwrap(), std::time::Duration::from_secs(30 * 86_400));
/// ```
#[derive(Debug, Clone, clap::Args)]
pub struct InjectArgs {
    /// Weather config file (the same [[inputs.weather]] file as the execd plugin: seed, stations, anomalies).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Override the config's seed.
    #[arg(long)]
    pub seed: Option<u64>,

    /// InfluxDB base URL (https:// for TLS).
    #[arg(long, env = "INFLUX_URL", value_name = "URL")]
    pub url: String,

    /// With https and a private CA: PEM file of the CA certificate(s) to trust instead of the
    /// web roots (Telegraf's tls_ca).
    #[arg(long, value_name = "FILE")]
    pub tls_ca: Option<PathBuf>,

    /// Write API: v1 (/write?db=) or v2 (/api/v2/write?org=&bucket=).
    #[arg(long, value_enum, default_value = "v1")]
    pub api: ApiVersion,

    /// v1: database (created unless --no-create-database).
    #[arg(long, default_value = "weather", value_name = "NAME")]
    pub database: String,

    /// v1: retention policy (default: the database's default).
    #[arg(long, value_name = "NAME")]
    pub retention_policy: Option<String>,

    /// v1: do not send CREATE DATABASE first.
    #[arg(long)]
    pub no_create_database: bool,

    /// v1: user name; the password comes from $INFLUX_PASSWORD or --password-file.
    #[arg(long, value_name = "NAME")]
    pub username: Option<String>,

    /// v1: file holding the password.
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,

    /// v2: organization.
    #[arg(long, value_name = "ORG")]
    pub org: Option<String>,

    /// v2: bucket.
    #[arg(long, value_name = "BUCKET")]
    pub bucket: Option<String>,

    /// v2: file holding the API token (otherwise $INFLUX_TOKEN). Never given on the command line.
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,

    /// Backfill start (RFC 3339, e.g. 2026-01-01T00:00:00Z).
    #[arg(long, value_name = "TIME")]
    pub start: Option<Timestamp>,

    /// Backfill end, exclusive (RFC 3339). Default: --start + --duration, or now.
    #[arg(long, value_name = "TIME")]
    pub end: Option<Timestamp>,

    /// Backfill length ending at --end (or now), or starting at --start: Go syntax plus d and w (30d, 12h, 1w2d).
    #[arg(long, value_name = "SPAN", value_parser = parse_span)]
    pub duration: Option<Duration>,

    /// Time between backfilled observations.
    #[arg(long, default_value = "1m", value_name = "DURATION")]
    pub step: GoDuration,

    /// After any backfill, keep writing live observations every --interval until SIGINT/SIGTERM.
    #[arg(long)]
    pub live: bool,

    /// Live interval (ticks on wall-clock multiples).
    #[arg(long, default_value = "10s", value_name = "DURATION")]
    pub interval: GoDuration,

    /// Lines per write request.
    #[arg(long, default_value_t = 5000, value_name = "LINES")]
    pub batch_size: usize,

    /// Send bodies uncompressed (default: gzip).
    #[arg(long)]
    pub no_gzip: bool,

    /// HTTP request timeout.
    #[arg(long, default_value = "10s", value_name = "DURATION")]
    pub timeout: GoDuration,

    /// Attempts per request on connection errors, timeouts, 429 and 5xx (with backoff).
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub max_attempts: u32,
}

/// A span: Go duration syntax plus `d` (days) and `w` (weeks), e.g. `30d`, `1w2d12h`.
///
/// ```
/// use telegraf_execd_weather::inject::parse_span;
/// assert_eq!(parse_span("30d").unwrap().as_secs(), 30 * 86_400);
/// assert_eq!(parse_span("1w1d1h30m").unwrap().as_secs(), 8 * 86_400 + 5_400);
/// assert!(parse_span("3 days").is_err());
/// ```
pub fn parse_span(text: &str) -> Result<Duration, String> {
    let mut total = Duration::ZERO;
    let mut rest = text;
    if rest.is_empty() {
        return Err("empty span (expected e.g. 30d, 12h, 90m)".into());
    }
    while !rest.is_empty() {
        let num = rest
            .bytes()
            .take_while(|b| b.is_ascii_digit() || *b == b'.')
            .count();
        let unit = rest[num..]
            .bytes()
            .take_while(u8::is_ascii_alphabetic)
            .count();
        let unit = if rest[num..].starts_with('µ') || rest[num..].starts_with('μ') {
            rest[num..]
                .char_indices()
                .nth(2)
                .map_or(rest.len() - num, |(i, _)| i)
        } else {
            unit
        };
        let (term, after) = rest.split_at(num + unit);
        let days = match &term[num..] {
            "d" => Some(1.0),
            "w" => Some(7.0),
            _ => None,
        };
        let part = match days {
            Some(mult) => {
                let n: f64 = term[..num]
                    .parse()
                    .map_err(|_| format!("invalid span {text:?}: bad number in {term:?}"))?;
                Duration::from_secs_f64(n * mult * 86_400.0)
            }
            None => telegraf_execd::parse_go_duration(term)
                .map_err(|e| format!("invalid span {text:?}: {e} (d and w are accepted too)"))?,
        };
        total += part;
        rest = after;
        if num + unit == 0 {
            return Err(format!(
                "invalid span {text:?} (expected e.g. 30d, 12h, 90m)"
            ));
        }
    }
    Ok(total)
}

/// A bad combination of options; the message names them.
///
/// ```
/// let e = telegraf_execd_weather::inject::InjectArgsError("--org is required with --api v2".into());
/// assert!(e.to_string().contains("--org"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InjectArgsError(pub String);

/// The backfill window: `[start, end)` at `step`, all in nanoseconds.
///
/// ```
/// use telegraf_execd_weather::inject::Backfill;
/// let b = Backfill { start: 0, end: 60_000_000_000, step: 10_000_000_000 };
/// assert_eq!(b.steps(), 6);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backfill {
    /// First timestamp.
    pub start: i64,
    /// End, exclusive.
    pub end: i64,
    /// Step.
    pub step: i64,
}

impl Backfill {
    /// Number of timestamps in the window.
    ///
    /// ```
    /// let b = telegraf_execd_weather::inject::Backfill { start: 0, end: 61, step: 10 };
    /// assert_eq!(b.steps(), 7);
    /// ```
    pub fn steps(&self) -> u64 {
        if self.end <= self.start {
            return 0;
        }
        ((self.end - self.start - 1) / self.step + 1) as u64
    }
}

impl InjectArgs {
    /// The backfill window implied by `--start/--end/--duration` (`now_ns` for a missing end;
    /// an end derived from "now" is truncated to a multiple of the step), or `None` if none of
    /// them is given.
    ///
    /// ```
    /// use clap::Parser;
    /// use telegraf_execd_weather::inject::InjectArgs;
    /// #[derive(Parser)]
    /// struct Cli { #[command(flatten)] a: InjectArgs }
    /// let a = Cli::parse_from(["x", "--url", "http://h", "--duration", "1h", "--step", "1m"]).a;
    /// let b = a.backfill(7_200_000_000_123).unwrap().unwrap();
    /// assert_eq!((b.start, b.end, b.steps()), (3_600_000_000_000, 7_200_000_000_000, 60));
    /// ```
    pub fn backfill(&self, now_ns: i64) -> Result<Option<Backfill>, InjectArgsError> {
        let step = i64::try_from(self.step.as_nanos()).unwrap_or(i64::MAX);
        if step <= 0 {
            return Err(InjectArgsError("--step must be longer than 0s".into()));
        }
        let span = self
            .duration
            .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
        let (start, end) = match (self.start, self.end, span) {
            (None, None, None) => return Ok(None),
            (Some(_), Some(_), Some(_)) => {
                return Err(InjectArgsError(
                    "give at most two of --start, --end and --duration".into(),
                ));
            }
            (Some(s), Some(e), None) => (s.0, e.0),
            (Some(s), None, Some(d)) => (s.0, s.0.saturating_add(d)),
            (None, end, Some(d)) => {
                let e = end.map_or(now_ns - now_ns.rem_euclid(step), |e| e.0);
                (e.saturating_sub(d), e)
            }
            (Some(s), None, None) => (s.0, now_ns - now_ns.rem_euclid(step)),
            (None, Some(_), None) => {
                return Err(InjectArgsError("--end needs --start or --duration".into()));
            }
        };
        if end <= start {
            return Err(InjectArgsError(format!(
                "empty backfill window: --start {} is not before the end {}",
                Timestamp(start),
                Timestamp(end)
            )));
        }
        Ok(Some(Backfill { start, end, step }))
    }

    /// The InfluxDB client configuration (URL, API, credentials from env/file, gzip, timeout,
    /// retries).
    ///
    /// ```
    /// use clap::Parser;
    /// use telegraf_execd_weather::inject::InjectArgs;
    /// #[derive(Parser)]
    /// struct Cli { #[command(flatten)] a: InjectArgs }
    /// let a = Cli::parse_from(["x", "--url", "http://127.0.0.1:8086", "--api", "v2", "--bucket", "b"]).a;
    /// assert!(a.client_config().unwrap_err().to_string().contains("--org"));
    /// ```
    pub fn client_config(&self) -> Result<ClientConfig, InjectArgsError> {
        let api = match self.api {
            ApiVersion::V1 => {
                let auth = match &self.username {
                    None => None,
                    Some(user) => Some(Credentials {
                        username: user.clone(),
                        password: secret(
                            self.password_file.as_ref(),
                            "INFLUX_PASSWORD",
                            "--password-file",
                        )?,
                    }),
                };
                Api::V1 {
                    database: self.database.clone(),
                    retention_policy: self.retention_policy.clone(),
                    auth,
                }
            }
            ApiVersion::V2 => {
                let need = |v: &Option<String>, flag: &str| {
                    v.clone()
                        .ok_or_else(|| InjectArgsError(format!("{flag} is required with --api v2")))
                };
                Api::V2 {
                    org: need(&self.org, "--org")?,
                    bucket: need(&self.bucket, "--bucket")?,
                    token: secret(self.token_file.as_ref(), "INFLUX_TOKEN", "--token-file")?,
                }
            }
        };
        let mut config = ClientConfig::new(&self.url, api)
            .map_err(|e| InjectArgsError(format!("--url: {e}")))?;
        config.timeout = self.timeout.into();
        config.retry.max_attempts = self.max_attempts.max(1);
        config.content_encoding = if self.no_gzip {
            ContentEncoding::Identity
        } else {
            ContentEncoding::Gzip
        };
        config.user_agent = concat!("telegraf-execd-weather/", env!("CARGO_PKG_VERSION")).into();
        config.tls_ca.clone_from(&self.tls_ca);
        Ok(config)
    }
}

fn secret(file: Option<&PathBuf>, var: &str, flag: &str) -> Result<Secret, InjectArgsError> {
    match file {
        Some(path) => Secret::from_file(path).map_err(|e| InjectArgsError(format!("{flag}: {e}"))),
        None => {
            Secret::from_env(var).map_err(|e| InjectArgsError(format!("{e}: set it or use {flag}")))
        }
    }
}
