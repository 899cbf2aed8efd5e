//! The `kafka` table: librdkafka properties, passed through, except those exactly-once depends
//! on.
//!
//! librdkafka knows many properties under several names: aliases (`acks` for
//! `request.required.acks`, `delivery.timeout.ms` for `message.timeout.ms`, `linger.ms` for
//! `queue.buffering.max.ms`, …) and a `topic.` prefix for topic-level properties
//! (`topic.acks`). rust-rdkafka keeps properties in a `HashMap`, so two spellings of one
//! property reach librdkafka in an order that changes from run to run. Here every name is
//! reduced to its [`canonical_property`]: the pinned ones are checked under every spelling,
//! two spellings of one property are refused, and the producer settings hold each property once.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Deserialize;

/// librdkafka's aliases (`_RK_C_ALIAS` in `rdkafka_conf.c`, librdkafka 2.12), alias first.
/// `compression.type` is an alias at both levels, of the property of the same level.
const ALIASES: [(&str, &str); 10] = [
    ("bootstrap.servers", "metadata.broker.list"),
    ("max.in.flight", "max.in.flight.requests.per.connection"),
    ("sasl.mechanism", "sasl.mechanisms"),
    (
        "sasl.oauthbearer.client.credentials.client.id",
        "sasl.oauthbearer.client.id",
    ),
    (
        "sasl.oauthbearer.client.credentials.client.secret",
        "sasl.oauthbearer.client.secret",
    ),
    ("max.partition.fetch.bytes", "fetch.message.max.bytes"),
    ("linger.ms", "queue.buffering.max.ms"),
    ("retries", "message.send.max.retries"),
    ("compression.type", "compression.codec"),
    ("acks", "request.required.acks"),
];

/// The topic-level alias whose name is also a different global property: only its `topic.`
/// spelling reaches the topic level (librdkafka tries the global table first).
const TOPIC_ONLY_ALIASES: [(&str, &str); 2] = [
    ("enable.auto.commit", "auto.commit.enable"),
    ("delivery.timeout.ms", "message.timeout.ms"),
];

/// Global properties whose names start with `topic.`: librdkafka finds them before it strips
/// the prefix to look for a topic-level property.
const GLOBAL_TOPIC_NAMED: [&str; 6] = [
    "topic.metadata.refresh.interval.ms",
    "topic.metadata.refresh.fast.interval.ms",
    "topic.metadata.refresh.fast.cnt",
    "topic.metadata.refresh.sparse",
    "topic.metadata.propagation.max.ms",
    "topic.blacklist",
];

/// Properties that exist at both levels (after aliases): `X` sets the global one, `topic.X` the
/// topic-level one, so they are different properties.
const BOTH_LEVELS: [&str; 5] = [
    "compression.codec",
    "auto.commit.interval.ms",
    "auto.commit.enable",
    "offset.store.method",
    "opaque",
];

/// Properties librdkafka treats as secrets (`_RK_SENSITIVE`), by canonical name: their values
/// never appear in `Debug` output.
const SENSITIVE: [&str; 14] = [
    "ssl.key.location",
    "ssl.key.password",
    "ssl.key.pem",
    "ssl_key",
    "ssl.ca.pem",
    "ssl.keystore.password",
    "sasl.username",
    "sasl.password",
    "sasl.oauthbearer.config",
    "sasl.oauthbearer.client.secret",
    "sasl.oauthbearer.assertion.private.key.file",
    "sasl.oauthbearer.assertion.private.key.passphrase",
    "sasl.oauthbearer.assertion.private.key.pem",
    "ssl.engine.id",
];

/// The name librdkafka files a property under: aliases resolved, a `topic.` prefix removed
/// where librdkafka removes it (kept for the few properties that exist at both levels).
///
/// ```
/// use telegraf_execd_kafka_bridge::config::canonical_property;
/// assert_eq!(canonical_property("acks"), "request.required.acks");
/// assert_eq!(canonical_property("topic.acks"), "request.required.acks");
/// assert_eq!(canonical_property("topic.delivery.timeout.ms"), "message.timeout.ms");
/// assert_eq!(canonical_property("linger.ms"), "queue.buffering.max.ms");
/// assert_eq!(canonical_property("topic.compression.type"), "topic.compression.codec");
/// assert_eq!(canonical_property("topic.metadata.refresh.interval.ms"), "topic.metadata.refresh.interval.ms");
/// ```
pub fn canonical_property(name: &str) -> Cow<'_, str> {
    if GLOBAL_TOPIC_NAMED.contains(&name) {
        return Cow::Borrowed(name);
    }
    let (topic_level, bare) = match name.strip_prefix("topic.") {
        Some(bare) => (true, bare),
        None => (false, name),
    };
    let resolve = |table: &[(&'static str, &'static str)]| {
        table.iter().find(|(alias, _)| *alias == bare).map(|p| p.1)
    };
    let resolved = resolve(&ALIASES)
        .or_else(|| {
            // `delivery.timeout.ms` has no global namesake; `enable.auto.commit` does.
            if topic_level || bare == "delivery.timeout.ms" {
                resolve(&TOPIC_ONLY_ALIASES)
            } else {
                None
            }
        })
        .unwrap_or(bare);
    if topic_level && BOTH_LEVELS.contains(&resolved) {
        Cow::Owned(format!("topic.{resolved}"))
    } else {
        Cow::Borrowed(resolved)
    }
}

