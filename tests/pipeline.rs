//! End-to-end: `weather-pipeline` with the real plugin binaries, a real InfluxDB (`INFLUX_URL`,
//! else a local `influxd`) and the in-process three-broker mock Kafka cluster. Each run ends with
//! `consume --verify`, which compares the topic with InfluxDB point by point.
//!
//! With `WEATHER_REQUIRE_SERVICES=1` (`.ci/run`) or `CI` a missing InfluxDB fails these tests;
//! otherwise they print a notice and pass.

#[path = "pipeline/support.rs"]
mod support;

use std::time::Duration;

use influxdb_http::TestInflux;
use telegraf_execd_kafka_bridge::partition::sarama_partition;
use weather_pipeline::cluster::MockKafka;
use weather_pipeline::verify::VerifySummary;

use support::{Finished, Runner, count_points, epoch_ns, exclusive, unique_database};

/// Longest a run may take, start-up and verification included, before the test fails.
const LIMIT: Duration = Duration::from_secs(90);

fn influx() -> Option<TestInflux> {
    TestInflux::from_env().expect("InfluxDB for the pipeline tests (INFLUX_URL or a local influxd)")
}

/// The common checks of a verified run: exit 0, a clean report covering every point InfluxDB
/// holds, the live view on stdout, no error logged.
fn assert_verified(run: &Finished, url: &str, database: &str) -> VerifySummary {
    assert!(
        run.status.success(),
        "runner failed ({}):\n{}",
        run.status,
        run.stderr_text()
    );
    let summary = VerifySummary::parse(&run.stdout)
        .unwrap_or_else(|| panic!("no verify report on stdout:\n{}", run.stdout));
    assert!(summary.is_clean(), "verify found problems:\n{}", run.stdout);
    assert_eq!(summary.messages(), summary.expected(), "{}", run.stdout);
    // Verification ran up to the moment the injector stopped, which is after its last write:
    // so it covered every point in the database, not a prefix of them.
    assert_eq!(
        summary.expected(),
        count_points(url, database, ""),
        "verify checked fewer points than InfluxDB holds"
    );
    assert!(
        run.stdout.contains("station") && run.stdout.contains("temperature"),
        "no live view on stdout:\n{}",
        run.stdout
    );
    let errors: Vec<_> = run
        .stderr
        .iter()
        .filter(|l| l.text.starts_with("E! "))
        .collect();
    assert!(errors.is_empty(), "errors logged: {errors:#?}");
    summary
}

#[test]
fn every_injected_point_reaches_the_topic_exactly_once() {
    let Some(influx) = influx() else { return };
    let _one_at_a_time = exclusive();
    let database = unique_database("pipeline");
    let run = Runner::start(&[
        "--influx-url",
        influx.url(),
        "--database",
        &database,
        "--stations",
        "3",
        "--backfill",
        "10m",
        "--step",
        "10s",
        "--interval",
        "1s",
        "--duration",
        "8s",
        "--stats-interval",
        "2s",
        "--verify",
    ])
    .finish(LIMIT);
    eprintln!("normal run: {:.1}s", run.wall.as_secs_f64());
    let summary = assert_verified(&run, influx.url(), &database);
    // 60 backfill steps x 3 stations, plus live points every second for about 8 s.
    assert!(
        summary.expected() >= 180 + 3 * 4,
        "too few points: {}",
        run.stdout
    );
}

#[test]
fn a_broker_down_with_leaders_moved_loses_and_duplicates_nothing() {
    let Some(influx) = influx() else { return };
    let _one_at_a_time = exclusive();
    // Stop the broker leading paris's partition: the runner's mock gives partition p to broker
    // p % 3 + 1, and the bridge partitions by station like Telegraf (sarama FNV-1a).
    let paris = sarama_partition(b"paris", 4);
    let broker = paris % MockKafka::BROKERS + 1;
    let database = unique_database("pipeline_outage");
    let mut runner = Runner::start(&[
        "--influx-url",
        influx.url(),
        "--database",
        &database,
        "--stations",
        "3",
        "--backfill",
        "10m",
        "--step",
        "10s",
        "--interval",
        "1s",
        "--duration",
        "11s",
        "--stop-broker",
        &broker.to_string(),
        "--after",
        "3s",
        "--stats-interval",
        "3s",
        "--verify",
    ]);
    let down = runner.wait_for_line(&format!("broker {broker} is down"), LIMIT);
    let run = runner.finish(LIMIT);
    eprintln!("outage run: {:.1}s", run.wall.as_secs_f64());
    assert!(
        down.text
            .contains(&format!("weather/{paris}: broker {broker} -> ")),
        "paris's partition {paris} was not moved off broker {broker}: {}",
        down.text
    );
    assert_verified(&run, influx.url(), &database);
    // The check above covers the outage only if paris kept producing while its partition's
    // first leader was down.
    let during = count_points(
        influx.url(),
        &database,
        &format!("\"station\" = 'paris' AND time > {}", epoch_ns(down.at)),
    );
    assert!(
        during >= 4,
        "only {during} paris points written after broker {broker} went down"
    );
}

