//! `telegraf-execd-alerts provision`: the same rules as InfluxDB 2 checks (the lab's
//! `init-alert`).
//!
//! Reads the rule file, maps each rule to threshold or deadman checks over the bucket
//! ([`mapping`]), and provisions them with one HTTP notification endpoint and one notification
//! rule through [`influxdb_http::alerting`]: objects are matched by name, created when
//! missing, updated (`PUT`) when they differ, left alone otherwise, so a second run changes
//! nothing and says so. The API token comes from `INFLUX_TOKEN` only.

pub mod mapping;
pub mod settings;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use influxdb_http::alerting::{AlertingApi, provision};
use influxdb_http::{Api, ClientConfig, InfluxClient, RetryPolicy, Secret};
use telegraf_execd::{GoDuration, LogLevel, logger};

pub use mapping::{Mapped, MappingOptions, SOURCE_TAG, flux_duration, flux_string, map_rules};
pub use settings::ProvisionSettings;

use crate::AlertsConfig;

/// The environment variable holding the InfluxDB 2 API token (there is no flag, so the token
/// never shows in a process list or a compose file).
pub const TOKEN_ENV: &str = "INFLUX_TOKEN";

/// Create or update the rules as InfluxDB 2 checks (the lab's init-alert).
///
/// Besides the checks: one HTTP notification endpoint and one notification rule.
/// Threshold rules become threshold checks (WARN/CRIT, above: greater, below: lesser; `for`
/// becomes the check interval over which every point must be beyond the threshold), deadman
/// rules deadman checks, stuck rules a threshold check on the window's spread; tag filters become
/// Flux filters. Objects are matched by name in the organization: missing ones are created,
/// changed ones updated in place, the rest left alone; a second run changes nothing and says
/// so. Prints one line per object on stdout; errors go to stderr (E!) with a non-zero exit.
///
/// Where to: each flag (or its environment variable) overrides the same key in the rule file's
/// [processors.alerts.provision] table (shown as [file: KEY]).
/// The API token is read from the environment variable INFLUX_TOKEN only.
#[derive(Debug, Clone, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct ProvisionArgs {
    /// Rule file ([[processors.alerts]] with its rules); the shipped weather rules without it.
    #[arg(long = "config", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// InfluxDB 2 base URL [file: url].
    #[arg(long = "url", env = "INFLUX_URL", value_name = "URL")]
    pub url: Option<String>,

    /// Organization name, looked up with GET /api/v2/orgs?org=NAME [file: org].
    #[arg(long = "org", env = "INFLUX_ORG", value_name = "NAME")]
    pub org: Option<String>,

    /// Bucket the checks query [file: bucket; default: weather].
    #[arg(long = "bucket", env = "INFLUX_BUCKET", value_name = "NAME")]
    pub bucket: Option<String>,

    /// URL of the HTTP notification endpoint; InfluxDB POSTs each status change there
    /// [file: endpoint_url].
    #[arg(long = "endpoint_url", env = "ALERT_ENDPOINT_URL", value_name = "URL")]
    pub endpoint_url: Option<String>,

    /// Name of the notification endpoint [file: endpoint_name; default: telegraf-execd-alerts].
    #[arg(long = "endpoint_name", value_name = "NAME")]
    pub endpoint_name: Option<String>,

    /// Interval of checks for rules without `for`, of deadman checks and of the notification
    /// rule [file: every; default: 1m].
    #[arg(long = "every", value_name = "DURATION")]
    pub every: Option<GoDuration>,

    /// Time limit per HTTP request.
    #[arg(long = "timeout", default_value = "10s", value_name = "DURATION")]
    pub timeout: GoDuration,

    /// Only compare and print what would change; write nothing.
    #[arg(long = "dry_run")]
    pub dry_run: bool,

    /// Log level on stderr: error|warn|info|debug|trace.
    #[arg(long = "log_level", value_name = "LEVEL")]
    pub log_level: Option<LogLevel>,
}

