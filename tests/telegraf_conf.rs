//! Checks the repository's `telegraf.conf` the way Telegraf would read it, without Telegraf.
//!
//! - `${VAR}` is substituted first (as Telegraf does), then the file is parsed as TOML.
//! - Every option used must be in the lists below, which were verified against Telegraf's
//!   own sample configs and docs (source named above each list).
//! - `signal` values are exact, case-sensitive strings; the gather schedule is not doubled.
//! - Each execd `command` names a binary that our workspace builds and config files that the
//!   image contains; `deploy/Dockerfile` is the one table of container path <- repo file.
//! - The file is read as compose's Telegraf loads it with `EXPORTER=telegraf`: `telegraf.conf`
//!   followed by `deploy/telegraf/exporter-telegraf.conf` (the hosted bridge).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

#[path = "telegraf_conf/options.rs"]
mod options;
#[path = "telegraf_conf/support.rs"]
mod support;

use options::*;
use support::*;

/// Variables telegraf.conf may reference; each must be provided to the telegraf service.
/// The InfluxDB token is not one of them: it comes from a secret store (a file).
const EXPECTED_ENV: &[&str] = &["INFLUX_URL", "INFLUX_ORG"];

/// The exporter stanza compose's Telegraf loads beside telegraf.conf when EXPORTER=telegraf.
const EXPORTER_CONF: &str = "deploy/telegraf/exporter-telegraf.conf";

/// The plugin tables as compose's Telegraf loads them; the secret stores are taken out (see
/// [`load_secretstores`]).
fn load_conf() -> (toml::Table, BTreeSet<String>) {
    let (mut table, names) = load_all();
    table.remove("secretstores");
    (table, names)
}

/// The `[[secretstores.*]]` tables of the configuration, under a `secretstores` key.
fn load_secretstores() -> toml::Table {
    let (table, _) = load_all();
    let stores = table
        .get("secretstores")
        .cloned()
        .expect("telegraf.conf has [[secretstores.*]]");
    toml::Table::from_iter([("secretstores".to_owned(), stores)])
}

fn load_all() -> (toml::Table, BTreeSet<String>) {
    // Telegraf appends the files' [[...]] tables in order, as TOML does for one document.
    let text = read_repo_file("telegraf.conf") + "\n" + &read_repo_file(EXPORTER_CONF);
    let (text, names) = substitute_env(&text);
    let table = text
        .parse::<toml::Table>()
        .unwrap_or_else(|e| panic!("telegraf.conf is not valid TOML after substitution: {e}"));
    (table, names)
}

/// The `[[<kind>.<name>]]` array of tables, e.g. `plugins(&conf, "inputs", "execd")`.
fn plugins<'a>(conf: &'a toml::Table, kind: &str, name: &str) -> Vec<&'a toml::Table> {
    conf.get(kind)
        .and_then(|k| k.get(name))
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .map(|t| t.as_table().expect("plugin entry is a table"))
                .collect()
        })
        .unwrap_or_default()
}

fn assert_options(table: &toml::Table, place: &str, lists: &[&[&str]]) {
    for key in table.keys() {
        assert!(
            lists.iter().any(|list| list.contains(&key.as_str())),
            "{place}: option `{key}` is not a verified Telegraf option"
        );
    }
}

fn str_array<'a>(table: &'a toml::Table, key: &str, place: &str) -> Vec<&'a str> {
    table
        .get(key)
        .and_then(|v| v.as_array())
        .unwrap_or_else(|| panic!("{place}: `{key}` must be an array"))
        .iter()
        .map(|v| {
            v.as_str()
                .unwrap_or_else(|| panic!("{place}: `{key}` holds a non-string"))
        })
        .collect()
}

fn string<'a>(table: &'a toml::Table, key: &str, place: &str) -> &'a str {
    table
        .get(key)
        .and_then(|v| v.as_str())
        .unwrap_or_else(|| panic!("{place}: `{key}` must be a string"))
}

