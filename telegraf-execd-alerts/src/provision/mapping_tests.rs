use influxdb_http::alerting::spec::{Kind, check_body};
use influxdb_http::alerting::{Check, CheckLevel, NotificationRule, RuleLevel, Threshold};

use super::*;
use crate::AlertsConfig;

fn mapped(toml_rules: &str) -> Mapped {
    let text = format!("[[processors.alerts]]\n{toml_rules}");
    let config = AlertsConfig::from_toml(&text, "test.toml").unwrap();
    map_rules(
        &config.rules,
        &MappingOptions::new("weather", "http://hook:8080/alerts"),
    )
}

fn threshold(check: &Check) -> &ThresholdCheck {
    match check {
        Check::Threshold(t) => t,
        other => panic!("not a threshold check: {other:?}"),
    }
}

#[test]
fn shipped_rules_map_to_bodies_the_api_accepts() {
    let mapped = map_rules(
        &AlertsConfig::shipped().rules,
        &MappingOptions::new("weather", "http://hook:8080/alerts"),
    );
    let names: Vec<&str> = mapped
        .setup
        .checks
        .iter()
        .map(|c| c.base().name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "temperature_high",
            "temperature_low",
            "wind_storm",
            "pressure_drop",
            "humidity_stuck",
            "station_silent"
        ]
    );
    let org = "0a00000000000001";
    for mut check in mapped.setup.checks.clone() {
        check.base_mut().org_id = org.into();
        let body = serde_json::to_value(&check).unwrap();
        check_body(Kind::Checks, &body).unwrap_or_else(|v| panic!("{v}\n{body:#}"));
    }
    let NotificationEndpoint::Http(mut endpoint) = mapped.setup.endpoint.clone();
    endpoint.org_id = org.into();
    let body = serde_json::to_value(NotificationEndpoint::Http(endpoint)).unwrap();
    check_body(Kind::NotificationEndpoints, &body).unwrap();
    let NotificationRule::Http(mut rule) = mapped.setup.rules[0].clone();
    (rule.org_id, rule.endpoint_id) = (org.into(), "0a00000000000002".into());
    let body = serde_json::to_value(NotificationRule::Http(rule)).unwrap();
    check_body(Kind::NotificationRules, &body).unwrap();
}

#[test]
fn above_with_for_runs_every_for_on_the_window_minimum() {
    let m = mapped(
        "[[processors.alerts.rule]]\nname = \"temperature_high\"\nmeasurement = \"weather\"\nfield = \"temperature\"\nwarn_above = 35.0\ncrit_above = 40.0\nfor = \"5m\"\n",
    );
    let c = threshold(&m.setup.checks[0]);
    assert_eq!(c.base.every, "5m");
    assert_eq!(
        c.base.query.text,
        "from(bucket: \"weather\")\n  |> range(start: -5m)\n  |> filter(fn: (r) => r[\"_measurement\"] == \"weather\")\n  |> filter(fn: (r) => r[\"_field\"] == \"temperature\")\n  |> aggregateWindow(every: 5m, fn: min, createEmpty: false)\n  |> yield(name: \"check\")"
    );
    assert_eq!(
        c.thresholds,
        [
            Threshold::Greater {
                level: CheckLevel::Warn,
                value: 35.0,
                all_values: false
            },
            Threshold::Greater {
                level: CheckLevel::Crit,
                value: 40.0,
                all_values: false
            },
        ]
    );
    assert_eq!(
        c.base.tags,
        [
            StatusTag::new("source", SOURCE_TAG),
            StatusTag::new("rule", "temperature_high")
        ]
    );
    assert_eq!(
        c.base.status_message_template,
        "${ r._check_name } is ${ r._level }: temperature = ${ string(v: r.temperature) }"
    );
    assert!(m.notes.is_empty());
}

#[test]
fn below_without_for_uses_every_and_the_window_minimum() {
    let m = mapped(
        "[[processors.alerts.rule]]\nname = \"frost\"\nmeasurement = \"weather\"\nfield = \"temperature\"\ncrit_below = -25.0\n",
    );
    let c = threshold(&m.setup.checks[0]);
    assert_eq!(c.base.every, "1m");
    assert!(
        c.base.query.text.contains("fn: min,"),
        "{}",
        c.base.query.text
    );
    assert_eq!(
        c.thresholds,
        [Threshold::Lesser {
            level: CheckLevel::Crit,
            value: -25.0,
            all_values: false
        }]
    );
}

