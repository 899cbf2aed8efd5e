//! Conformance, part 2: what crosses the pipes (`shared/specs/telegraf-execd.md` §6 items 6, 8,
//! 11, 14, 19), for every plugin under test (see `common`).
//!
//! Items 15–17 (processor pass-through, EOF drain, back-pressure) concern the processor,
//! `telegraf-execd-alerts`, and are checked in `tests/processor.rs`; the two input plugins
//! here have no processor mode (their stdin carries only gather newlines and EOF). Item 18
//! (output mode) applies to no binary of the workspace.

mod common;

use std::time::Duration;

use common::{ODD_CITY, ODD_STATION, Poll, WAIT, for_each_subject};
use execd_conformance::config::GatherSignal;
use execd_conformance::host::{ExecdHost, StopStep};
use execd_conformance::metric::Value;
use execd_conformance::stderr::LogLevel;
use execd_conformance::transcript::Event;

/// Item 6: stdout is pure line protocol (parsed by an independent parser), each record of our
/// measurement with integer-nanosecond timestamps and typed fields; no banner before output.
#[test]
fn stdout_is_pure_line_protocol_with_nanosecond_timestamps() {
    for_each_subject(|subject, setup| {
        let host = ExecdHost::start(setup.execd(GatherSignal::Stdin, Poll::Disabled)).unwrap();
        for i in 1..=2 {
            host.gather().unwrap();
            assert!(host.wait_for_metrics(i * subject.per_gather, WAIT));
        }
        let t = host.stop().transcript;
        subject.assert_healthy(&t);
        assert_eq!(
            t.metrics_before_first_gather(),
            0,
            "{}: output before any gather",
            subject.name
        );
        let now_ns = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as i64;
        for (_, m) in t.metrics() {
            assert!(!m.fields.is_empty());
            if let Some(ts) = m.timestamp {
                // Live data: within a day of now, so certainly nanoseconds, not ms or µs.
                assert!(
                    (ts - now_ns).abs() < 86_400_000_000_000,
                    "{}: timestamp {ts} is not now",
                    subject.name
                );
            }
            for (key, value) in &m.fields {
                if let Value::Float(f) = value {
                    assert!(f.is_finite(), "{}: field {key} = {f}", subject.name);
                }
            }
        }
    });
}

/// Item 8: every stderr line carries `E! `/`W! `/`I! `/`D! `/`T! ` at column 0 and is shorter
/// than Telegraf's 64 KiB scanner limit — at debug level, through a whole lifecycle.
#[test]
fn stderr_lines_are_prefixed_at_every_level() {
    for_each_subject(|subject, setup| {
        let mut config = setup.execd(GatherSignal::Stdin, Poll::Disabled);
        config.command.extend(["-log_level".into(), "debug".into()]);
        let host = ExecdHost::start(config).unwrap();
        host.gather().unwrap();
        assert!(host.wait_for_metrics(subject.per_gather, WAIT));
        let t = host.stop().transcript;
        subject.assert_healthy(&t);
        assert!(
            t.log_lines().count() > 0,
            "{}: nothing logged at debug level",
            subject.name
        );
        assert!(t.log_lines().all(|l| l.level != LogLevel::Error));
    });
}

/// Item 11: a fatal config error exits non-zero fast with an `E! ` line, so
/// `stop_on_error = true` halts the restart loop after one launch.
#[test]
fn fatal_config_errors_exit_nonzero_fast_with_an_error_line() {
    for_each_subject(|subject, setup| {
        let dir = tempfile::tempdir().unwrap();
        let unknown_option = dir.path().join("unknown-option.toml");
        let text = std::fs::read_to_string(&setup.config_file).unwrap();
        // An unknown option in the plugin's table (inserted right after its header).
        let broken = text.replacen("]]\n", "]]\nno_such_option = 1\n", 1);
        std::fs::write(&unknown_option, broken).unwrap();
        let missing = dir.path().join("missing.toml");
        for (case, args) in [
            (
                "unknown option",
                vec!["-config".to_string(), unknown_option.display().to_string()],
            ),
            (
                "missing file",
                vec!["-config".to_string(), missing.display().to_string()],
            ),
            ("unknown flag", vec!["-no_such_flag".to_string()]),
        ] {
            let config = setup
                .with_args(&args)
                .signal(GatherSignal::Stdin)
                .stop_on_error(true);
            let host = ExecdHost::start(config.restart_delay(Duration::from_millis(100))).unwrap();
            let gave_up = host.wait_for(Duration::from_secs(5), |t| {
                t.events.iter().any(|e| matches!(e.event, Event::GaveUp))
            });
            assert!(
                gave_up,
                "{} / {case}: still running or restarted",
                subject.name
            );
            let started = host.transcript().events[0].at;
            let report = host.stop();
            let t = &report.transcript;
            assert_eq!(report.ended_by, StopStep::AlreadyExited);
            assert_eq!(t.launches(), 1, "{} / {case}", subject.name);
            assert!(
                !t.exits()[0].success(),
                "{} / {case}: exit 0 on a fatal error",
                subject.name
            );
            let exited_at = t
                .events
                .iter()
                .find(|e| matches!(e.event, Event::Exited { .. }))
                .unwrap()
                .at;
            assert!(
                exited_at - started < Duration::from_secs(3),
                "{} / {case}: took {:?}",
                subject.name,
                exited_at - started
            );
            assert_eq!(t.metrics().count(), 0);
            subject.assert_clean(t);
            let errors: Vec<_> = t.error_lines().collect();
            assert!(
                errors.iter().any(|l| l.prefixed),
                "{} / {case}: no `E! ` line saying why: {:?}",
                subject.name,
                t.log_lines().collect::<Vec<_>>()
            );
        }
    });
}