#[test]
fn every_option_is_a_verified_telegraf_option() {
    let (conf, _) = load_conf();
    for key in conf.keys() {
        assert!(
            ["agent", "global_tags", "inputs", "processors", "outputs"].contains(&key.as_str()),
            "unexpected top-level table `{key}`"
        );
    }
    let agent = conf
        .get("agent")
        .and_then(|a| a.as_table())
        .expect("[agent] table");
    assert_options(agent, "[agent]", &[AGENT_OPTIONS]);

    let inputs = conf["inputs"].as_table().expect("inputs");
    assert_eq!(
        inputs.keys().collect::<Vec<_>>(),
        ["execd"],
        "only execd inputs are wired"
    );
    for (i, execd) in plugins(&conf, "inputs", "execd").iter().enumerate() {
        let place = format!("[[inputs.execd]] #{}", i + 1);
        assert_options(
            execd,
            &place,
            &[EXECD_OPTIONS, INPUT_OPTIONS, FILTER_OPTIONS],
        );
    }

    let processors = conf["processors"].as_table().expect("processors");
    assert_eq!(
        processors.keys().collect::<Vec<_>>(),
        ["execd"],
        "only the execd processor is wired"
    );
    for execd in plugins(&conf, "processors", "execd") {
        assert_options(
            execd,
            "[[processors.execd]]",
            &[PROCESSORS_EXECD_OPTIONS, PROCESSOR_OPTIONS, FILTER_OPTIONS],
        );
    }

    let outputs = conf["outputs"].as_table().expect("outputs");
    let names: BTreeSet<&str> = outputs.keys().map(String::as_str).collect();
    assert_eq!(names, BTreeSet::from(["influxdb_v2", "kafka"]));
    for influx in plugins(&conf, "outputs", "influxdb_v2") {
        assert_options(
            influx,
            "[[outputs.influxdb_v2]]",
            &[INFLUXDB_V2_OPTIONS, OUTPUT_OPTIONS, FILTER_OPTIONS],
        );
    }
    for kafka in plugins(&conf, "outputs", "kafka") {
        assert_options(
            kafka,
            "[[outputs.kafka]]",
            &[KAFKA_OPTIONS, OUTPUT_OPTIONS, FILTER_OPTIONS],
        );
        // A key written after this sub-table would land inside it (TOML): catch that here.
        if let Some(suffix) = kafka.get("topic_suffix") {
            let suffix = suffix.as_table().expect("topic_suffix is a table");
            assert_options(
                suffix,
                "[outputs.kafka.topic_suffix]",
                &[KAFKA_TOPIC_SUFFIX_OPTIONS],
            );
        }
    }
}

#[test]
fn durations_use_go_syntax() {
    let (conf, _) = load_conf();
    let duration_keys = [
        "interval",
        "collection_jitter",
        "collection_offset",
        "flush_interval",
        "flush_jitter",
        "restart_delay",
        "timeout",
        "logfile_rotation_interval",
    ];
    let mut tables: Vec<(String, &toml::Table)> =
        vec![("[agent]".into(), conf["agent"].as_table().unwrap())];
    for (kind, names) in [
        ("inputs", &["execd"][..]),
        ("processors", &["execd"][..]),
        ("outputs", &["influxdb_v2", "kafka"][..]),
    ] {
        for name in names {
            for t in plugins(&conf, kind, name) {
                tables.push((format!("[[{kind}.{name}]]"), t));
            }
        }
    }
    for (place, table) in tables {
        for key in duration_keys {
            if let Some(v) = table.get(key) {
                let s = v
                    .as_str()
                    .unwrap_or_else(|| panic!("{place}: `{key}` must be a duration string"));
                assert!(
                    is_go_duration(s),
                    "{place}: `{key}` = {s:?} is not a Go duration"
                );
            }
        }
    }
    assert!(!is_go_duration("10"), "a bare number is not a duration");
    assert!(!is_go_duration("10 s"));
    assert!(is_go_duration("1m30s") && is_go_duration("500ms") && is_go_duration("0"));
}

#[test]
fn execd_signals_are_exact_and_each_gather_happens_once() {
    let (conf, _) = load_conf();
    let execd = plugins(&conf, "inputs", "execd");
    assert_eq!(execd.len(), 2, "weather and kafka bridge");
    for table in execd {
        let command = str_array(table, "command", "[[inputs.execd]]");
        let place = format!("[[inputs.execd]] {:?}", command.first());
        let signal = table
            .get("signal")
            .map_or("none", |v| v.as_str().expect("signal string"));
        assert!(
            EXECD_SIGNALS.contains(&signal),
            "{place}: signal {signal:?} is not one of {EXECD_SIGNALS:?}"
        );
        assert_eq!(
            string(table, "data_format", &place),
            "influx",
            "{place}: streaming influx reader"
        );
        let poll_off = command.contains(&"-poll_interval_disabled");
        let own_poll = command.contains(&"-poll_interval");
        if signal == "STDIN" {
            // Telegraf's newline plus the plugin's own ticker would gather twice per interval.
            assert!(
                poll_off && !own_poll,
                "{place}: STDIN needs -poll_interval_disabled"
            );
        } else if signal == "none" {
            assert!(
                own_poll && !poll_off,
                "{place}: with signal none the plugin needs its own -poll_interval"
            );
        }
        for arg in &command {
            assert!(
                !arg.contains(' '),
                "{place}: argument {arg:?} holds a space: one array item per argument"
            );
        }
        // A deliberate choice per plugin: the weather plugin only fails on config errors (do not
        // retry those forever); the bridge also fails on outages and resumes exactly.
        let stop = table.get("stop_on_error").and_then(|v| v.as_bool());
        let expected = !command[0].ends_with("kafka-bridge");
        assert_eq!(stop, Some(expected), "{place}: stop_on_error");
    }
}