#[test]
fn both_directions_become_two_checks() {
    let m = mapped(
        "[[processors.alerts.rule]]\nname = \"band\"\nmeasurement = \"weather\"\nfield = \"temperature\"\nwarn_above = 30.0\nwarn_below = 0.0\nfor = \"2m\"\n",
    );
    let names: Vec<&str> = m
        .setup
        .checks
        .iter()
        .map(|c| c.base().name.as_str())
        .collect();
    assert_eq!(names, ["band (above)", "band (below)"]);
    assert!(
        threshold(&m.setup.checks[0])
            .base
            .query
            .text
            .contains("fn: min,")
    );
    assert!(
        threshold(&m.setup.checks[1])
            .base
            .query
            .text
            .contains("fn: max,")
    );
    assert!(matches!(
        threshold(&m.setup.checks[1]).thresholds[..],
        [Threshold::Lesser { value: 0.0, .. }]
    ));
}

#[test]
fn tag_filters_become_flux_filters_with_escaping() {
    // Built directly: a rule file would expand `$FR` from the environment.
    let rule = crate::rules::RuleConfig {
        name: "hot".into(),
        measurement: "weather".into(),
        field: Some("temperature".into()),
        warn_above: Some(30.0),
        tags: [
            (
                "station".to_string(),
                vec!["paris".to_string(), "tok\"yo".to_string()],
            ),
            ("country".to_string(), vec!["$FR".to_string()]),
        ]
        .into(),
        ..Default::default()
    };
    let rules = RuleSet::new(vec![rule]).unwrap();
    let m = map_rules(&rules, &MappingOptions::new("weather", "http://hook/"));
    let text = &threshold(&m.setup.checks[0]).base.query.text;
    assert!(
        text.contains("  |> filter(fn: (r) => r[\"country\"] == \"\\$FR\")\n"),
        "{text}"
    );
    assert!(
        text.contains("  |> filter(fn: (r) => r[\"station\"] == \"paris\" or r[\"station\"] == \"tok\\\"yo\")\n"),
        "{text}"
    );
}

#[test]
fn deadman_and_stuck_rules() {
    let m = mapped(
        "[[processors.alerts.rule]]\nname = \"silent\"\nmeasurement = \"weather\"\ndeadman = \"5m\"\nlevel = \"warn\"\n\
         [[processors.alerts.rule]]\nname = \"stuck\"\nmeasurement = \"weather\"\nfield = \"humidity\"\nstuck = \"6h\"\ntolerance = 0.5\n",
    );
    let Check::Deadman(d) = &m.setup.checks[0] else {
        panic!()
    };
    assert_eq!(
        (d.time_since.as_str(), d.stale_time.as_str(), d.level),
        ("5m", "50m", CheckLevel::Warn)
    );
    assert!(
        !d.base.query.text.contains("_field"),
        "any field is a sign of life"
    );
    assert!(!d.base.query.text.contains("aggregateWindow"));
    let s = threshold(&m.setup.checks[1]);
    assert_eq!(s.base.every, "6h");
    assert!(s.base.query.text.contains("fn: spread,"));
    assert!(
        matches!(s.thresholds[..], [Threshold::Lesser { level: CheckLevel::Warn, value, .. }] if value > 0.5 && value < 0.500001)
    );
}

#[test]
fn notification_rule_reports_every_level_change_of_our_checks() {
    let m = mapped("");
    let NotificationRule::Http(rule) = &m.setup.rules[0];
    assert_eq!(rule.tag_rules, [TagRule::equal("source", SOURCE_TAG)]);
    let to: Vec<RuleLevel> = rule.status_rules.iter().map(|s| s.current_level).collect();
    assert_eq!(to, [RuleLevel::Crit, RuleLevel::Warn, RuleLevel::Ok]);
    assert!(
        rule.status_rules
            .iter()
            .all(|s| s.previous_level == RuleLevel::Any)
    );
    let NotificationEndpoint::Http(endpoint) = &m.setup.endpoint;
    assert_eq!(endpoint.url, "http://hook:8080/alerts");
}
