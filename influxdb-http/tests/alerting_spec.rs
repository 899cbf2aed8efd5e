//! The bodies the typed model writes carry every field InfluxDB 2 requires, and the test
//! server's schema check rejects a body without it: one test per required field, named after it.

use influxdb_http::alerting::spec::{Kind, check_body};
use influxdb_http::alerting::{
    Check, CheckBase, CheckLevel, DashboardQuery, DeadmanCheck, HttpEndpoint, HttpRule,
    NotificationEndpoint, NotificationRule, RuleLevel, StatusRule, StatusTag, TagRule, Threshold,
    ThresholdCheck,
};
use serde_json::Value;

const ORG: &str = "0a00000000000001";
const QUERY: &str = r#"from(bucket: "weather")
  |> range(start: -1m)
  |> filter(fn: (r) => r["_measurement"] == "weather" and r["_field"] == "temperature")
  |> aggregateWindow(every: 1m, fn: max, createEmpty: false)"#;

fn base(name: &str) -> CheckBase {
    let mut base = CheckBase::new(name, DashboardQuery::flux(QUERY), "1m");
    base.org_id = ORG.into();
    base.tags = vec![StatusTag::new("source", "weather-alerts")];
    base
}

fn threshold_check() -> Value {
    serde_json::to_value(Check::Threshold(ThresholdCheck {
        base: base("temperature high"),
        thresholds: vec![
            Threshold::Greater {
                level: CheckLevel::Warn,
                value: 30.0,
                all_values: false,
            },
            Threshold::Greater {
                level: CheckLevel::Crit,
                value: 35.0,
                all_values: false,
            },
            Threshold::Range {
                level: CheckLevel::Info,
                min: 10.0,
                max: 20.0,
                within: true,
                all_values: false,
            },
        ],
    }))
    .unwrap()
}

fn deadman_check() -> Value {
    serde_json::to_value(Check::Deadman(DeadmanCheck {
        base: base("station silent"),
        time_since: "90s".into(),
        stale_time: "10m".into(),
        report_zero: false,
        level: CheckLevel::Crit,
    }))
    .unwrap()
}

fn endpoint() -> Value {
    let mut e = HttpEndpoint::post("hook", "http://hook.example:8080/alerts");
    e.org_id = ORG.into();
    serde_json::to_value(NotificationEndpoint::Http(e)).unwrap()
}

fn rule() -> Value {
    let mut r = HttpRule::new(
        "weather alerts to hook",
        "1m",
        vec![TagRule::equal("source", "weather-alerts")],
        vec![StatusRule::change(RuleLevel::Any, RuleLevel::Crit)],
    );
    r.org_id = ORG.into();
    r.endpoint_id = "0a00000000000002".into();
    serde_json::to_value(NotificationRule::Http(r)).unwrap()
}

/// The model writes `pointer`, the body passes, and without it the body fails naming it.
fn assert_required(kind: Kind, body: Value, pointer: &str) {
    assert!(
        body.pointer(pointer).is_some_and(|v| !v.is_null()),
        "the model does not write {pointer}: {body:#}"
    );
    check_body(kind, &body).unwrap_or_else(|v| panic!("model body rejected: {v}\n{body:#}"));
    let mut without = body;
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let parent = without.pointer_mut(parent).unwrap();
    match parent {
        Value::Object(map) => drop(map.remove(key)),
        Value::Array(items) => drop(items.remove(key.parse::<usize>().unwrap())),
        _ => unreachable!(),
    }
    let violation = check_body(kind, &without).expect_err("a body without the field must fail");
    assert_eq!(violation.pointer, pointer, "{violation}");
}

macro_rules! required {
    ($($test:ident: $kind:ident, $body:expr, $pointer:literal;)*) => {$(
        #[test]
        fn $test() {
            assert_required(Kind::$kind, $body, $pointer);
        }
    )*};
}

