//! The processors.execd contract (spec §6 items 6–11, 15–17, 19), checked on the real binary.

mod common;

use std::io::Write;
use std::time::Duration;

use common::{Processor, WAIT, assert_prefixed, write_file};
use rustix::process::Signal;

/// Lines as Telegraf's influx serializer writes them: sorted tags, `i`/`u` integers, escaped
/// names, string fields with quotes, backslashes and raw newlines.
const TELEGRAF_LINES: &[&str] = &[
    "weather,city=Paris,country=FR,station=paris temperature=21.5,humidity=65i,condition=\"clear\" 1767225600000000000\n",
    "weather,city=New\\ York,country=US,station=new_york temperature=-3.25,wind_direction=270i 1767225600000000000\n",
    "cpu,cpu=cpu-total,host=a\\,b\\=c usage_idle=99.5,count=3u 1767225601000000000\n",
    "syslog,appname=x message=\"first line\nsecond \\\"quoted\\\" \\\\ line\nthird\" 1767225602000000000\n",
    "weather\\ report,station=tokyo ok=true,note=\"tab\there\" 1767225603000000000\n",
];

#[test]
fn passes_metrics_through_byte_identical_and_flushes_each_without_more_input() {
    let mut p = Processor::start(&[]);
    let mut expected = Vec::new();
    for line in TELEGRAF_LINES {
        p.send(line.as_bytes());
        expected.extend_from_slice(line.as_bytes());
        // Answered before the next metric is written: flushed per metric.
        assert_eq!(p.read_bytes(expected.len()), &expected[..]);
    }
    p.close_stdin();
    let (status, took) = p.wait_exit(WAIT);
    assert!(status.success(), "{status}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert_eq!(p.drain_stdout(), &expected[..], "nothing else on stdout");
    let err = p.drain_stderr();
    assert_prefixed(err);
    assert!(
        err.iter().any(|l| l
            == "I! stdin closed: 5 metrics passed through, 0 alerts added, 0 bad lines dropped"),
        "{err:?}"
    );
}

#[test]
fn an_alert_follows_the_metric_that_caused_it() {
    let mut p = Processor::start(&[]);
    let first = "weather,station=oslo wind_speed=25.5 1767225600000000000\n";
    let second = "weather,station=oslo wind_speed=26.5 1767225720000000000\n";
    p.send(first.as_bytes());
    p.read_bytes(first.len());
    p.send(second.as_bytes());
    let alert = "weather_alert,level=crit,previous_level=ok,rule=wind_storm,station=oslo value=26.5,threshold=24.5,message=\"wind_speed is 26.5, above the crit threshold 24.5 (station=oslo)\" 1767225720000000000\n";
    let expected = format!("{first}{second}{alert}");
    assert_eq!(
        String::from_utf8_lossy(p.read_bytes(expected.len())),
        expected
    );
    p.close_stdin();
    assert!(p.wait_exit(WAIT).0.success());
    // stdout is pure line protocol.
    for point in line_protocol::parse_lines(p.drain_stdout()) {
        point.expect("stdout parses as line protocol");
    }
}

#[test]
fn bad_lines_are_reported_with_their_line_and_dropped_and_the_next_ones_processed() {
    let mut p = Processor::start(&[]);
    p.send(b"weather,station=a temperature=1 1\nweather,station=a temperature= 2\n");
    p.send(b"this is not line protocol\nweather,station=a temperature=3 3\n");
    let expected = "weather,station=a temperature=1 1\nweather,station=a temperature=3 3\n";
    assert_eq!(p.read_bytes(expected.len()), expected.as_bytes());
    let e = p.wait_stderr("E! ");
    assert!(e.starts_with("E! dropped a line that is not line protocol: line 2, column 31: missing value for field \"temperature\""), "{e}");
    let e = p.wait_stderr("line 3");
    assert!(
        e.starts_with("E! dropped a line that is not line protocol: line 3, column"),
        "{e}"
    );
    p.close_stdin();
    assert!(
        p.wait_exit(WAIT).0.success(),
        "a bad line never ends the process"
    );
    assert_prefixed(p.drain_stderr());
}

#[test]
fn sigterm_exits_zero_promptly() {
    let mut p = Processor::start(&[]);
    let line = "weather,station=a temperature=1 1\n";
    p.send(line.as_bytes());
    p.read_bytes(line.len());
    p.signal(Signal::TERM);
    let (status, took) = p.wait_exit(WAIT);
    assert!(status.success(), "{status}");
    assert!(took < Duration::from_secs(1), "took {took:?}");
    p.wait_stderr("I! received SIGTERM: exiting");
    assert_prefixed(p.drain_stderr());
}

#[test]
fn eof_drains_everything_while_both_pipes_are_full_then_exits_zero() {
    // 200k metrics (~13 MB) written from another thread while stdout is read here: the
    // processor keeps reading stdin while writing stdout, so nobody deadlocks.
    let mut p = Processor::start(&[]);
    let mut input = Vec::new();
    for i in 0..200_000u64 {
        writeln!(
            input,
            "weather,station=s{} temperature={}.5,wind_speed=3.5 {}",
            i % 50,
            i % 30,
            1_767_225_600_000_000_000 + i * 1_000_000_000
        )
        .unwrap();
    }
    let mut stdin = p.take_stdin();
    let expected = input.clone();
    let writer = std::thread::spawn(move || {
        stdin.write_all(&input).unwrap();
        // dropping stdin: EOF
    });
    let (status, _) = p.wait_exit(Duration::from_secs(60));
    writer.join().unwrap();
    assert!(status.success(), "{status}");
    assert_eq!(p.drain_stdout().len(), expected.len());
    assert!(p.out == expected, "output differs from input");
}

#[test]
fn a_config_error_exits_non_zero_at_once_naming_rule_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_file(
        &dir,
        "alerts.toml",
        "[[processors.alerts]]\n  [[processors.alerts.rule]]\n    name = \"t\"\n    measurement = \"weather\"\n    field = \"temperature\"\n    warn_above = 40.0\n    crit_above = 35.0\n",
    );
    let mut p = Processor::spawn(&["-config", &config]);
    let (status, _) = p.wait_exit(WAIT);
    assert_eq!(status.code(), Some(1));
    assert!(p.drain_stdout().is_empty());
    let err = p.drain_stderr();
    assert_eq!(
        err,
        [format!(
            "E! {config}: rule `t`: `crit_above`: must be greater than warn_above (40), got 35"
        )]
    );

    let config = write_file(
        &dir,
        "typo.toml",
        "[[processors.alerts]]\n  max_serie = 5\n",
    );
    let mut p = Processor::spawn(&["--config", &config]);
    assert_eq!(p.wait_exit(WAIT).0.code(), Some(1));
    let err = p.drain_stderr();
    assert!(
        err[0].starts_with(&format!("E! {config}:2:3: unknown field `max_serie`")),
        "{err:?}"
    );

    let mut p = Processor::spawn(&["-bogus"]);
    assert_eq!(p.wait_exit(WAIT).0.code(), Some(2));
    assert!(p.drain_stderr()[0].starts_with("E! "));
}

