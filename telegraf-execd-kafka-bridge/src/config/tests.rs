use super::*;

const KAFKA: &str = "[inputs.kafka_bridge.kafka]\n\"bootstrap.servers\" = \"127.0.0.1:9092\"\n";

fn load(body: &str) -> Result<BridgeConfig, BridgeConfigError> {
    BridgeConfig::from_toml(
        &format!("[[inputs.kafka_bridge]]\n{body}\n{KAFKA}"),
        "t.toml",
    )
}

#[test]
fn unknown_keys_name_line_and_column() {
    let e = load("lateness = \"1s\"\nlatenes = \"1s\"").unwrap_err();
    assert!(
        e.to_string()
            .starts_with("t.toml:3:1: unknown field `latenes`"),
        "{e}"
    );
}

#[test]
fn pinned_properties_cannot_be_weakened() {
    let text = "[[inputs.kafka_bridge]]\n[inputs.kafka_bridge.kafka]\n\"bootstrap.servers\" = \"a:1\"\nacks = 1\n";
    let e = BridgeConfig::from_toml(text, "t.toml").unwrap_err();
    assert!(e.to_string().contains("\"acks\" = \"1\""), "{e}");
    let text = "[[inputs.kafka_bridge]]\n[inputs.kafka_bridge.kafka]\n\"bootstrap.servers\" = \"a:1\"\nacks = -1\n\"enable.idempotence\" = true\n";
    assert!(BridgeConfig::from_toml(text, "t.toml").is_ok());
}

#[test]
fn missing_bootstrap_servers_is_named() {
    let c = BridgeConfig::from_toml("[[inputs.kafka_bridge]]\n", "t.toml").unwrap();
    let e = c.require_brokers("t.toml").unwrap_err();
    assert_eq!(
        e.to_string(),
        "t.toml: option `kafka`: set \"bootstrap.servers\" (e.g. \"127.0.0.1:9092\")"
    );
}

#[test]
fn topics_and_kafka_tables_parse() {
    let c = load(
        "[[inputs.kafka_bridge.topics]]\nname = \"x\"\npartitions = 2\nreplication_factor = 1\nconfig = { \"retention.ms\" = \"1000\" }",
    )
    .unwrap();
    assert_eq!(c.topics.len(), 1);
    assert_eq!(c.topics[0].config["retention.ms"], "1000");
    let e = load(
        "[[inputs.kafka_bridge.topics]]\nname = \"x\"\npartitions = 0\nreplication_factor = 1",
    )
    .unwrap_err();
    assert!(e.to_string().contains("topic #1"), "{e}");
}

#[test]
fn shipped_example_parses_and_documents_the_defaults() {
    let text = include_str!("../../kafka-bridge.toml");
    let c = BridgeConfig::from_toml(text, "kafka-bridge.toml").unwrap();
    let d = BridgeConfig::default();
    assert_eq!(c.topic, d.topic);
    assert_eq!(c.key_tag, d.key_tag);
    assert_eq!(c.value_format, d.value_format);
    assert_eq!(c.lateness, d.lateness);
    assert_eq!(c.export_interval, d.export_interval);
    assert_eq!(c.start, d.start);
    assert_eq!(c.kafka_timeout, d.kafka_timeout);
    assert_eq!(c.startup_quiet_period, d.startup_quiet_period);
    assert_eq!(c.retry_max_backoff, d.retry_max_backoff);
    assert_eq!(c.poll_interval, d.poll_interval);
    assert_eq!(c.late_check_interval, d.late_check_interval);
    assert_eq!(c.empty_measurement_grace, d.empty_measurement_grace);
    assert_eq!(c.log_level, d.log_level);
    assert_eq!(c.topics, d.topics);
    let (i, di) = (&c.influxdb, &d.influxdb);
    assert_eq!(
        (
            &i.url,
            &i.database,
            &i.retention_policy,
            &i.measurements,
            &i.where_clause
        ),
        (
            &di.url,
            &di.database,
            &di.retention_policy,
            &di.measurements,
            &di.where_clause
        )
    );
    assert_eq!(
        (&i.token_env, i.chunk_size, i.timeout),
        (&di.token_env, di.chunk_size, di.timeout)
    );
    assert!(c.kafka.get("bootstrap.servers").is_some());
}

