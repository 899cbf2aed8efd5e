//! `create-topics`: make the lab's topics through the Kafka admin API, idempotently.
//!
//! A topic that already exists with the requested partition count, replication factor and
//! configs is fine (reported as such); one with another layout is an error naming the topic and
//! both layouts, because silently exporting to a topic with another partition count would break
//! the key → partition mapping the consumers and the resume logic rely on. Configs the spec sets
//! (`min.insync.replicas=2` for `weather`) are read back with DescribeConfigs and compared
//! ([`config_differences`]): a topic that would accept writes with fewer in-sync replicas than
//! asked for is an error too, naming topic, key, wanted and found values.

use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, ResourceSpecifier, TopicReplication};
use rdkafka::config::{ClientConfig, FromClientConfigAndContext};
use rdkafka::error::KafkaError;
use rdkafka::metadata::Metadata;
use rdkafka::types::RDKafkaErrorCode;

use crate::config::TopicSpec;
use crate::kafka::LoggingContext;

mod configs;
pub use configs::{ConfigDifference, config_differences};

/// What happened to one topic.
///
/// ```
/// use telegraf_execd_kafka_bridge::topics::TopicOutcome;
/// assert_eq!(TopicOutcome::Created.to_string(), "created");
/// assert_eq!(TopicOutcome::AlreadyExists.to_string(), "already exists with the same layout and configs");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopicOutcome {
    /// The topic was created.
    Created,
    /// The topic was there with the requested partitions, replication factor and configs.
    AlreadyExists,
}

impl std::fmt::Display for TopicOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TopicOutcome::Created => "created",
            TopicOutcome::AlreadyExists => "already exists with the same layout and configs",
        })
    }
}

/// A topic's layout as the cluster reports it.
///
/// ```
/// let l = telegraf_execd_kafka_bridge::topics::TopicLayout { partitions: 4, replication_factor: 3 };
/// assert_eq!(l.to_string(), "4 partitions, replication factor 3");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TopicLayout {
    /// Number of partitions.
    pub partitions: i32,
    /// Replicas per partition (the largest replica list seen).
    pub replication_factor: i32,
}

impl std::fmt::Display for TopicLayout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} partitions, replication factor {}",
            self.partitions, self.replication_factor
        )
    }
}

/// Why topics could not be set up.
///
/// ```
/// use telegraf_execd_kafka_bridge::topics::{TopicError, TopicLayout};
/// let e = TopicError::Mismatch {
///     topic: "weather".into(),
///     wanted: TopicLayout { partitions: 4, replication_factor: 3 },
///     found: TopicLayout { partitions: 2, replication_factor: 3 },
/// };
/// assert_eq!(e.to_string(), "topic \"weather\" exists with 2 partitions, replication factor 3, \
///     but 4 partitions, replication factor 3 was requested; change it by hand or fix the config");
/// ```
#[derive(Debug, thiserror::Error)]
pub enum TopicError {
    /// The admin client could not be created or the metadata not fetched.
    #[error("{action}: {source}")]
    Kafka {
        /// What was being done.
        action: String,
        /// The client error.
        #[source]
        source: KafkaError,
    },
    /// The broker refused to create a topic.
    #[error("creating topic {topic:?} failed: {code}")]
    Refused {
        /// The topic.
        topic: String,
        /// The broker's error code.
        code: RDKafkaErrorCode,
    },
    /// The topic exists with another layout.
    #[error(
        "topic {topic:?} exists with {found}, but {wanted} was requested; change it by hand or fix the config"
    )]
    Mismatch {
        /// The topic.
        topic: String,
        /// The requested layout.
        wanted: TopicLayout,
        /// The layout found.
        found: TopicLayout,
    },
    /// The broker refused to describe a topic's configs.
    #[error("reading the configs of topic {topic:?} failed: {code}")]
    DescribeRefused {
        /// The topic.
        topic: String,
        /// The broker's error code.
        code: RDKafkaErrorCode,
    },
    /// The topic exists with other values for configs the spec sets.
    #[error(
        "topic {topic:?} exists with other configs: {}; change them on the brokers (kafka-configs --alter) or fix the config",
        differences.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
    )]
    ConfigMismatch {
        /// The topic.
        topic: String,
        /// Every config that differs.
        differences: Vec<ConfigDifference>,
    },
}

