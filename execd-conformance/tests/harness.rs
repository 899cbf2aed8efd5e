//! The harness itself, checked against small `/bin/sh` programs whose behaviour is known: each
//! test shows the harness notices a behaviour Telegraf would notice (and would fail a plugin
//! that shows it).

use std::time::Duration;

use execd_conformance::config::{ExecdConfig, GatherSignal, StopTimeouts};
use execd_conformance::host::{ExecdHost, StopStep};
use execd_conformance::metric::MetricError;
use execd_conformance::stderr::LogLevel;
use execd_conformance::transcript::Event;

const WAIT: Duration = Duration::from_secs(10);

fn sh(script: &str) -> ExecdConfig {
    ExecdConfig::new(["/bin/sh", "-c", script])
}

fn quick_stop() -> StopTimeouts {
    StopTimeouts {
        term_after: Duration::from_millis(300),
        kill_after: Duration::from_millis(300),
    }
}

#[test]
fn stdout_is_read_as_a_stream_with_partial_writes_and_multiline_strings() {
    let script = r#"printf 'm,t=a s="one\ntwo",'; sleep 0.2; printf 'v=1i 1700000000000000000\nbad line\nm v=2 17\nlast v=3'"#;
    let host = ExecdHost::start(sh(script)).unwrap();
    assert!(host.wait_for(WAIT, |t| t.metrics().count() == 2
        && t.bad_records().count() == 2));
    let t = host.stop().transcript;
    let metrics: Vec<_> = t.metrics().map(|(_, m)| m.clone()).collect();
    assert_eq!(metrics[0].tag("t"), Some("a"));
    assert_eq!(metrics[0].timestamp, Some(1_700_000_000_000_000_000));
    assert_eq!(
        metrics[1].measurement, "last",
        "a final unterminated line is still parsed"
    );
    let bad: Vec<_> = t.bad_records().map(|(e, _)| e.clone()).collect();
    assert!(matches!(bad[0], MetricError::Syntax(_)));
    assert_eq!(bad[1], MetricError::NotNanoseconds(17));
}

#[test]
fn stderr_lines_are_mapped_by_prefix_and_unprefixed_lines_count_as_errors() {
    let script = r#"echo 'I! info' >&2; echo 'W! warn' >&2; echo 'D! debug' >&2; echo 'plain' >&2; echo 'E! bad' >&2"#;
    let host = ExecdHost::start(sh(script)).unwrap();
    assert!(host.wait_for(WAIT, |t| t.log_lines().count() == 5));
    let t = host.stop().transcript;
    let levels: Vec<_> = t.log_lines().map(|l| (l.level, l.prefixed)).collect();
    assert_eq!(
        levels,
        [
            (LogLevel::Info, true),
            (LogLevel::Warn, true),
            (LogLevel::Debug, true),
            (LogLevel::Error, false),
            (LogLevel::Error, true)
        ]
    );
    assert_eq!(t.error_lines().count(), 2);
}

#[test]
fn exit_zero_is_restarted_after_the_delay() {
    let config = sh("echo 'm v=1'").restart_delay(Duration::from_millis(300));
    let host = ExecdHost::start(config).unwrap();
    assert!(host.wait_for(WAIT, |t| t.launches() >= 3));
    let t = host.stop().transcript;
    let starts: Vec<_> = t
        .events
        .iter()
        .filter(|e| matches!(e.event, Event::Started { .. }))
        .map(|e| e.at)
        .collect();
    for pair in starts.windows(2) {
        assert!(
            pair[1] - pair[0] >= Duration::from_millis(300),
            "relaunched before restart_delay"
        );
    }
    assert!(t.exits().iter().all(|s| s.success()));
}

