//! `telegraf-execd-alerts provision` as a process, against the recording InfluxDB 2 stand-in
//! (no InfluxDB 2 runs here): what it creates, that a second run changes nothing, that an edited
//! rule is updated in place, and the exit status and message for each failure.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use influxdb_http::alerting::Influx2TestServer;

const TOKEN: &str = "all-access";

struct Run {
    status: i32,
    stdout: String,
    stderr: String,
}

fn provision(
    rules: Option<&Path>,
    url: &str,
    org: &str,
    token: Option<&str>,
    extra: &[&str],
) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_telegraf-execd-alerts"));
    cmd.arg("provision");
    if let Some(path) = rules {
        cmd.arg("-config").arg(path);
    }
    cmd.args(["-url", url, "-org", org]);
    if !extra.contains(&"-endpoint_url") {
        cmd.args(["-endpoint_url", "http://hook.lab:8080/alerts"]);
    }
    cmd.args(extra);
    for var in [
        "INFLUX_URL",
        "INFLUX_ORG",
        "INFLUX_BUCKET",
        "ALERT_ENDPOINT_URL",
        "INFLUX_TOKEN",
    ] {
        cmd.env_remove(var);
    }
    if let Some(token) = token {
        cmd.env("INFLUX_TOKEN", token);
    }
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().unwrap();
    Run {
        status: status.code().unwrap_or(-1),
        stdout: String::from_utf8(stdout).unwrap(),
        stderr: String::from_utf8(stderr).unwrap(),
    }
}

fn rules_file(dir: &tempfile::TempDir, crit_above: f64) -> PathBuf {
    let path = dir.path().join("alerts.toml");
    std::fs::write(
        &path,
        format!(
            r#"[[processors.alerts]]
  [[processors.alerts.rule]]
    name = "temperature_high"
    measurement = "weather"
    field = "temperature"
    tags = {{ station = ["paris", "tokyo"] }}
    warn_above = 35.0
    crit_above = {crit_above:?}
    hysteresis = 1.0
    for = "5m"
  [[processors.alerts.rule]]
    name = "station_silent"
    measurement = "weather"
    deadman = "5m"
"#
        ),
    )
    .unwrap();
    path
}

#[test]
fn first_run_creates_everything_second_run_changes_nothing() {
    let server = Influx2TestServer::start("lab", TOKEN).unwrap();
    let first = provision(None, &server.url(), "lab", Some(TOKEN), &[]);
    assert_eq!(first.status, 0, "{}", first.stderr);
    let lines: Vec<&str> = first.stdout.lines().collect();
    assert_eq!(lines.len(), 9, "{}", first.stdout);
    assert!(
        lines[0].starts_with("created notification endpoint \"telegraf-execd-alerts\" (id "),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("created check \"temperature_high\" (id "),
        "{}",
        lines[1]
    );
    assert!(
        lines[6].starts_with("created check \"station_silent\""),
        "{}",
        lines[6]
    );
    assert!(
        lines[7].starts_with("created notification rule \"telegraf-execd-alerts: level changes\"")
    );
    assert_eq!(lines[8], "created 8, updated 0, left 0 unchanged");
    assert!(
        first
            .stderr
            .contains("I! rule `temperature_high`: hysteresis 1 is not provisioned"),
        "{}",
        first.stderr
    );
    assert_eq!(server.objects("checks").len(), 6);
    assert!(server.requests().iter().all(|r| r.violation.is_none()));
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.authorization.as_deref() == Some("Token all-access"))
    );
    let types: Vec<_> = server
        .objects("checks")
        .iter()
        .map(|c| c["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        types,
        [
            "threshold",
            "threshold",
            "threshold",
            "threshold",
            "threshold",
            "deadman"
        ]
    );

    let writes_before = server.requests().iter().filter(|r| r.is_write()).count();
    let second = provision(None, &server.url(), "lab", Some(TOKEN), &[]);
    assert_eq!(second.status, 0, "{}", second.stderr);
    assert!(
        second
            .stdout
            .lines()
            .take(8)
            .all(|l| l.starts_with("unchanged ")),
        "{}",
        second.stdout
    );
    assert_eq!(
        second.stdout.lines().last(),
        Some("nothing to change: all 8 objects are up to date")
    );
    assert_eq!(
        server.requests().iter().filter(|r| r.is_write()).count(),
        writes_before
    );
}

