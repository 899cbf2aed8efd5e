//! Provisioning against the recording InfluxDB 2 stand-in: first run creates, second changes
//! nothing, a changed threshold is updated in place, paging, and the error for each failure.

use influxdb_http::alerting::{
    AlertSetup, AlertingApi, ApiError, Change, Check, CheckBase, CheckLevel, DashboardQuery,
    DeadmanCheck, HttpEndpoint, HttpRule, Influx2TestServer, NotificationEndpoint,
    NotificationRule, RuleLevel, StatusRule, StatusTag, TagRule, Threshold, ThresholdCheck,
    provision,
};
use influxdb_http::{Api, ClientConfig, InfluxClient, RetryPolicy, Secret};
use serde_json::json;

const TOKEN: &str = "all-access-token";

fn alerting(url: &str, org: &str, token: &str) -> AlertingApi {
    let api = Api::V2 {
        org: org.into(),
        bucket: "weather".into(),
        token: Secret::new(token),
    };
    let mut config = ClientConfig::new(url, api).unwrap();
    config.retry = RetryPolicy::none();
    AlertingApi::new(InfluxClient::new(config).unwrap()).unwrap()
}

fn query(field: &str) -> DashboardQuery {
    DashboardQuery::flux(format!(
        "from(bucket: \"weather\")\n  |> range(start: -1m)\n  |> filter(fn: (r) => r[\"_measurement\"] == \"weather\" and r[\"_field\"] == \"{field}\")"
    ))
}

fn setup(crit: f64) -> AlertSetup {
    let tag = |mut base: CheckBase| {
        base.tags = vec![StatusTag::new("source", "weather-alerts")];
        base
    };
    AlertSetup {
        endpoint: NotificationEndpoint::Http(HttpEndpoint::post("hook", "http://hook:8080/")),
        checks: vec![
            Check::Threshold(ThresholdCheck {
                base: tag(CheckBase::new(
                    "temperature high",
                    query("temperature"),
                    "1m",
                )),
                thresholds: vec![
                    Threshold::Greater {
                        level: CheckLevel::Warn,
                        value: 30.0,
                        all_values: false,
                    },
                    Threshold::Greater {
                        level: CheckLevel::Crit,
                        value: crit,
                        all_values: false,
                    },
                ],
            }),
            Check::Deadman(DeadmanCheck {
                base: tag(CheckBase::new("station silent", query("temperature"), "1m")),
                time_since: "90s".into(),
                stale_time: "1h".into(),
                report_zero: false,
                level: CheckLevel::Crit,
            }),
        ],
        rules: vec![NotificationRule::Http(HttpRule::new(
            "weather alerts to hook",
            "1m",
            vec![TagRule::equal("source", "weather-alerts")],
            vec![StatusRule::change(RuleLevel::Any, RuleLevel::Crit)],
        ))],
        owner_tag: Some(StatusTag::new("source", "weather-alerts")),
    }
}

fn changes(report: &influxdb_http::alerting::Report) -> Vec<Change> {
    report.outcomes.iter().map(|o| o.change.clone()).collect()
}

#[tokio::test]
async fn first_run_creates_everything_with_valid_bodies() {
    let server = Influx2TestServer::start("lab", TOKEN).unwrap();
    let api = alerting(&server.url(), "lab", TOKEN);
    let report = provision(&api, setup(35.0), false).await.unwrap();
    assert_eq!(changes(&report), vec![Change::Create; 4]);
    assert_eq!(report.summary(), "created 4, updated 0, left 0 unchanged");

    let requests = server.requests();
    assert!(
        requests.iter().all(|r| r.violation.is_none()),
        "{requests:#?}"
    );
    assert!(
        requests
            .iter()
            .all(|r| r.authorization.as_deref() == Some("Token all-access-token"))
    );
    assert_eq!(requests[0].path, "/api/v2/orgs");
    assert_eq!(requests[0].query_value("org"), Some("lab"));
    let writes: Vec<_> = requests
        .iter()
        .filter(|r| r.is_write())
        .map(|r| (r.method.as_str(), r.path.as_str()))
        .collect();
    assert_eq!(
        writes,
        [
            ("POST", "/api/v2/notificationEndpoints"),
            ("POST", "/api/v2/checks"),
            ("POST", "/api/v2/checks"),
            ("POST", "/api/v2/notificationRules"),
        ]
    );
    for list in requests
        .iter()
        .filter(|r| !r.is_write() && r.path != "/api/v2/orgs")
    {
        assert_eq!(list.query_value("orgID"), Some(server.org_id()));
        assert_eq!(list.query_value("limit"), Some("100"));
    }
    let endpoint_id = server.objects("notificationEndpoints")[0]["id"].clone();
    let rule = &server.objects("notificationRules")[0];
    assert_eq!(rule["endpointID"], endpoint_id);
    assert_eq!(rule["orgID"], server.org_id());
    assert_eq!(
        report.outcomes[0].id.as_ref().map(|s| json!(s)),
        Some(endpoint_id)
    );
}

