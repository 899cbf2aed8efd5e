//! Idempotent provisioning: compare the wanted objects with what the organization holds (by
//! name), then create what is missing, update what differs, and leave the rest alone.
//!
//! An existing object is up to date when every field provisioning writes has the same value
//! on the server; fields the server adds (`id`, `ownerID`, `createdAt`, `labels`…) or a user
//! set by hand that provisioning does not manage are not compared. So a second run with the
//! same input sends no write at all, and a changed rule becomes one `PUT` of the object with
//! that name, never a second object.

use std::fmt;

use serde_json::Value;

use super::{
    AlertingApi, ApiError, Check, NotificationEndpoint, NotificationRule, Resource, StatusTag,
    Stored,
};

/// Everything provisioning should leave in the organization.
///
/// Each rule's `endpointID` is set to the endpoint's ID when provisioning, and each object's
/// `orgID` to the organization's.
///
/// ```
/// use influxdb_http::alerting::{AlertSetup, HttpEndpoint, NotificationEndpoint, StatusTag};
/// let setup = AlertSetup {
///     endpoint: NotificationEndpoint::Http(HttpEndpoint::post("hook", "http://hook:8080/")),
///     checks: vec![],
///     rules: vec![],
///     owner_tag: Some(StatusTag::new("source", "weather-alerts")),
/// };
/// assert!(setup.checks.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct AlertSetup {
    /// The endpoint the rules notify.
    pub endpoint: NotificationEndpoint,
    /// The checks.
    pub checks: Vec<Check>,
    /// The notification rules (all notify `endpoint`).
    pub rules: Vec<NotificationRule>,
    /// The status tag every wanted check carries: a stored check with it that is not wanted
    /// (its rule was renamed or removed) is reported in [`Report::strays`], never deleted.
    pub owner_tag: Option<StatusTag>,
}

/// What provisioning does (or, in a dry run, would do) with one object.
///
/// ```
/// use influxdb_http::alerting::Change;
/// let c = Change::Update { fields: vec!["thresholds".into()] };
/// assert!(c.is_write());
/// assert!(!Change::Unchanged.is_write());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// No object of that name exists: `POST`.
    Create,
    /// It exists and these top-level fields differ: `PUT`.
    Update {
        /// The fields that differ.
        fields: Vec<String>,
    },
    /// It exists and is up to date: nothing is sent.
    Unchanged,
}

impl Change {
    /// Whether this change sends a write.
    ///
    /// ```
    /// assert!(influxdb_http::alerting::Change::Create.is_write());
    /// ```
    pub fn is_write(&self) -> bool {
        !matches!(self, Change::Unchanged)
    }
}

/// What happened to one object.
///
/// ```
/// use influxdb_http::alerting::{Change, Outcome};
/// let o = Outcome { kind: "checks", name: "hot".into(), id: Some("0a".into()), change: Change::Unchanged };
/// assert_eq!(o.to_string(), r#"unchanged check "hot" (id 0a)"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The collection (`checks`, `notificationEndpoints`, `notificationRules`).
    pub kind: &'static str,
    /// The object's name.
    pub name: String,
    /// Its ID (`None` for an object a dry run would create).
    pub id: Option<String>,
    /// What was done.
    pub change: Change,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            "checks" => "check",
            "notificationEndpoints" => "notification endpoint",
            "notificationRules" => "notification rule",
            other => other,
        };
        match &self.change {
            Change::Create => write!(f, "created {kind} {:?}", self.name)?,
            Change::Update { fields } => write!(
                f,
                "updated {kind} {:?} ({} changed)",
                self.name,
                fields.join(", ")
            )?,
            Change::Unchanged => write!(f, "unchanged {kind} {:?}", self.name)?,
        }
        match &self.id {
            Some(id) => write!(f, " (id {id})"),
            None => Ok(()),
        }
    }
}

/// The outcome of a provisioning run, one line per object in order: endpoint, checks, rules.
///
/// ```
/// use influxdb_http::alerting::{Change, Outcome, Report};
/// let r = Report { dry_run: false, strays: vec![], outcomes: vec![
///     Outcome { kind: "checks", name: "a".into(), id: Some("1".into()), change: Change::Unchanged },
/// ]};
/// assert_eq!(r.writes(), 0);
/// assert_eq!(r.summary(), "nothing to change: all 1 objects are up to date");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Whether this was a dry run (nothing written; the outcomes say what would be done).
    pub dry_run: bool,
    /// One per object.
    pub outcomes: Vec<Outcome>,
    /// Stored checks that carry [`AlertSetup::owner_tag`] but are no longer wanted (left as is).
    pub strays: Vec<Stored>,
}

