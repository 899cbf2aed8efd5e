//! The weather pipeline as one system: the one-machine runner (`weather-pipeline`), its
//! end-to-end tests, and the benchmarks that compare our crates with their peers.
//!
//! The runner starts (or reuses) InfluxDB and a three-broker Kafka cluster, then the plugin
//! binaries as children: `telegraf-execd-weather inject` writes weather into InfluxDB,
//! `telegraf-execd-kafka-bridge run` exports it to the `weather` topic exactly once, and
//! `telegraf-execd-kafka-bridge consume --stats` shows what arrives.
//!
//! ```
//! use clap::Parser;
//! use weather_pipeline::args::PipelineArgs;
//! let args = PipelineArgs::parse_from(["weather-pipeline", "--backfill", "2h", "--stop-broker", "2", "--after", "30s"]);
//! assert_eq!(args.outage().map(|(id, down, _)| (id, down.as_secs())), Some((2, 30)));
//! ```
//!
//! Modules:
//! - [`args`]: the command line ([`args::PipelineArgs`]) and station selection;
//! - [`binaries`]: finding the plugin binaries next to the runner;
//! - [`configs`]: the weather and bridge config files written for the children;
//! - [`cluster`]: the in-process mock Kafka cluster and the broker-stop exercise;
//! - [`child`]: children in their own process group, stderr relay, Telegraf-like stop;
//! - [`verify`]: reading `consume --verify` reports;
//! - [`alert_view`]: the alerts processor's alert metrics as readable live-view lines;
//! - [`runner`]: one run, start to stop ([`runner::run_pipeline`]).

pub mod alert_view;
pub mod args;
pub mod binaries;
pub mod child;
pub mod cluster;
pub mod configs;
pub mod runner;
pub mod verify;