#[test]
fn execd_commands_name_our_binaries_and_configs_in_the_image() {
    let (conf, _) = load_conf();
    let (copies, built) = dockerfile_table();
    let bins = workspace_binaries();
    let by_dest: BTreeMap<&str, &ImageCopy> = copies.iter().map(|c| (c.dest.as_str(), c)).collect();

    // The table itself: the builder's output folder of binaries, and repo files.
    for copy in &copies {
        if copy.from_builder {
            assert_eq!(
                (copy.source.as_str(), copy.dest.as_str()),
                (BUILDER_BIN_DIR, "/usr/local/bin/"),
                "the builder's binaries go to /usr/local/bin/"
            );
        } else {
            let file = repo_root().join(&copy.source);
            assert!(
                file.is_file() || pending_crate_file(&copy.source),
                "Dockerfile copies {}, which is not in the repo",
                copy.source
            );
        }
    }
    assert!(
        !built.is_empty() && built.iter().all(|b| bins.contains(b)),
        "image binaries {built:?} are workspace binaries"
    );
    assert_eq!(
        by_dest
            .get("/etc/telegraf/telegraf.conf")
            .map(|c| c.source.as_str()),
        Some("telegraf.conf")
    );

    for table in plugins(&conf, "inputs", "execd") {
        let command = str_array(table, "command", "[[inputs.execd]]");
        let program = command[0];
        let name = Path::new(program).file_name().unwrap().to_str().unwrap();
        assert!(
            program.starts_with("/usr/local/bin/") && built.contains(name),
            "command {program} is not put into the image by deploy/Dockerfile (ships {built:?})"
        );
        assert!(
            bins.contains(name),
            "{program}: no workspace binary `{name}`"
        );

        let config_at = command
            .iter()
            .position(|a| *a == "-config")
            .expect("-config FILE given");
        let config = command.get(config_at + 1).expect("-config needs a path");
        let copy = by_dest
            .get(config)
            .unwrap_or_else(|| panic!("{program}: config {config} is not copied into the image"));
        assert!(!copy.from_builder && repo_root().join(&copy.source).is_file());
        assert!(
            !config.starts_with("/etc/telegraf/telegraf.d/"),
            "{config}: Telegraf would parse a plugin config placed in telegraf.d"
        );
    }
}

#[test]
fn plugin_configs_in_the_image_load_with_the_plugins_own_loaders() {
    let (conf, _) = load_conf();
    let (copies, _) = dockerfile_table();
    let compose = read_repo_file("deploy/compose.yaml");
    let mut checked = 0;
    for table in plugins(&conf, "inputs", "execd") {
        let command = str_array(table, "command", "[[inputs.execd]]");
        let config_at = command
            .iter()
            .position(|a| *a == "-config")
            .expect("-config FILE");
        let in_image = command[config_at + 1];
        let copy = copies
            .iter()
            .find(|c| c.dest == in_image)
            .expect("config copied into the image");
        let (text, names) = substitute_env_with(&read_repo_file(&copy.source), container_value);
        for name in &names {
            assert!(
                compose.contains(&format!("{name}:")),
                "{}: ${{{name}}} is not set by compose",
                copy.source
            );
        }
        let name = Path::new(command[0]).file_name().unwrap().to_str().unwrap();
        match name {
            "telegraf-execd-weather" => {
                telegraf_execd_weather::WeatherConfig::from_toml(&text, &copy.source)
                    .unwrap_or_else(|e| panic!("{e}"));
            }
            "telegraf-execd-kafka-bridge" => {
                let bridge = telegraf_execd_kafka_bridge::config::BridgeConfig::from_toml(
                    &text,
                    &copy.source,
                )
                .unwrap_or_else(|e| panic!("{e}"));
                // The topics Telegraf's outputs.kafka writes must be created by init-topic.
                let topics: Vec<_> = bridge.topics.iter().map(|t| t.name.as_str()).collect();
                for kafka in plugins(&conf, "outputs", "kafka") {
                    let topic = string(kafka, "topic", "[[outputs.kafka]]");
                    assert!(
                        topics.contains(&topic),
                        "create-topics does not create {topic}: {topics:?}"
                    );
                }
                assert!(topics.contains(&bridge.topic.as_str()));
            }
            other => panic!("no loader known for {other}"),
        }
        checked += 1;
    }
    assert_eq!(checked, 2);
}

