//! The in-process Kafka cluster: librdkafka's mock cluster with three brokers, the lab's topics,
//! and the broker-stop exercise.
//!
//! The mock has no CreateTopics handler (the admin API would hang), so topics are created
//! through the mock API. It also never moves partition leaders by itself: a downed broker stays
//! leader and its partitions stall. [`MockKafka::stop_broker`] therefore does what a real
//! controller would: it takes the broker down and hands each partition it led to a live broker.
//! Leaders are set explicitly at creation, so the cluster always knows who leads what.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use rdkafka::error::KafkaError;
use rdkafka::mocking::MockCluster;
use rdkafka::producer::DefaultProducerContext;
use telegraf_execd_kafka_bridge::config::TopicSpec;

/// One partition given a new leader.
///
/// ```
/// let m = weather_pipeline::cluster::LeaderMove { topic: "weather".into(), partition: 1, from: 2, to: 3 };
/// assert_eq!(m.to_string(), "weather/1: broker 2 -> 3");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaderMove {
    /// Topic.
    pub topic: String,
    /// Partition.
    pub partition: i32,
    /// The broker that led it.
    pub from: i32,
    /// The broker that leads it now.
    pub to: i32,
}

impl fmt::Display for LeaderMove {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}: broker {} -> {}",
            self.topic, self.partition, self.from, self.to
        )
    }
}

/// Why a mock operation failed.
///
/// ```
/// let e = weather_pipeline::cluster::MockKafkaError::UnknownBroker(7);
/// assert!(e.to_string().contains("7"));
/// ```
#[derive(Debug, thiserror::Error)]
pub enum MockKafkaError {
    /// librdkafka refused the operation.
    #[error("mock Kafka cluster: {action}: {source}")]
    Kafka {
        /// What was attempted.
        action: String,
        /// librdkafka's error.
        source: KafkaError,
    },
    /// No such broker id.
    #[error("the mock cluster has no broker {0} (brokers are 1..=3)")]
    UnknownBroker(i32),
    /// Every broker would be down.
    #[error("cannot stop broker {0}: no other broker is up to lead its partitions")]
    LastBroker(i32),
}

/// A three-broker mock cluster with the lab's topics; dropped = gone.
///
/// ```
/// use weather_pipeline::cluster::MockKafka;
/// use telegraf_execd_kafka_bridge::config::TopicSpec;
/// let mut kafka = MockKafka::start(&TopicSpec::lab_defaults()).unwrap();
/// assert_eq!(kafka.bootstrap_servers().split(',').count(), 3);
/// let led_by_2 = kafka.leaders().values().filter(|&&b| b == 2).count();
/// let moves = kafka.stop_broker(2).unwrap();
/// assert_eq!(moves.len(), led_by_2);
/// assert!(kafka.leaders().values().all(|&b| b != 2));
/// kafka.start_broker(2).unwrap();
/// ```
pub struct MockKafka {
    cluster: MockCluster<'static, DefaultProducerContext>,
    leaders: BTreeMap<(String, i32), i32>,
    down: BTreeSet<i32>,
}

impl fmt::Debug for MockKafka {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockKafka")
            .field("bootstrap_servers", &self.cluster.bootstrap_servers())
            .field("leaders", &self.leaders)
            .field("down", &self.down)
            .finish()
    }
}

fn kafka_error(action: String) -> impl FnOnce(KafkaError) -> MockKafkaError {
    move |source| MockKafkaError::Kafka { action, source }
}

impl MockKafka {
    /// Number of brokers (ids `1..=BROKERS`).
    pub const BROKERS: i32 = 3;

