//! The low watermark rides on one message in `WATERMARK_EVERY` per partition, and the resume
//! point still finds the newest one: the bridge binary against a real InfluxDB and librdkafka's
//! 3-broker mock cluster.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::*;
use telegraf_execd_kafka_bridge::consume::TopicMessage;
use telegraf_execd_kafka_bridge::position::WATERMARK_EVERY;
use telegraf_execd_kafka_bridge::resume::{ResumePoint, read_tails};

const T0: i64 = 1_700_000_000_000_000_000;

#[test]
fn one_message_in_watermark_every_carries_it_and_the_resume_point_finds_the_newest() {
    let Some(influx) = influx() else { return };
    let rt = runtime();
    let n = 6000;
    let export = export_to_mock_cluster(&rt, &influx, "watermark", T0, n, 40);
    let bootstrap = &export.bootstrap;

    let mut partitions: BTreeMap<i32, Vec<TopicMessage>> = BTreeMap::new();
    for m in export.messages.clone() {
        partitions.entry(m.partition).or_default().push(m);
    }
    assert_eq!(partitions.len(), 4, "every partition gets stations");
    let every = WATERMARK_EVERY as usize;
    let tails = read_tails(&kafka(bootstrap), "weather", 4, Duration::from_secs(20)).unwrap();
    for (p, mut log) in partitions {
        log.sort_by_key(|m| m.offset);
        let carrying: Vec<usize> = (0..log.len())
            .filter(|&i| log[i].watermark.is_some())
            .collect();
        assert!(
            !carrying.is_empty(),
            "partition {p}: no message carries a watermark"
        );
        assert!(
            carrying.len() <= log.len() / every + 1,
            "partition {p}: {} of {} messages carry a watermark",
            carrying.len(),
            log.len()
        );
        // From the first on, no `every` consecutive messages go without one.
        for pair in carrying.windows(2) {
            assert_eq!(pair[1] - pair[0], every, "partition {p}: {carrying:?}");
        }
        assert!(
            log.len() - carrying[carrying.len() - 1] <= every,
            "partition {p}"
        );
        // It only grows, so the newest is the last one carried.
        let watermarks: Vec<_> = carrying
            .iter()
            .map(|&i| log[i].watermark.clone().unwrap())
            .collect();
        assert!(watermarks.windows(2).all(|w| w[0] <= w[1]), "partition {p}");
        let tail = &tails[p as usize];
        assert_eq!(
            tail.last,
            log[log.len() - 1].position().unwrap(),
            "partition {p}"
        );
        assert_eq!(
            tail.watermark.as_ref(),
            watermarks.last(),
            "partition {p}: the newest watermark is {} messages before the end",
            log.len() - carrying[carrying.len() - 1]
        );
    }
    let newest = tails.iter().filter_map(|t| t.watermark.clone()).max();
    assert_eq!(ResumePoint::from_tails(tails).watermark(), newest.as_ref());
}