#[test]
fn each_kafka_topic_gets_its_measurement_and_influxdb_gets_all() {
    let (conf, _) = load_conf();
    let kafka = plugins(&conf, "outputs", "kafka");
    let topics: Vec<&str> = kafka
        .iter()
        .map(|k| string(k, "topic", "[[outputs.kafka]]"))
        .collect();
    assert_eq!(topics, ["weather-telegraf", "weather-alerts"]);
    let compose = read_repo_file("deploy/compose.yaml");
    for (kafka, measurement) in kafka.iter().zip(["weather", "weather_alert"]) {
        let place = format!("[[outputs.kafka]] {}", string(kafka, "topic", ""));
        let place = place.as_str();
        assert_eq!(string(kafka, "routing_tag", place), "station");
        assert_eq!(
            kafka.get("required_acks").and_then(|v| v.as_integer()),
            Some(-1)
        );
        assert_eq!(
            kafka.get("idempotent_writes").and_then(|v| v.as_bool()),
            Some(true)
        );
        assert_eq!(str_array(kafka, "namepass", place), [measurement]);
        if let Some(codec) = kafka.get("compression_codec") {
            assert!((0..=4).contains(&codec.as_integer().expect("integer codec")));
        }
        // The brokers are compose services on the internal listener.
        for broker in str_array(kafka, "brokers", place) {
            let (host, port) = broker.rsplit_once(':').expect("host:port");
            assert!(port.parse::<u16>().is_ok(), "{broker}: bad port");
            assert!(
                compose.contains(&format!("\n  {host}:\n")),
                "{broker}: no compose service `{host}`"
            );
        }
    }

    let influx = plugins(&conf, "outputs", "influxdb_v2");
    assert_eq!(influx.len(), 1);
    let influx = influx[0];
    let place = "[[outputs.influxdb_v2]]";
    assert_eq!(string(influx, "bucket", place), "weather");
    assert_eq!(
        string(influx, "token", place),
        "@{influx:token}",
        "token comes from the `influx` secret store"
    );
    assert_eq!(string(influx, "organization", place), "dummy-influx_org");
    assert_eq!(str_array(influx, "urls", place), ["dummy-influx_url"]);
    if influx.contains_key("namepass") {
        let pass = str_array(influx, "namepass", place);
        assert!(
            pass.contains(&"weather")
                && pass.contains(&"weather_alert")
                && pass.contains(&"kafka_bridge"),
            "{place}: {pass:?}"
        );
    }
}

#[test]
fn the_alerts_processor_runs_our_binary_on_weather_metrics() {
    let (conf, _) = load_conf();
    let execd = plugins(&conf, "processors", "execd");
    assert_eq!(execd.len(), 1);
    let table = execd[0];
    let place = "[[processors.execd]]";
    let command = str_array(table, "command", place);
    assert_eq!(command[0], "/usr/local/bin/telegraf-execd-alerts");
    assert!(
        workspace_binaries().contains("telegraf-execd-alerts"),
        "no workspace binary telegraf-execd-alerts"
    );
    assert_eq!(command[1..], ["-config", "/etc/telegraf/alerts.toml"]);
    assert!(!command[2].starts_with("/etc/telegraf/telegraf.d/"));
    for arg in &command {
        assert!(!arg.contains(' '), "{place}: one array item per argument");
    }
    assert_eq!(string(table, "data_format", place), "influx");
    // Only weather metrics go through it; the alerts it adds are named as the outputs expect.
    assert_eq!(str_array(table, "namepass", place), ["weather"]);
    let (text, _) = substitute_env_with(
        &read_repo_file("telegraf-execd-alerts/alerts.toml"),
        container_value,
    );
    let alerts = telegraf_execd_alerts::AlertsConfig::from_toml(&text, "alerts.toml")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(alerts.alert_measurement, "weather_alert");
    assert!(alerts.rules.iter().all(|r| r.measurement == "weather"));
    // Every topic Telegraf writes is created by create-topics.
    let topics: Vec<String> = telegraf_execd_kafka_bridge::config::TopicSpec::lab_defaults()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert!(topics.iter().any(|t| t == "weather-alerts"), "{topics:?}");
}