    /// Starts the brokers and creates `topics`, spreading partition leaders round-robin
    /// (partition p of every topic led by broker `p % 3 + 1`). Replication is capped at the
    /// broker count.
    ///
    /// ```
    /// use weather_pipeline::cluster::MockKafka;
    /// let kafka = MockKafka::start(&telegraf_execd_kafka_bridge::config::TopicSpec::lab_defaults()).unwrap();
    /// assert_eq!(kafka.leaders()[&("weather".to_string(), 0)], 1);
    /// assert_eq!(kafka.leaders()[&("weather".to_string(), 3)], 1);
    /// assert_eq!(kafka.leaders().len(), 12); // 3 topics x 4 partitions
    /// ```
    pub fn start(topics: &[TopicSpec]) -> Result<Self, MockKafkaError> {
        let cluster =
            MockCluster::new(Self::BROKERS).map_err(kafka_error("starting 3 brokers".into()))?;
        let mut leaders = BTreeMap::new();
        for t in topics {
            cluster
                .create_topic(
                    &t.name,
                    t.partitions,
                    t.replication_factor.min(Self::BROKERS),
                )
                .map_err(kafka_error(format!("creating topic {:?}", t.name)))?;
            for p in 0..t.partitions {
                let broker = p % Self::BROKERS + 1;
                cluster
                    .partition_leader(&t.name, p, Some(broker))
                    .map_err(kafka_error(format!(
                        "making broker {broker} leader of {}/{p}",
                        t.name
                    )))?;
                leaders.insert((t.name.clone(), p), broker);
            }
        }
        Ok(MockKafka {
            cluster,
            leaders,
            down: BTreeSet::new(),
        })
    }

    /// The `bootstrap.servers` list (`127.0.0.1:port,...`).
    ///
    /// ```
    /// let kafka = weather_pipeline::cluster::MockKafka::start(&[]).unwrap();
    /// assert!(kafka.bootstrap_servers().starts_with("127.0.0.1:"));
    /// ```
    pub fn bootstrap_servers(&self) -> String {
        self.cluster.bootstrap_servers()
    }

    /// Current leader of each `(topic, partition)`.
    ///
    /// ```
    /// let kafka = weather_pipeline::cluster::MockKafka::start(&[]).unwrap();
    /// assert!(kafka.leaders().is_empty());
    /// ```
    pub fn leaders(&self) -> &BTreeMap<(String, i32), i32> {
        &self.leaders
    }

    /// Takes broker `id` down and moves each partition it led to a live broker (spread
    /// round-robin over them). Returns the moves.
    ///
    /// ```
    /// use weather_pipeline::cluster::{MockKafka, MockKafkaError};
    /// let mut kafka = MockKafka::start(&telegraf_execd_kafka_bridge::config::TopicSpec::lab_defaults()).unwrap();
    /// let moves = kafka.stop_broker(1).unwrap();
    /// assert!(moves.iter().all(|m| m.from == 1 && m.to != 1));
    /// kafka.stop_broker(2).unwrap();
    /// assert!(matches!(kafka.stop_broker(3), Err(MockKafkaError::LastBroker(3))));
    /// ```
    pub fn stop_broker(&mut self, id: i32) -> Result<Vec<LeaderMove>, MockKafkaError> {
        self.known(id)?;
        let live: Vec<i32> = (1..=Self::BROKERS)
            .filter(|b| *b != id && !self.down.contains(b))
            .collect();
        if live.is_empty() {
            return Err(MockKafkaError::LastBroker(id));
        }
        self.cluster
            .broker_down(id)
            .map_err(kafka_error(format!("stopping broker {id}")))?;
        self.down.insert(id);
        let mut moves = Vec::new();
        for ((topic, partition), leader) in &mut self.leaders {
            if *leader != id {
                continue;
            }
            let to = live[moves.len() % live.len()];
            self.cluster
                .partition_leader(topic, *partition, Some(to))
                .map_err(kafka_error(format!(
                    "moving the leader of {topic}/{partition} to broker {to}"
                )))?;
            *leader = to;
            moves.push(LeaderMove {
                topic: topic.clone(),
                partition: *partition,
                from: id,
                to,
            });
        }
        Ok(moves)
    }

    /// Brings broker `id` back (as a follower: leaders stay where they are, as in Kafka
    /// before a preferred-leader election).
    ///
    /// ```
    /// let mut kafka = weather_pipeline::cluster::MockKafka::start(&[]).unwrap();
    /// kafka.stop_broker(3).unwrap();
    /// kafka.start_broker(3).unwrap();
    /// assert!(kafka.start_broker(4).is_err());
    /// ```
    pub fn start_broker(&mut self, id: i32) -> Result<(), MockKafkaError> {
        self.known(id)?;
        self.cluster
            .broker_up(id)
            .map_err(kafka_error(format!("starting broker {id}")))?;
        self.down.remove(&id);
        Ok(())
    }

    fn known(&self, id: i32) -> Result<(), MockKafkaError> {
        if (1..=Self::BROKERS).contains(&id) {
            Ok(())
        } else {
            Err(MockKafkaError::UnknownBroker(id))
        }
    }
}
