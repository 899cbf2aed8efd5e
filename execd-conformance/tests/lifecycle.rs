//! Conformance, part 1: the process lifecycle Telegraf drives (`shared/specs/telegraf-execd.md`
//! §6 items 1–5, 7, 9, 10, 12, 13, 20), for every plugin under test (see `common`).

mod common;

use std::time::Duration;

use common::{Poll, WAIT, for_each_subject};
use execd_conformance::config::GatherSignal;
use execd_conformance::host::{ExecdHost, StopStep};
use execd_conformance::transcript::{Event, Transcript};
use rustix::process::Signal;

/// How long stdout must stay silent to call a gather complete.
const QUIET: Duration = Duration::from_millis(400);

/// Seconds from each gather to the first metric after it (only gathers that got one).
fn first_metric_delays(t: &Transcript) -> Vec<Duration> {
    let mut delays = Vec::new();
    let mut pending = None;
    for e in &t.events {
        match e.event {
            Event::Gather { .. } => pending = Some(e.at),
            Event::Metric { .. } => {
                if let Some(at) = pending.take() {
                    delays.push(e.at - at);
                }
            }
            _ => {}
        }
    }
    delays
}

/// Item 1: argv without shell, env = ours + `environment`, three pipes; with stdin open and
/// nothing written, the plugin starts and stays up, silent on stdout.
#[test]
fn starts_and_idles_with_stdin_open_and_nothing_written() {
    for_each_subject(|subject, setup| {
        let host = ExecdHost::start(setup.execd(GatherSignal::Stdin, Poll::Disabled)).unwrap();
        // Started (its start-up line), then idle: output stops and none of it is a metric.
        assert!(
            subject.wait_ready(&host),
            "{}: not ready: {:?}",
            subject.name,
            host.transcript().log_lines().collect::<Vec<_>>()
        );
        assert!(host.wait_quiet(QUIET, WAIT));
        let t = host.transcript();
        assert!(
            host.pid().is_some() && t.exits().is_empty(),
            "{}: exited while idle: {:?}",
            subject.name,
            t.exits()
        );
        assert_eq!(
            t.metrics().count(),
            0,
            "{}: output without a gather",
            subject.name
        );
        subject.assert_healthy(&host.stop().transcript);
    });
}

/// Items 2 and 7: one gather's worth of metrics per newline, nothing in between, each gather
/// flushed within 1 s (no block buffering on a pipe).
#[test]
fn stdin_mode_gives_one_gather_per_newline_promptly() {
    for_each_subject(|subject, setup| {
        let host = ExecdHost::start(setup.execd(GatherSignal::Stdin, Poll::Disabled)).unwrap();
        for i in 1..=3 {
            host.gather().unwrap();
            assert!(
                host.wait_for_metrics(i * subject.per_gather, WAIT),
                "{}: gather {i} produced too little",
                subject.name
            );
            assert!(host.wait_quiet(QUIET, WAIT));
        }
        let t = host.stop().transcript;
        assert_eq!(t.metrics_before_first_gather(), 0);
        assert_eq!(
            t.metrics_per_gather(),
            vec![subject.per_gather; 3],
            "{}",
            subject.name
        );
        for delay in first_metric_delays(&t) {
            assert!(
                delay < Duration::from_secs(1),
                "{}: gather answered after {delay:?}",
                subject.name
            );
        }
        subject.assert_healthy(&t);
        setup.assert_expected_tags(&t);
    });
}

/// Item 3: K newlines back to back give between 1 and K gathers, never more, and no crash.
#[test]
fn burst_of_newlines_is_coalesced_not_multiplied() {
    const K: usize = 5;
    for_each_subject(|subject, setup| {
        let host = ExecdHost::start(setup.execd(GatherSignal::Stdin, Poll::Disabled)).unwrap();
        host.gather_burst(K).unwrap();
        assert!(host.wait_for_metrics(subject.per_gather, WAIT));
        assert!(host.wait_quiet(Duration::from_millis(800), WAIT));
        let t = host.transcript();
        let total = t.metrics().count();
        assert!(
            (subject.per_gather..=K * subject.per_gather).contains(&total)
                && total % subject.per_gather == 0,
            "{}: {total} metrics for a burst of {K}",
            subject.name
        );
        assert!(t.exits().is_empty(), "{}: died on a burst", subject.name);
        subject.assert_healthy(&host.stop().transcript);
    });
}

/// Item 4: with `signal = "none"` the plugin emits on its own schedule with nothing written,
/// and still watches stdin for EOF.
#[test]
fn none_mode_emits_on_its_own_schedule_and_still_exits_on_eof() {
    for_each_subject(|subject, setup| {
        let host = ExecdHost::start(setup.execd(GatherSignal::None, Poll::Every("300ms"))).unwrap();
        assert!(
            host.wait_for_metrics(2 * subject.per_gather, WAIT),
            "{}: no scheduled output",
            subject.name
        );
        let report = host.stop();
        assert_eq!(report.ended_by, StopStep::StdinEof, "{}", subject.name);
        assert!(report.status.unwrap().success());
        subject.assert_healthy(&report.transcript);
    });
}

