//! Helpers of the telegraf.conf test: repo files, `${VAR}` substitution, Go durations, the
//! workspace's binaries and the Dockerfile's table of image paths.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn read_repo_file(rel: &str) -> String {
    let path = repo_root().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// Replaces `${NAME}` and `${NAME:-x}`/`${NAME:?x}`-style references with a dummy value,
/// as Telegraf does before parsing; returns the text and the names referenced.
pub fn substitute_env(text: &str) -> (String, BTreeSet<String>) {
    substitute_env_with(text, |name| format!("dummy-{}", name.to_ascii_lowercase()))
}

/// The values deploy/compose.yaml gives the containers, for checking plugin configs.
pub fn container_value(name: &str) -> String {
    match name {
        "INFLUX_URL" => "http://influxdb:8086".into(),
        "KAFKA_BOOTSTRAP_SERVERS" => "kafka1:19092,kafka2:19092,kafka3:19092".into(),
        other => format!("dummy-{}", other.to_ascii_lowercase()),
    }
}

/// [`substitute_env`] with chosen values; `#` comment lines are left alone (our plugin
/// loaders never expand comments).
pub fn substitute_env_with(
    text: &str,
    value: impl Fn(&str) -> String,
) -> (String, BTreeSet<String>) {
    let mut out = String::with_capacity(text.len());
    let mut names = BTreeSet::new();
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with('#') {
            out.push_str(line);
            continue;
        }
        let (expanded, found) = substitute_line(line, &value);
        out.push_str(&expanded);
        names.extend(found);
    }
    (out, names)
}

fn substitute_line(text: &str, value: &impl Fn(&str) -> String) -> (String, BTreeSet<String>) {
    let mut out = String::with_capacity(text.len());
    let mut names = BTreeSet::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .unwrap_or_else(|| panic!("unterminated ${{ in telegraf.conf near {after:.30}"));
        let expr = &after[..end];
        let name_end = expr
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(expr.len());
        let name = &expr[..name_end];
        assert!(!name.is_empty(), "empty variable name in ${{{expr}}}");
        names.insert(name.to_owned());
        out.push_str(&value(name));
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    (out, names)
}

/// Go `time.ParseDuration` syntax as Telegraf accepts it: `10s`, `1m30s`, `500ms`, `0s`.
pub fn is_go_duration(s: &str) -> bool {
    let units = ["ns", "us", "µs", "ms", "s", "m", "h"];
    let mut rest = s;
    if rest == "0" {
        return true;
    }
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if digits == 0 {
            return false;
        }
        rest = &rest[digits..];
        let Some(unit) = units
            .iter()
            .filter(|u| rest.starts_with(**u))
            .max_by_key(|u| u.len())
        else {
            return false;
        };
        rest = &rest[unit.len()..];
    }
    true
}

/// The binary targets of the workspace, from `cargo metadata` (the `CARGO` running this test).
pub fn workspace_binaries() -> BTreeSet<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(repo_root())
        .output()
        .expect("running cargo metadata");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("cargo metadata JSON");
    let mut bins = BTreeSet::new();
    for package in meta["packages"].as_array().expect("packages") {
        for target in package["targets"].as_array().expect("targets") {
            let is_bin = target["kind"]
                .as_array()
                .is_some_and(|k| k.iter().any(|k| k == "bin"));
            if is_bin {
                bins.insert(target["name"].as_str().expect("target name").to_owned());
            }
        }
    }
    bins
}

/// The builder stage's folder of binaries, copied whole to `/usr/local/bin/`.
pub const BUILDER_BIN_DIR: &str = "/out/bin/";

/// Crates another branch adds (issue 10's alerts processor). Until it is merged, the
/// Dockerfile's copy of its config file cannot be checked against the repo; once the crate's
/// folder exists, the check is strict again.
const PENDING_CRATES: &[&str] = &["telegraf-execd-alerts"];

/// `source` belongs to a pending crate that is not in this tree yet.
pub fn pending_crate_file(source: &str) -> bool {
    PENDING_CRATES.iter().any(|c| {
        source.starts_with(&format!("{c}/")) && !repo_root().join(c).join("Cargo.toml").is_file()
    })
}

/// One `COPY` of the Dockerfile's final stage.
#[derive(Debug)]
pub struct ImageCopy {
    pub from_builder: bool,
    pub source: String,
    pub dest: String,
}

/// The final stage's COPY lines and the binaries the builder stage installs: it runs
/// `deploy/build-binaries.sh`, which builds every binary of the workspace packages named
/// `telegraf-execd-*` (cargo `-p 'telegraf-execd-*' --bins`).
pub fn dockerfile_table() -> (Vec<ImageCopy>, BTreeSet<String>) {
    let text = read_repo_file("deploy/Dockerfile");
    let joined = text.replace("\\\n", " ");
    let stages: Vec<&str> = joined.split("\nFROM ").collect();
    assert!(
        stages.len() >= 3,
        "deploy/Dockerfile: expected a builder and a final stage"
    );
    let builder = stages[stages.len() - 2];
    assert!(
        builder.contains(&format!(
            "deploy/build-binaries.sh {}",
            BUILDER_BIN_DIR.trim_end_matches('/')
        )),
        "deploy/Dockerfile: the builder runs deploy/build-binaries.sh {BUILDER_BIN_DIR}"
    );
    let script = read_repo_file("deploy/build-binaries.sh");
    assert!(
        script.contains("-p 'telegraf-execd-*' --bins"),
        "deploy/build-binaries.sh builds the telegraf-execd-* binaries"
    );
    let built: BTreeSet<String> = workspace_binaries()
        .into_iter()
        .filter(|b| b.starts_with("telegraf-execd-"))
        .collect();
    let copies = stages[stages.len() - 1]
        .lines()
        .filter_map(|line| line.trim().strip_prefix("COPY "))
        .map(|args| {
            let words: Vec<&str> = args.split_whitespace().collect();
            let from_builder = words.contains(&"--from=builder");
            let paths: Vec<&str> = words
                .iter()
                .copied()
                .filter(|w| !w.starts_with("--"))
                .collect();
            assert_eq!(
                paths.len(),
                2,
                "deploy/Dockerfile: one source per COPY, got `{args}`"
            );
            ImageCopy {
                from_builder,
                source: paths[0].to_owned(),
                dest: paths[1].to_owned(),
            }
        })
        .collect();
    (copies, built)
}