#[test]
fn sigterm_stops_every_child_and_removes_its_folders() {
    if !support::influxd_installed() {
        assert!(
            !influxdb_http::services_required(),
            "influxd is required (WEATHER_REQUIRE_SERVICES or CI): install Debian's influxdb"
        );
        eprintln!("notice: influxd not installed; skipping");
        return;
    }
    let _one_at_a_time = exclusive();
    // No --influx-url: the runner starts (and must remove) its own influxd.
    let mut runner = Runner::start(&["--stations", "2", "--backfill", "5m", "--interval", "1s"]);
    runner.wait_for_line("pipeline running", LIMIT);
    runner.wait_for_line("[bridge] exporting to", LIMIT);
    let pid = rustix::process::Pid::from_raw(runner.child.id() as i32).expect("runner pid");
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).expect("SIGTERM");
    let run = runner.finish(LIMIT);
    eprintln!("SIGTERM run: {:.1}s", run.wall.as_secs_f64());
    assert!(
        run.status.success(),
        "runner failed ({}):\n{}",
        run.status,
        run.stderr_text()
    );
    let pids = run.started_children();
    let names: Vec<&str> = pids.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["inject", "bridge", "consume", "weather", "alerts"],
        "{}",
        run.stderr_text()
    );
    for (name, pid) in &pids {
        assert!(
            !support::process_exists(*pid),
            "{name} (pid {pid}) still runs"
        );
    }
    for marker in ["I! working folder ", "(data in "] {
        let line = run
            .line(marker)
            .unwrap_or_else(|| panic!("no {marker:?} line:\n{}", run.stderr_text()));
        let path = line
            .text
            .split(marker)
            .nth(1)
            .unwrap()
            .trim_end_matches(')');
        assert!(
            !std::path::Path::new(path).exists(),
            "{path} was not removed"
        );
    }
    assert!(run.line("SIGTERM: stopping the pipeline").is_some());
    assert!(
        run.stderr.iter().all(|l| !l.text.starts_with("E! ")),
        "errors logged:\n{}",
        run.stderr_text()
    );
}

#[test]
fn a_child_exiting_on_its_own_stops_the_pipeline_with_an_error() {
    let Some(influx) = influx() else { return };
    let _one_at_a_time = exclusive();
    // A weather plugin that fails at once, next to the real bridge.
    let bins = tempfile::tempdir().unwrap();
    let fake = bins.path().join("telegraf-execd-weather");
    std::fs::write(&fake, "#!/bin/sh\necho 'E! no weather today' >&2\nexit 3\n").unwrap();
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    std::os::unix::fs::symlink(
        support::plugin_bin_dir().join("telegraf-execd-kafka-bridge"),
        bins.path().join("telegraf-execd-kafka-bridge"),
    )
    .unwrap();
    let database = unique_database("pipeline_failing_child");
    let run = Runner::start_with_bins(
        bins.path(),
        &[
            "--influx-url",
            influx.url(),
            "--database",
            &database,
            "--alerts",
            "false",
        ],
    )
    .finish(LIMIT);
    assert_eq!(run.status.code(), Some(1), "{}", run.stderr_text());
    assert!(
        run.line("E! [inject] no weather today").is_some(),
        "{}",
        run.stderr_text()
    );
    assert!(
        run.line("E! inject exited on its own (exit status: 3)")
            .is_some(),
        "{}",
        run.stderr_text()
    );
    for (name, pid) in run.started_children() {
        assert!(
            !support::process_exists(pid),
            "{name} (pid {pid}) still runs"
        );
    }
}

#[test]
fn missing_pieces_are_named_with_a_non_zero_exit() {
    // A folder without the plugin binaries.
    let empty = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(support::RUNNER)
        .args(["--bin-dir"])
        .arg(empty.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("E! cannot find telegraf-execd-weather in "),
        "{stderr}"
    );
    // influxd not installed (INFLUXD names a binary that does not exist).
    let out = std::process::Command::new(support::RUNNER)
        .arg("--bin-dir")
        .arg(support::plugin_bin_dir())
        .env("INFLUXD", "/nonexistent/influxd")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let error = stderr
        .lines()
        .find(|l| l.starts_with("E! "))
        .unwrap_or_else(|| panic!("no E! line: {stderr}"));
    assert!(
        error.contains("/nonexistent/influxd") && error.contains("apt-get install influxdb"),
        "{error}"
    );
    // A bad flag: one E! line naming it, exit 2.
    let out = std::process::Command::new(support::RUNNER)
        .args(["--stop-broker", "9", "--after", "1s"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("E! --stop-broker 9"), "{stderr}");
    assert_eq!(out.status.code(), Some(2), "{stderr}");
}

#[test]
fn alert_changes_appear_in_the_live_view_once_per_series() {
    let Some(influx) = influx() else { return };
    let _one_at_a_time = exclusive();
    // A rule every observation breaks: each station enters `warn` once and stays there, so the
    // live view shows exactly one change per station however many observations arrive.
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("alerts.toml");
    std::fs::write(
        &rules,
        "[[processors.alerts]]\n  [[processors.alerts.rule]]\n    name = \"always\"\n    measurement = \"weather\"\n    field = \"temperature\"\n    warn_above = -100.0\n",
    )
    .unwrap();
    let database = unique_database("pipeline_alerts");
    let run = Runner::start(&[
        "--influx-url",
        influx.url(),
        "--database",
        &database,
        "--stations",
        "paris,tokyo",
        "--backfill",
        "0s",
        "--interval",
        "1s",
        "--duration",
        "6s",
        "--alerts-config",
        rules.to_str().unwrap(),
    ])
    .finish(LIMIT);
    assert!(run.status.success(), "{}", run.stderr_text());
    let alerts: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("ALERT "))
        .collect();
    let mut stations: Vec<&str> = alerts
        .iter()
        .map(|l| l.split(' ').nth(2).unwrap())
        .collect();
    stations.sort();
    assert_eq!(stations, ["paris", "tokyo"], "{}", run.stdout);
    for line in &alerts {
        assert!(
            line.contains(" always ok -> warn: temperature is "),
            "{line}"
        );
    }
    let names: Vec<String> = run.started_children().into_iter().map(|(n, _)| n).collect();
    assert!(names.contains(&"alerts".to_string()), "{names:?}");
    assert!(
        run.stderr.iter().all(|l| !l.text.starts_with("E! ")),
        "{}",
        run.stderr_text()
    );
}