/// librdkafka properties from the `kafka` table; TOML strings, integers, floats and booleans
/// are all accepted and passed as their text. `Debug` hides the values of secrets.
///
/// ```
/// use telegraf_execd_kafka_bridge::config::KafkaProperties;
/// let k: KafkaProperties = toml::from_str("\"bootstrap.servers\" = \"a:1\"\n\"socket.nagle.disable\" = true").unwrap();
/// assert_eq!(k.get("socket.nagle.disable"), Some("true"));
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct KafkaProperties(BTreeMap<String, String>);

/// Properties exactly-once depends on (canonical names), with the value the bridge sets.
/// `delivery.report.only.error` must stay off: the acknowledgements drive the resume watermark.
pub const PINNED_PRODUCER_PROPERTIES: [(&str, &str); 5] = [
    ("enable.idempotence", "true"),
    ("request.required.acks", "all"),
    ("message.timeout.ms", "0"),
    ("enable.gapless.guarantee", "true"),
    ("delivery.report.only.error", "false"),
];

impl KafkaProperties {
    /// One property's value, found under any of its spellings.
    ///
    /// ```
    /// let mut k = telegraf_execd_kafka_bridge::config::KafkaProperties::default();
    /// assert_eq!(k.get("x"), None);
    /// k.set("metadata.broker.list", "a:1");
    /// assert_eq!(k.get("bootstrap.servers"), Some("a:1"));
    /// ```
    pub fn get(&self, key: &str) -> Option<&str> {
        if let Some(v) = self.0.get(key) {
            return Some(v);
        }
        let wanted = canonical_property(key);
        self.0
            .iter()
            .find(|(k, _)| canonical_property(k) == wanted)
            .map(|(_, v)| v.as_str())
    }

    /// Sets a property (used by tests and the command line), replacing it under any other
    /// spelling.
    ///
    /// ```
    /// let mut k = telegraf_execd_kafka_bridge::config::KafkaProperties::default();
    /// k.set("metadata.broker.list", "old:1");
    /// k.set("bootstrap.servers", "127.0.0.1:9092");
    /// assert_eq!(k.get("bootstrap.servers"), Some("127.0.0.1:9092"));
    /// assert_eq!(k.iter().count(), 1);
    /// ```
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<String>) {
        let key = key.into();
        let wanted = canonical_property(&key).into_owned();
        self.0.retain(|k, _| canonical_property(k) != wanted);
        self.0.insert(key, value.into());
    }

    /// All properties, sorted by name.
    ///
    /// ```
    /// let k = telegraf_execd_kafka_bridge::config::KafkaProperties::default();
    /// assert_eq!(k.iter().count(), 0);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Whether a pinned property's value means what the bridge sets.
    fn equivalent(canonical: &str, value: &str) -> bool {
        let v = value.trim().to_ascii_lowercase();
        match canonical {
            "request.required.acks" => v == "all" || v == "-1",
            "enable.idempotence" | "enable.gapless.guarantee" => v == "true" || v == "1",
            "delivery.report.only.error" => v == "false" || v == "0",
            "message.timeout.ms" => v == "0",
            _ => false,
        }
    }

    /// Rejects two spellings of one property, overrides of the pinned producer properties
    /// under any spelling, and transactions.
    pub(super) fn check(&self) -> Result<(), String> {
        let mut seen: BTreeMap<Cow<'_, str>, &str> = BTreeMap::new();
        for key in self.0.keys() {
            let canonical = canonical_property(key);
            if let Some(other) = seen.get(&canonical) {
                return Err(format!(
                    "\"{other}\" and \"{key}\" are the same librdkafka property ({canonical}); set it once"
                ));
            }
            seen.insert(canonical, key);
        }
        for (key, value) in &self.0 {
            let canonical = canonical_property(key);
            if let Some((_, wanted)) = PINNED_PRODUCER_PROPERTIES
                .iter()
                .find(|(p, _)| *p == canonical)
                && !Self::equivalent(&canonical, value)
            {
                let also = if canonical != key.as_str() {
                    format!(" (librdkafka's {canonical})")
                } else {
                    String::new()
                };
                return Err(format!(
                    "\"{key}\" = \"{value}\"{also} would break exactly-once delivery; the bridge sets it to \"{wanted}\" itself, remove it"
                ));
            }
            if canonical == "transactional.id" {
                return Err("\"transactional.id\" is not supported: the bridge gets exactly-once from idempotence and the resume point in the topic".into());
            }
        }
        Ok(())
    }
}

impl std::fmt::Debug for KafkaProperties {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut map = f.debug_map();
        for (key, value) in &self.0 {
            if is_secret(key) {
                map.entry(key, &"[redacted]");
            } else {
                map.entry(key, value);
            }
        }
        map.finish()
    }
}

/// librdkafka's sensitive properties, and anything named like a password or secret.
fn is_secret(key: &str) -> bool {
    let canonical = canonical_property(key);
    SENSITIVE.contains(&canonical.as_ref())
        || ["password", "secret", "passphrase"]
            .iter()
            .any(|word| key.contains(word))
}

impl<'de> Deserialize<'de> for KafkaProperties {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = BTreeMap::<String, toml::Value>::deserialize(d)?;
        let mut out = BTreeMap::new();
        for (key, value) in raw {
            let text = match value {
                toml::Value::String(s) => s,
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Float(f) => f.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                other => {
                    return Err(serde::de::Error::custom(format!(
                        "kafka property {key:?}: expected a string, number or boolean, found {}",
                        other.type_str()
                    )));
                }
            };
            out.insert(key, text);
        }
        Ok(KafkaProperties(out))
    }
}
