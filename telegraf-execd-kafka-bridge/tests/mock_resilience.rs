//! The bridge binary through outages and bad data: a broker down with its partitions' leaders
//! moved, injected produce errors, Kafka unreachable, InfluxDB unreachable, rows that cannot be
//! line protocol.

mod common;

use std::time::{Duration, Instant};

use common::*;
use rdkafka::mocking::MockCluster;
use rdkafka::types::{RDKafkaApiKey, RDKafkaRespErr};
use telegraf_execd_kafka_bridge::config::BridgeConfig;
use telegraf_execd_kafka_bridge::verify::verify;

const T0: i64 = 1_700_000_000_000_000_000;

fn health_int(line: &str, key: &str) -> i64 {
    let p = line_protocol::parse_point(line.as_bytes(), line_protocol::Precision::Nanoseconds)
        .unwrap_or_else(|e| panic!("{line:?}: {e}"));
    match p.field(key) {
        Some(line_protocol::FieldValue::Integer(v)) => *v,
        other => panic!("{key} in {line:?}: {other:?}"),
    }
}

/// Messages in each of `partitions` (their high watermarks; the topic is never truncated here).
fn counts(bootstrap: &str, partitions: &[i32]) -> Vec<i64> {
    use rdkafka::consumer::{BaseConsumer, Consumer};
    let consumer: BaseConsumer = kafka(bootstrap)
        .set("group.id", "test-counts")
        .create()
        .unwrap();
    partitions
        .iter()
        .map(|&p| {
            consumer
                .fetch_watermarks("weather", p, Duration::from_secs(10))
                .unwrap()
                .1
        })
        .collect()
}

fn assert_verified(rt: &tokio::runtime::Runtime, config: &std::path::Path, expected: u64) {
    let cfg = BridgeConfig::load(config).unwrap();
    let report = rt
        .block_on(verify(&cfg, None, None, Duration::from_secs(30)))
        .unwrap();
    assert!(report.is_clean(), "{report}");
    assert_eq!(report.expected, expected, "{report}");
}

