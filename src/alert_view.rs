//! The live view's alert lines: the alerts processor's `weather_alert` metrics, one readable
//! line each on the runner's stdout, between the consumer's tables.

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};

/// The measurement of the processor's alert metrics (its default `alert_measurement`).
pub const ALERT_MEASUREMENT: &str = "weather_alert";

/// One alert metric as a line for people; `None` for anything else (the metrics the processor
/// passes through, or a line that does not parse).
///
/// ```
/// use weather_pipeline::alert_view::alert_line;
/// let record = b"weather_alert,level=crit,previous_level=warn,rule=temperature_high,station=paris \
///     value=40.3,threshold=40.0,message=\"temperature is 40.3, above the crit threshold 40 (station=paris)\" 1782918000000000000";
/// assert_eq!(alert_line(record).unwrap(),
///     "ALERT 2026-07-01T15:00:00Z paris temperature_high warn -> crit: temperature is 40.3, above the crit threshold 40 (station=paris)");
/// assert_eq!(alert_line(b"weather,station=paris temperature=21 1"), None);
/// ```
pub fn alert_line(record: &[u8]) -> Option<String> {
    let point = line_protocol::parse_point(record, line_protocol::Precision::Nanoseconds).ok()?;
    if point.measurement != ALERT_MEASUREMENT {
        return None;
    }
    let tag = |k: &str| point.tag(k).unwrap_or("-").to_string();
    let message = match point.field("message") {
        Some(line_protocol::FieldValue::String(m)) => m.to_string(),
        _ => String::new(),
    };
    let at = point.timestamp.map_or_else(
        || "-".to_string(),
        telegraf_execd_weather::time::format_rfc3339,
    );
    Some(format!(
        "ALERT {at} {} {} {} -> {}: {message}",
        tag("station"),
        tag("rule"),
        tag("previous_level"),
        tag("level")
    ))
}

/// Reads the processor's stdout and prints each alert with [`alert_line`], one write per line.
pub(crate) async fn print_alerts(pipe: impl AsyncRead + Unpin) {
    use std::io::Write as _;
    let mut reader = BufReader::new(pipe);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        if let Some(line) = alert_line(buf.trim_ascii_end()) {
            let _ = std::io::stdout()
                .lock()
                .write_all(format!("{line}\n").as_bytes());
        }
    }
}
