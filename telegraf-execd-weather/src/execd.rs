//! The execd input: Telegraf triggers → one line per station → stdout.
//!
//! Which Telegraf `signal` to pair with which flags:
//!
//! | Telegraf `[[inputs.execd]]` | plugin flags | gathers |
//! |---|---|---|
//! | `signal = "none"` | `-poll_interval 10s` (default) | every poll interval, on wall-clock multiples |
//! | `signal = "STDIN"` | `-poll_interval_disabled` | exactly one per newline Telegraf writes |
//! | `signal = "SIGHUP"` / `"SIGUSR1"` / `"SIGUSR2"` | `-poll_interval_disabled` | one per signal |
//!
//! Polling together with `STDIN` or a signal doubles the data. Newlines and signals are always
//! honoured (a newline is never ignored, whatever the mode), stdin EOF and SIGTERM/SIGINT stop
//! the plugin after the current gather, and it exits 0.
//!
//! Each gather's timestamp is the trigger's time (the scheduled tick for polls) truncated to
//! the `precision` option; the model makes the output a pure function of it.

use std::io::Write;
use std::time::Duration;

use telegraf_execd::runner::{GatherRequest, RunError, RunSummary, run_gather_loop};
use telegraf_execd::{ShimArgs, Trigger, TriggerConfig};

use crate::config::WeatherConfig;
use crate::model::WeatherModel;
use crate::output::WeatherWriter;

/// Applies command-line flags over the config file's values (flags win).
///
/// ```
/// use telegraf_execd::ShimArgs;
/// use telegraf_execd_weather::{execd::apply_flags, WeatherConfig};
/// let mut c = WeatherConfig::default();
/// apply_flags(&mut c, &ShimArgs { poll_interval_disabled: Some(true), ..Default::default() });
/// assert!(c.poll_interval_disabled);
/// ```
pub fn apply_flags(config: &mut WeatherConfig, flags: &ShimArgs) {
    if let Some(d) = flags.poll_interval {
        config.poll_interval = d;
    }
    if let Some(disabled) = flags.poll_interval_disabled {
        config.poll_interval_disabled = disabled;
    }
    if let Some(level) = flags.log_level {
        config.log_level = level;
    }
}

/// The trigger sources for a config: stdin newlines and signals always, the poll ticker unless
/// disabled.
///
/// ```
/// use telegraf_execd_weather::{execd::trigger_config, WeatherConfig};
/// let t = trigger_config(&WeatherConfig::default());
/// assert_eq!(t.poll_interval, Some(std::time::Duration::from_secs(10)));
/// ```
pub fn trigger_config(config: &WeatherConfig) -> TriggerConfig {
    TriggerConfig {
        poll_interval: (!config.poll_interval_disabled)
            .then_some(Duration::from(config.poll_interval)),
        ..TriggerConfig::default()
    }
}

/// Runs the gather loop: for each gather, all stations at the trigger's time (truncated to
/// `precision`), written whole and flushed to `out`.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use telegraf_execd::{GatherCause, StopCause, Trigger};
/// use telegraf_execd_weather::{execd::run, WeatherConfig};
/// let config = WeatherConfig::default();
/// let model = config.model().unwrap();
/// let at = SystemTime::UNIX_EPOCH + Duration::from_millis(1_500);
/// let triggers = [Trigger::Gather { cause: GatherCause::Stdin, at }, Trigger::Stop(StopCause::StdinEof)];
/// let mut out = Vec::new();
/// let summary = run(&config, &model, triggers, &mut out).unwrap();
/// assert_eq!(summary.gathers, 1);
/// let text = String::from_utf8(out).unwrap();
/// assert_eq!(text.lines().count(), 12);
/// assert!(text.lines().all(|l| l.ends_with(" 1000000000")));
/// ```
pub fn run<I, W>(
    config: &WeatherConfig,
    model: &WeatherModel,
    triggers: I,
    out: W,
) -> Result<RunSummary, RunError>
where
    I: IntoIterator<Item = Trigger>,
    W: Write,
{
    let mut writer = WeatherWriter::new(model);
    let gather = |request: &GatherRequest, buf: &mut Vec<u8>| {
        let t = config.truncate(request.at_nanos());
        let lines = writer.write_gather(t, buf)?;
        log::debug!(
            "gather {} ({:?}): {lines} lines at {t}",
            request.sequence,
            request.cause
        );
        Ok::<_, line_protocol::serialize::SerializeError>(())
    };
    run_gather_loop(triggers, gather, out)
}
