//! Against tansu, a Kafka-compatible broker in its own process: `create-topics` through the
//! admin API (idempotent, layout and config mismatches named; tansu 0.6 answers DescribeConfigs
//! with the configs set at creation) and a cross-process export checked by the binary's own
//! `consume --verify`.
//!
//! tansu comes from `scripts/install-tansu.sh`; tests start it through the crate's
//! `local_tansu` (feature `test-broker`), which finds it via `TANSU_BIN` or `PATH`, fails without
//! it when `influxdb_http::services_required()` (`WEATHER_REQUIRE_SERVICES=1` or `CI`), and skips
//! with a notice otherwise.

mod common;
mod tls_proxy;

use std::net::TcpListener;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::*;

fn bridge(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("run the bridge binary")
}

/// A bridge config file holding only `topics`, written to `dir/name`.
fn topics_file(dir: &std::path::Path, name: &str, topics: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, format!("[[inputs.kafka_bridge]]\n{topics}")).unwrap();
    path.to_str().unwrap().to_string()
}

fn text(o: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn create_topics_is_idempotent_and_names_a_mismatch() {
    let Some(tansu) = tansu() else { return };
    let first = bridge(&["create-topics", "--bootstrap-servers", tansu.bootstrap()]);
    assert!(first.status.success(), "{}", text(&first));
    let out = String::from_utf8_lossy(&first.stdout);
    assert!(
        out.contains(
            "weather: created (4 partitions, replication factor 3, min.insync.replicas=2)"
        ),
        "{out}"
    );
    assert!(
        out.contains("weather-telegraf: created (4 partitions, replication factor 3)"),
        "{out}"
    );

    let again = bridge(&["create-topics", "--bootstrap-servers", tansu.bootstrap()]);
    assert!(again.status.success(), "{}", text(&again));
    let out = String::from_utf8_lossy(&again.stdout);
    assert!(
        out.contains("weather: already exists with the same layout and configs"),
        "{out}"
    );
    assert!(
        out.contains("weather-telegraf: already exists with the same layout"),
        "{out}"
    );

    // The same topic asked for with another partition count: a clear error, exit 1.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("topics.toml");
    std::fs::write(
        &config,
        "[[inputs.kafka_bridge]]\n[[inputs.kafka_bridge.topics]]\nname = \"weather\"\npartitions = 2\nreplication_factor = 3\n",
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let mismatch = bridge(&[
        "create-topics",
        "-config",
        config,
        "--bootstrap-servers",
        tansu.bootstrap(),
    ]);
    assert_eq!(mismatch.status.code(), Some(1), "{}", text(&mismatch));
    let err = String::from_utf8_lossy(&mismatch.stderr);
    assert!(
        err.lines().any(|l| l.starts_with("E! ")
            && l.contains(
                "\"weather\" exists with 4 partitions, replication factor 3, but 2 partitions"
            )),
        "{err}"
    );
}

#[test]
fn create_topics_compares_the_configs_of_an_existing_topic() {
    let Some(tansu) = tansu() else { return };
    let dir = tempfile::tempdir().unwrap();
    let weather = |min_isr: &str| {
        format!(
            "[[inputs.kafka_bridge.topics]]\nname = \"weather\"\npartitions = 4\nreplication_factor = 3\n\
             [inputs.kafka_bridge.topics.config]\n\"min.insync.replicas\" = \"{min_isr}\"\n"
        )
    };
    // Someone created `weather` with min.insync.replicas=1, and `weather-telegraf` without configs.
    let isr1 = topics_file(dir.path(), "isr1.toml", &weather("1"));
    let made = bridge(&[
        "create-topics",
        "-config",
        &isr1,
        "--bootstrap-servers",
        tansu.bootstrap(),
    ]);
    assert!(made.status.success(), "{}", text(&made));
    assert!(
        String::from_utf8_lossy(&made.stdout).contains(
            "weather: created (4 partitions, replication factor 3, min.insync.replicas=1)"
        ),
        "{}",
        text(&made)
    );
    let plain = topics_file(
        dir.path(),
        "plain.toml",
        "[[inputs.kafka_bridge.topics]]\nname = \"weather-telegraf\"\npartitions = 4\nreplication_factor = 3\n",
    );
    let made = bridge(&[
        "create-topics",
        "-config",
        &plain,
        "--bootstrap-servers",
        tansu.bootstrap(),
    ]);
    assert!(made.status.success(), "{}", text(&made));

    // The lab's defaults ask for min.insync.replicas=2: an error naming topic, key and values.
    let lab = bridge(&["create-topics", "--bootstrap-servers", tansu.bootstrap()]);
    assert_eq!(lab.status.code(), Some(1), "{}", text(&lab));
    let err = String::from_utf8_lossy(&lab.stderr);
    assert!(
        err.lines().any(|l| l.starts_with("E! ")
            && l.contains(
                "topic \"weather\" exists with other configs: min.insync.replicas is 1 ("
            )
            && l.contains("), 2 was requested")),
        "{}",
        text(&lab)
    );

    // The same values again: fine, whatever source the broker names for them.
    let again = bridge(&[
        "create-topics",
        "-config",
        &isr1,
        "--bootstrap-servers",
        tansu.bootstrap(),
    ]);
    assert!(again.status.success(), "{}", text(&again));
    assert!(
        String::from_utf8_lossy(&again.stdout)
            .contains("weather: already exists with the same layout and configs"),
        "{}",
        text(&again)
    );

    // A config the existing topic never got cannot be confirmed: an error too.
    let wants_isr = topics_file(
        dir.path(),
        "wants.toml",
        "[[inputs.kafka_bridge.topics]]\nname = \"weather-telegraf\"\npartitions = 4\nreplication_factor = 3\n\
         [inputs.kafka_bridge.topics.config]\n\"min.insync.replicas\" = \"2\"\n",
    );
    let missing = bridge(&[
        "create-topics",
        "-config",
        &wants_isr,
        "--bootstrap-servers",
        tansu.bootstrap(),
    ]);
    assert_eq!(missing.status.code(), Some(1), "{}", text(&missing));
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(
        err.lines().any(|l| l.starts_with("E! ")
            && l.contains("topic \"weather-telegraf\" exists with other configs: min.insync.replicas is not reported by the broker, 2 was requested")),
        "{}",
        text(&missing)
    );
}

#[test]
fn export_to_a_separate_broker_process_verifies_clean() {
    let Some(tansu) = tansu() else { return };
    let Some(influx) = influx() else { return };
    let rt = runtime();
    let (client, db) = fresh_database(&rt, influx.url(), "tansu");
    let n = 2000;
    write(
        &rt,
        &client,
        &weather_lines(1_700_000_000_000_000_000, n, 6),
    );

    let created = bridge(&["create-topics", "--bootstrap-servers", tansu.bootstrap()]);
    assert!(created.status.success(), "{}", text(&created));
    let dir = tempfile::tempdir().unwrap();
    let config = BridgeFile::new(influx.url(), &db, tansu.bootstrap(), "weather").write(dir.path());
    let mut run = Bridge::start(&config);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let health = run.gather();
        if health.contains(&format!("points_exported={n}i")) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not exported: {health}\n{}",
            run.stderr_text()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let (status, stderr) = run.stop();
    assert!(status.success(), "{stderr}");

    // Another process reads it back and checks it against InfluxDB.
    let config = config.to_str().unwrap();
    let verified = bridge(&["consume", "-config", config, "--verify"]);
    assert!(verified.status.success(), "{}", text(&verified));
    let report = String::from_utf8_lossy(&verified.stdout);
    assert!(
        report.contains(&format!(
            "messages={n} expected={n} missing=0 duplicated=0 out_of_order=0"
        )),
        "{report}"
    );
    // Progress while it reads and compares, on stderr.
    let progress = String::from_utf8_lossy(&verified.stderr);
    for line in [
        "I! verify \"weather\": reading the topic to its end".to_string(),
        format!("I! verify \"weather\": read {n} messages in "),
        format!("I! verify \"weather\": compared {n} points in "),
    ] {
        assert!(progress.contains(&line), "no {line:?} in:\n{progress}");
    }

    // And the plain consumer prints partition, offset, key and value.
    let printed = bridge(&["consume", "-config", config, "--max-messages", "3"]);
    assert!(printed.status.success(), "{}", text(&printed));
    let out = String::from_utf8_lossy(&printed.stdout);
    let first = out.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("weather/") && first.contains(" key=st"),
        "{out}"
    );
    assert!(first.contains(" weather,city="), "{out}");
}

/// TLS on both of the bridge's connections, as `deploy/compose.tls.yaml` sets up: InfluxDB over
/// https (`influxdb.tls_ca`, influxd's own `https-enabled`) and Kafka with
/// `security.protocol = "ssl"` and `ssl.ca.location` through a TLS terminator in front of tansu
/// (which advertises the terminator's port). The export verifies clean through both; a
/// plaintext Kafka client and a client without the CA get nowhere.
#[test]
fn export_over_tls_to_influxdb_and_kafka_verifies_clean() {
    let ca = influxdb_http::TestCa::new().expect("a test CA (Debian package openssl)");
    let tls_port = TcpListener::bind("127.0.0.1:0").unwrap();
    let advertised = tls_port.local_addr().unwrap().to_string();
    let Some(tansu) = tansu_advertising(&advertised) else {
        return;
    };
    let Some(influx) = influxdb_http::TestInflux::start_https(&ca.server_pem(), &ca.server_key())
        .expect("InfluxDB over https")
    else {
        return;
    };
    let proxy = tls_proxy::TlsProxy::start(
        tls_port,
        tansu.bootstrap().parse().unwrap(),
        &ca.server_pem(),
        &ca.server_key(),
    );
    let bootstrap = proxy.addr.to_string();

    let rt = runtime();
    let mut influx_config =
        influxdb_http::ClientConfig::new(influx.url(), influxdb_http::Api::v1("tls")).unwrap();
    influx_config.tls_ca = Some(ca.ca_pem());
    let client = influxdb_http::InfluxClient::new(influx_config).unwrap();
    rt.block_on(client.create_database("tls")).unwrap();
    let n = 600;
    write(
        &rt,
        &client,
        &weather_lines(1_700_000_000_000_000_000, n, 6),
    );

    let dir = tempfile::tempdir().unwrap();
    let ca_pem = ca.ca_pem().display().to_string();
    let kafka_tls = format!(
        "\"bootstrap.servers\" = \"{bootstrap}\"\n\"security.protocol\" = \"ssl\"\n\
         \"ssl.ca.location\" = \"{ca_pem}\"\n"
    );
    let config = dir.path().join("tls.toml");
    std::fs::write(
        &config,
        format!(
            "[[inputs.kafka_bridge]]\ntopic = \"weather\"\nlateness = \"0s\"\n\
             export_interval = \"100ms\"\nkafka_timeout = \"20s\"\n\
             [inputs.kafka_bridge.influxdb]\nurl = \"{url}\"\ntls_ca = \"{ca_pem}\"\n\
             database = \"tls\"\nmeasurements = [\"weather\"]\n\
             [inputs.kafka_bridge.kafka]\n{kafka_tls}",
            url = influx.url(),
        ),
    )
    .unwrap();
    let config_arg = config.to_str().unwrap();

    let created = bridge(&["create-topics", "-config", config_arg]);
    assert!(created.status.success(), "{}", text(&created));
    let mut run = Bridge::start(&config);
    let deadline = Instant::now() + Duration::from_secs(60);
    while !run.gather().contains(&format!("points_exported={n}i")) {
        assert!(
            Instant::now() < deadline,
            "not exported:\n{}",
            run.stderr_text()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let (status, stderr) = run.stop();
    assert!(status.success(), "{stderr}");
    let verified = bridge(&["consume", "-config", config_arg, "--verify"]);
    assert!(verified.status.success(), "{}", text(&verified));
    assert!(
        String::from_utf8_lossy(&verified.stdout)
            .contains(&format!("messages={n} expected={n} missing=0 duplicated=0")),
        "{}",
        text(&verified)
    );
    assert!(
        proxy.handshakes() > 0,
        "no TLS handshake reached the terminator"
    );

    // Plaintext to the TLS port: refused by the terminator, so the topic cannot be read.
    let (completed, failed) = (proxy.handshakes(), proxy.failed_handshakes());
    let plain = bridge(&[
        "consume",
        "--bootstrap-servers",
        &bootstrap,
        "--topic",
        "weather",
        "--timeout",
        "3s",
    ]);
    assert!(
        !plain.status.success(),
        "plaintext read the topic:\n{}",
        text(&plain)
    );
    assert_eq!(
        proxy.handshakes(),
        completed,
        "a plaintext client completed a handshake"
    );
    assert!(
        proxy.failed_handshakes() > failed,
        "the plaintext client never connected"
    );
    // TLS without the test CA: the client rejects the broker's certificate in the handshake.
    // (librdkafka's "certificate verify failed" log line does not always make it to stderr
    // before the metadata request gives up, so the terminator's counts are the evidence.)
    let untrusted = dir.path().join("untrusted.toml");
    std::fs::write(
        &untrusted,
        format!(
            "[[inputs.kafka_bridge]]\n[inputs.kafka_bridge.kafka]\n\
             \"bootstrap.servers\" = \"{bootstrap}\"\n\"security.protocol\" = \"ssl\"\n"
        ),
    )
    .unwrap();
    let failed = proxy.failed_handshakes();
    let untrusted = bridge(&[
        "consume",
        "-config",
        untrusted.to_str().unwrap(),
        "--topic",
        "weather",
        "--timeout",
        "3s",
    ]);
    assert!(!untrusted.status.success(), "{}", text(&untrusted));
    assert_eq!(
        proxy.handshakes(),
        completed,
        "a client without the CA completed a handshake"
    );
    assert!(
        proxy.failed_handshakes() > failed,
        "the client without the CA never connected"
    );
}

/// `weather-telegraf` as Telegraf writes it (zstd, `compression_codec = 4`) read back from a
/// separate broker process by `consume`, with per-topic `--stats`.
#[test]
fn consume_reads_a_zstd_topic_from_a_broker_process() {
    use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
    let Some(tansu) = tansu() else { return };
    let created = bridge(&["create-topics", "--bootstrap-servers", tansu.bootstrap()]);
    assert!(created.status.success(), "{}", text(&created));
    let producer: BaseProducer = kafka(tansu.bootstrap())
        .set("compression.codec", "zstd")
        .set("linger.ms", "20")
        .create()
        .unwrap();
    let n = 120;
    for i in 0..n {
        let station = format!("s{}", i % 4);
        let value = format!("weather,station={station} temperature={i}.5 {i}\n");
        producer
            .send(
                BaseRecord::to("weather-telegraf")
                    .key(&station)
                    .payload(&value),
            )
            .map_err(|(e, _)| e)
            .unwrap();
    }
    producer.flush(Duration::from_secs(20)).unwrap();
    let read = bridge(&[
        "consume",
        "--bootstrap-servers",
        tansu.bootstrap(),
        "--topic",
        "weather-telegraf",
    ]);
    assert!(read.status.success(), "{}", text(&read));
    let lines = String::from_utf8_lossy(&read.stdout)
        .lines()
        .filter(|l| l.starts_with("weather-telegraf/"))
        .count();
    assert_eq!(lines, n, "{}", text(&read));
    let stats = bridge(&[
        "consume",
        "--bootstrap-servers",
        tansu.bootstrap(),
        "--topic",
        "weather-telegraf",
        "--topic",
        "weather",
        "--stats",
    ]);
    assert!(stats.status.success(), "{}", text(&stats));
    let out = String::from_utf8_lossy(&stats.stdout);
    assert!(
        out.contains(&format!("topic weather-telegraf: {n} messages")),
        "{out}"
    );
    assert!(out.contains("topic weather: 0 messages"), "{out}");
}