impl Report {
    /// How many objects were (or would be) created or updated.
    ///
    /// ```
    /// assert_eq!(influxdb_http::alerting::Report { dry_run: false, outcomes: vec![], strays: vec![] }.writes(), 0);
    /// ```
    pub fn writes(&self) -> usize {
        self.outcomes.iter().filter(|o| o.change.is_write()).count()
    }

    /// One line: counts of created, updated and unchanged objects, or "nothing to change".
    ///
    /// ```
    /// use influxdb_http::alerting::{Change, Outcome, Report};
    /// let r = Report { dry_run: true, strays: vec![], outcomes: vec![
    ///     Outcome { kind: "checks", name: "a".into(), id: None, change: Change::Create },
    /// ]};
    /// assert_eq!(r.summary(), "dry run: would create 1, update 0, leave 0 unchanged");
    /// ```
    pub fn summary(&self) -> String {
        let count = |f: fn(&Change) -> bool| self.outcomes.iter().filter(|o| f(&o.change)).count();
        let created = count(|c| matches!(c, Change::Create));
        let updated = count(|c| matches!(c, Change::Update { .. }));
        let unchanged = count(|c| matches!(c, Change::Unchanged));
        match (self.dry_run, created + updated) {
            (false, 0) => format!("nothing to change: all {unchanged} objects are up to date"),
            (false, _) => {
                format!("created {created}, updated {updated}, left {unchanged} unchanged")
            }
            (true, _) => format!(
                "dry run: would create {created}, update {updated}, leave {unchanged} unchanged"
            ),
        }
    }
}

/// Brings the organization to `setup`: endpoint first (rules need its ID), then checks, then
/// rules. With `dry_run`, only lists and compares; nothing is written.
///
/// Stops at the first error; what was done before it stays done, and a rerun continues from
/// there (it is idempotent).
///
/// ```no_run
/// # async fn f(alerting: influxdb_http::alerting::AlertingApi, setup: influxdb_http::alerting::AlertSetup) -> Result<(), influxdb_http::alerting::ApiError> {
/// let report = influxdb_http::alerting::provision(&alerting, setup, false).await?;
/// for outcome in &report.outcomes {
///     println!("{outcome}");
/// }
/// println!("{}", report.summary());
/// # Ok(()) }
/// ```
pub async fn provision(
    api: &AlertingApi,
    setup: AlertSetup,
    dry_run: bool,
) -> Result<Report, ApiError> {
    let org_id = api.org_id().await?;
    let mut outcomes = Vec::new();

    let (endpoint, _) = sync(api, &org_id, vec![setup.endpoint], dry_run).await?;
    let endpoint_id = endpoint[0].id.clone();
    outcomes.extend(endpoint);

    let wanted: Vec<String> = setup.checks.iter().map(|c| c.base().name.clone()).collect();
    let (checks, stored_checks) = sync(api, &org_id, setup.checks, dry_run).await?;
    outcomes.extend(checks);
    let strays = match &setup.owner_tag {
        Some(tag) => stored_checks
            .into_iter()
            .filter(|c| !wanted.contains(&c.name) && carries(&c.body, tag))
            .collect(),
        None => Vec::new(),
    };

    let mut rules = setup.rules;
    for rule in &mut rules {
        let NotificationRule::Http(rule) = rule;
        // A dry run that would create the endpoint has no ID yet: the rule then shows as changed.
        rule.endpoint_id = endpoint_id.clone().unwrap_or_default();
    }
    outcomes.extend(sync(api, &org_id, rules, dry_run).await?.0);
    Ok(Report {
        dry_run,
        outcomes,
        strays,
    })
}

/// Whether a stored check's `tags` hold `tag`.
fn carries(check: &Value, tag: &StatusTag) -> bool {
    let tags = check.get("tags").and_then(Value::as_array);
    tags.into_iter().flatten().any(|t| {
        t.get("key").and_then(Value::as_str) == Some(&tag.key)
            && t.get("value").and_then(Value::as_str) == Some(&tag.value)
    })
}

