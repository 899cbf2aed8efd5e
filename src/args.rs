//! The runner's command line: what to start or reuse, how much weather, the broker-stop
//! exercise, and the final verification.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use telegraf_execd::duration::GoDuration;
use telegraf_execd::logger::LogLevel;
use telegraf_execd_weather::Station;
use telegraf_execd_weather::inject::parse_span;

use crate::cluster::MockKafka;

/// Long help of `weather-pipeline --help`.
const LONG_ABOUT: &str = "\
Runs the weather pipeline on one machine: InfluxDB, a three-broker Kafka cluster, the weather
injector, the InfluxDB -> Kafka bridge and a live consumer.

Started or reused:
  InfluxDB  Debian's influxd on a free loopback port, data in a temp dir (or --influx-url)
  Kafka     librdkafka's mock cluster, brokers 1..3 inside this process (or --bootstrap-servers);
            topics \"weather\" (4 partitions, RF 3), \"weather-telegraf\", \"weather-alerts\"
Children (found next to this binary, or in --bin-dir):
  telegraf-execd-weather inject        backfill, then live writes every --interval
  telegraf-execd-kafka-bridge run      InfluxDB -> topic \"weather\", exactly once
  telegraf-execd-kafka-bridge consume  --follow --stats: the live view on stdout
  telegraf-execd-weather | telegraf-execd-alerts
                                       (--alerts) the same live weather through the alerts
                                       processor; its alert changes are printed in the live view";

/// `weather-pipeline`: the whole pipeline on one machine, without Docker.
///
/// ```
/// use clap::Parser;
/// use weather_pipeline::args::PipelineArgs;
/// let a = PipelineArgs::parse_from(["weather-pipeline", "--duration", "30s", "--stations", "3"]);
/// assert_eq!(a.duration.unwrap().as_secs(), 30);
/// assert_eq!(a.backfill.as_secs(), 3600);
/// assert!(a.check().is_ok());
/// ```
#[derive(Debug, Clone, clap::Parser)]
#[command(
    name = "weather-pipeline",
    version,
    about = "Runs the weather pipeline on one machine: InfluxDB, Kafka, injector, bridge, live consumer.",
    long_about = LONG_ABOUT,
    after_help = "Flags take both spellings: --log-level or -log_level/--log_level (Go-shim style), and so on.\n\
                  Logs go to stderr (E!/W!/I!/D! prefixes; children's lines carry [inject], [bridge], [consume]);\n\
                  stdout shows the consumer's live per-station view.\n\
                  Ctrl-C or SIGTERM stops everything it started (exit 0; with --verify, after the check)."
)]
pub struct PipelineArgs {
    /// Use this InfluxDB (v1 API) instead of starting influxd.
    #[arg(long, value_name = "URL")]
    pub influx_url: Option<String>,

    /// Database the weather goes to (created if missing).
    #[arg(long, default_value = "weather", value_name = "NAME")]
    pub database: String,

    /// Use these Kafka brokers instead of the in-process mock cluster (topics are then created
    /// with `telegraf-execd-kafka-bridge create-topics`).
    #[arg(long, value_name = "HOST:PORT,...")]
    pub bootstrap_servers: Option<String>,

    /// Stations: `all`, a number N (the first N built-in ones), or ids (`paris,tokyo`).
    #[arg(long, default_value = "all", value_name = "all|N|ID,...")]
    pub stations: StationSelection,

    /// Weather model seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,

    /// History written before going live, ending now (`0s` for none; d and w allowed: 2d).
    #[arg(long, default_value = "1h", value_name = "SPAN", value_parser = parse_span)]
    pub backfill: Duration,

    /// Time between backfilled observations.
    #[arg(long, default_value = "1m", value_name = "DURATION")]
    pub step: GoDuration,

    /// Live observations: one per station every interval (wall-clock multiples).
    #[arg(long, default_value = "10s", value_name = "DURATION")]
    pub interval: GoDuration,

    /// The bridge exports points at least this old (lets in-flight writes land first).
    #[arg(long, default_value = "2s", value_name = "DURATION")]
    pub lateness: GoDuration,

    /// Stop by itself after this long (default: run until Ctrl-C / SIGTERM).
    #[arg(long, value_name = "DURATION", value_parser = parse_span)]
    pub duration: Option<Duration>,

