//! The `assign()`-only readers (`consume`, the resume point) with the broker that coordinates
//! their (unused) consumer group down: they read everything, and the coordinator's connection
//! failures stay at debug level instead of filling stderr with warnings.

mod child_output;
mod common;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use child_output::ChildOutput;
use common::*;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::mocking::{MockCluster, MockCoordinator};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::{Offset, TopicPartitionList};
use telegraf_execd_kafka_bridge::position::{ExportPosition, HEADER_POSITION, HEADER_WATERMARK};
use telegraf_execd_kafka_bridge::resume::read_tails;

const PER_PARTITION: i64 = 10;

/// A 3-broker cluster: topic `weather` (4 partitions) led by brokers 1 and 2, `group` coordinated
/// by broker 3, which is down. Partition `p` holds positions `(p * 100 + i, weather,station=s)`.
fn cluster_with_coordinator_down(
    group: &str,
) -> MockCluster<'static, rdkafka::producer::DefaultProducerContext> {
    let cluster = MockCluster::new(3).unwrap();
    cluster.create_topic("weather", 4, 3).unwrap();
    for p in 0..4 {
        cluster
            .partition_leader("weather", p, Some(1 + p % 2))
            .unwrap();
    }
    cluster
        .coordinator(MockCoordinator::Group(group.into()), 3)
        .unwrap();
    let producer: BaseProducer = kafka(&cluster.bootstrap_servers()).create().unwrap();
    // Messages as bridges before 2026-12-06 wrote them, with an `export-position` header (here
    // unlike the value's timestamp, so the header is what the reader must have used).
    for p in 0..4 {
        for i in 0..PER_PARTITION {
            let position =
                ExportPosition::new(i64::from(p) * 100 + i, "weather,station=s").to_string();
            let watermark = ExportPosition::new(i, "weather,station=s").to_string();
            let headers = OwnedHeaders::new()
                .insert(Header {
                    key: HEADER_POSITION,
                    value: Some(position.as_bytes()),
                })
                .insert(Header {
                    key: HEADER_WATERMARK,
                    value: Some(watermark.as_bytes()),
                });
            let value = format!("weather,station=s t={i} {i}\n");
            producer
                .send(
                    BaseRecord::to("weather")
                        .partition(p)
                        .key("s")
                        .payload(&value)
                        .headers(headers),
                )
                .map_err(|(e, _)| e)
                .unwrap();
        }
    }
    producer.flush(Duration::from_secs(10)).unwrap();
    cluster.broker_down(3).unwrap();
    cluster
}

#[test]
fn librdkafka_still_refuses_assign_without_a_group_id() {
    // Why the readers keep a group.id. If a librdkafka upgrade lifts this, drop the group.id from
    // `consume::read_topic` and `resume::tail_reader_config` and this test with it.
    let cluster = MockCluster::new(1).unwrap();
    cluster.create_topic("weather", 1, 1).unwrap();
    let consumer: BaseConsumer = kafka(&cluster.bootstrap_servers()).create().unwrap();
    let mut assignment = TopicPartitionList::new();
    assignment
        .add_partition_offset("weather", 0, Offset::Offset(0))
        .unwrap();
    let refused = consumer.assign(&assignment).unwrap_err();
    assert!(
        matches!(&refused, KafkaError::Subscription(m) if m.contains("Unknown group")),
        "{refused:?}"
    );
}

#[test]
fn consume_reads_everything_and_keeps_coordinator_failures_out_of_the_warnings() {
    let cluster = cluster_with_coordinator_down("telegraf-execd-kafka-bridge-consume");
    let mut output = ChildOutput::spawn(
        BIN,
        &[
            "consume",
            "--bootstrap-servers",
            &cluster.bootstrap_servers(),
            "--topic",
            "weather",
            "--follow",
            "--log_level",
            "debug",
        ],
    );
    // Wait for every message and for librdkafka's first complaint about the coordinator.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let read = output.stdout().len();
        let noticed = output
            .stderr()
            .iter()
            .any(|l| l.contains("GroupCoordinator"));
        if read == 4 * PER_PARTITION as usize && noticed {
            break;
        }
        assert!(Instant::now() < deadline, "{}", output.report());
        std::thread::sleep(Duration::from_millis(20));
    }
    output.signal("TERM");
    let status = wait_with_timeout(&mut output.child, Duration::from_secs(15));
    assert!(status.success(), "{status:?}\n{}", output.report());
    let lines = output.stdout();
    for p in 0..4 {
        for offset in 0..PER_PARTITION {
            let prefix = format!("weather/{p}@{offset} key=s ");
            assert!(
                lines.iter().any(|l| l.starts_with(&prefix)),
                "{prefix}\n{}",
                output.report()
            );
        }
    }
    for line in output.stderr() {
        assert!(
            !line.contains("Coordinator") || line.starts_with("D! "),
            "coordinator noise above debug level: {line}\n{}",
            output.report()
        );
        // The poll loop's echo of a connection failure librdkafka already logged.
        assert!(
            !line.starts_with("W! reading"),
            "{line}\n{}",
            output.report()
        );
    }
}

/// Collects every log record of this test process.
struct Captured(Mutex<Vec<(log::Level, String)>>);

impl log::Log for Captured {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((record.level(), record.args().to_string()));
    }
    fn flush(&self) {}
}

#[test]
fn resume_point_is_read_and_coordinator_failures_stay_at_debug_level() {
    static LOGS: Captured = Captured(Mutex::new(Vec::new()));
    log::set_logger(&LOGS).unwrap();
    log::set_max_level(log::LevelFilter::Trace);
    let cluster = cluster_with_coordinator_down("telegraf-execd-kafka-bridge-resume");
    let client = kafka(&cluster.bootstrap_servers());
    let expected: Vec<_> = (0..4)
        .map(|p| {
            (
                Some(ExportPosition::new(
                    p * 100 + PER_PARTITION - 1,
                    "weather,station=s",
                )),
                Some(ExportPosition::new(PER_PARTITION - 1, "weather,station=s")),
            )
        })
        .collect();
    // Each read starts a new consumer, which looks the coordinator up again; read until
    // librdkafka has complained about it at least once.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let tails = read_tails(&client, "weather", 4, Duration::from_secs(20)).unwrap();
        let got: Vec<_> = tails.into_iter().map(|t| (t.last, t.watermark)).collect();
        assert_eq!(got, expected);
        // Copied out: librdkafka's threads keep logging while this one may panic.
        let logs = LOGS.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let about: Vec<_> = logs
            .iter()
            .filter(|(_, m)| m.contains("GroupCoordinator"))
            .collect();
        for (level, message) in &about {
            assert!(*level >= log::Level::Debug, "{level}: {message}");
        }
        if !about.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no coordinator failure seen: {logs:?}"
        );
    }
}
