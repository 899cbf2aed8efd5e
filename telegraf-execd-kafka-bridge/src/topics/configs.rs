//! Comparing the configs a topic spec asks for with the ones the broker reports
//! (DescribeConfigs).
//!
//! A wanted value that the broker reports with an equal value is fine whatever the source says
//! (set on the topic, a broker setting, the built-in default): the topic behaves as asked. Anything
//! else is a difference: another value, a key the broker does not report at all (tansu reports
//! only the keys set at creation; Kafka reports every key it knows), or a hidden (sensitive) value
//! that cannot be checked.

use std::collections::BTreeMap;

use rdkafka::admin::{ConfigEntry, ConfigSource};

/// One config key whose value on the broker is not the wanted one.
///
/// ```
/// use telegraf_execd_kafka_bridge::topics::ConfigDifference;
/// let d = ConfigDifference {
///     key: "min.insync.replicas".into(),
///     wanted: "2".into(),
///     found: Some("1".into()),
///     origin: "broker default",
/// };
/// assert_eq!(d.to_string(), "min.insync.replicas is 1 (broker default), 2 was requested");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigDifference {
    /// The config key (`min.insync.replicas`).
    pub key: String,
    /// The value the topic spec asks for.
    pub wanted: String,
    /// The value the broker reports; `None` when it reports the key without a value
    /// (sensitive) or not at all (see `origin`).
    pub found: Option<String>,
    /// Where the found value comes from, as the broker says (`set on the topic`,
    /// `broker setting`, `broker default`), or why there is none.
    pub origin: &'static str,
}

impl std::fmt::Display for ConfigDifference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.found {
            Some(found) => write!(
                f,
                "{} is {found} ({}), {} was requested",
                self.key, self.origin, self.wanted
            ),
            None => write!(
                f,
                "{} is {}, {} was requested",
                self.key, self.origin, self.wanted
            ),
        }
    }
}

/// The differences between the `wanted` configs of a topic and the entries the broker
/// `reported` for it, in key order; empty when every wanted value is in place.
///
/// ```
/// use std::collections::BTreeMap;
/// use rdkafka::admin::{ConfigEntry, ConfigSource};
/// use telegraf_execd_kafka_bridge::topics::config_differences;
///
/// let wanted = BTreeMap::from([("min.insync.replicas".to_string(), "2".to_string())]);
/// let entry = |value: &str, source| ConfigEntry {
///     name: "min.insync.replicas".into(), value: Some(value.into()), source,
///     is_read_only: false, is_default: false, is_sensitive: false,
/// };
/// // An equal value is fine, even when it is only the broker's default.
/// assert!(config_differences(&wanted, &[entry("2", ConfigSource::Default)]).is_empty());
/// let d = config_differences(&wanted, &[entry("1", ConfigSource::StaticBroker)]);
/// assert_eq!(d[0].to_string(), "min.insync.replicas is 1 (broker setting), 2 was requested");
/// // A key the broker does not report cannot be confirmed.
/// assert_eq!(config_differences(&wanted, &[])[0].found, None);
/// ```
pub fn config_differences(
    wanted: &BTreeMap<String, String>,
    reported: &[ConfigEntry],
) -> Vec<ConfigDifference> {
    let mut differences = Vec::new();
    for (key, want) in wanted {
        let difference = |found: Option<&str>, origin| ConfigDifference {
            key: key.clone(),
            wanted: want.clone(),
            found: found.map(str::to_string),
            origin,
        };
        match reported.iter().find(|e| e.name == *key) {
            None => differences.push(difference(None, "not reported by the broker")),
            Some(ConfigEntry { value: None, .. }) => {
                differences.push(difference(None, "hidden by the broker (sensitive)"))
            }
            Some(ConfigEntry {
                value: Some(found),
                source,
                ..
            }) => {
                if !same_value(want, found) {
                    differences.push(difference(Some(found), origin(source)));
                }
            }
        }
    }
    differences
}

