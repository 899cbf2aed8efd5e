//! Conformance, part 3: processor mode (`shared/specs/telegraf-execd.md` §6 items 15–17, with
//! 6, 8, 9 and 10 checked along the way), hosting `telegraf-execd-alerts` the way Telegraf's
//! `processors.execd` does: metrics written one record per synchronous write to stdin, stdout
//! read and parsed as a stream, stop by closing stdin.
//!
//! Item 18 (output mode) does not apply: no binary of the workspace is an `outputs.execd`
//! program.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use execd_conformance::binaries::workspace_binary;
use execd_conformance::config::{ExecdConfig, StopTimeouts};
use execd_conformance::host::{ExecdHost, StopStep};
use execd_conformance::metric::Metric;
use execd_conformance::transcript::{Event, Transcript};

const WAIT: Duration = Duration::from_secs(10);

fn alerts_binary() -> &'static PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        workspace_binary("telegraf-execd-alerts", "telegraf-execd-alerts")
            .unwrap_or_else(|e| panic!("{e}"))
    })
}

/// The processor with `config` (TOML text; `None` = the shipped weather rules).
fn processor(dir: &tempfile::TempDir, config: Option<&str>) -> ExecdConfig {
    let mut command = vec![alerts_binary().clone().into_os_string()];
    if let Some(text) = config {
        let path = dir.path().join("alerts.toml");
        std::fs::write(&path, text).unwrap();
        command.extend(["-config".into(), path.into_os_string()]);
    }
    ExecdConfig::new(command).restart_delay(Duration::from_secs(3600))
}

/// No rules: the processor is an identity.
const IDENTITY: &str = "[[processors.alerts]]\n";

/// Records as Telegraf's influx serializer writes them: tags sorted, `i` integers, `u` with
/// `influx_uint_support`, ns timestamps, escaped names, string fields with quotes, backslashes
/// and raw LF/TAB (written literally by Telegraf).
const TELEGRAF_RECORDS: &[&str] = &[
    "weather,city=Paris,country=FR,station=paris condition=\"light rain\",humidity=87i,temperature=4.21 1767225600000000000\n",
    "weather,city=New\\ York,country=US,station=new_york pressure=1009.12,wind_direction=243i 1767225600000000000\n",
    "cpu,cpu=cpu-total,host=a\\,b\\=c count=3u,usage_idle=99.5 1767225601000000000\n",
    "syslog,appname=x message=\"first line\nsecond \\\"quoted\\\" \\\\ line\n\tthird\" 1767225602000000000\n",
    "weather\\ report,station=tokyo note=\"a = b, c\",ok=true 1767225603000000000\n",
];

fn assert_clean(t: &Transcript) {
    assert_eq!(
        t.bad_records().count(),
        0,
        "item 6: stdout is pure line protocol"
    );
    assert_eq!(
        t.error_lines().count(),
        0,
        "item 8: no error lines: {:?}",
        t.log_lines().collect::<Vec<_>>()
    );
}

