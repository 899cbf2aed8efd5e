//! `consume --verify` names every kind of problem with exact counts: a topic the bridge filled
//! cleanly is damaged on purpose (a re-sent old message, a foreign one, one without headers) and
//! InfluxDB changes under it (a point rewritten, a point added in the past).

mod common;

use std::time::Duration;

use common::*;
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use telegraf_execd_kafka_bridge::config::BridgeConfig;
use telegraf_execd_kafka_bridge::position::HEADER_MEASUREMENT;
use telegraf_execd_kafka_bridge::verify::verify;

const T0: i64 = 1_700_000_000_000_000_000;
const N: usize = 480;

#[test]
fn verify_counts_each_problem_and_gives_examples() {
    let Some(influx) = influx() else { return };
    let rt = runtime();
    let export = export_to_mock_cluster(&rt, &influx, "verifyreport", T0, N, 12);
    let (bootstrap, config, exported) = (&export.bootstrap, &export.config, &export.messages);
    let client = &export.client;
    let cfg = BridgeConfig::load(config).unwrap();
    let clean = rt
        .block_on(verify(&cfg, None, None, Duration::from_secs(30)))
        .unwrap();
    assert!(clean.is_clean(), "{clean}");
    assert_eq!(
        (clean.messages, clean.expected),
        (N as u64, N as u64),
        "{clean}"
    );

    let producer: BaseProducer = kafka(bootstrap).create().unwrap();
    // A message marked as the bridge's carries its position in its value.
    let send = |partition: i32, key: &str, value: &[u8], bridge: bool| {
        let mut record = BaseRecord::to("weather")
            .partition(partition)
            .key(key)
            .payload(value);
        if bridge {
            record = record.headers(OwnedHeaders::new().insert(Header {
                key: HEADER_MEASUREMENT,
                value: Some(&b"weather"[..]),
            }));
        }
        producer.send(record).map_err(|(e, _)| e).unwrap();
    };
    // The oldest message once more, at the end of its partition: a duplicate, out of order.
    let oldest = exported
        .iter()
        .min_by_key(|m| m.position().unwrap())
        .unwrap()
        .clone();
    let oldest_position = oldest.position().unwrap().unwrap();
    send(oldest.partition, "st00", &oldest.value, true);
    // A position InfluxDB does not hold, early in the range: unexpected, out of order.
    let foreign = format!("{} weather,city=c0,station=zz", T0 + 5_000_000_000);
    send(
        1,
        "zz",
        format!(
            "weather,city=c0,station=zz temperature=1.0 {}\n",
            T0 + 5_000_000_000
        )
        .as_bytes(),
        true,
    );
    // Someone else's message: a point, but without the bridge's header.
    send(2, "x", b"weather,station=x t=1 1\n", false);
    producer.flush(Duration::from_secs(10)).unwrap();

    // InfluxDB: one exported point rewritten with another temperature (mismatched), one new
    // point in the already exported past (missing).
    write(
        &rt,
        client,
        format!(
            "weather,station=st03,city=c0 temperature=99.5,humidity=1i,condition=\"x\",raining=false {}\n\
             weather,station=st77,city=c2 temperature=1.5 {}\n",
            T0 + 10_000_000_000,
            T0 + 3_000_000_000
        )
        .as_bytes(),
    );

    let report = rt
        .block_on(verify(&cfg, None, None, Duration::from_secs(30)))
        .unwrap();
    let text = report.to_string();
    assert!(!report.is_clean(), "{text}");
    assert_eq!(report.messages, N as u64 + 3, "{text}");
    assert_eq!(report.expected, N as u64 + 1, "{text}");
    assert_eq!(
        (
            report.missing,
            report.duplicated,
            report.out_of_order,
            report.unexpected,
            report.mismatched,
            report.misrouted,
            report.without_position
        ),
        (1, 1, 2, 1, 1, 0, 1),
        "{text}"
    );
    let has = |prefix: &str, detail: &str| {
        report
            .examples
            .iter()
            .any(|e| e.starts_with(prefix) && e.contains(detail))
    };
    assert!(has("missing: ", "weather,city=c2,station=st77"), "{text}");
    assert!(
        has(
            "duplicated: ",
            &format!(
                "repeats {oldest_position} of partition {} offset {}",
                oldest.partition, oldest.offset
            )
        ),
        "{text}"
    );
    assert!(
        has("out of order: ", &format!("holds {oldest_position} after ")),
        "{text}"
    );
    assert!(
        has(
            "out of order: partition 1 ",
            &format!("holds {foreign} after ")
        ),
        "{text}"
    );
    assert!(has("unexpected (not in InfluxDB): ", &foreign), "{text}");
    assert!(has("mismatched value at ", "temperature=99.5"), "{text}");
    assert!(
        has("without position: partition 2 ", "another producer's"),
        "{text}"
    );
}