    /// Broker-stop exercise: take this mock broker (1, 2 or 3) down, moving the partitions
    /// it leads to live brokers.
    #[arg(long, value_name = "ID", requires = "after")]
    pub stop_broker: Option<i32>,

    /// With --stop-broker: how long after the start the broker goes down.
    #[arg(long, value_name = "DURATION", requires = "stop_broker")]
    pub after: Option<GoDuration>,

    /// With --stop-broker: bring the broker back this long after it went down.
    #[arg(long, value_name = "DURATION", requires = "stop_broker")]
    pub broker_up_after: Option<GoDuration>,

    /// At the end, check with `consume --verify` that every point in InfluxDB reached the topic
    /// exactly once, in order; exit 1 on any problem.
    #[arg(long)]
    pub verify: bool,

    /// Run the alerts processor (`telegraf-execd-alerts`) on the live weather, as Telegraf's
    /// processors.execd does (fed by a `telegraf-execd-weather` execd with the same model, seed,
    /// stations and interval as `inject`), and print its alert changes in the live view.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub alerts: bool,

    /// With --alerts: the processor's rule file (default: its shipped weather rules).
    #[arg(long, value_name = "FILE")]
    pub alerts_config: Option<PathBuf>,

    /// How often the live view prints its table.
    #[arg(long, default_value = "5s", value_name = "DURATION")]
    pub stats_interval: GoDuration,

    /// Folder holding telegraf-execd-weather and telegraf-execd-kafka-bridge (default: the folder
    /// of this binary).
    #[arg(long, value_name = "DIR")]
    pub bin_dir: Option<PathBuf>,

    /// Log level (also passed to the children): error|warn|info|debug|trace.
    #[arg(long = "log-level", default_value = "info", value_name = "LEVEL")]
    pub log_level: LogLevel,
}

/// A combination of options that cannot work; the message names them.
///
/// ```
/// let e = weather_pipeline::args::ArgsError("--step must be longer than 0s".into());
/// assert_eq!(e.to_string(), "--step must be longer than 0s");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ArgsError(pub String);

impl PipelineArgs {
    /// Checks what clap cannot: positive intervals, a broker id the mock has, no broker-stop
    /// exercise against external brokers.
    ///
    /// ```
    /// use clap::Parser;
    /// use weather_pipeline::args::PipelineArgs;
    /// let a = PipelineArgs::parse_from(["x", "--stop-broker", "4", "--after", "5s"]);
    /// assert!(a.check().unwrap_err().to_string().contains("--stop-broker 4"));
    /// let a = PipelineArgs::parse_from(["x", "--bootstrap-servers", "k:9092", "--stop-broker", "1", "--after", "5s"]);
    /// assert!(a.check().unwrap_err().to_string().contains("mock"));
    /// ```
    pub fn check(&self) -> Result<(), ArgsError> {
        let positive = |d: &GoDuration, flag: &str| {
            if d.is_zero() {
                Err(ArgsError(format!("{flag} must be longer than 0s")))
            } else {
                Ok(())
            }
        };
        positive(&self.step, "--step")?;
        positive(&self.interval, "--interval")?;
        positive(&self.stats_interval, "--stats-interval")?;
        if self.database.is_empty() {
            return Err(ArgsError("--database must not be empty".into()));
        }
        if let Some(id) = self.stop_broker {
            if self.bootstrap_servers.is_some() {
                return Err(ArgsError(
                    "--stop-broker needs the built-in mock cluster: it cannot stop brokers given by --bootstrap-servers".into(),
                ));
            }
            if !(1..=MockKafka::BROKERS).contains(&id) {
                return Err(ArgsError(format!(
                    "--stop-broker {id}: the mock cluster's brokers are 1..={}",
                    MockKafka::BROKERS
                )));
            }
        }
        Ok(())
    }

    /// The broker-stop exercise as times after the start: `(broker, down_at, up_at)`.
    ///
    /// ```
    /// use clap::Parser;
    /// let a = weather_pipeline::args::PipelineArgs::parse_from(
    ///     ["x", "--stop-broker", "2", "--after", "5s", "--broker-up-after", "10s"]);
    /// let (id, down, up) = a.outage().unwrap();
    /// assert_eq!((id, down.as_secs(), up.unwrap().as_secs()), (2, 5, 15));
    /// ```
    pub fn outage(&self) -> Option<(i32, Duration, Option<Duration>)> {
        let id = self.stop_broker?;
        let down = self.after.map_or(Duration::ZERO, |d| d.0);
        Some((id, down, self.broker_up_after.map(|u| down + u.0)))
    }
}