/// Values as Kafka compares them in effect: surrounding spaces do not count, numbers compare
/// as numbers (`02` is `2`), booleans regardless of case.
fn same_value(wanted: &str, found: &str) -> bool {
    let (wanted, found) = (wanted.trim(), found.trim());
    if wanted == found {
        return true;
    }
    if let (Ok(a), Ok(b)) = (wanted.parse::<i64>(), found.parse::<i64>()) {
        return a == b;
    }
    if let (Ok(a), Ok(b)) = (wanted.parse::<f64>(), found.parse::<f64>()) {
        return a == b;
    }
    let is_bool = |s: &str| s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false");
    is_bool(wanted) && is_bool(found) && wanted.eq_ignore_ascii_case(found)
}

fn origin(source: &ConfigSource) -> &'static str {
    match source {
        ConfigSource::DynamicTopic => "set on the topic",
        ConfigSource::DynamicBroker
        | ConfigSource::DynamicDefaultBroker
        | ConfigSource::StaticBroker => "broker setting",
        ConfigSource::Default => "broker default",
        ConfigSource::Unknown => "source unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, value: Option<&str>, source: ConfigSource) -> ConfigEntry {
        ConfigEntry {
            name: name.into(),
            value: value.map(str::to_string),
            is_default: source == ConfigSource::Default,
            source,
            is_read_only: false,
            is_sensitive: value.is_none(),
        }
    }

    fn wanted(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn equal_values_pass_whatever_their_source() {
        let want = wanted(&[("min.insync.replicas", "2"), ("retention.ms", "86400000")]);
        for source in [
            ConfigSource::DynamicTopic,
            ConfigSource::StaticBroker,
            ConfigSource::Default,
            ConfigSource::Unknown,
        ] {
            let reported = [
                entry("cleanup.policy", Some("delete"), ConfigSource::Default),
                entry(
                    "retention.ms",
                    Some(" 86400000"),
                    ConfigSource::DynamicTopic,
                ),
                entry("min.insync.replicas", Some("02"), source),
            ];
            assert_eq!(config_differences(&want, &reported), vec![]);
        }
    }

    #[test]
    fn a_default_that_differs_is_named_with_its_source() {
        let want = wanted(&[("min.insync.replicas", "2")]);
        let reported = [entry(
            "min.insync.replicas",
            Some("1"),
            ConfigSource::Default,
        )];
        assert_eq!(
            config_differences(&want, &reported),
            vec![ConfigDifference {
                key: "min.insync.replicas".into(),
                wanted: "2".into(),
                found: Some("1".into()),
                origin: "broker default",
            }]
        );
    }

    #[test]
    fn every_difference_is_listed_in_key_order() {
        let want = wanted(&[
            ("retention.ms", "1000"),
            ("cleanup.policy", "compact"),
            ("min.insync.replicas", "2"),
            ("sasl.secret", "x"),
        ]);
        let reported = [
            entry("retention.ms", Some("1000"), ConfigSource::DynamicTopic),
            entry("cleanup.policy", Some("delete"), ConfigSource::DynamicTopic),
            entry("sasl.secret", None, ConfigSource::DynamicTopic),
        ];
        let text: Vec<String> = config_differences(&want, &reported)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            text,
            [
                "cleanup.policy is delete (set on the topic), compact was requested",
                "min.insync.replicas is not reported by the broker, 2 was requested",
                "sasl.secret is hidden by the broker (sensitive), x was requested",
            ]
        );
    }

    #[test]
    fn values_compare_as_numbers_and_booleans() {
        assert!(same_value("2", "2"));
        assert!(same_value("0.5", "0.50"));
        assert!(same_value("true", "TRUE"));
        assert!(!same_value("2", "1"));
        assert!(!same_value("compact", "Compact"));
        assert!(!same_value("true", "1"));
        assert!(!same_value("", "0"));
    }

    #[test]
    fn nothing_wanted_means_no_difference() {
        let reported = [entry(
            "min.insync.replicas",
            Some("1"),
            ConfigSource::Default,
        )];
        assert!(config_differences(&BTreeMap::new(), &reported).is_empty());
    }
}