#[test]
fn stop_on_error_ends_the_loop_on_a_failing_exit_only() {
    let config = sh("echo 'E! bad config' >&2; exit 3")
        .restart_delay(Duration::from_millis(100))
        .stop_on_error(true);
    let host = ExecdHost::start(config).unwrap();
    assert!(host.wait_for(WAIT, |t| {
        t.events.iter().any(|e| matches!(e.event, Event::GaveUp))
    }));
    std::thread::sleep(Duration::from_millis(300));
    let report = host.stop();
    assert_eq!(report.transcript.launches(), 1);
    assert_eq!(report.ended_by, StopStep::AlreadyExited);
    assert_eq!(report.transcript.exits()[0].code(), Some(3));
}

#[test]
fn stop_escalates_to_sigkill_for_a_program_ignoring_eof_and_sigterm() {
    let config = sh("trap '' TERM; while :; do sleep 0.05; done").stop_timeouts(quick_stop());
    let report = ExecdHost::start(config).unwrap().stop();
    assert_eq!(report.ended_by, StopStep::Sigkill);
    assert!(report.exit_after >= Duration::from_millis(600));
    assert!(report.pipes_closed);
}

#[test]
fn stop_by_eof_collects_output_printed_during_shutdown() {
    let script = r#"while read _; do :; done; echo 'm,phase=shutdown v=1'; echo 'I! bye' >&2"#;
    let report = ExecdHost::start(sh(script).signal(GatherSignal::Stdin))
        .unwrap()
        .stop();
    assert_eq!(report.ended_by, StopStep::StdinEof);
    assert!(report.status.unwrap().success());
    assert_eq!(report.transcript.metrics().count(), 1);
    assert_eq!(report.transcript.log_lines().count(), 1);
}

#[test]
fn grandchildren_holding_the_pipes_delay_pipe_eof() {
    let report =
        ExecdHost::start(sh("sleep 1 & exit 0").restart_delay(Duration::from_secs(60))).unwrap();
    assert!(report.wait_for(WAIT, |t| {
        t.events
            .iter()
            .any(|e| matches!(e.event, Event::PipesClosed { .. }))
    }));
    let t = report.stop().transcript;
    let held = t.events.iter().find_map(|e| match e.event {
        Event::PipesClosed { after_exit, .. } => Some(after_exit),
        _ => None,
    });
    assert!(held.unwrap() >= Duration::from_millis(500), "{held:?}");
}

#[test]
fn signal_modes_send_the_signal_and_an_unhandled_one_kills() {
    let handled =
        r#"trap 'echo "m v=1"' USR1; echo 'I! trap set' >&2; while :; do sleep 0.05; done"#;
    let host = ExecdHost::start(
        sh(handled)
            .signal(GatherSignal::Sigusr1)
            .stop_timeouts(quick_stop()),
    )
    .unwrap();
    // The trap exists once the script says so; an earlier signal would kill the shell.
    assert!(host.wait_for(WAIT, |t| t.log_lines().any(|l| l.text == "trap set")));
    host.gather().unwrap();
    assert!(host.wait_for_metrics(1, WAIT));
    assert!(host.transcript().exits().is_empty());
    host.stop();

    let host =
        ExecdHost::start(ExecdConfig::new(["/bin/sleep", "30"]).signal(GatherSignal::Sighup))
            .unwrap();
    host.gather().unwrap();
    assert!(host.wait_for(WAIT, |t| !t.exits().is_empty()));
    assert!(
        host.gather().is_err(),
        "gathering a dead process fails as in Telegraf"
    );
    host.stop();
}

#[test]
fn environment_entries_are_added_to_the_parent_environment() {
    let config = sh(r#"echo "m,home=$HOME x=\"$EXTRA\"""#).env("EXTRA=yes=really");
    let host = ExecdHost::start(config).unwrap();
    assert!(host.wait_for_metrics(1, WAIT));
    let t = host.stop().transcript;
    let (_, m) = t.metrics().next().unwrap();
    assert_eq!(m.tag("home").map(str::to_owned), std::env::var("HOME").ok());
    assert_eq!(
        m.field("x"),
        Some(&execd_conformance::metric::Value::String(
            "yes=really".into()
        ))
    );
}