required! {
    check_requires_type: Checks, threshold_check(), "/type";
    check_requires_name: Checks, threshold_check(), "/name";
    check_requires_org_id: Checks, threshold_check(), "/orgID";
    check_requires_query: Checks, threshold_check(), "/query";
    threshold_check_requires_query_text: Checks, threshold_check(), "/query/text";
    check_requires_every: Checks, threshold_check(), "/every";
    threshold_requires_type: Checks, threshold_check(), "/thresholds/0/type";
    threshold_requires_level: Checks, threshold_check(), "/thresholds/1/level";
    greater_threshold_requires_value: Checks, threshold_check(), "/thresholds/1/value";
    range_threshold_requires_min: Checks, threshold_check(), "/thresholds/2/min";
    range_threshold_requires_max: Checks, threshold_check(), "/thresholds/2/max";
    range_threshold_requires_within: Checks, threshold_check(), "/thresholds/2/within";
    status_tag_requires_key: Checks, threshold_check(), "/tags/0/key";
    deadman_check_requires_every: Checks, deadman_check(), "/every";
    deadman_check_requires_query_text: Checks, deadman_check(), "/query/text";
    deadman_check_requires_time_since: Checks, deadman_check(), "/timeSince";
    deadman_check_requires_stale_time: Checks, deadman_check(), "/staleTime";
    deadman_check_requires_level: Checks, deadman_check(), "/level";
    endpoint_requires_type: NotificationEndpoints, endpoint(), "/type";
    endpoint_requires_name: NotificationEndpoints, endpoint(), "/name";
    endpoint_requires_org_id: NotificationEndpoints, endpoint(), "/orgID";
    http_endpoint_requires_url: NotificationEndpoints, endpoint(), "/url";
    http_endpoint_requires_method: NotificationEndpoints, endpoint(), "/method";
    http_endpoint_requires_auth_method: NotificationEndpoints, endpoint(), "/authMethod";
    rule_requires_type: NotificationRules, rule(), "/type";
    rule_requires_name: NotificationRules, rule(), "/name";
    rule_requires_org_id: NotificationRules, rule(), "/orgID";
    rule_requires_endpoint_id: NotificationRules, rule(), "/endpointID";
    rule_requires_status: NotificationRules, rule(), "/status";
    rule_requires_every: NotificationRules, rule(), "/every";
    rule_requires_tag_rules: NotificationRules, rule(), "/tagRules";
    rule_requires_status_rules: NotificationRules, rule(), "/statusRules";
    tag_rule_requires_operator: NotificationRules, rule(), "/tagRules/0/operator";
    status_rule_requires_current_level: NotificationRules, rule(), "/statusRules/0/currentLevel";
}

#[test]
fn read_only_fields_are_never_written() {
    for body in [threshold_check(), deadman_check(), endpoint(), rule()] {
        for key in ["id", "ownerID", "createdAt", "updatedAt", "links", "taskID"] {
            assert!(body.get(key).is_none(), "{key} written in {body:#}");
        }
    }
}

#[test]
fn rule_needs_at_least_one_status_rule() {
    let mut body = rule();
    body["statusRules"] = Value::Array(vec![]);
    let v = check_body(Kind::NotificationRules, &body).unwrap_err();
    assert_eq!(v.pointer, "/statusRules");
    assert!(v.problem.contains("minItems"), "{v}");
}

#[test]
fn threshold_query_must_filter_exactly_one_field() {
    let mut body = threshold_check();
    body["query"]["text"] = Value::from(r#"from(bucket: "weather") |> range(start: -1m)"#);
    let v = check_body(Kind::Checks, &body).unwrap_err();
    assert_eq!(v.pointer, "/query/text");
    assert!(v.problem.contains("exactly one `_field`"), "{v}");
}

#[test]
fn enum_values_and_ids_are_checked() {
    let mut body = threshold_check();
    body["thresholds"][0]["level"] = Value::from("warn");
    assert_eq!(
        check_body(Kind::Checks, &body).unwrap_err().pointer,
        "/thresholds/0/level"
    );
    let mut body = endpoint();
    body["orgID"] = Value::from("lab");
    assert_eq!(
        check_body(Kind::NotificationEndpoints, &body)
            .unwrap_err()
            .pointer,
        "/orgID"
    );
    let mut body = threshold_check();
    body["offset"] = Value::from("1m");
    assert_eq!(
        check_body(Kind::Checks, &body).unwrap_err().pointer,
        "/offset"
    );
}
