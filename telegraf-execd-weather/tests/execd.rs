//! The execd contract, checked on the real binary launched like Telegraf launches it.

mod harness;

use std::time::Duration;

use harness::{Plugin, STATIONS, timestamps, write_config};
use telegraf_execd_weather::{WeatherConfig, WeatherWriter};

const WAIT: Duration = Duration::from_secs(5);
const QUIET: Duration = Duration::from_millis(400);

#[test]
fn stdin_mode_spaced_newlines_give_exactly_one_gather_each() {
    let mut p = Plugin::start(&["-poll_interval_disabled"]);
    assert!(p.lines_during(QUIET).is_empty(), "no newline, no output");
    for _ in 0..5 {
        p.send(b"\n");
        let lines = p.read_lines(STATIONS, WAIT);
        assert_eq!(lines.len(), STATIONS);
        assert!(
            p.lines_during(Duration::from_millis(150)).is_empty(),
            "more than one gather per newline"
        );
    }
    p.close_stdin();
    let (status, took) = p.wait_exit(WAIT).expect("exit after EOF");
    assert!(status.success(), "{status}");
    assert!(took < Duration::from_secs(1), "took {took:?}");
}

#[test]
fn stdin_mode_burst_of_newlines_is_not_coalesced() {
    let mut p = Plugin::start(&["-poll_interval_disabled"]);
    let k = 40;
    p.send(&vec![b'\n'; k]);
    let lines = p.read_lines(k * STATIONS, WAIT);
    assert_eq!(lines.len(), k * STATIONS);
    assert!(p.lines_during(QUIET).is_empty());
    p.close_stdin();
    assert!(p.wait_exit(WAIT).unwrap().0.success());
}

#[test]
fn newlines_sent_before_eof_are_all_honoured() {
    let mut p = Plugin::start(&["-poll_interval_disabled"]);
    p.send(b"\n\n\n");
    p.close_stdin();
    let (status, _) = p.wait_exit(WAIT).unwrap();
    assert!(status.success());
    assert_eq!(p.drain_stdout().len(), 3 * STATIONS);
}

#[test]
fn none_mode_gathers_on_its_own_schedule_at_interval_multiples() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(&dir, "[[inputs.weather]]\n  precision = \"1ms\"\n");
    let mut p = Plugin::start(&["-config", &config, "-poll_interval", "200ms"]);
    let lines = p.read_lines(3 * STATIONS, WAIT);
    assert_eq!(lines.len(), 3 * STATIONS);
    let ts = timestamps(&lines);
    let gathers: Vec<i64> = ts
        .chunks(STATIONS)
        .map(|c| {
            assert!(c.iter().all(|&t| t == c[0]), "one timestamp per gather");
            c[0]
        })
        .collect();
    for w in gathers.windows(2) {
        assert!(w[1] > w[0]);
    }
    assert!(gathers.iter().all(|t| t % 200_000_000 == 0), "{gathers:?}");
    // stdin is still watched for EOF.
    p.close_stdin();
    assert!(p.wait_exit(WAIT).unwrap().0.success());
}

#[test]
fn signals_gather_once_each_and_the_process_survives() {
    let mut p = Plugin::start(&["--poll_interval_disabled"]);
    for sig in ["HUP", "USR1", "USR2"] {
        p.signal(sig);
        assert_eq!(p.read_lines(STATIONS, WAIT).len(), STATIONS, "SIG{sig}");
        assert!(p.lines_during(Duration::from_millis(150)).is_empty());
        assert!(p.is_running(), "SIG{sig} killed the plugin");
    }
    p.signal("TERM");
    let (status, took) = p.wait_exit(WAIT).expect("exit after SIGTERM");
    assert!(status.success(), "{status}");
    assert!(took < Duration::from_secs(1), "took {took:?}");
    assert!(
        p.drain_stderr()
            .iter()
            .any(|l| l.contains("stopping (received SIGTERM)"))
    );
}

#[test]
fn sigterm_while_polling_exits_zero_with_complete_gathers() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(&dir, "[[inputs.weather]]\n  precision = \"1ms\"\n");
    let mut p = Plugin::start(&["-config", &config, "-poll_interval=50ms"]);
    assert_eq!(p.read_lines(2 * STATIONS, WAIT).len(), 2 * STATIONS);
    p.signal("TERM");
    let (status, took) = p.wait_exit(WAIT).unwrap();
    assert!(status.success());
    assert!(took < Duration::from_secs(1), "took {took:?}");
    assert_eq!(
        p.drain_stdout().len() % STATIONS,
        0,
        "a gather was cut in half"
    );
}

#[test]
fn stdout_is_pure_line_protocol_and_stderr_is_prefixed() {
    let mut p = Plugin::start(&["-poll_interval_disabled", "-log_level", "trace"]);
    p.send(b"\n\n");
    p.close_stdin();
    assert!(p.wait_exit(WAIT).unwrap().0.success());
    let out = p.drain_stdout().join("\n") + "\n";
    let points: Vec<_> = line_protocol::parse_lines(out.as_bytes())
        .collect::<Result<_, _>>()
        .expect("stdout parses as line protocol");
    assert_eq!(points.len(), 2 * STATIONS);
    for point in &points {
        assert_eq!(point.measurement, "weather");
        for tag in ["station", "city", "country"] {
            assert!(point.tag(tag).is_some(), "missing tag {tag}");
        }
        let ts = point.timestamp.expect("timestamp");
        assert!(
            ts > 1_600_000_000_000_000_000,
            "timestamp must be in ns: {ts}"
        );
        assert_eq!(point.fields.len(), 8);
    }
    let stderr = p.drain_stderr();
    assert!(
        stderr.iter().any(|l| l.starts_with("T! ")),
        "trace level shows trace lines"
    );
    for line in &stderr {
        assert!(
            ["E! ", "W! ", "I! ", "D! ", "T! "]
                .iter()
                .any(|p| line.starts_with(p)),
            "unprefixed stderr line {line:?}"
        );
    }
}

