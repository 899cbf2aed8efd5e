//! Exactly once through the failures only a real broker process shows, staged by a TCP proxy
//! between the bridge and tansu (`common::proxy`): a produce request the broker appends whose
//! response never arrives (the connection dies), with and without a `kill -9` of the bridge
//! right after; and a produce request held in flight across a `kill -9` with a restart at once,
//! delivered after the new process read the partition tails.

mod common;

use std::net::TcpListener;
use std::process::Command;
use std::time::Duration;

use common::proxy::KafkaProxy;
use common::*;
use telegraf_execd_kafka_bridge::config::BridgeConfig;
use telegraf_execd_kafka_bridge::local_tansu::LocalTansu;
use telegraf_execd_kafka_bridge::verify::verify;

const T0: i64 = 1_700_000_000_000_000_000;
const POINTS: usize = 20_000;

/// tansu behind a proxy (tansu advertises the proxy), with the lab's topics.
fn broker_behind_proxy() -> Option<(LocalTansu, KafkaProxy)> {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let advertised = listener.local_addr().unwrap().to_string();
    let tansu = tansu_advertising(&advertised)?;
    let proxy = KafkaProxy::start(listener, tansu.bootstrap().to_owned());
    let created = Command::new(BIN)
        .args(["create-topics", "--bootstrap-servers", &proxy.addr])
        .output()
        .unwrap();
    assert!(created.status.success(), "{created:?}");
    Some((tansu, proxy))
}

fn assert_exactly_once(rt: &tokio::runtime::Runtime, config: &std::path::Path) {
    let cfg = BridgeConfig::load(config).unwrap();
    let report = rt
        .block_on(verify(&cfg, None, None, Duration::from_secs(30)))
        .unwrap();
    assert!(report.is_clean(), "{report}");
    assert_eq!(report.expected, POINTS as u64, "{report}");
}

#[test]
fn a_lost_acknowledgement_of_an_appended_batch_duplicates_nothing() {
    let Some(influx) = influx() else { return };
    let Some((_tansu, proxy)) = broker_behind_proxy() else {
        return;
    };
    let rt = runtime();
    let (client, db) = fresh_database(&rt, influx.url(), "ackloss");
    write(&rt, &client, &weather_lines(T0, POINTS, 100));
    let dir = tempfile::tempdir().unwrap();
    let config = BridgeFile::new(influx.url(), &db, &proxy.addr, "weather").write(dir.path());

    // The bridge keeps running: librdkafka re-sends the batch on a new connection. The first
    // produce request, then one mid-export.
    proxy.drop_produce_response(1);
    let bridge = Bridge::start(&config);
    proxy.wait_dropped(Duration::from_secs(30));
    proxy.drop_produce_response(5);
    proxy.wait_dropped(Duration::from_secs(30));
    wait_for_messages(&proxy.addr, "weather", POINTS, Duration::from_secs(60));
    let (status, stderr) = bridge.stop();
    assert!(status.success(), "{stderr}");
    assert_exactly_once(&rt, &config);
}

#[test]
fn a_lost_acknowledgement_then_kill9_and_restart_duplicates_nothing() {
    let Some(influx) = influx() else { return };
    let Some((_tansu, proxy)) = broker_behind_proxy() else {
        return;
    };
    let rt = runtime();
    let (client, db) = fresh_database(&rt, influx.url(), "acklosskill");
    write(&rt, &client, &weather_lines(T0, POINTS, 100));
    let dir = tempfile::tempdir().unwrap();
    let config = BridgeFile::new(influx.url(), &db, &proxy.addr, "weather").write(dir.path());

    // The broker appends the 4th batch, the bridge never hears of it and dies.
    proxy.drop_produce_response(4);
    let bridge = Bridge::start(&config);
    proxy.wait_dropped(Duration::from_secs(30));
    bridge.kill9();
    let bridge = Bridge::start(&config);
    wait_for_messages(&proxy.addr, "weather", POINTS, Duration::from_secs(60));
    let (status, stderr) = bridge.stop();
    assert!(status.success(), "{stderr}");
    assert_exactly_once(&rt, &config);
}

/// A produce request on its way when the bridge is killed, restarted at once (Docker's
/// `restart: unless-stopped`): the proxy delivers it only after the new process read the tails.
/// The new process must notice the partition end moving and read the tails again.
#[test]
fn a_request_landing_after_an_immediate_restart_read_the_tails_duplicates_nothing() {
    let Some(influx) = influx() else { return };
    let Some((_tansu, proxy)) = broker_behind_proxy() else {
        return;
    };
    let rt = runtime();
    let (client, db) = fresh_database(&rt, influx.url(), "fastrestart");
    write(&rt, &client, &weather_lines(T0, POINTS, 100));
    let dir = tempfile::tempdir().unwrap();
    let mut file = BridgeFile::new(influx.url(), &db, &proxy.addr, "weather");
    file.quiet = "3s".into();
    let config = file.write(dir.path());

    proxy.hold_produce(3);
    let first = Bridge::start(&config);
    proxy.wait_held(Duration::from_secs(30));
    first.kill9();
    let second = Bridge::start_with(&config, &["-log_level", "debug"]);
    second.wait_for_log("partition tails read", Duration::from_secs(30));
    proxy.release();
    proxy.wait_delivered(Duration::from_secs(10));
    wait_for_messages(&proxy.addr, "weather", POINTS, Duration::from_secs(60));
    let (status, stderr) = second.stop();
    assert!(status.success(), "{stderr}");
    assert!(
        stderr.contains("moved while starting"),
        "the late request was not noticed:\n{stderr}"
    );
    assert_exactly_once(&rt, &config);
}
