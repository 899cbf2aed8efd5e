//! Runs the built `lp` binary on the sample files and on stdin.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn lp(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lp"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("lp runs");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin pipe");
        pipe.write_all(input).expect("write stdin");
    }
    child.wait_with_output().expect("lp finishes")
}

fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).expect("UTF-8 output")
}

#[test]
fn json_of_the_weather_sample() {
    let out = lp(&["json", "samples/weather.lp"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 20);
    assert_eq!(
        lines[0],
        concat!(
            r#"{"measurement":"weather","tags":[["city","Paris"],["country","FR"],["station","FR-0001"]],"#,
            r#""fields":[["temperature",{"type":"float","value":14.2}],["humidity",{"type":"float","value":71.5}],"#,
            r#"["pressure",{"type":"float","value":1016.3}],["wind_speed",{"type":"float","value":3.6}],"#,
            r#"["wind_direction",{"type":"int","value":240}],["precipitation",{"type":"float","value":0.0}],"#,
            r#"["condition",{"type":"string","value":"partly cloudy"}]],"timestamp":1700000000000000000}"#
        )
    );
    for line in &lines {
        let v: serde_json::Value = serde_json::from_str(line).expect("each line is JSON");
        assert_eq!(v["measurement"], "weather");
    }
    assert!(stdout.contains(r#"["city","São Paulo"]"#));
    assert_eq!(text(&out.stderr), "20 points, 0 errors\n");
}

#[test]
fn json_exact_integers_precision_and_errors_from_stdin() {
    let input =
        b"m u=18446744073709551615u,i=-9223372036854775808i,f=-0.0 2\nm,=x f=1\nm s=\"a\\\"b\"\n";
    let out = lp(&["json", "--precision", "s", "-"], Some(input));
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert_eq!(
        lines[0],
        concat!(
            r#"{"measurement":"m","tags":[],"fields":[["u",{"type":"uint","value":18446744073709551615}],"#,
            r#"["i",{"type":"int","value":-9223372036854775808}],["f",{"type":"float","value":-0.0}]],"#,
            r#""timestamp":2000000000}"#
        )
    );
    let err: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
    assert_eq!(err["line"], 2);
    assert_eq!(err["column"], 3);
    assert!(err["error"].as_str().unwrap().contains("tag key"), "{err}");
    assert!(
        lines[1].starts_with(r#"{"error":"#),
        "key order: {}",
        lines[1]
    );
    assert!(
        lines[1].ends_with(r#","line":2,"column":3}"#),
        "key order: {}",
        lines[1]
    );
    assert_eq!(
        lines[2],
        r#"{"measurement":"m","tags":[],"fields":[["s",{"type":"string","value":"a\"b"}]],"timestamp":null}"#
    );
    assert_eq!(text(&out.stderr), "2 points, 1 errors\n");
}

#[test]
fn check_reports_every_bad_line_and_exits_1() {
    let out = lp(&["check", "samples/mixed.lp"], None);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(
        lines[0].starts_with("samples/mixed.lp:3:5: "),
        "{}",
        lines[0]
    );
    assert!(lines[1].starts_with("samples/mixed.lp:5:"), "{}", lines[1]);
    assert_eq!(lines[2], "3 points, 2 errors");
    assert!(out.stderr.is_empty());
}

#[test]
fn check_good_input_and_stdin_name() {
    let out = lp(&["check", "samples/weather.lp"], None);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "20 points, 0 errors\n");

    let out = lp(&["check"], Some(b"ok f=1\nbad\n"));
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("<stdin>:2:"), "{stdout}");
    assert!(stdout.ends_with("1 points, 1 errors\n"), "{stdout}");
}

#[test]
fn fmt_writes_canonical_and_reports_on_stderr() {
    let out = lp(&["fmt", "samples/escapes.lp"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "my\\ measure\\,ment,a=1,b=2,tag\\ key=tag\\,value\\=x field\\=key=\"say \\\"hi\\\" to C:\\\\temp\",\
         n=-0,u=18446744073709551615u,i=-9223372036854775808i -1\n"
    );

    let out = lp(&["fmt", "samples/mixed.lp"], None);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stdout),
        "cpu,cpu=cpu0,host=a usage_user=12.5,usage_system=3.25 1700000000000000000\n\
         mem,host=a used=1024u,free=2048u,available_percent=66.5 1700000000000000000\n\
         net,host=b bytes_recv=123i,up=true,name=\"eth0 \\\"primary\\\"\" 1700000000000000000\n"
    );
    let stderr = text(&out.stderr);
    assert!(stderr.starts_with("samples/mixed.lp:3:5: "), "{stderr}");
    assert!(stderr.ends_with("3 points, 2 errors\n"), "{stderr}");
}

#[test]
fn fmt_is_idempotent_and_rejects_duplicate_tags() {
    let first = lp(&["fmt", "samples/weather.lp"], None);
    assert_eq!(first.status.code(), Some(0));
    let second = lp(&["fmt", "-"], Some(&first.stdout));
    assert_eq!(second.status.code(), Some(0));
    assert_eq!(first.stdout, second.stdout);

    let out = lp(&["fmt"], Some(b"m,b=1,a=2 f=1\nm,a=1,a=2 f=1\n"));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "m,a=2,b=1 f=1\n");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("<stdin>:2:") && stderr.contains("duplicate tag key \"a\""),
        "{stderr}"
    );
}