/// Item 15: identity config → one output per input, semantically equal (here byte-identical),
/// each flushed without waiting for more input.
#[test]
fn processor_pass_through_one_output_per_input_flushed_per_metric() {
    let dir = tempfile::tempdir().unwrap();
    let host = ExecdHost::start(processor(&dir, Some(IDENTITY))).unwrap();
    for (i, record) in TELEGRAF_RECORDS.iter().enumerate() {
        host.add(record.as_bytes()).unwrap();
        // The next metric is not written until this one came back: no waiting for more input.
        assert!(host.wait_for_metrics(i + 1, WAIT), "record {i} not flushed");
    }
    let report = host.stop();
    assert_eq!(report.ended_by, StopStep::StdinEof);
    assert!(report.status.unwrap().success());
    let t = report.transcript;
    assert_clean(&t);
    let out: Vec<(&Metric, &str)> = t
        .events
        .iter()
        .filter_map(|e| match &e.event {
            Event::Metric { metric, line, .. } => Some((metric, line.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(out.len(), TELEGRAF_RECORDS.len(), "one output per input");
    for ((metric, line), record) in out.iter().zip(TELEGRAF_RECORDS) {
        let record = record.strip_suffix('\n').unwrap();
        assert_eq!(*metric, &Metric::parse(record).unwrap());
        assert_eq!(*line, record, "passed through as written");
    }
}

/// Item 16: metrics written back to back, then EOF: all come out, then exit 0 within 5 s.
#[test]
fn processor_eof_drains_everything_then_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let host = ExecdHost::start(processor(&dir, None)).unwrap();
    let n = 5_000;
    for i in 0..n {
        let record = format!(
            "weather,station=s{} temperature={}.5 {}\n",
            i % 12,
            i % 30,
            1_767_225_600_000_000_000i64 + i * 1_000_000_000
        );
        host.add(record.as_bytes()).unwrap();
    }
    let report = host.stop();
    assert_eq!(report.ended_by, StopStep::StdinEof, "item 9: EOF is enough");
    assert!(report.status.unwrap().success());
    assert!(
        report.exit_after < Duration::from_secs(5),
        "{:?}",
        report.exit_after
    );
    assert!(report.pipes_closed);
    assert_clean(&report.transcript);
    assert_eq!(report.transcript.metrics().count(), n as usize);
}

/// Item 17: a writer much faster than the reader of stdout: the processor keeps reading stdin
/// while stdout drains, nobody deadlocks, nothing is lost.
#[test]
fn processor_back_pressure_does_not_deadlock() {
    let dir = tempfile::tempdir().unwrap();
    let host = ExecdHost::start(processor(&dir, None)).unwrap();
    let n = 50_000usize;
    std::thread::scope(|s| {
        s.spawn(|| {
            for i in 0..n {
                let record = format!(
                    "weather,city=Somewhere\\ with\\ a\\ long\\ name,country=XX,station=s{} humidity={}.5,note=\"{}\" {}\n",
                    i % 100,
                    i % 90,
                    "x".repeat(100),
                    1_767_225_600_000_000_000 + i as i64 * 1_000_000
                );
                host.add(record.as_bytes()).unwrap();
            }
        });
        assert!(
            host.wait_for_metrics(n, Duration::from_secs(120)),
            "only {} of {n} metrics came back",
            host.transcript().metrics().count()
        );
    });
    let report = host.stop();
    assert!(report.status.unwrap().success());
    assert_clean(&report.transcript);
    assert_eq!(report.transcript.metrics().count(), n);
}

/// The alert a metric causes comes right after that metric, in the same stream.
#[test]
fn processor_alert_follows_its_metric() {
    let dir = tempfile::tempdir().unwrap();
    let host = ExecdHost::start(processor(&dir, None)).unwrap();
    host.add(b"weather,station=oslo wind_speed=25.5 1767225600000000000\n")
        .unwrap();
    host.add(b"weather,station=oslo wind_speed=26.5 1767225720000000000\n")
        .unwrap();
    assert!(host.wait_for_metrics(3, WAIT));
    let t = host.stop().transcript;
    assert_clean(&t);
    let names: Vec<(&str, Option<&str>, Option<i64>)> = t
        .metrics()
        .map(|(_, m)| (m.measurement.as_str(), m.tag("level"), m.timestamp))
        .collect();
    assert_eq!(
        names,
        [
            ("weather", None, Some(1767225600000000000)),
            ("weather", None, Some(1767225720000000000)),
            ("weather_alert", Some("crit"), Some(1767225720000000000)),
        ]
    );
}

/// Item 10: SIGTERM → exit 0 promptly (well before Telegraf's SIGKILL at +10 s).
#[test]
fn processor_sigterm_exits_zero_promptly() {
    let dir = tempfile::tempdir().unwrap();
    let host = ExecdHost::start(processor(&dir, None).stop_timeouts(StopTimeouts {
        term_after: Duration::from_secs(5),
        kill_after: Duration::from_secs(5),
    }))
    .unwrap();
    host.add(b"weather,station=a temperature=1 1767225600000000000\n")
        .unwrap();
    assert!(host.wait_for_metrics(1, WAIT));
    let sent = std::time::Instant::now();
    host.signal(rustix::process::Signal::TERM).unwrap();
    assert!(host.wait_for(WAIT, |t| !t.exits().is_empty()));
    let took = sent.elapsed();
    let t = host.stop().transcript;
    assert!(t.exits()[0].success(), "{:?}", t.exits());
    assert!(took < Duration::from_secs(2), "took {took:?}");
    assert_clean(&t);
}