/// Lists the objects of one kind, then creates or updates each wanted one as needed; returns
/// the outcomes and the objects as listed before.
async fn sync<R: Resource>(
    api: &AlertingApi,
    org_id: &str,
    mut wanted: Vec<R>,
    dry_run: bool,
) -> Result<(Vec<Outcome>, Vec<Stored>), ApiError> {
    for object in &mut wanted {
        object.set_org_id(org_id);
    }
    let existing = api.list::<R>(org_id).await?;
    let mut outcomes = Vec::with_capacity(wanted.len());
    for object in wanted {
        let (change, existing_id) = plan(&object, &existing)?;
        let id = match (&change, dry_run) {
            (Change::Create, false) => Some(api.create(&object).await?.id),
            (Change::Update { .. }, false) => {
                let id = existing_id.expect("an update has an existing object");
                Some(api.update(&id, &object).await?.id)
            }
            _ => existing_id,
        };
        outcomes.push(Outcome {
            kind: R::LIST_KEY,
            name: object.name().to_owned(),
            id,
            change,
        });
    }
    Ok((outcomes, existing))
}

/// What to do with `wanted` given the stored objects of its kind, and the matching ID.
///
/// ```
/// use influxdb_http::alerting::{plan, Change, HttpEndpoint, NotificationEndpoint, Stored};
/// let wanted = NotificationEndpoint::Http(HttpEndpoint::post("hook", "http://new/"));
/// let mut stored = serde_json::to_value(NotificationEndpoint::Http(HttpEndpoint::post("hook", "http://old/"))).unwrap();
/// stored["id"] = "0a".into();
/// let existing = [Stored { id: "0a".into(), name: "hook".into(), body: stored }];
/// let (change, id) = plan(&wanted, &existing)?;
/// assert_eq!(change, Change::Update { fields: vec!["url".into()] });
/// assert_eq!(id.as_deref(), Some("0a"));
/// assert_eq!(plan(&wanted, &[])?.0, Change::Create);
/// # Ok::<(), influxdb_http::alerting::ApiError>(())
/// ```
pub fn plan<R: Resource>(
    wanted: &R,
    existing: &[Stored],
) -> Result<(Change, Option<String>), ApiError> {
    let mut same_name = existing.iter().filter(|s| s.name == wanted.name());
    let Some(found) = same_name.next() else {
        return Ok((Change::Create, None));
    };
    let others = same_name.count();
    if others > 0 {
        return Err(ApiError::Ambiguous {
            kind: R::LIST_KEY,
            name: wanted.name().to_owned(),
            count: others + 1,
        });
    }
    let desired = serde_json::to_value(wanted)
        .map_err(|e| ApiError::Config(format!("cannot encode {}: {e}", R::LIST_KEY)))?;
    let fields = changed_fields(&desired, &found.body);
    let change = if fields.is_empty() {
        Change::Unchanged
    } else {
        Change::Update { fields }
    };
    Ok((change, Some(found.id.clone())))
}

/// Top-level fields of `desired` whose value `existing` does not hold.
fn changed_fields(desired: &Value, existing: &Value) -> Vec<String> {
    let Some(desired) = desired.as_object() else {
        return vec!["(whole object)".to_owned()];
    };
    desired
        .iter()
        .filter(|(key, value)| !holds(value, existing.get(key.as_str())))
        .map(|(key, _)| key.clone())
        .collect()
}

/// Whether the stored value holds everything the wanted one says (extra stored keys ignored).
fn holds(wanted: &Value, stored: Option<&Value>) -> bool {
    match (wanted, stored) {
        (Value::Object(w), Some(Value::Object(s))) => w.iter().all(|(k, v)| holds(v, s.get(k))),
        (Value::Array(w), Some(Value::Array(s))) => {
            w.len() == s.len() && w.iter().zip(s).all(|(w, s)| holds(w, Some(s)))
        }
        // InfluxDB (Go, `omitempty`) leaves empty lists out of its answers.
        (Value::Array(w), None) => w.is_empty(),
        // 30.0 and 30 are the same threshold; Go writes floats without a fraction as integers.
        (Value::Number(w), Some(Value::Number(s))) => w.as_f64() == s.as_f64(),
        (w, Some(s)) => w == s,
        (_, None) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stored_extras_and_number_forms_do_not_count_as_changes() {
        let wanted =
            json!({"name": "a", "thresholds": [{"value": 30.0, "level": "WARN"}], "tags": []});
        let stored = json!({"id": "1", "name": "a", "ownerID": "2",
            "thresholds": [{"value": 30, "level": "WARN", "allValues": false}]});
        assert!(changed_fields(&wanted, &stored).is_empty());
    }

    #[test]
    fn changed_values_and_lengths_are_named() {
        let wanted = json!({"name": "a", "every": "1m", "thresholds": [{"value": 31.0}]});
        let stored =
            json!({"name": "a", "every": "5m", "thresholds": [{"value": 31}, {"value": 40}]});
        assert_eq!(changed_fields(&wanted, &stored), ["every", "thresholds"]);
        assert_eq!(changed_fields(&json!({"x": 1}), &json!({})), ["x"]);
    }
}