/// Item 14: awkward values survive Telegraf's influx parser: tag values with spaces, commas,
/// `=`, quotes, backslashes and non-ASCII come back exactly as configured. (Applies to the
/// weather plugin, whose stations are configurable; the bridge's only stdout tag is a Kafka
/// topic name, restricted to `[a-zA-Z0-9._-]`. Records over 64 KiB and raw newlines in strings
/// are the harness's own framing tests.)
#[test]
fn awkward_tag_values_round_trip() {
    for_each_subject(|subject, setup| {
        if subject.name != "weather" {
            return;
        }
        let host = ExecdHost::start(setup.execd(GatherSignal::Stdin, Poll::Disabled)).unwrap();
        host.gather().unwrap();
        assert!(host.wait_for_metrics(subject.per_gather, WAIT));
        let t = host.stop().transcript;
        subject.assert_healthy(&t);
        let odd = t
            .metrics()
            .map(|(_, m)| m)
            .find(|m| m.tag("station") == Some(ODD_STATION));
        let odd = odd.unwrap_or_else(|| panic!("no metric for station {ODD_STATION:?}"));
        assert_eq!(odd.tag("city"), Some(ODD_CITY));
    });
}

/// Item 19: Go-shim command lines parse identically: `-config x`, `--config x`, `-config=x`,
/// `--config=x`; `-poll_interval_disabled` and its `=true` form; `-poll_interval 10s` and
/// `--poll_interval=10s`. An unknown flag is an `E! ` line and a non-zero exit.
#[test]
fn go_shim_command_lines_are_equivalent() {
    for_each_subject(|subject, setup| {
        let path = setup.config_path();
        let stdin_variants: [Vec<String>; 4] = [
            vec![
                "-config".into(),
                path.clone(),
                "-poll_interval_disabled".into(),
            ],
            vec![
                "--config".into(),
                path.clone(),
                "--poll_interval_disabled".into(),
            ],
            vec![
                format!("-config={path}"),
                "-poll_interval_disabled=true".into(),
            ],
            vec![format!("--config={path}"), "-poll_interval_disabled".into()],
        ];
        let mut shapes = Vec::new();
        for args in &stdin_variants {
            let host = ExecdHost::start(setup.with_args(args).signal(GatherSignal::Stdin)).unwrap();
            host.gather().unwrap();
            assert!(
                host.wait_for_metrics(subject.per_gather, WAIT),
                "{}: {args:?} gave no gather",
                subject.name
            );
            let report = host.stop();
            subject.assert_healthy(&report.transcript);
            assert_eq!(report.ended_by, StopStep::StdinEof);
            let mut shape: Vec<_> = report
                .transcript
                .metrics()
                .map(|(_, m)| {
                    (
                        m.tags.clone(),
                        m.fields.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>(),
                    )
                })
                .collect();
            shape.sort();
            shapes.push(shape);
        }
        assert!(
            shapes.windows(2).all(|w| w[0] == w[1]),
            "{}: variants differ: {shapes:?}",
            subject.name
        );

        for poll in [
            vec!["-poll_interval".to_string(), "10s".into()],
            vec!["--poll_interval=10s".to_string()],
        ] {
            let mut args = vec!["-config".to_string(), path.clone()];
            args.extend(poll.iter().cloned());
            let host = ExecdHost::start(setup.with_args(&args)).unwrap();
            // A rejected flag exits with an E! line before the start-up line.
            assert!(
                subject.wait_ready(&host),
                "{}: {args:?} rejected",
                subject.name
            );
            let report = host.stop();
            assert_eq!(report.ended_by, StopStep::StdinEof);
            subject.assert_healthy(&report.transcript);
        }
    });
}