/// Creates each topic of `specs` that does not exist yet and checks the layout and configs of
/// those that do. Returns one outcome per spec, in order; stops at the first mismatch or
/// refusal.
///
/// ```no_run
/// # async fn demo() -> Result<(), telegraf_execd_kafka_bridge::topics::TopicError> {
/// use telegraf_execd_kafka_bridge::{config::TopicSpec, topics::create_topics};
/// let mut client = rdkafka::ClientConfig::new();
/// client.set("bootstrap.servers", "127.0.0.1:9092");
/// let done = create_topics(&client, &TopicSpec::lab_defaults(), std::time::Duration::from_secs(30)).await?;
/// for (name, outcome) in done {
///     println!("{name}: {outcome}");
/// }
/// # Ok(()) }
/// ```
pub async fn create_topics(
    client: &ClientConfig,
    specs: &[TopicSpec],
    timeout: Duration,
) -> Result<Vec<(String, TopicOutcome)>, TopicError> {
    let admin: AdminClient<LoggingContext> =
        AdminClient::from_config_and_context(client, LoggingContext).map_err(|source| {
            TopicError::Kafka {
                action: "creating the Kafka admin client".into(),
                source,
            }
        })?;
    let existing = fetch_layouts(&admin, timeout)?;
    let mut outcomes = Vec::with_capacity(specs.len());
    let mut to_create = Vec::new();
    let mut to_describe = Vec::new();
    for spec in specs {
        match existing.iter().find(|(name, _)| *name == spec.name) {
            Some((_, found)) => {
                check_layout(spec, *found)?;
                outcomes.push((spec.name.clone(), TopicOutcome::AlreadyExists));
                to_describe.push(spec);
            }
            None => {
                outcomes.push((spec.name.clone(), TopicOutcome::Created));
                to_create.push(spec);
            }
        }
    }
    check_configs(&admin, &to_describe, timeout).await?;
    if to_create.is_empty() {
        return Ok(outcomes);
    }

    let new_topics: Vec<NewTopic<'_>> = to_create
        .iter()
        .map(|spec| {
            spec.config.iter().fold(
                NewTopic::new(
                    &spec.name,
                    spec.partitions,
                    TopicReplication::Fixed(spec.replication_factor),
                ),
                |topic, (key, value)| topic.set(key, value),
            )
        })
        .collect();
    let options = AdminOptions::new()
        .request_timeout(Some(timeout))
        .operation_timeout(Some(timeout));
    let results = admin
        .create_topics(&new_topics, &options)
        .await
        .map_err(|source| TopicError::Kafka {
            action: "creating topics".into(),
            source,
        })?;
    let mut raced = Vec::new();
    for result in results {
        match result {
            Ok(_) => {}
            // Someone else created it between our metadata read and the request.
            Err((name, RDKafkaErrorCode::TopicAlreadyExists)) => raced.push(name),
            Err((topic, code)) => return Err(TopicError::Refused { topic, code }),
        }
    }
    if !raced.is_empty() {
        let now = fetch_layouts(&admin, timeout)?;
        let mut raced_specs = Vec::new();
        for name in raced {
            let spec = to_create.iter().find(|s| s.name == name);
            let found = now.iter().find(|(n, _)| *n == name);
            if let (Some(spec), Some((_, found))) = (spec, found) {
                check_layout(spec, *found)?;
                raced_specs.push(*spec);
            }
            if let Some(o) = outcomes.iter_mut().find(|(n, _)| *n == name) {
                o.1 = TopicOutcome::AlreadyExists;
            }
        }
        check_configs(&admin, &raced_specs, timeout).await?;
    }
    Ok(outcomes)
}

/// Reads the configs of the existing topics in `specs` that set any, and fails on the first
/// topic whose configs differ from its spec.
async fn check_configs(
    admin: &AdminClient<LoggingContext>,
    specs: &[&TopicSpec],
    timeout: Duration,
) -> Result<(), TopicError> {
    let specs: Vec<&TopicSpec> = specs
        .iter()
        .copied()
        .filter(|s| !s.config.is_empty())
        .collect();
    if specs.is_empty() {
        return Ok(());
    }
    let resources: Vec<ResourceSpecifier<'_>> = specs
        .iter()
        .map(|s| ResourceSpecifier::Topic(&s.name))
        .collect();
    let options = AdminOptions::new().request_timeout(Some(timeout));
    let results = admin
        .describe_configs(&resources, &options)
        .await
        .map_err(|source| TopicError::Kafka {
            action: format!(
                "reading the configs of existing topic(s) {} to compare them with the config",
                specs
                    .iter()
                    .map(|s| format!("{:?}", s.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            source,
        })?;
    // One result per resource at its request position (librdkafka reorders the response so); a
    // refused one carries only its error code.
    for (spec, result) in specs.iter().zip(results) {
        let resource = result.map_err(|code| TopicError::DescribeRefused {
            topic: spec.name.clone(),
            code,
        })?;
        let differences = config_differences(&spec.config, &resource.entries);
        if !differences.is_empty() {
            return Err(TopicError::ConfigMismatch {
                topic: spec.name.clone(),
                differences,
            });
        }
    }
    Ok(())
}

fn check_layout(spec: &TopicSpec, found: TopicLayout) -> Result<(), TopicError> {
    let wanted = TopicLayout {
        partitions: spec.partitions,
        replication_factor: spec.replication_factor,
    };
    if wanted == found {
        Ok(())
    } else {
        Err(TopicError::Mismatch {
            topic: spec.name.clone(),
            wanted,
            found,
        })
    }
}

fn fetch_layouts(
    admin: &AdminClient<LoggingContext>,
    timeout: Duration,
) -> Result<Vec<(String, TopicLayout)>, TopicError> {
    let metadata = admin
        .inner()
        .fetch_metadata(None, timeout)
        .map_err(|source| TopicError::Kafka {
            action: "fetching the cluster's topic list".into(),
            source,
        })?;
    Ok(layouts(&metadata))
}

/// The layout of every topic in `metadata` that exists (no topic-level error).
fn layouts(metadata: &Metadata) -> Vec<(String, TopicLayout)> {
    metadata
        .topics()
        .iter()
        .filter(|t| t.error().is_none())
        .map(|t| {
            let rf = t
                .partitions()
                .iter()
                .map(|p| p.replicas().len())
                .max()
                .unwrap_or(0);
            (
                t.name().to_string(),
                TopicLayout {
                    partitions: i32::try_from(t.partitions().len()).unwrap_or(i32::MAX),
                    replication_factor: i32::try_from(rf).unwrap_or(i32::MAX),
                },
            )
        })
        .collect()
}
