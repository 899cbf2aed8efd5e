//! One partition stalls while the others acknowledge: the bridge's memory stays bounded (the
//! ack tracker keeps at most `queue.buffering.max.messages` messages), and nothing is lost or
//! duplicated once the partition's broker is back.

mod common;

use std::time::Duration;

use common::*;
use rdkafka::mocking::MockCluster;
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

#[test]
fn a_stalled_partition_bounds_what_the_bridge_keeps_in_flight() {
    let Some(influx) = influx() else { return };
    let rt = runtime();
    let (client, db) = fresh_database(&rt, influx.url(), "stall");

    let cluster = MockCluster::new(3).unwrap();
    let bootstrap = cluster.bootstrap_servers();
    cluster.create_topic("weather", 4, 3).unwrap();
    for (p, leader) in [(0, 1), (1, 2), (2, 3), (3, 2)] {
        cluster
            .partition_leader("weather", p, Some(leader))
            .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let mut file = BridgeFile::new(influx.url(), &db, &bootstrap, "weather");
    file.kafka_extra = "    \"queue.buffering.max.messages\" = 500\n".into();
    let config = file.write(dir.path());
    let mut bridge = Bridge::start(&config);
    bridge.wait_for_log("exporting to", Duration::from_secs(30));

    // Partition 0's leader goes away before any point exists; the others keep acknowledging.
    cluster.broker_down(1).unwrap();
    write(&rt, &client, &weather_lines(T0, 6000, 12));
    bridge.wait_for_log("export paused", Duration::from_secs(30));
    let health = bridge.gather();
    let sent = health_int(&health, "points_sent");
    // Every message sent since partition 0's first one is kept until it is acknowledged; only
    // the few points before that one (the first timestamp's) were acknowledged and forgotten.
    assert!(
        (500..=512).contains(&sent),
        "points_sent={sent} with partition 0 stalled: {health}"
    );

    cluster.broker_up(1).unwrap();
    wait_for_messages(&bootstrap, "weather", 6000, Duration::from_secs(60));
    let (status, stderr) = bridge.stop();
    assert!(status.success(), "{stderr}");
    let cfg = BridgeConfig::load(&config).unwrap();
    let report = rt
        .block_on(verify(&cfg, None, None, Duration::from_secs(30)))
        .unwrap();
    assert!(report.is_clean(), "{report}");
    assert_eq!(report.expected, 6000, "{report}");
}
