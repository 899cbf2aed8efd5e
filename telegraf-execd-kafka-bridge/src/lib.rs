//! InfluxDB → Kafka with exactly-once delivery, as a Telegraf execd input.
//!
//! The `telegraf-execd-kafka-bridge` binary polls InfluxDB with InfluxQL, publishes every point
//! once to a Kafka topic (value: the point as Telegraf's `outputs.kafka` would send it, key: a
//! tag, partition: sarama's FNV-1a of the key), recovers its resume point from the topic after
//! any crash, and prints its own health metrics as line protocol on each gather. It also creates
//! the lab's topics and consumes/verifies them.
//!
//! ```
//! use telegraf_execd_kafka_bridge::{partition::sarama_partition, position::ExportPosition};
//! // The partition a station's points go to, as Telegraf's outputs.kafka would pick it.
//! let p = sarama_partition(b"paris", 4);
//! assert!((0..4).contains(&p));
//! // Positions order points for export: time first, then series key.
//! assert!(ExportPosition::new(1, "weather,station=b") < ExportPosition::new(2, "weather,station=a"));
//! ```
//!
//! Modules:
//! - [`config`]: the `[[inputs.kafka_bridge]]` options, `[kafka]` pass-through, topic specs.
//! - [`timestamp`]: the `start` option (RFC 3339 or ns).
//! - [`position`]: a point's place in the export order and its Kafka headers.
//! - [`partition`]: sarama-compatible FNV-1a partitioning.
//! - [`checkpoint`]: in-flight messages and the low watermark.
//! - [`resume`]: the exactly-once design; recovering the resume point from the topic.
//! - [`kafka`]: producer settings, delivery bookkeeping, librdkafka logging.
//! - [`late`]: finding points written into already-exported time ranges.
//! - [`topics`]: `create-topics` through the admin API.
//! - [`health`]: the `kafka_bridge` health metrics.
//! - `local_tansu` (feature `test-broker`): a throw-away tansu broker for tests and benchmarks.

pub mod checkpoint;
pub mod config;
pub mod consume;
pub mod export;
pub mod health;
pub mod kafka;
pub mod late;
#[cfg(feature = "test-broker")]
pub mod local_tansu;
pub mod message;
pub mod partition;
pub mod position;
pub mod reader;
pub mod resume;
pub mod source;
pub mod timestamp;
pub mod topics;
pub mod verify;