#[tokio::test]
async fn second_run_changes_nothing_and_says_so() {
    let server = Influx2TestServer::start("lab", TOKEN).unwrap();
    let api = alerting(&server.url(), "lab", TOKEN);
    provision(&api, setup(35.0), false).await.unwrap();
    let before = server.requests().len();
    let report = provision(&api, setup(35.0), false).await.unwrap();
    assert_eq!(changes(&report), vec![Change::Unchanged; 4]);
    assert_eq!(report.writes(), 0);
    assert_eq!(
        report.summary(),
        "nothing to change: all 4 objects are up to date"
    );
    assert!(server.requests()[before..].iter().all(|r| !r.is_write()));
    assert!(report.outcomes.iter().all(|o| o.id.is_some()));
    // The stand-in answers 30.0 as 30, as Go does; that is no change either.
    assert!(server.objects("checks")[0]["thresholds"][0]["value"].is_i64());
}

#[tokio::test]
async fn checks_of_removed_rules_are_reported_not_deleted() {
    let server = Influx2TestServer::start("lab", TOKEN).unwrap();
    let by_hand = server.insert(
        "checks",
        json!({"name": "by hand", "type": "custom", "tags": []}),
    );
    let api = alerting(&server.url(), "lab", TOKEN);
    provision(&api, setup(35.0), false).await.unwrap();
    let mut fewer = setup(35.0);
    let removed = fewer.checks.remove(1);
    let report = provision(&api, fewer, false).await.unwrap();
    let strays: Vec<&str> = report.strays.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        strays,
        [removed.base().name.as_str()],
        "only checks with the owner tag"
    );
    assert_eq!(report.writes(), 0);
    assert_eq!(server.objects("checks").len(), 3);
    assert!(
        server
            .objects("checks")
            .iter()
            .any(|c| c["id"] == by_hand.as_str())
    );
}

#[tokio::test]
async fn changed_threshold_is_updated_in_place() {
    let server = Influx2TestServer::start("lab", TOKEN).unwrap();
    let api = alerting(&server.url(), "lab", TOKEN);
    provision(&api, setup(35.0), false).await.unwrap();
    let id = server.objects("checks")[0]["id"].clone();
    let created_at = server.objects("checks")[0]["createdAt"].clone();
    let before = server.requests().len();

    let report = provision(&api, setup(38.5), false).await.unwrap();
    assert_eq!(
        report.outcomes[1].change,
        Change::Update {
            fields: vec!["thresholds".into()]
        }
    );
    assert_eq!(report.writes(), 1);
    let writes: Vec<_> = server.requests()[before..]
        .iter()
        .filter(|r| r.is_write())
        .cloned()
        .collect();
    assert_eq!(writes.len(), 1);
    assert_eq!(writes[0].method, "PUT");
    assert_eq!(
        writes[0].path,
        format!("/api/v2/checks/{}", id.as_str().unwrap())
    );
    assert!(writes[0].violation.is_none());

    let checks = server.objects("checks");
    assert_eq!(checks.len(), 2, "updated, not duplicated");
    assert_eq!(
        (&checks[0]["id"], &checks[0]["createdAt"]),
        (&id, &created_at)
    );
    assert_eq!(checks[0]["thresholds"][1]["value"], 38.5);
}

#[tokio::test]
async fn dry_run_writes_nothing() {
    let server = Influx2TestServer::start("lab", TOKEN).unwrap();
    let api = alerting(&server.url(), "lab", TOKEN);
    let report = provision(&api, setup(35.0), true).await.unwrap();
    assert_eq!(changes(&report), vec![Change::Create; 4]);
    assert!(report.summary().starts_with("dry run: would create 4"));
    assert!(server.requests().iter().all(|r| !r.is_write()));
}

#[tokio::test]
async fn lists_are_read_page_by_page() {
    let server = Influx2TestServer::start("lab", TOKEN).unwrap();
    for i in 0..230 {
        server.insert(
            "checks",
            json!({"name": format!("by hand {i}"), "type": "custom"}),
        );
    }
    let api = alerting(&server.url(), "lab", TOKEN);
    let org_id = api.org_id().await.unwrap();
    let all = api.list::<Check>(&org_id).await.unwrap();
    assert_eq!(all.len(), 230);
    assert_eq!(all[229].name, "by hand 229");
    let offsets: Vec<_> = server
        .requests()
        .iter()
        .filter_map(|r| r.query_value("offset").map(str::to_owned))
        .collect();
    assert_eq!(offsets, ["0", "100", "200"]);
}

#[tokio::test]
async fn two_objects_with_one_name_are_reported_not_guessed() {
    let server = Influx2TestServer::start("lab", TOKEN).unwrap();
    server.insert(
        "notificationEndpoints",
        json!({"name": "hook", "type": "http"}),
    );
    server.insert(
        "notificationEndpoints",
        json!({"name": "hook", "type": "http"}),
    );
    let err = provision(&alerting(&server.url(), "lab", TOKEN), setup(35.0), false)
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::Ambiguous { count: 2, .. }), "{err}");
    assert!(server.requests().iter().all(|r| !r.is_write()));
}

