//! The bridge binary against a real InfluxDB and librdkafka's 3-broker mock cluster: delivery,
//! message format, health metrics, broker outages, injected errors, bad rows.

mod common;

use std::time::Duration;

use common::*;
use line_protocol::serialize::Serializer;
use rdkafka::mocking::MockCluster;
use telegraf_execd_kafka_bridge::config::BridgeConfig;
use telegraf_execd_kafka_bridge::partition::sarama_partition;
use telegraf_execd_kafka_bridge::verify::verify;

const T0: i64 = 1_700_000_000_000_000_000;

#[test]
fn exports_every_point_once_in_telegraf_format() {
    let Some(influx) = influx() else { return };
    let rt = runtime();
    let (client, db) = fresh_database(&rt, influx.url(), "delivery");
    let n = 3000;
    let lines = weather_lines(T0, n, 8);
    write(&rt, &client, &lines);

    let cluster = MockCluster::new(3).unwrap();
    let bootstrap = cluster.bootstrap_servers();
    cluster.create_topic("weather", 4, 3).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut file = BridgeFile::new(influx.url(), &db, &bootstrap, "weather");
    if std::env::var_os("BRIDGE_SHOW_STDERR").is_some() {
        file.extra = "  log_level = \"debug\"".into();
    }
    let config = file.write(dir.path());

    let mut bridge = Bridge::start(&config);
    let messages = wait_for_messages(&bootstrap, "weather", n, Duration::from_secs(60));
    let health = bridge.gather();
    let (status, stderr) = bridge.stop();
    assert!(status.success(), "exit {status:?}\n{stderr}");
    assert_eq!(messages.len(), n, "{stderr}");
    assert_prefixed_without_errors(&stderr);
    if std::env::var_os("BRIDGE_SHOW_STDERR").is_some() {
        eprintln!("{stderr}");
    }

    // Health: one kafka_bridge line per gather, counting what was acknowledged.
    assert!(
        health.starts_with("kafka_bridge,topic=weather "),
        "{health}"
    );
    let health_point =
        line_protocol::parse_point(health.as_bytes(), line_protocol::Precision::Nanoseconds)
            .unwrap();
    assert_eq!(
        health_point.field("points_exported"),
        Some(&line_protocol::FieldValue::Integer(n as i64)),
        "{health}"
    );

    // Every value is Telegraf's line of a seeded point (what Telegraf's outputs.kafka sends),
    // keyed by station and on sarama's partition for that key.
    let expected: std::collections::HashSet<Vec<u8>> = line_protocol::parse_lines(&lines)
        .map(|p| {
            let mut p = p.unwrap();
            // InfluxDB returns fields in key order.
            p.fields.sort_by(|a, b| a.key.cmp(&b.key));
            Serializer::telegraf().to_vec(&p).unwrap()
        })
        .collect();
    let mut last_per_partition = std::collections::HashMap::new();
    for m in &messages {
        assert!(
            expected.contains(&m.value),
            "unexpected value {:?}",
            String::from_utf8_lossy(&m.value)
        );
        let key = m.key.as_deref().expect("keyed by station");
        assert!(
            String::from_utf8_lossy(&m.value)
                .contains(&format!("station={}", String::from_utf8_lossy(key)))
        );
        assert_eq!(m.partition, sarama_partition(key, 4));
        let position = m
            .position()
            .unwrap()
            .expect("a bridge message with a position");
        if let Some(prev) = last_per_partition.insert(m.partition, position.clone()) {
            assert!(
                prev < position,
                "partition {} not in export order",
                m.partition
            );
        }
    }
    let distinct: std::collections::HashSet<_> = messages.iter().map(|m| m.value.clone()).collect();
    assert_eq!(distinct.len(), n);

    // The verifier agrees.
    let mut cfg = BridgeConfig::load(&config).unwrap();
    cfg.topic = "weather".into();
    let report = rt
        .block_on(verify(&cfg, None, None, Duration::from_secs(30)))
        .unwrap();
    assert!(report.is_clean(), "{report}");
    assert_eq!(report.expected, n as u64);
    drop(cluster);
}

/// The bridge's message value for a point is the line Telegraf's `influx` serializer writes for
/// it: Go's `strconv.AppendFloat(v, 'f', -1, 64)` floats (`1001`, `1000000000000000000000`,
/// `0.0000001`), tags sorted, fields in InfluxDB's key order.
#[test]
fn values_are_telegrafs_bytes_for_awkward_floats() {
    let Some(influx) = influx() else { return };
    let rt = runtime();
    let (client, db) = fresh_database(&rt, influx.url(), "tgfloats");
    write(
        &rt,
        &client,
        b"weather,station=s1,city=Le\\ Mans tiny=1e-7,pressure=1001,big=1e21,temp=21.5,n=3i 1700000000000000000\n",
    );
    let cluster = MockCluster::new(1).unwrap();
    let bootstrap = cluster.bootstrap_servers();
    cluster.create_topic("weather", 4, 1).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = BridgeFile::new(influx.url(), &db, &bootstrap, "weather").write(dir.path());
    let bridge = Bridge::start(&config);
    let messages = wait_for_messages(&bootstrap, "weather", 1, Duration::from_secs(30));
    let (status, stderr) = bridge.stop();
    assert!(status.success(), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&messages[0].value),
        "weather,city=Le\\ Mans,station=s1 big=1000000000000000000000,n=3i,pressure=1001,temp=21.5,tiny=0.0000001 1700000000000000000\n"
    );
}