/// Item 5: SIGHUP, SIGUSR1 and SIGUSR2 each trigger one gather and the process survives
/// (an unhandled signal would kill it).
#[test]
fn signal_modes_trigger_a_gather_and_the_process_survives() {
    for_each_subject(|subject, setup| {
        for signal in [
            GatherSignal::Sighup,
            GatherSignal::Sigusr1,
            GatherSignal::Sigusr2,
        ] {
            let host = ExecdHost::start(setup.execd(signal, Poll::Disabled)).unwrap();
            // Telegraf's first signal comes an interval after start; a signal before the
            // handlers exist would kill the plugin, so wait for its start-up line.
            assert!(subject.wait_ready(&host), "{}: not ready", subject.name);
            for i in 1..=2 {
                host.gather().unwrap();
                assert!(
                    host.wait_for_metrics(i * subject.per_gather, WAIT),
                    "{}: {signal:?} gave no gather",
                    subject.name
                );
                assert!(host.wait_quiet(QUIET, WAIT));
            }
            let t = host.transcript();
            assert!(
                t.exits().is_empty(),
                "{}: {signal:?} killed it",
                subject.name
            );
            assert_eq!(
                t.metrics_per_gather(),
                vec![subject.per_gather; 2],
                "{}: {signal:?}",
                subject.name
            );
            subject.assert_healthy(&host.stop().transcript);
        }
    });
}

/// Items 9 and 20: closing stdin alone is a complete lifecycle (the only one on Windows):
/// pending gathers are finished and flushed, then exit 0 well within Telegraf's 5 s.
#[test]
fn stdin_eof_finishes_pending_gathers_and_exits_zero() {
    for_each_subject(|subject, setup| {
        let host = ExecdHost::start(setup.execd(GatherSignal::Stdin, Poll::Disabled)).unwrap();
        host.gather().unwrap();
        assert!(host.wait_for_metrics(subject.per_gather, WAIT));
        host.gather().unwrap();
        let report = host.stop(); // EOF right after the newline
        assert_eq!(
            report.ended_by,
            StopStep::StdinEof,
            "{}: needed a signal to stop",
            subject.name
        );
        assert!(
            report.status.unwrap().success(),
            "{}: {:?}",
            subject.name,
            report.status
        );
        assert!(
            report.exit_after < Duration::from_secs(5),
            "{}: {:?}",
            subject.name,
            report.exit_after
        );
        assert!(report.pipes_closed);
        assert_eq!(
            report.transcript.metrics_per_gather(),
            vec![subject.per_gather; 2],
            "{}",
            subject.name
        );
        subject.assert_healthy(&report.transcript);
    });
}

/// Item 10: SIGTERM (Telegraf's +5 s escalation) makes it exit 0 promptly.
#[test]
fn sigterm_exits_zero_promptly() {
    for_each_subject(|subject, setup| {
        let host = ExecdHost::start(
            setup
                .execd(GatherSignal::Stdin, Poll::Disabled)
                .stop_on_error(true),
        )
        .unwrap();
        host.gather().unwrap();
        assert!(host.wait_for_metrics(subject.per_gather, WAIT));
        let sent = std::time::Instant::now();
        host.signal(Signal::TERM).unwrap();
        assert!(
            host.wait_for(Duration::from_secs(5), |t| !t.exits().is_empty()),
            "{}: alive 5 s after SIGTERM",
            subject.name
        );
        let took = sent.elapsed();
        let t = host.transcript();
        assert!(
            t.exits()[0].success(),
            "{}: SIGTERM exit {:?}",
            subject.name,
            t.exits()[0]
        );
        assert!(
            took < Duration::from_secs(2),
            "{}: SIGTERM took {took:?}",
            subject.name
        );
        let report = host.stop();
        assert_eq!(report.ended_by, StopStep::AlreadyExited);
        subject.assert_healthy(&report.transcript);
    });
}

/// Items 12 and 13: killed, relaunched after `restart_delay`, the second instance works; and
/// no grandchild keeps stdout/stderr open after an exit.
#[test]
fn restarted_instance_works_and_leaves_no_pipe_holders() {
    for_each_subject(|subject, setup| {
        let config = setup
            .execd(GatherSignal::Stdin, Poll::Disabled)
            .restart_delay(Duration::from_millis(300));
        let host = ExecdHost::start(config).unwrap();
        host.gather().unwrap();
        assert!(host.wait_for_metrics(subject.per_gather, WAIT));
        host.signal(Signal::KILL).unwrap();
        assert!(
            host.wait_for(WAIT, |t| t.launches() == 2),
            "{}: not relaunched",
            subject.name
        );
        host.gather().unwrap();
        assert!(
            host.wait_for_metrics(2 * subject.per_gather, WAIT),
            "{}: second instance silent",
            subject.name
        );
        let report = host.stop();
        assert_eq!(report.ended_by, StopStep::StdinEof);
        let t = &report.transcript;
        let second: usize = t
            .events
            .iter()
            .filter(|e| matches!(e.event, Event::Metric { instance: 1, .. }))
            .count();
        assert_eq!(second, subject.per_gather, "{}", subject.name);
        for e in &t.events {
            if let Event::PipesClosed { after_exit, .. } = e.event {
                assert!(
                    after_exit < Duration::from_millis(500),
                    "{}: pipes held {after_exit:?} after exit",
                    subject.name
                );
            }
        }
        subject.assert_healthy(t);
    });
}