#[tokio::test]
async fn wrong_token_is_401() {
    let server = Influx2TestServer::start("lab", TOKEN).unwrap();
    let err = provision(&alerting(&server.url(), "lab", "wrong"), setup(35.0), false)
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::Unauthorized { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("401")
            && text.contains("unauthorized access")
            && text.contains("/api/v2/orgs"),
        "{text}"
    );
}

#[tokio::test]
async fn read_only_token_is_403_on_the_first_write() {
    let server = Influx2TestServer::start("lab", TOKEN).unwrap();
    server.add_read_only_token("reader");
    let err = provision(
        &alerting(&server.url(), "lab", "reader"),
        setup(35.0),
        false,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, ApiError::Forbidden { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("403") && text.contains("POST") && text.contains("notificationEndpoints"),
        "{text}"
    );
    assert!(server.objects("notificationEndpoints").is_empty());
}

#[tokio::test]
async fn unknown_org_and_wrong_path_are_404() {
    let server = Influx2TestServer::start("lab", TOKEN).unwrap();
    let err = provision(&alerting(&server.url(), "nolab", TOKEN), setup(35.0), false)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ApiError::OrgNotFound { org, .. } if org == "nolab"),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("organization name \"nolab\" not found"),
        "{err}"
    );

    let err = provision(
        &alerting(&format!("{}/not-influx", server.url()), "lab", TOKEN),
        setup(35.0),
        false,
    )
    .await
    .unwrap_err();
    // The org lookup itself is 404 here; an unknown path and an unknown org look alike to it.
    assert_eq!(err.status(), Some(404), "{err:?}");

    let api = alerting(&server.url(), "lab", TOKEN);
    let mut check = setup(35.0).checks.remove(0);
    influxdb_http::alerting::Resource::set_org_id(&mut check, server.org_id());
    let err = api.update("0a000000000000ff", &check).await.unwrap_err();
    assert!(
        matches!(&err, ApiError::NotFound { message, .. } if message == "check not found"),
        "{err:?}"
    );
}

#[tokio::test]
async fn unreachable_server_is_named() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let err = provision(&alerting(&url, "lab", TOKEN), setup(35.0), false)
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::Unreachable { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains(&format!("cannot reach InfluxDB: GET {url}/api/v2/orgs")),
        "{err}"
    );
}

#[tokio::test]
async fn a_body_breaking_the_schema_gets_influxdbs_400() {
    let server = Influx2TestServer::start("lab", TOKEN).unwrap();
    let api = alerting(&server.url(), "lab", TOKEN);
    let mut bad = setup(35.0);
    // A threshold check whose query filters no field: InfluxDB cannot build its Flux task.
    if let Check::Threshold(c) = &mut bad.checks[0] {
        c.base.query = DashboardQuery::flux("from(bucket: \"weather\") |> range(start: -1m)");
    }
    let err = provision(&api, bad, false).await.unwrap_err();
    match &err {
        ApiError::Status {
            status: 400,
            message,
            ..
        } => assert!(message.contains("/query/text"), "{message}"),
        other => panic!("{other:?}"),
    }
    let rejected: Vec<_> = server
        .requests()
        .into_iter()
        .filter_map(|r| r.violation)
        .collect();
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].pointer, "/query/text");
}

#[tokio::test]
async fn a_second_check_with_a_taken_name_is_409() {
    let server = Influx2TestServer::start("lab", TOKEN).unwrap();
    let api = alerting(&server.url(), "lab", TOKEN);
    provision(&api, setup(35.0), false).await.unwrap();
    let mut check = setup(35.0).checks.remove(0);
    influxdb_http::alerting::Resource::set_org_id(&mut check, server.org_id());
    let err = api.create(&check).await.unwrap_err();
    assert!(
        matches!(&err, ApiError::Status { status: 409, message, .. } if message == "check name is not unique"),
        "{err:?}"
    );
    assert_eq!(server.objects("checks").len(), 2);
}

#[tokio::test]
async fn objects_are_found_by_name_within_the_org() {
    let server = Influx2TestServer::start("lab", TOKEN).unwrap();
    let api = alerting(&server.url(), "lab", TOKEN);
    provision(&api, setup(35.0), false).await.unwrap();
    let org_id = api.org_id().await.unwrap();
    assert_eq!(org_id, server.org_id());
    let found = api
        .find::<Check>(&org_id, "station silent")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.body["type"], "deadman");
    assert_eq!(found.body["timeSince"], "90s");
    assert!(
        api.find::<Check>(&org_id, "no such check")
            .await
            .unwrap()
            .is_none()
    );
    // Another organization's objects are not listed.
    assert!(
        api.find::<Check>("0a000000000000ee", "station silent")
            .await
            .unwrap()
            .is_none()
    );
    server.insert(
        "notificationRules",
        json!({"name": "twice", "type": "http"}),
    );
    server.insert(
        "notificationRules",
        json!({"name": "twice", "type": "http"}),
    );
    let err = api
        .find::<NotificationRule>(&org_id, "twice")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ApiError::Ambiguous {
                kind: "notificationRules",
                count: 2,
                ..
            }
        ),
        "{err:?}"
    );
}