#[test]
fn go_shim_flag_spellings_and_env_expansion() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_file(
        &dir,
        "alerts.toml",
        "[[processors.alerts]]\n  alert_measurement = \"${ALERT_NAME:-lab_alert}\"\n  [[processors.alerts.rule]]\n    name = \"hot\"\n    measurement = \"m\"\n    field = \"t\"\n    warn_above = 1.0\n",
    );
    for flag in [
        vec!["-config", config.as_str()],
        vec!["--config", config.as_str()],
    ] {
        let mut p = Processor::start(&flag);
        p.send(b"m t=2 5\n");
        let out = String::from_utf8(p.read_bytes(20).to_vec()).unwrap();
        p.close_stdin();
        assert!(p.wait_exit(WAIT).0.success());
        let out = format!(
            "{out}{}",
            String::from_utf8_lossy(&p.drain_stdout()[out.len()..])
        );
        assert!(
            out.starts_with(
                "m t=2 5\nlab_alert,level=warn,previous_level=ok,rule=hot value=2.0,threshold=1.0,"
            ),
            "{out}"
        );
    }
    let joined = format!("--config={config}");
    let mut p = Processor::spawn(&[&joined, "-log_level=warn"]);
    p.close_stdin();
    assert!(p.wait_exit(WAIT).0.success());
    assert!(
        p.drain_stderr().iter().all(|l| !l.starts_with("I! ")),
        "-log_level=warn hides I!"
    );
}

#[test]
fn sigterm_in_a_busy_stream_leaves_complete_lines_only() {
    // SIGTERM while metrics keep coming: the processor waits until the chunk in hand is
    // processed and flushed, then exits 0; stdout holds whole lines, a prefix of the input.
    let mut p = Processor::start(&[]);
    let mut input = Vec::new();
    for i in 0..400_000u64 {
        writeln!(
            input,
            "weather,station=s{} temperature={}.5 {}",
            i % 50,
            i % 30,
            1_767_225_600_000_000_000 + i * 1_000_000_000
        )
        .unwrap();
    }
    let mut stdin = p.take_stdin();
    let expected = input.clone();
    let writer = std::thread::spawn(move || {
        // Ends with a broken pipe once the processor is gone.
        let _ = stdin.write_all(&input);
    });
    p.read_bytes(1 << 20);
    p.signal(Signal::TERM);
    let (status, took) = p.wait_exit(WAIT);
    writer.join().unwrap();
    assert!(status.success(), "{status}");
    assert!(took < Duration::from_secs(2), "took {took:?}");
    let out = p.drain_stdout();
    assert!(out.len() < expected.len(), "stopped before the end");
    assert!(out.ends_with(b"\n"), "output ends with a whole line");
    assert!(expected.starts_with(out), "output is a prefix of the input");
}

#[test]
fn reaching_max_series_is_one_warning() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_file(
        &dir,
        "alerts.toml",
        "[[processors.alerts]]\n  max_series = 2\n  [[processors.alerts.rule]]\n    name = \"hot\"\n    measurement = \"m\"\n    field = \"t\"\n    warn_above = 1.0\n",
    );
    let mut p = Processor::start(&["-config", &config]);
    let input = "m,s=a t=0 1\nm,s=b t=0 1\nm,s=c t=0 1\nm,s=d t=0 1\nm,s=c t=5 2\nm,s=a t=5 2\n";
    p.send(input.as_bytes());
    p.close_stdin();
    assert!(p.wait_exit(WAIT).0.success());
    let out = String::from_utf8(p.drain_stdout().to_vec()).unwrap();
    assert!(out.starts_with(input), "all metrics pass through");
    let alerts: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("weather_alert"))
        .collect();
    assert_eq!(alerts.len(), 1, "only the watched series a alerts: {out}");
    assert!(alerts[0].contains(",s=a "), "{out}");
    let warnings: Vec<String> = p
        .drain_stderr()
        .iter()
        .filter(|l| l.starts_with("W! "))
        .cloned()
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with(
            "W! max_series (2) reached: series m,s=c and any further new series are not watched"
        ),
        "{warnings:?}"
    );
}