/// Verify decodes each message and compares content with the InfluxDB row, not bytes with its
/// own encoding of the row: another spelling of the same point (floats as Telegraf writes them,
/// fields in another order) passes, another value type does not.
#[test]
fn verify_compares_decoded_content_not_the_encoders_bytes() {
    let Some(influx) = influx() else { return };
    let rt = runtime();
    let (client, db) = fresh_database(&rt, influx.url(), "verifydecode");
    write(&rt, &client, &weather_lines(T0, 120, 6));
    let cluster = MockCluster::new(1).unwrap();
    let bootstrap = cluster.bootstrap_servers();
    cluster.create_topic("weather", 4, 1).unwrap();
    cluster.create_topic("respelled", 4, 1).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = BridgeFile::new(influx.url(), &db, &bootstrap, "weather").write(dir.path());
    let bridge = Bridge::start(&config);
    let exported = wait_for_messages(&bootstrap, "weather", 120, Duration::from_secs(60));
    let (status, stderr) = bridge.stop();
    assert!(status.success(), "{stderr}");

    // The same points, re-spelled: a whole-number float `21` as `21.0` (the exporter writes
    // Telegraf's form), fields reversed; one integer made a float.
    let producer: BaseProducer = kafka(&bootstrap).create().unwrap();
    let mut respelled = 0;
    let mut changed_type = None;
    for m in &exported {
        let text = String::from_utf8(m.value.clone()).unwrap();
        let (series, rest) = text.split_once(' ').unwrap();
        let (fields, time) = rest.rsplit_once(' ').unwrap();
        let mut parts: Vec<String> = fields
            .split(',')
            .map(|f| {
                let (_, v) = f.split_once('=').unwrap();
                let whole_float = v.bytes().all(|b| b.is_ascii_digit() || b == b'-');
                if whole_float {
                    format!("{f}.0")
                } else {
                    f.to_string()
                }
            })
            .collect();
        if parts.join(",") != fields {
            respelled += 1;
        }
        parts.reverse();
        let position = m.position().unwrap().unwrap();
        if changed_type.is_none() {
            let h = parts
                .iter_mut()
                .find(|p| p.starts_with("humidity="))
                .unwrap();
            *h = h.trim_end_matches('i').to_string();
            changed_type = Some(position.clone());
        }
        let value = format!("{series} {} {time}", parts.join(","));
        producer
            .send(
                BaseRecord::to("respelled")
                    .partition(m.partition)
                    .key(m.key.as_deref().unwrap_or_default())
                    .payload(value.as_bytes())
                    .headers(OwnedHeaders::new().insert(Header {
                        key: HEADER_MEASUREMENT,
                        value: Some(&b"weather"[..]),
                    })),
            )
            .map_err(|(e, _)| e)
            .unwrap();
    }
    producer.flush(Duration::from_secs(10)).unwrap();
    assert!(
        respelled > 10,
        "the data has whole-number floats: {respelled}"
    );

    let mut cfg = BridgeConfig::load(&config).unwrap();
    cfg.topic = "respelled".into();
    let report = rt
        .block_on(verify(&cfg, None, None, Duration::from_secs(30)))
        .unwrap();
    let text = report.to_string();
    assert_eq!((report.expected, report.mismatched), (120, 1), "{text}");
    assert_eq!(
        (
            report.missing,
            report.duplicated,
            report.unexpected,
            report.misrouted
        ),
        (0, 0, 0, 0),
        "{text}"
    );
    let changed = changed_type.unwrap().to_string();
    assert!(
        report
            .examples
            .iter()
            .any(|e| e.starts_with(&format!("mismatched value at {changed}"))),
        "{text}"
    );
}