#[test]
fn referenced_variables_are_provided_to_telegraf() {
    let (_, names) = load_conf();
    let expected: BTreeSet<String> = EXPECTED_ENV.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        names, expected,
        "telegraf.conf references exactly the documented variables"
    );
    let compose = read_repo_file("deploy/compose.yaml");
    for name in &names {
        assert!(
            compose.contains(&format!("{name}:")),
            "deploy/compose.yaml does not set {name}"
        );
    }
}

/// Telegraf's InfluxDB token is a file of its own token volume, read through the docker secret
/// store; no token is in telegraf.conf, compose.yaml or any service environment but
/// init-tokens' (the admin token, which only it and influxdb get).
#[test]
fn the_influxdb_token_is_telegrafs_own_file() {
    let conf = load_secretstores();
    let kinds = conf["secretstores"].as_table().expect("secretstores");
    assert_eq!(kinds.keys().collect::<Vec<_>>(), ["docker"]);
    let stores = plugins(&conf, "secretstores", "docker");
    assert_eq!(stores.len(), 1, "one docker secret store");
    let store = stores[0];
    assert_options(
        store,
        "[[secretstores.docker]]",
        &[SECRETSTORE_DOCKER_OPTIONS],
    );
    assert_eq!(string(store, "id", "[[secretstores.docker]]"), "influx");
    let path = string(store, "path", "[[secretstores.docker]]");
    let compose = read_repo_file("deploy/compose.yaml");
    assert!(
        compose.contains(&format!("- influx-token-telegraf:{path}:ro")),
        "compose mounts Telegraf's token volume read-only at {path}"
    );
    let script = read_repo_file("deploy/influxdb/init-tokens.sh");
    assert!(
        script.contains("ensure telegraf --write-bucket \"$bucket_id\"\n"),
        "init-tokens gives Telegraf a write-only token for the bucket"
    );
    let raw = read_repo_file("telegraf.conf");
    assert!(
        !raw.contains("INFLUX_TOKEN"),
        "telegraf.conf reads no token variable"
    );
}

/// The bridge exports a point once it is `lateness` old; Telegraf writes a gathered point to
/// InfluxDB up to one flush (plus jitter) later, and the write may take the output's timeout.
/// The deployed lateness must cover that, with 5 s to spare.
#[test]
fn deployed_lateness_covers_telegrafs_flush_and_write_timeout() {
    let (conf, _) = load_conf();
    let agent = conf["agent"].as_table().expect("[agent]");
    let secs = |table: &toml::Table, key: &str, default: &str| {
        let value = table.get(key).and_then(|v| v.as_str()).unwrap_or(default);
        telegraf_execd::parse_go_duration(value)
            .unwrap_or_else(|e| panic!("{key} = {value:?}: {e}"))
            .as_secs_f64()
    };
    let influx = plugins(&conf, "outputs", "influxdb_v2");
    let delivery = secs(agent, "flush_interval", "10s")
        + secs(agent, "flush_jitter", "0s")
        + secs(agent, "collection_jitter", "0s")
        + secs(influx[0], "timeout", "5s");
    let (text, _) =
        substitute_env_with(&read_repo_file("deploy/kafka-bridge.toml"), container_value);
    let bridge = telegraf_execd_kafka_bridge::config::BridgeConfig::from_toml(
        &text,
        "deploy/kafka-bridge.toml",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let lateness = bridge.lateness.as_secs_f64();
    assert!(
        lateness >= delivery + 5.0,
        "deploy/kafka-bridge.toml: lateness {lateness}s < Telegraf's delivery bound {delivery}s + 5s"
    );
}

#[test]
fn substitution_follows_telegraf_syntax() {
    let (text, names) = substitute_env("a = \"${A}\"\nb = ${B:-3}\nc = \"$notavar\"\n");
    assert_eq!(text, "a = \"dummy-a\"\nb = dummy-b\nc = \"$notavar\"\n");
    assert_eq!(names, BTreeSet::from(["A".to_owned(), "B".to_owned()]));
}
