//! `scripts/apt-install.sh` (used by `.ci/run` and `scripts/run-pipeline.sh`) installs Debian
//! packages without starting their services: run against fake `apt-get`, `systemctl` and
//! `sudo` that record what they were asked, with the script's test hooks pointing
//! `policy-rc.d` and the systemd marker folder into a temp folder.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/apt-install.sh");

struct Host {
    dir: tempfile::TempDir,
}

impl Host {
    /// Fake tools; `apt-get install` records what policy-rc.d answers for starting influxdb
    /// (invoke-rc.d asks it exactly so) and fails when `$FAIL_INSTALL` is set.
    fn new(systemd: bool) -> Host {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        let log = dir.path().join("log");
        let policy = dir.path().join("policy-rc.d");
        fake(
            &bin,
            "apt-get",
            &format!(
                "echo \"apt-get $*\" >> {log}\n\
                 if [ \"$1\" = install ]; then\n\
                 if [ -x {policy} ]; then {policy} influxdb start; echo \"policy $?\" >> {log};\n\
                 else echo 'policy none' >> {log}; fi\n\
                 [ -z \"${{FAIL_INSTALL:-}}\" ] || exit 100\n\
                 fi",
                log = log.display(),
                policy = policy.display()
            ),
        );
        fake(
            &bin,
            "systemctl",
            &format!("echo \"systemctl $*\" >> {}", log.display()),
        );
        fake(&bin, "sudo", "exec \"$@\"");
        if systemd {
            std::fs::create_dir(dir.path().join("systemd")).unwrap();
        }
        Host { dir }
    }

    fn policy(&self) -> PathBuf {
        self.dir.path().join("policy-rc.d")
    }

    fn run(&self, packages: &[&str], env: &[(&str, &str)]) -> (Output, Vec<String>) {
        let path = format!(
            "{}:{}",
            self.dir.path().join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let out = Command::new(SCRIPT)
            .args(packages)
            .env("PATH", path)
            .env("POLICY_RC_D", self.policy())
            .env("SYSTEMD_DIR", self.dir.path().join("systemd"))
            .envs(env.iter().copied())
            .output()
            .expect("run scripts/apt-install.sh");
        let log = std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default();
        (out, log.lines().map(str::to_owned).collect())
    }
}

fn fake(bin: &Path, name: &str, body: &str) {
    let path = bin.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn influxdb_is_installed_without_starting_its_service_then_disabled() {
    let host = Host::new(true);
    let (out, log) = host.run(&["influxdb", "gcc"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        log,
        [
            "apt-get update -q",
            "apt-get install -y -q --no-install-recommends influxdb gcc",
            // 101: invoke-rc.d / deb-systemd-invoke skip the start.
            "policy 101",
            "systemctl disable --now influxdb.service",
        ]
    );
    assert!(
        !host.policy().exists(),
        "the temporary policy-rc.d is removed"
    );
}

#[test]
fn an_existing_policy_is_kept_and_no_systemd_means_no_systemctl() {
    let host = Host::new(false);
    std::fs::write(host.policy(), "#!/bin/sh\nexit 101\n# the admin's own\n").unwrap();
    std::fs::set_permissions(host.policy(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let (out, log) = host.run(&["influxdb"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        log,
        [
            "apt-get update -q",
            "apt-get install -y -q --no-install-recommends influxdb",
            "policy 101",
        ]
    );
    assert!(
        std::fs::read_to_string(host.policy())
            .unwrap()
            .contains("the admin's own")
    );
}

#[test]
fn a_failed_install_fails_and_still_removes_the_policy() {
    let host = Host::new(true);
    let (out, log) = host.run(&["influxdb"], &[("FAIL_INSTALL", "1")]);
    assert!(!out.status.success());
    assert_eq!(
        log.last().map(String::as_str),
        Some("policy 101"),
        "{log:?}"
    );
    assert!(!host.policy().exists());
}

#[test]
fn nothing_to_install_does_nothing() {
    let host = Host::new(true);
    let (out, log) = host.run(&[], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(log.is_empty(), "{log:?}");
}

/// Both scripts that install packages go through `scripts/apt-install.sh`, and `.ci/run` makes
/// service-needing tests fail (never skip) before it runs them.
#[test]
fn the_scripts_install_through_it_and_ci_requires_services() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for script in [".ci/run", "scripts/run-pipeline.sh"] {
        let text = std::fs::read_to_string(root.join(script)).unwrap();
        assert!(text.contains("scripts/apt-install.sh"), "{script}");
        assert!(
            !text.contains("apt-get install"),
            "{script} calls apt-get install itself"
        );
    }
    let ci = std::fs::read_to_string(root.join(".ci/run")).unwrap();
    let required = ci
        .find("export WEATHER_REQUIRE_SERVICES=1")
        .expect(".ci/run exports WEATHER_REQUIRE_SERVICES=1");
    let tests = ci
        .find("cargo test --workspace")
        .expect(".ci/run runs the tests");
    assert!(required < tests, "exported before the tests run");
    assert_eq!(
        influxdb_http::REQUIRE_SERVICES_VAR,
        "WEATHER_REQUIRE_SERVICES"
    );
}
