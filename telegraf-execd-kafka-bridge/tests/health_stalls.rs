//! What used to stall silently is now visible: a configured measurement without fields (a
//! misspelling) and points written into already-exported time ranges (later than `lateness`,
//! or a backfill behind the export position) each get a `W!` and a health field.

mod common;

use std::time::Duration;

use common::*;
use rdkafka::mocking::MockCluster;

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
fn a_measurement_without_fields_is_reported_after_the_grace_period() {
    let Some(influx) = influx() else { return };
    let rt = runtime();
    let (client, db) = fresh_database(&rt, influx.url(), "empty");
    write(&rt, &client, &weather_lines(T0, 50, 5));
    let cluster = MockCluster::new(1).unwrap();
    cluster.create_topic("weather", 4, 1).unwrap();
    let bootstrap = cluster.bootstrap_servers();
    let dir = tempfile::tempdir().unwrap();
    let mut file = BridgeFile::new(influx.url(), &db, &bootstrap, "weather");
    file.measurements = "[\"weather\", \"wether\"]".into();
    file.extra = "  empty_measurement_grace = \"300ms\"\n".into();
    let config = file.write(dir.path());
    let mut bridge = Bridge::start(&config);
    bridge.wait_for_log(
        "measurement \"wether\" has had no fields",
        Duration::from_secs(30),
    );
    wait_for_messages(&bootstrap, "weather", 50, Duration::from_secs(30));
    let health = bridge.gather();
    assert_eq!(health_int(&health, "empty_measurements"), 1, "{health}");
    let (status, stderr) = bridge.stop();
    assert!(status.success(), "{stderr}");
    assert!(
        stderr
            .lines()
            .filter(|l| l.contains("has had no fields"))
            .count()
            == 1,
        "warned once:\n{stderr}"
    );
}

#[test]
fn points_written_into_exported_ranges_are_counted_and_reported() {
    let Some(influx) = influx() else { return };
    let rt = runtime();
    let (client, db) = fresh_database(&rt, influx.url(), "late");
    write(&rt, &client, &weather_lines(T0, 120, 6));
    let cluster = MockCluster::new(1).unwrap();
    cluster.create_topic("weather", 4, 1).unwrap();
    let bootstrap = cluster.bootstrap_servers();
    let dir = tempfile::tempdir().unwrap();
    let mut file = BridgeFile::new(influx.url(), &db, &bootstrap, "weather");
    file.extra = "  late_check_interval = \"200ms\"\n".into();
    let config = file.write(dir.path());
    let mut bridge = Bridge::start(&config);
    wait_for_messages(&bootstrap, "weather", 120, Duration::from_secs(30));
    // The bridge's position is at T0 + 19 s now: a backfill behind it, 7 points (two with two
    // fields, one of them new to the measurement).
    let late = format!(
        "weather,station=late temperature=1.5,humidity=3i {}\n\
         weather,station=late temperature=2.5 {}\n\
         weather,station=late2 pressure=1000.5,temperature=0.5 {}\n\
         weather,station=late temperature=3.5 {}\n\
         weather,station=late3 temperature=4.5 {}\n\
         weather,station=late3 temperature=5.5 {}\n\
         weather,station=late3 temperature=6.5 {}\n",
        T0 + 1,
        T0 + 2,
        T0 + 3,
        T0 + 11_000_000_000,
        T0 + 12_000_000_000,
        T0 + 13_000_000_000,
        T0 + 18_000_000_000,
    );
    write(&rt, &client, late.as_bytes());
    bridge.wait_for_log("points of measurement \"weather\"", Duration::from_secs(30));
    let health = bridge.gather();
    assert_eq!(health_int(&health, "late_points"), 7, "{health}");
    let (status, stderr) = bridge.stop();
    assert!(status.success(), "{stderr}");
    assert_eq!(
        read_all(&bootstrap, "weather").len(),
        120,
        "late points are not exported"
    );
}