#[test]
fn log_level_flag_and_option_filter_stderr() {
    let mut p = Plugin::spawn(&["-poll_interval_disabled", "-log_level=error"]);
    p.send(b"\n");
    p.close_stdin();
    assert!(p.wait_exit(WAIT).unwrap().0.success());
    assert_eq!(p.drain_stdout().len(), STATIONS);
    assert!(
        p.drain_stderr().is_empty(),
        "error level must hide I!/D! lines"
    );

    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        &dir,
        "[[inputs.weather]]\n  log_level = \"debug\"\n  poll_interval_disabled = true\n",
    );
    let mut p = Plugin::spawn(&["--config", &config]);
    p.send(b"\n");
    p.close_stdin();
    assert!(p.wait_exit(WAIT).unwrap().0.success());
    assert!(
        p.drain_stderr()
            .iter()
            .any(|l| l.starts_with("D! gather 0"))
    );
}

#[test]
fn go_style_flag_spellings_are_equivalent() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(&dir, "[[inputs.weather]]\n  seed = 77\n");
    let variants: [&[&str]; 4] = [
        &["-config", &config, "-poll_interval_disabled"],
        &["--config", &config, "--poll_interval_disabled=true"],
        &[&format!("-config={config}"), "-poll_interval_disabled"],
        &[
            &format!("--config={config}"),
            "-poll_interval",
            "1h",
            "-poll_interval_disabled",
        ],
    ];
    for args in variants {
        let mut p = Plugin::spawn(args);
        p.send(b"\n");
        p.close_stdin();
        let (status, _) = p.wait_exit(WAIT).unwrap();
        assert!(status.success(), "{args:?}: {:?}", p.drain_stderr());
        assert!(
            p.drain_stderr()
                .iter()
                .any(|l| l.contains("seed 77") && l.contains("poll disabled")),
            "{args:?}"
        );
    }
}

fn assert_fails_cleanly(args: &[&str], expect: &[&str]) {
    let mut p = Plugin::spawn(args);
    let (status, _) = p.wait_exit(WAIT).expect("exits by itself");
    assert!(!status.success(), "{args:?} should fail");
    assert!(
        p.drain_stdout().is_empty(),
        "nothing on stdout before a config error"
    );
    let stderr = p.drain_stderr();
    let error = stderr
        .iter()
        .find(|l| l.starts_with("E! "))
        .unwrap_or_else(|| panic!("no E! line: {stderr:?}"));
    for needle in expect {
        assert!(
            error.contains(needle),
            "{error:?} should mention {needle:?}"
        );
    }
}

#[test]
fn bad_config_or_flag_exits_non_zero_with_an_error_line() {
    let dir = tempfile::tempdir().unwrap();
    let unknown = write_config(
        &dir,
        "[[inputs.weather]]\n  seed = 1\n  pol_interval = \"10s\"\n",
    );
    assert_fails_cleanly(
        &["-config", &unknown],
        &[
            "weather.toml:3:3",
            "unknown field `pol_interval`",
            "poll_interval",
        ],
    );
    let level = write_config(&dir, "[[inputs.weather]]\n  log_level = \"loud\"\n");
    assert_fails_cleanly(
        &["-config", &level],
        &["log_level", "error|warn|info|debug|trace"],
    );
    let precision = write_config(&dir, "[[inputs.weather]]\n  precision = \"0s\"\n");
    assert_fails_cleanly(&["-config", &precision], &["precision", "between"]);
    let unset = write_config(
        &dir,
        "[[inputs.weather]]\n  seed = ${WEATHER_TEST_UNSET_SEED}\n",
    );
    assert_fails_cleanly(&["-config", &unset], &["WEATHER_TEST_UNSET_SEED", "line 2"]);
    assert_fails_cleanly(
        &["-poll_interval", "10"],
        &["--poll_interval", "missing unit", "10s"],
    );
    assert_fails_cleanly(
        &["-log_level", "verbose"],
        &["--log_level", "error|warn|info|debug|trace"],
    );
    assert_fails_cleanly(
        &["-config", "/nonexistent/weather.toml"],
        &["/nonexistent/weather.toml"],
    );
    assert_fails_cleanly(&["-bogus"], &["--bogus"]);
    assert_fails_cleanly(
        &["-poll_interval", "0s"],
        &["poll_interval", "poll_interval_disabled"],
    );
}

#[test]
fn same_timestamp_gives_byte_identical_output_in_any_mode() {
    let dir = tempfile::tempdir().unwrap();
    let config_text = "[[inputs.weather]]\n  seed = 4242\n  poll_interval_disabled = true\n";
    let config = write_config(&dir, config_text);
    let mut p = Plugin::start(&["-config", &config]);
    p.send(b"\n");
    let stdin_lines = p.read_lines(STATIONS, WAIT);
    p.signal("USR1");
    let signal_lines = p.read_lines(STATIONS, WAIT);
    p.close_stdin();
    assert!(p.wait_exit(WAIT).unwrap().0.success());

    // Regenerate each gather from its timestamp with the library: identical bytes.
    let parsed = WeatherConfig::from_toml(config_text, "t").unwrap();
    let model = parsed.model().unwrap();
    let mut writer = WeatherWriter::new(&model);
    for lines in [stdin_lines, signal_lines] {
        let t = timestamps(&lines)[0];
        let mut expected = Vec::new();
        writer.write_gather(t, &mut expected).unwrap();
        assert_eq!(
            lines.join("\n") + "\n",
            String::from_utf8(expected).unwrap()
        );
    }
}