#[test]
fn fmt_writes_floats_like_telegraf_by_default() {
    let input: &[u8] = b"m a=1001.0,b=1e21,c=1e-7,d=-0.0,e=21.50 1\n";
    let out = lp(&["fmt"], Some(input));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "m a=1001,b=1000000000000000000000,c=0.0000001,d=-0,e=21.5 1\n"
    );
    // Read back, the Telegraf form gives the same floats: fmt of it is a fixed point, and the
    // exponent form of both is the same text.
    let again = lp(&["fmt"], Some(&out.stdout));
    assert_eq!(again.stdout, out.stdout);
    let exponent = lp(&["fmt", "--floats", "exponent"], Some(input));
    assert_eq!(
        text(&exponent.stdout),
        "m a=1001.0,b=1e+21,c=1e-7,d=-0.0,e=21.5 1\n"
    );
    let back = lp(&["fmt", "--floats", "exponent"], Some(&out.stdout));
    assert_eq!(back.stdout, exponent.stdout);
}

#[test]
fn usage_and_io_errors_exit_2() {
    let out = lp(&["check", "samples/does-not-exist.lp"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot open samples/does-not-exist.lp"));

    let out = lp(&["json", "--precision", "minutes", "-"], Some(b""));
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("unknown precision"));

    let out = lp(&["--help"], None);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("Exit status"));
}

#[test]
fn max_line_length_reports_and_skips_long_lines() {
    let out = lp(
        &["check", "--max-line-length", "12", "-"],
        Some(b"m f=1\nm f=\"far too long\"\nm f=2\n"),
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stdout),
        "<stdin>:2:1: line longer than the limit of 12 bytes (a missing line end or an \
         unterminated string?); skipped; see --max-line-length\n2 points, 1 errors\n"
    );
}

#[test]
fn default_line_limit_names_the_line_of_an_unterminated_string() {
    // 5 MiB after an unclosed quote on line 2: over the 4 MiB default, reported once, and the
    // good line before it is kept.
    let mut input = b"m f=1\nm s=\"never closed\n".to_vec();
    input.resize(input.len() + (5 << 20), b'x');
    let out = lp(&["check", "-"], Some(&input));
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("<stdin>:2:1: line longer than the limit of 4194304 bytes"),
        "{stdout}"
    );
    assert!(stdout.ends_with("1 points, 1 errors\n"), "{stdout}");
    // `--max-line-length 0` lifts the limit: the string then runs to the end of the input.
    let out = lp(&["check", "--max-line-length", "0", "-"], Some(&input));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("<stdin>:2:"), "{stdout}");
    assert!(!stdout.contains("limit"), "{stdout}");
}