#[test]
fn an_edited_rule_is_updated_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let server = Influx2TestServer::start("lab", TOKEN).unwrap();
    let run = provision(
        Some(&rules_file(&dir, 40.0)),
        &server.url(),
        "lab",
        Some(TOKEN),
        &[],
    );
    assert_eq!(run.status, 0, "{}", run.stderr);
    let check = server.objects("checks")[0].clone();
    assert!(
        check["query"]["text"]
            .as_str()
            .unwrap()
            .contains(r#"r["station"] == "paris" or r["station"] == "tokyo""#)
    );

    let run = provision(
        Some(&rules_file(&dir, 42.5)),
        &server.url(),
        "lab",
        Some(TOKEN),
        &[],
    );
    assert_eq!(run.status, 0, "{}", run.stderr);
    let id = check["id"].as_str().unwrap();
    assert!(
        run.stdout.contains(&format!(
            "updated check \"temperature_high\" (description, thresholds changed) (id {id})"
        )),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("unchanged check \"station_silent\""),
        "{}",
        run.stdout
    );
    assert_eq!(
        run.stdout.lines().last(),
        Some("created 0, updated 1, left 3 unchanged")
    );
    let checks = server.objects("checks");
    assert_eq!(checks.len(), 2, "updated, not duplicated");
    assert_eq!(checks[0]["id"], check["id"]);
    assert_eq!(checks[0]["thresholds"][1]["value"], 42.5);
}

#[test]
fn a_renamed_rule_leaves_a_stray_check_that_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let server = Influx2TestServer::start("lab", TOKEN).unwrap();
    let path = rules_file(&dir, 40.0);
    assert_eq!(
        provision(Some(&path), &server.url(), "lab", Some(TOKEN), &[]).status,
        0
    );
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("station_silent", "station_down");
    std::fs::write(&path, text).unwrap();
    let run = provision(Some(&path), &server.url(), "lab", Some(TOKEN), &[]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("created check \"station_down\""),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("W! check \"station_silent\" (id ")
            && run.stderr.contains("no rule maps to it"),
        "{}",
        run.stderr
    );
    assert_eq!(
        server.objects("checks").len(),
        3,
        "the stray is reported, not deleted"
    );
}

#[test]
fn a_new_endpoint_url_updates_the_endpoint_and_keeps_the_rule() {
    let server = Influx2TestServer::start("lab", TOKEN).unwrap();
    assert_eq!(
        provision(None, &server.url(), "lab", Some(TOKEN), &[]).status,
        0
    );
    let endpoint_id = server.objects("notificationEndpoints")[0]["id"].clone();
    let moved = ["-endpoint_url", "http://hook2.lab:9000/alerts"];
    let run = provision(None, &server.url(), "lab", Some(TOKEN), &moved);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let first = run.stdout.lines().next().unwrap();
    assert_eq!(
        first,
        format!(
            "updated notification endpoint \"telegraf-execd-alerts\" (url changed) (id {})",
            endpoint_id.as_str().unwrap()
        )
    );
    assert!(
        run.stdout.contains("unchanged notification rule"),
        "{}",
        run.stdout
    );
    assert_eq!(
        run.stdout.lines().last(),
        Some("created 0, updated 1, left 7 unchanged")
    );
    let endpoints = server.objects("notificationEndpoints");
    assert_eq!(
        (endpoints.len(), &endpoints[0]["url"]),
        (1, &serde_json::json!("http://hook2.lab:9000/alerts"))
    );
}

/// Runs `provision` with no flags but `-config`, the token in the environment.
fn provision_from_file(rules: &Path, extra: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_telegraf-execd-alerts"));
    cmd.arg("provision").arg("-config").arg(rules).args(extra);
    for var in [
        "INFLUX_URL",
        "INFLUX_ORG",
        "INFLUX_BUCKET",
        "ALERT_ENDPOINT_URL",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("INFLUX_TOKEN", TOKEN).envs(env.iter().copied());
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().unwrap();
    Run {
        status: status.code().unwrap_or(-1),
        stdout: String::from_utf8(stdout).unwrap(),
        stderr: String::from_utf8(stderr).unwrap(),
    }
}

#[test]
fn where_to_comes_from_the_rule_file_and_flags_override_it() {
    let server = Influx2TestServer::start("lab", TOKEN).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = rules_file(&dir, 40.0);
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(
        "  [processors.alerts.provision]\n    url = \"${LAB_INFLUX}\"\n    org = \"lab\"\n    bucket = \"weather_raw\"\n    endpoint_url = \"http://from-file:8080/alerts\"\n    endpoint_name = \"lab hook\"\n    every = \"30s\"\n",
    );
    std::fs::write(&path, text).unwrap();

    let run = provision_from_file(&path, &[], &[("LAB_INFLUX", &server.url())]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let endpoint = &server.objects("notificationEndpoints")[0];
    assert_eq!(
        (&endpoint["name"], &endpoint["url"]),
        (
            &serde_json::json!("lab hook"),
            &serde_json::json!("http://from-file:8080/alerts")
        )
    );
    let deadman = &server.objects("checks")[1];
    assert_eq!(deadman["every"], "30s");
    assert!(
        deadman["query"]["text"]
            .as_str()
            .unwrap()
            .starts_with("from(bucket: \"weather_raw\")")
    );

    // A flag (or its environment variable) wins over the file.
    let run = provision_from_file(
        &path,
        &["-endpoint_url", "http://from-flag:9000/alerts"],
        &[("LAB_INFLUX", &server.url())],
    );
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .starts_with("updated notification endpoint \"lab hook\" (url changed)"),
        "{}",
        run.stdout
    );
}

#[test]
fn no_url_anywhere_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let run = provision_from_file(
        &rules_file(&dir, 40.0),
        &["-org", "lab", "-endpoint_url", "http://h/"],
        &[],
    );
    assert_eq!(run.status, 1);
    assert!(
        run.stderr.contains("E! provision failed: no url: give -url, set INFLUX_URL, or set `url` in [processors.alerts.provision]"),
        "{}",
        run.stderr
    );
}