/// Runs the subcommand: exit 0 when everything is in place (or would be, with `-dry_run`),
/// 1 with an `E!` line naming the cause otherwise.
///
/// ```no_run
/// use clap::Parser;
/// #[derive(Parser)]
/// struct Cli { #[command(flatten)] args: telegraf_execd_alerts::provision::ProvisionArgs }
/// let cli = Cli::parse_from(["p", "--url", "http://influxdb:8086", "--org", "lab", "--endpoint_url", "http://hook/"]);
/// std::process::exit(if telegraf_execd_alerts::provision::main(&cli.args) == std::process::ExitCode::SUCCESS { 0 } else { 1 });
/// ```
pub fn main(args: &ProvisionArgs) -> ExitCode {
    if let Some(level) = args.log_level {
        logger::set_level(level);
    }
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            log::error!("provision failed: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &ProvisionArgs) -> anyhow::Result<()> {
    let config = match &args.config {
        Some(path) => AlertsConfig::load(path)?,
        None => {
            log::info!("no -config given: provisioning the shipped weather rules (alerts.toml)");
            AlertsConfig::shipped()
        }
    };
    let file = config.provision.clone().unwrap_or_default();
    let need = |flag: &Option<String>, key: Option<String>, what: &str, env: &str| {
        flag.clone().or(key).ok_or_else(|| {
            anyhow::anyhow!(
                "no {what}: give -{name}, set {env}, or set `{name}` in [processors.alerts.provision]",
                name = what.replace(' ', "_"),
            )
        })
    };
    let url = need(&args.url, file.url, "url", "INFLUX_URL")?;
    let org = need(&args.org, file.org, "org", "INFLUX_ORG")?;
    let endpoint_url = need(
        &args.endpoint_url,
        file.endpoint_url,
        "endpoint url",
        "ALERT_ENDPOINT_URL",
    )?;
    let bucket = args
        .bucket
        .clone()
        .or(file.bucket)
        .unwrap_or_else(|| "weather".to_owned());
    let token = Secret::from_env(TOKEN_ENV)
        .context("the InfluxDB 2 API token is read from the environment only")?;
    let defaults = MappingOptions::new(&bucket, &endpoint_url);
    let options = MappingOptions {
        every: args.every.or(file.every).map_or(defaults.every, |d| *d),
        endpoint_name: args
            .endpoint_name
            .clone()
            .or(file.endpoint_name)
            .unwrap_or_else(|| defaults.endpoint_name.clone()),
        ..defaults
    };
    let mapped = map_rules(&config.rules, &options);
    for note in &mapped.notes {
        log::info!("{note}");
    }
    let api = Api::V2 {
        org: org.clone(),
        bucket,
        token,
    };
    let mut client = ClientConfig::new(&url, api)?;
    client.timeout = Duration::max(*args.timeout, Duration::from_millis(1));
    client.retry = RetryPolicy::none();
    client.user_agent = concat!("telegraf-execd-alerts/", env!("CARGO_PKG_VERSION")).to_owned();
    let alerting = AlertingApi::new(InfluxClient::new(client)?)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    log::info!(
        "provisioning {} checks, endpoint {:?} and notification rule {:?} in organization {:?} at {}",
        mapped.setup.checks.len(),
        options.endpoint_name,
        options.rule_name,
        org,
        url
    );
    let report = runtime.block_on(provision(&alerting, mapped.setup, args.dry_run))?;
    for outcome in &report.outcomes {
        println!("{outcome}");
    }
    for stray in &report.strays {
        log::warn!(
            "check {:?} (id {}) has tag source={SOURCE_TAG} but no rule maps to it (renamed or removed?): left as is; delete it in InfluxDB if it is not wanted",
            stray.name,
            stray.id
        );
    }
    println!("{}", report.summary());
    Ok(())
}