#[test]
fn broker_down_keeps_other_partitions_flowing_and_loses_nothing_once_leaders_move() {
    let Some(influx) = influx() else { return };
    let rt = runtime();
    let (client, db) = fresh_database(&rt, influx.url(), "brokerdown");
    write(&rt, &client, &weather_lines(T0, 4000, 12));

    let cluster = MockCluster::new(3).unwrap();
    let bootstrap = cluster.bootstrap_servers();
    cluster.create_topic("weather", 4, 3).unwrap();
    // Partitions 0 and 1 on broker 1, 2 on broker 2, 3 on broker 3.
    for (p, leader) in [(0, 1), (1, 1), (2, 2), (3, 3)] {
        cluster
            .partition_leader("weather", p, Some(leader))
            .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let config = BridgeFile::new(influx.url(), &db, &bootstrap, "weather").write(dir.path());
    let mut bridge = Bridge::start(&config);
    wait_for_messages(&bootstrap, "weather", 4000, Duration::from_secs(60));
    let before = counts(&bootstrap, &[0, 1, 2, 3]);

    // Broker 1 goes away; new points keep arriving.
    cluster.broker_down(1).unwrap();
    write(
        &rt,
        &client,
        &weather_lines(T0 + 10_000_000_000_000, 4000, 12),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    // Partitions 0 and 1 are unreachable now (their leader is down); 2 and 3 must keep growing.
    let during = loop {
        let now = counts(&bootstrap, &[2, 3]);
        if (now[0] > before[2] && now[1] > before[3]) || Instant::now() > deadline {
            break now;
        }
        std::thread::sleep(Duration::from_millis(300));
    };
    assert!(
        during[0] > before[2] && during[1] > before[3],
        "partitions on live brokers stalled: {before:?} -> {during:?}\n{}",
        bridge.stderr_text()
    );

    // Leaders move (what a real cluster does after the session timeout): nothing lost.
    cluster.partition_leader("weather", 0, Some(2)).unwrap();
    cluster.partition_leader("weather", 1, Some(3)).unwrap();
    wait_for_messages(&bootstrap, "weather", 8000, Duration::from_secs(60));
    let health = bridge.gather();
    let (status, stderr) = bridge.stop();
    assert!(status.success(), "{stderr}");
    assert!(
        stderr.lines().any(|l| l.starts_with("W! ")),
        "no warning logged:\n{stderr}"
    );
    assert!(!stderr.lines().any(|l| l.starts_with("E! ")), "{stderr}");
    assert_eq!(health_int(&health, "points_exported"), 8000, "{health}");
    assert_verified(&rt, &config, 8000);
}

#[test]
fn injected_produce_errors_cause_no_loss_and_no_duplicates() {
    let Some(influx) = influx() else { return };
    let rt = runtime();
    let (client, db) = fresh_database(&rt, influx.url(), "reqerr");
    write(&rt, &client, &weather_lines(T0, 5000, 8));

    let cluster = MockCluster::new(3).unwrap();
    let bootstrap = cluster.bootstrap_servers();
    cluster.create_topic("weather", 4, 3).unwrap();
    // Retriable errors, and dropped connections after the broker may have appended the batch:
    // the case where a non-idempotent producer duplicates.
    let errors: Vec<RDKafkaRespErr> = [
        RDKafkaRespErr::RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
        RDKafkaRespErr::RD_KAFKA_RESP_ERR__TRANSPORT,
        RDKafkaRespErr::RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
        RDKafkaRespErr::RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
        RDKafkaRespErr::RD_KAFKA_RESP_ERR__TRANSPORT,
        RDKafkaRespErr::RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE,
    ]
    .repeat(3);
    cluster.request_errors(RDKafkaApiKey::Produce, &errors);
    let dir = tempfile::tempdir().unwrap();
    let config = BridgeFile::new(influx.url(), &db, &bootstrap, "weather").write(dir.path());
    let bridge = Bridge::start(&config);
    wait_for_messages(&bootstrap, "weather", 5000, Duration::from_secs(60));
    // stop() returns once the process has exited, after flushing: every retry has been
    // acknowledged (or has failed) by then, so duplicates are judged on the final topic.
    let (status, stderr) = bridge.stop();
    assert!(status.success(), "{stderr}");
    assert_verified(&rt, &config, 5000);
}

#[test]
fn kafka_unreachable_at_start_exits_nonzero_with_an_error() {
    let Some(influx) = influx() else { return };
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on port 1.
    let path = BridgeFile::new(influx.url(), "weather", "127.0.0.1:1", "weather").write(dir.path());
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("kafka_timeout = \"20s\"", "kafka_timeout = \"2s\"");
    std::fs::write(&path, text).unwrap();
    let started = Instant::now();
    let bridge = Bridge::start(&path);
    let (status, stderr) = bridge.stop();
    assert!(!status.success(), "must exit non-zero\n{stderr}");
    assert!(stderr.lines().any(|l| l.starts_with("E! ")), "{stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(12),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn kafka_unreachable_mid_run_exits_nonzero_after_kafka_timeout() {
    let Some(influx) = influx() else { return };
    let rt = runtime();
    let (client, db) = fresh_database(&rt, influx.url(), "kafkagone");
    write(&rt, &client, &weather_lines(T0, 1000, 4));
    let cluster = MockCluster::new(3).unwrap();
    let bootstrap = cluster.bootstrap_servers();
    cluster.create_topic("weather", 4, 3).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = BridgeFile::new(influx.url(), &db, &bootstrap, "weather").write(dir.path());
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("kafka_timeout = \"20s\"", "kafka_timeout = \"2s\"");
    std::fs::write(&path, text).unwrap();
    let mut bridge = Bridge::start(&path);
    wait_for_messages(&bootstrap, "weather", 1000, Duration::from_secs(30));
    for broker in 1..=3 {
        cluster.broker_down(broker).unwrap();
    }
    write(
        &rt,
        &client,
        &weather_lines(T0 + 10_000_000_000_000, 100, 4),
    );
    let status = wait_with_timeout(&mut bridge.child, Duration::from_secs(20));
    let stderr = bridge.final_stderr();
    assert!(!status.success(), "{stderr}");
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("E! ") && l.contains("acknowledged nothing")),
        "{stderr}"
    );
}

#[test]
fn influxdb_unreachable_is_retried_with_warnings() {
    let cluster = MockCluster::new(3).unwrap();
    let bootstrap = cluster.bootstrap_servers();
    cluster.create_topic("weather", 4, 3).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path =
        BridgeFile::new("http://127.0.0.1:1", "weather", &bootstrap, "weather").write(dir.path());
    let mut bridge = Bridge::start(&path);
    let deadline = Instant::now() + Duration::from_secs(10);
    while bridge
        .stderr_text()
        .matches("InfluxDB query failed")
        .count()
        < 3
    {
        assert!(
            Instant::now() < deadline,
            "no retries logged:\n{}",
            bridge.stderr_text()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let health = bridge.gather();
    assert!(health_int(&health, "errors") >= 3, "{health}");
    assert_eq!(health_int(&health, "points_sent"), 0, "{health}");
    let (status, stderr) = bridge.stop();
    assert!(status.success(), "{stderr}");
    for line in stderr
        .lines()
        .filter(|l| l.contains("InfluxDB query failed"))
    {
        assert!(line.starts_with("W! "), "{line}");
        assert!(line.contains("export position unchanged"), "{line}");
    }
    assert!(read_all(&bootstrap, "weather").is_empty());
}

#[test]
fn rows_that_cannot_be_line_protocol_are_skipped_and_counted() {
    let Some(influx) = influx() else { return };
    let rt = runtime();
    let (client, db) = fresh_database(&rt, influx.url(), "badrows");
    let mut lines = weather_lines(T0, 100, 4);
    // InfluxDB stores a control character in a tag value; line protocol cannot carry it.
    lines.extend_from_slice(
        format!(
            "weather,station=bad\x01one temperature=1.5 {}\n",
            T0 + 5_000_000_000
        )
        .as_bytes(),
    );
    write(&rt, &client, &lines);
    let cluster = MockCluster::new(3).unwrap();
    let bootstrap = cluster.bootstrap_servers();
    cluster.create_topic("weather", 4, 3).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = BridgeFile::new(influx.url(), &db, &bootstrap, "weather").write(dir.path());
    let mut bridge = Bridge::start(&path);
    wait_for_messages(&bootstrap, "weather", 100, Duration::from_secs(30));
    let health = bridge.gather();
    let (status, stderr) = bridge.stop();
    assert!(status.success(), "{stderr}");
    assert_eq!(health_int(&health, "skipped_rows"), 1, "{health}");
    let warning = stderr
        .lines()
        .find(|l| l.starts_with("W! skipping row"))
        .unwrap_or_else(|| panic!("no skip warning:\n{stderr}"));
    assert!(
        warning.contains("station") && warning.contains("bad"),
        "{warning}"
    );
    assert_eq!(read_all(&bootstrap, "weather").len(), 100);
    let cfg = BridgeConfig::load(&path).unwrap();
    let report = rt
        .block_on(verify(&cfg, None, None, Duration::from_secs(30)))
        .unwrap();
    assert!(report.is_clean(), "{report}");
    assert_eq!(report.skipped_rows, 1);
}