/// Which stations the injector simulates.
///
/// ```
/// use weather_pipeline::args::StationSelection;
/// let all = telegraf_execd_weather::station::default_stations();
/// let two: StationSelection = "2".parse().unwrap();
/// assert_eq!(two.resolve(&all).unwrap().len(), 2);
/// let ids: StationSelection = "tokyo,paris".parse().unwrap();
/// assert_eq!(ids.resolve(&all).unwrap()[0].id, "tokyo");
/// let bad: StationSelection = "atlantis".parse().unwrap();
/// assert!(bad.resolve(&all).unwrap_err().contains("atlantis"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StationSelection {
    /// Every built-in station.
    All,
    /// The first N built-in stations.
    First(usize),
    /// These station ids, in this order.
    Ids(Vec<String>),
}

impl FromStr for StationSelection {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.is_empty() {
            return Err("empty station list (use all, a number, or ids like paris,tokyo)".into());
        }
        if s == "all" {
            return Ok(StationSelection::All);
        }
        if let Ok(n) = s.parse::<usize>() {
            if n == 0 {
                return Err("at least one station is needed".into());
            }
            return Ok(StationSelection::First(n));
        }
        let ids: Vec<String> = s.split(',').map(|id| id.trim().to_string()).collect();
        if ids.iter().any(String::is_empty) {
            return Err(format!("empty station id in {s:?}"));
        }
        Ok(StationSelection::Ids(ids))
    }
}

impl StationSelection {
    /// The chosen stations out of `builtin`; an unknown id or too large a number is an error
    /// listing what exists.
    ///
    /// ```
    /// use weather_pipeline::args::StationSelection;
    /// let all = telegraf_execd_weather::station::default_stations();
    /// assert_eq!(StationSelection::All.resolve(&all).unwrap().len(), all.len());
    /// assert!(StationSelection::First(99).resolve(&all).is_err());
    /// ```
    pub fn resolve(&self, builtin: &[Station]) -> Result<Vec<Station>, String> {
        let known = || {
            builtin
                .iter()
                .map(|s| s.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            StationSelection::All => Ok(builtin.to_vec()),
            StationSelection::First(n) if *n <= builtin.len() => Ok(builtin[..*n].to_vec()),
            StationSelection::First(n) => Err(format!(
                "--stations {n}: there are {} built-in stations ({})",
                builtin.len(),
                known()
            )),
            StationSelection::Ids(ids) => ids
                .iter()
                .map(|id| {
                    builtin
                        .iter()
                        .find(|s| &s.id == id)
                        .cloned()
                        .ok_or_else(|| {
                            format!("--stations: unknown station {id:?} (known: {})", known())
                        })
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use telegraf_execd::cli::parse_args_from;

    /// The binary parses with `parse_args` (as here): Go-shim and kebab-case spellings alike.
    #[test]
    fn flags_take_both_spellings() {
        for argv in [
            [
                "weather-pipeline",
                "--log-level",
                "debug",
                "--stats-interval",
                "2s",
            ],
            [
                "weather-pipeline",
                "-log_level",
                "debug",
                "-stats_interval",
                "2s",
            ],
            [
                "weather-pipeline",
                "--log_level=debug",
                "--stats_interval=2s",
                "",
                "",
            ],
        ] {
            let argv: Vec<&str> = argv.into_iter().filter(|a| !a.is_empty()).collect();
            let args: PipelineArgs = parse_args_from(argv.clone()).expect("parses");
            assert_eq!(args.log_level, LogLevel::Debug, "{argv:?}");
            assert_eq!(args.stats_interval.as_secs(), 2, "{argv:?}");
        }
        let args: PipelineArgs = parse_args_from([
            "weather-pipeline",
            "--stop_broker",
            "2",
            "--after",
            "5s",
            "--broker_up_after",
            "1s",
        ])
        .expect("parses");
        assert_eq!(args.stop_broker, Some(2));
        assert!(args.broker_up_after.is_some());
    }
}
