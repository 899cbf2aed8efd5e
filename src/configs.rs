//! The config files the runner writes into its temporary folder for the children: the weather
//! plugin's `[[inputs.weather]]` (seed, stations) and the bridge's `[[inputs.kafka_bridge]]`.
//!
//! Both are the same files an operator writes for Telegraf; the runner checks each with the
//! plugin's own parser before starting anything, so a mistake here is reported up front.

use std::fmt::Write as _;
use std::time::Duration;

use telegraf_execd::duration::format_go_duration;
use telegraf_execd::logger::LogLevel;
use telegraf_execd_weather::Station;

/// A TOML basic string holding `text`, quotes and escapes included.
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

/// The weather plugin's config for `seed` and `stations`.
///
/// ```
/// use telegraf_execd_weather::{WeatherConfig, station::default_stations};
/// let stations = &default_stations()[..2];
/// let text = weather_pipeline::configs::weather_config(7, stations);
/// let parsed = WeatherConfig::from_toml(&text, "weather.toml").unwrap();
/// assert_eq!(parsed.seed, 7);
/// assert_eq!(parsed.stations, stations);
/// ```
pub fn weather_config(seed: u64, stations: &[Station]) -> String {
    let mut out = format!("[[inputs.weather]]\n  seed = {seed}\n");
    for s in stations {
        // `{:?}` prints f64 with a decimal point or exponent, both valid TOML floats.
        let _ = write!(
            out,
            "\n  [[inputs.weather.stations]]\n    id = {}\n    name = {}\n    city = {}\n    country = {}\n    latitude = {:?}\n    longitude = {:?}\n    elevation = {:?}\n",
            quoted(&s.id),
            quoted(&s.name),
            quoted(&s.city),
            quoted(&s.country),
            s.latitude,
            s.longitude,
            s.elevation,
        );
    }
    out
}

/// The bridge's config: where to read, where to write, how eagerly.
///
/// ```
/// use std::time::Duration;
/// use telegraf_execd_kafka_bridge::config::BridgeConfig;
/// let file = weather_pipeline::configs::BridgeFile {
///     influx_url: "http://127.0.0.1:8086".into(),
///     database: "weather".into(),
///     bootstrap_servers: "127.0.0.1:9092".into(),
///     lateness: Duration::from_secs(2),
///     log_level: telegraf_execd::logger::LogLevel::Info,
///     startup_quiet_period: None,
/// };
/// let parsed = BridgeConfig::from_toml(&file.render(), "kafka-bridge.toml").unwrap();
/// assert_eq!(parsed.topic, "weather");
/// assert_eq!(parsed.kafka.get("bootstrap.servers"), Some("127.0.0.1:9092"));
/// assert_eq!(parsed.lateness.as_secs(), 2);
/// assert_eq!(parsed.topics.len(), 3); // weather, weather-telegraf, weather-alerts: create-topics
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BridgeFile {
    /// InfluxDB base URL.
    pub influx_url: String,
    /// Database read.
    pub database: String,
    /// Kafka `bootstrap.servers`.
    pub bootstrap_servers: String,
    /// Points younger than this are left for the next round.
    pub lateness: Duration,
    /// The bridge's stderr level.
    pub log_level: LogLevel,
    /// `startup_quiet_period`; `None` keeps the bridge's default (30 s). The runner's own mock
    /// cluster is new in each run, so no earlier producer can have requests in flight to it and
    /// the runner sets zero there; on the user's brokers it keeps the guard.
    pub startup_quiet_period: Option<Duration>,
}

impl BridgeFile {
    /// Topic the points go to.
    pub const TOPIC: &'static str = "weather";
    /// How often the bridge polls InfluxDB: short, so the live view follows the injector.
    pub const EXPORT_INTERVAL: Duration = Duration::from_millis(500);

    /// The `[[inputs.kafka_bridge]]` text.
    ///
    /// ```
    /// let file = weather_pipeline::configs::BridgeFile {
    ///     influx_url: "http://127.0.0.1:8086".into(),
    ///     database: "we\"ird".into(),
    ///     bootstrap_servers: "k:9092".into(),
    ///     lateness: std::time::Duration::from_millis(1500),
    ///     log_level: telegraf_execd::logger::LogLevel::Debug,
    ///     startup_quiet_period: Some(std::time::Duration::ZERO),
    /// };
    /// let text = file.render();
    /// assert!(text.contains(r#"lateness = "1.5s""#), "{text}");
    /// let parsed = telegraf_execd_kafka_bridge::config::BridgeConfig::from_toml(&text, "t").unwrap();
    /// assert_eq!(parsed.influxdb.database, "we\"ird");
    /// assert!(parsed.startup_quiet_period.0.is_zero());
    /// ```
    pub fn render(&self) -> String {
        format!(
            "[[inputs.kafka_bridge]]\n  \
               topic = {topic}\n  \
               lateness = {lateness}\n  \
               export_interval = {export}\n  \
               kafka_timeout = \"60s\"\n  \
               poll_interval = \"10s\"\n  \
               log_level = {level}\n\
             {quiet}\
             \n  [inputs.kafka_bridge.influxdb]\n    \
                 url = {url}\n    \
                 database = {db}\n    \
                 measurements = [\"weather\"]\n\
             \n  [inputs.kafka_bridge.kafka]\n    \
                 \"bootstrap.servers\" = {servers}\n",
            topic = quoted(Self::TOPIC),
            lateness = quoted(&format_go_duration(self.lateness)),
            export = quoted(&format_go_duration(Self::EXPORT_INTERVAL)),
            level = quoted(self.log_level.as_str()),
            url = quoted(&self.influx_url),
            db = quoted(&self.database),
            servers = quoted(&self.bootstrap_servers),
            quiet = match self.startup_quiet_period {
                Some(d) => format!(
                    "  startup_quiet_period = {}\n",
                    quoted(&format_go_duration(d))
                ),
                None => String::new(),
            },
        )
    }
}