#[test]
fn dry_run_prints_the_plan_and_writes_nothing() {
    let server = Influx2TestServer::start("lab", TOKEN).unwrap();
    let run = provision(None, &server.url(), "lab", Some(TOKEN), &["-dry_run"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout.lines().last(),
        Some("dry run: would create 8, update 0, leave 0 unchanged")
    );
    assert!(server.requests().iter().all(|r| !r.is_write()));
}

#[test]
fn token_comes_from_the_environment_only() {
    let server = Influx2TestServer::start("lab", TOKEN).unwrap();
    let run = provision(None, &server.url(), "lab", None, &[]);
    assert_eq!(run.status, 1);
    assert!(
        run.stderr.contains("E! provision failed: the InfluxDB 2 API token is read from the environment only: environment variable INFLUX_TOKEN is unset"),
        "{}",
        run.stderr
    );
    assert!(server.requests().is_empty());
    // There is no flag for it.
    let run = provision(None, &server.url(), "lab", Some(TOKEN), &["-token", TOKEN]);
    assert_eq!(run.status, 2, "{}", run.stderr);
    assert!(server.requests().is_empty());
}

#[test]
fn wrong_token_exits_1_naming_401() {
    let server = Influx2TestServer::start("lab", TOKEN).unwrap();
    let run = provision(None, &server.url(), "lab", Some("wrong"), &[]);
    assert_eq!(run.status, 1);
    assert!(run.stdout.is_empty());
    let expected = format!(
        "E! provision failed: GET {}/api/v2/orgs: 401 Unauthorized (unauthorized access)",
        server.url()
    );
    assert!(run.stderr.contains(&expected), "{}", run.stderr);
}

#[test]
fn read_only_token_exits_1_naming_403() {
    let server = Influx2TestServer::start("lab", TOKEN).unwrap();
    server.add_read_only_token("reader");
    let run = provision(None, &server.url(), "lab", Some("reader"), &[]);
    assert_eq!(run.status, 1);
    let expected = format!(
        "POST {}/api/v2/notificationEndpoints: 403 Forbidden",
        server.url()
    );
    assert!(run.stderr.contains(&expected), "{}", run.stderr);
}

#[test]
fn unknown_org_exits_1_naming_404() {
    let server = Influx2TestServer::start("lab", TOKEN).unwrap();
    let run = provision(None, &server.url(), "other", Some(TOKEN), &[]);
    assert_eq!(run.status, 1);
    assert!(
        run.stderr
            .contains("E! provision failed: organization \"other\" not found"),
        "{}",
        run.stderr
    );
}

#[test]
fn unreachable_server_exits_1() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let run = provision(None, &url, "lab", Some(TOKEN), &["-timeout", "2s"]);
    assert_eq!(run.status, 1);
    let expected = format!("E! provision failed: cannot reach InfluxDB: GET {url}/api/v2/orgs");
    assert!(run.stderr.contains(&expected), "{}", run.stderr);
}

#[test]
fn a_bad_rule_file_exits_1_before_any_request() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(
        &path,
        "[[processors.alerts]]\n[[processors.alerts.rule]]\nname = \"x\"\nmeasurement = \"m\"\n",
    )
    .unwrap();
    let server = Influx2TestServer::start("lab", TOKEN).unwrap();
    let run = provision(Some(&path), &server.url(), "lab", Some(TOKEN), &[]);
    assert_eq!(run.status, 1);
    assert!(run.stderr.contains("rule `x`"), "{}", run.stderr);
    assert!(server.requests().is_empty());
}