#[test]
fn token_file_first_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("token");
    std::fs::write(&path, "s3cret\nignored\n").unwrap();
    let c = load(&format!(
        "[inputs.kafka_bridge.influxdb]\ntoken_env = \"\"\ntoken_file = {:?}",
        path.display().to_string()
    ))
    .unwrap();
    assert_eq!(c.influx_token("t").unwrap().as_deref(), Some("s3cret"));
    let c = load(
        "[inputs.kafka_bridge.influxdb]\ntoken_env = \"\"\ntoken_file = \"/nonexistent/token\"",
    )
    .unwrap();
    assert!(
        c.influx_token("t")
            .unwrap_err()
            .to_string()
            .contains("/nonexistent/token")
    );
}

fn kafka_table(lines: &str) -> Result<BridgeConfig, BridgeConfigError> {
    BridgeConfig::from_toml(
        &format!("[[inputs.kafka_bridge]]\n{KAFKA}{lines}\n"),
        "t.toml",
    )
}

#[test]
fn every_spelling_of_a_pinned_property_is_checked() {
    for (key, bad) in [
        ("acks", "1"),
        ("request.required.acks", "1"),
        ("topic.acks", "0"),
        ("topic.request.required.acks", "1"),
        ("message.timeout.ms", "30000"),
        ("delivery.timeout.ms", "30000"),
        ("topic.delivery.timeout.ms", "120000"),
        ("topic.message.timeout.ms", "1"),
        ("enable.idempotence", "false"),
        ("enable.gapless.guarantee", "false"),
        ("delivery.report.only.error", "true"),
    ] {
        let e = kafka_table(&format!("\"{key}\" = \"{bad}\"")).unwrap_err();
        assert!(
            e.to_string().contains(&format!("\"{key}\"")) && e.to_string().contains("exactly-once"),
            "{key}: {e}"
        );
    }
    for (key, fine) in [
        ("topic.acks", "all"),
        ("request.required.acks", "-1"),
        ("delivery.timeout.ms", "0"),
    ] {
        kafka_table(&format!("\"{key}\" = \"{fine}\""))
            .unwrap_or_else(|e| panic!("{key} = {fine}: {e}"));
    }
    let e = kafka_table("\"topic.transactional.id\" = \"x\"\n\"transactional.id\" = \"y\"")
        .unwrap_err();
    assert!(e.to_string().contains("transactional.id"), "{e}");
}

#[test]
fn two_spellings_of_one_property_are_refused() {
    let e = kafka_table("\"linger.ms\" = 5\n\"queue.buffering.max.ms\" = 50").unwrap_err();
    assert_eq!(
        e.to_string(),
        "t.toml: option `kafka`: \"linger.ms\" and \"queue.buffering.max.ms\" are the same librdkafka property (queue.buffering.max.ms); set it once"
    );
    assert!(kafka_table("acks = \"all\"\n\"topic.acks\" = -1").is_err());
    assert!(kafka_table("\"metadata.broker.list\" = \"b:1\"").is_err());
    // The global and the topic-level compression codec are two properties.
    kafka_table("\"compression.type\" = \"lz4\"\n\"topic.compression.codec\" = \"zstd\"").unwrap();
}

#[test]
fn debug_output_hides_secrets() {
    let c = BridgeConfig::from_toml(
        "[[inputs.kafka_bridge]]\n[inputs.kafka_bridge.influxdb]\ntoken = \"tok-s3cret\"\nusername = \"admin\"\npassword = \"pw-s3cret\"\n[inputs.kafka_bridge.kafka]\n\"bootstrap.servers\" = \"a:1\"\n\"sasl.password\" = \"sasl-s3cret\"\n\"sasl.username\" = \"user-s3cret\"\n\"ssl.key.password\" = \"key-s3cret\"\n\"sasl.oauthbearer.client.credentials.client.secret\" = \"oauth-s3cret\"\n\"linger.ms\" = 7",
        "t.toml",
    );
    let c = c.unwrap();
    let text = format!("{c:?} {c:#?}");
    assert!(!text.contains("s3cret"), "{text}");
    assert!(text.contains("[redacted]"), "{text}");
    assert!(text.contains("admin") && text.contains("\"7\""), "{text}");
}

#[test]
fn the_startup_quiet_period_covers_the_request_timeout() {
    let e = with_kafka(
        "startup_quiet_period = \"5s\"",
        "\"request.timeout.ms\" = 10000",
    );
    assert!(
        e.unwrap_err()
            .to_string()
            .contains("request.timeout.ms (10000 ms)")
    );
    with_kafka(
        "startup_quiet_period = \"10s\"",
        "\"request.timeout.ms\" = 10000",
    )
    .unwrap();
}

fn with_kafka(top: &str, kafka: &str) -> Result<BridgeConfig, BridgeConfigError> {
    BridgeConfig::from_toml(
        &format!("[[inputs.kafka_bridge]]\n{top}\n{KAFKA}{kafka}\n"),
        "t.toml",
    )
}
