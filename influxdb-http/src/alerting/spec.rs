//! The request-body rules of InfluxDB 2's alerting API, as the [`Influx2TestServer`] enforces
//! them (feature `test-server`).
//!
//! Sources, named in each [`Violation`]: the OpenAPI spec (influxdata/openapi,
//! `src/common/schemas/`: `CheckBase`, `ThresholdCheck`, `DeadmanCheck`, `GreaterThreshold`,
//! `LesserThreshold`, `RangeThreshold`, `HTTPNotificationEndpoint`, `NotificationEndpointBase`,
//! `NotificationRuleBase`, `HTTPNotificationRuleBase`, `TagRule`, `StatusRule`) and the server's
//! own validation where it asks for more (influxdb `notification/check/check.go`: `every`,
//! a valid `orgID`; `deadman.go`: `staleTime`, `timeSince`; `threshold.go`: one `_field`
//! filter in the query; `notification/rule/rule.go`: `every`, `endpointID`, `status`;
//! `notification/endpoint/http.go`: `url`, `method`, `authMethod`). Fields marked read-only in
//! the spec are never required in a request.
//!
//! [`Influx2TestServer`]: super::Influx2TestServer

use serde_json::Value;

/// A rule a request body breaks.
///
/// ```
/// use influxdb_http::alerting::spec::{check_body, Kind};
/// let v = check_body(Kind::Checks, &serde_json::json!({"type": "threshold"})).unwrap_err();
/// assert_eq!(v.pointer, "/name");
/// assert!(v.to_string().contains("/name"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{pointer}: {problem} ({source_doc})")]
pub struct Violation {
    /// JSON pointer of the offending or missing field.
    pub pointer: String,
    /// What is wrong.
    pub problem: String,
    /// Where the rule is documented.
    pub source_doc: &'static str,
}

/// The collection a body is sent to.
///
/// ```
/// assert_eq!(influxdb_http::alerting::spec::Kind::from_path_segment("checks"), Some(influxdb_http::alerting::spec::Kind::Checks));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// `/api/v2/checks`.
    Checks,
    /// `/api/v2/notificationEndpoints`.
    NotificationEndpoints,
    /// `/api/v2/notificationRules`.
    NotificationRules,
}

impl Kind {
    /// The kind served under `/api/v2/<segment>`.
    ///
    /// ```
    /// assert!(influxdb_http::alerting::spec::Kind::from_path_segment("buckets").is_none());
    /// ```
    pub fn from_path_segment(segment: &str) -> Option<Self> {
        match segment {
            "checks" => Some(Kind::Checks),
            "notificationEndpoints" => Some(Kind::NotificationEndpoints),
            "notificationRules" => Some(Kind::NotificationRules),
            _ => None,
        }
    }

    /// The path segment, also the array key of list answers.
    ///
    /// ```
    /// assert_eq!(influxdb_http::alerting::spec::Kind::NotificationRules.segment(), "notificationRules");
    /// ```
    pub fn segment(self) -> &'static str {
        match self {
            Kind::Checks => "checks",
            Kind::NotificationEndpoints => "notificationEndpoints",
            Kind::NotificationRules => "notificationRules",
        }
    }
}

const SPEC: &str = "OpenAPI spec";
const CHECK_GO: &str = "InfluxDB 2 server: notification/check";
const RULE_GO: &str = "InfluxDB 2 server: notification/rule";
const ENDPOINT_GO: &str = "InfluxDB 2 server: notification/endpoint";

const CHECK_LEVELS: &[&str] = &["UNKNOWN", "OK", "INFO", "CRIT", "WARN"];
const RULE_LEVELS: &[&str] = &["UNKNOWN", "OK", "INFO", "CRIT", "WARN", "ANY"];
const STATUSES: &[&str] = &["active", "inactive"];

/// Checks a `POST` or `PUT` body for `kind`; returns the first rule broken.
///
/// ```
/// use influxdb_http::alerting::spec::{check_body, Kind};
/// let body = serde_json::json!({"type": "http", "name": "hook", "orgID": "0a00000000000001",
///     "url": "http://hook/", "method": "POST", "authMethod": "none"});
/// assert!(check_body(Kind::NotificationEndpoints, &body).is_ok());
/// ```
pub fn check_body(kind: Kind, body: &Value) -> Result<(), Violation> {
    let at = Body(body);
    if !body.is_object() {
        return Err(violation("", "the body must be a JSON object", SPEC));
    }
    match kind {
        Kind::Checks => check_check(at),
        Kind::NotificationEndpoints => check_endpoint(at),
        Kind::NotificationRules => check_rule(at),
    }
}

fn check_check(b: Body) -> Result<(), Violation> {
    let kind = b.one_of("/type", &["threshold", "deadman", "custom"], SPEC)?;
    b.non_empty_string("/name", CHECK_GO)?;
    b.id("/orgID", CHECK_GO)?;
    b.object("/query", SPEC)?;
    let query = b.non_empty_string("/query/text", CHECK_GO)?;
    b.optional_one_of("/status", STATUSES)?;
    b.optional_string("/description")?;
    b.optional_string("/statusMessageTemplate")?;
    if kind == "custom" {
        return Ok(());
    }
    let every = b.duration("/every", CHECK_GO)?;
    if b.get("/offset").is_some() {
        let offset = b.duration("/offset", CHECK_GO)?;
        if offset >= every {
            return Err(violation(
                "/offset",
                "must be below `every` (\"Offset should not be equal or greater than the interval\")",
                CHECK_GO,
            ));
        }
    }
    if let Some(tags) = b.optional_array("/tags")? {
        for i in 0..tags {
            b.string(&format!("/tags/{i}/key"), SPEC)?;
            b.string(&format!("/tags/{i}/value"), SPEC)?;
        }
    }
    match kind {
        "threshold" => {
            let fields = query.matches("_field").count();
            if fields != 1 {
                return Err(violation(
                    "/query/text",
                    &format!(
                        "a threshold check's query must filter exactly one `_field` (found {fields})"
                    ),
                    CHECK_GO,
                ));
            }
            let n = b.optional_array("/thresholds")?.unwrap_or(0);
            for i in 0..n {
                let p = format!("/thresholds/{i}");
                let t = b.one_of(&format!("{p}/type"), &["greater", "lesser", "range"], SPEC)?;
                b.one_of(&format!("{p}/level"), CHECK_LEVELS, CHECK_GO)?;
                if t == "range" {
                    let min = b.number(&format!("{p}/min"), SPEC)?;
                    let max = b.number(&format!("{p}/max"), SPEC)?;
                    b.boolean(&format!("{p}/within"), SPEC)?;
                    if min > max {
                        return Err(violation(&format!("{p}/min"), "min above max", CHECK_GO));
                    }
                } else {
                    b.number(&format!("{p}/value"), SPEC)?;
                }
            }
        }
        _ => {
            b.duration("/timeSince", CHECK_GO)?;
            b.duration("/staleTime", CHECK_GO)?;
            b.one_of("/level", CHECK_LEVELS, CHECK_GO)?;
            if b.get("/reportZero").is_some() {
                b.boolean("/reportZero", SPEC)?;
            }
        }
    }
    Ok(())
}

fn check_endpoint(b: Body) -> Result<(), Violation> {
    b.one_of("/type", &["http"], SPEC)?;
    b.non_empty_string("/name", SPEC)?;
    b.id("/orgID", ENDPOINT_GO)?;
    b.optional_one_of("/status", STATUSES)?;
    let url = b.non_empty_string("/url", SPEC)?;
    if crate::Url::parse(url).is_err() {
        return Err(violation("/url", "not a URL", ENDPOINT_GO));
    }
    b.one_of("/method", &["POST", "GET", "PUT"], SPEC)?;
    match b.one_of("/authMethod", &["none", "basic", "bearer"], SPEC)? {
        "bearer" => drop(b.non_empty_string("/token", ENDPOINT_GO)?),
        "basic" => {
            b.non_empty_string("/username", ENDPOINT_GO)?;
            b.non_empty_string("/password", ENDPOINT_GO)?;
        }
        _ => {}
    }
    Ok(())
}

fn check_rule(b: Body) -> Result<(), Violation> {
    b.one_of("/type", &["http"], SPEC)?;
    b.non_empty_string("/name", SPEC)?;
    b.id("/orgID", SPEC)?;
    b.id("/endpointID", SPEC)?;
    b.one_of("/status", STATUSES, SPEC)?;
    b.duration("/every", RULE_GO)?;
    if b.get("/offset").is_some() {
        b.duration("/offset", RULE_GO)?;
    }
    let tags = b.array("/tagRules", SPEC)?;
    for i in 0..tags {
        let p = format!("/tagRules/{i}");
        b.string(&format!("{p}/key"), SPEC)?;
        b.string(&format!("{p}/value"), SPEC)?;
        b.one_of(
            &format!("{p}/operator"),
            &["equal", "notequal", "equalregex", "notequalregex"],
            SPEC,
        )?;
    }
    let statuses = b.array("/statusRules", SPEC)?;
    if statuses == 0 {
        return Err(violation(
            "/statusRules",
            "needs at least one item (minItems: 1)",
            SPEC,
        ));
    }
    for i in 0..statuses {
        b.one_of(
            &format!("/statusRules/{i}/currentLevel"),
            RULE_LEVELS,
            RULE_GO,
        )?;
        if b.get(&format!("/statusRules/{i}/previousLevel")).is_some() {
            b.one_of(
                &format!("/statusRules/{i}/previousLevel"),
                RULE_LEVELS,
                SPEC,
            )?;
        }
    }
    Ok(())
}

fn violation(pointer: &str, problem: &str, source_doc: &'static str) -> Violation {
    Violation {
        pointer: pointer.to_owned(),
        problem: problem.to_owned(),
        source_doc,
    }
}

/// Typed access to a body by JSON pointer; each accessor fails with the field's pointer.
#[derive(Clone, Copy)]
struct Body<'a>(&'a Value);

impl<'a> Body<'a> {
    fn get(&self, p: &str) -> Option<&'a Value> {
        self.0.pointer(p).filter(|v| !v.is_null())
    }

    fn required(&self, p: &str, src: &'static str) -> Result<&'a Value, Violation> {
        self.get(p).ok_or_else(|| violation(p, "is required", src))
    }

    fn string(&self, p: &str, src: &'static str) -> Result<&'a str, Violation> {
        self.required(p, src)?
            .as_str()
            .ok_or_else(|| violation(p, "must be a string", SPEC))
    }

    fn non_empty_string(&self, p: &str, src: &'static str) -> Result<&'a str, Violation> {
        let s = self.string(p, src)?;
        if s.is_empty() {
            return Err(violation(p, "must not be empty", src));
        }
        Ok(s)
    }

    fn optional_string(&self, p: &str) -> Result<(), Violation> {
        match self.get(p) {
            Some(v) if !v.is_string() => Err(violation(p, "must be a string", SPEC)),
            _ => Ok(()),
        }
    }

    fn one_of(&self, p: &str, allowed: &[&str], src: &'static str) -> Result<&'a str, Violation> {
        let s = self.string(p, src)?;
        if allowed.contains(&s) {
            Ok(s)
        } else {
            Err(violation(
                p,
                &format!("{s:?} is not one of {allowed:?}"),
                SPEC,
            ))
        }
    }

    fn optional_one_of(&self, p: &str, allowed: &[&str]) -> Result<(), Violation> {
        if self.get(p).is_some() {
            self.one_of(p, allowed, SPEC)?;
        }
        Ok(())
    }

    fn number(&self, p: &str, src: &'static str) -> Result<f64, Violation> {
        self.required(p, src)?
            .as_f64()
            .ok_or_else(|| violation(p, "must be a number", SPEC))
    }

    fn boolean(&self, p: &str, src: &'static str) -> Result<bool, Violation> {
        self.required(p, src)?
            .as_bool()
            .ok_or_else(|| violation(p, "must be a boolean", SPEC))
    }

    fn object(&self, p: &str, src: &'static str) -> Result<(), Violation> {
        match self.required(p, src)?.is_object() {
            true => Ok(()),
            false => Err(violation(p, "must be an object", SPEC)),
        }
    }

    fn array(&self, p: &str, src: &'static str) -> Result<usize, Violation> {
        self.required(p, src)?
            .as_array()
            .map(Vec::len)
            .ok_or_else(|| violation(p, "must be an array", SPEC))
    }

    fn optional_array(&self, p: &str) -> Result<Option<usize>, Violation> {
        match self.get(p) {
            None => Ok(None),
            Some(_) => self.array(p, SPEC).map(Some),
        }
    }

    /// A platform ID: 16 lowercase hex digits, not all zero.
    fn id(&self, p: &str, src: &'static str) -> Result<(), Violation> {
        let s = self.string(p, src)?;
        let hex = s.len() == 16
            && s.bytes()
                .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c));
        if hex && s.bytes().any(|c| c != b'0') {
            Ok(())
        } else {
            Err(violation(
                p,
                &format!("{s:?} is not a valid ID (16 hex digits)"),
                src,
            ))
        }
    }

    /// A Flux duration literal (`90s`, `1h30m`); returns it in nanoseconds.
    fn duration(&self, p: &str, src: &'static str) -> Result<u128, Violation> {
        let s = self.string(p, src)?;
        flux_duration_nanos(s)
            .ok_or_else(|| violation(p, &format!("{s:?} is not a Flux duration"), src))
    }
}

/// Parses a Flux duration literal without months or years (`1h30m`, `90s`, `500ms`).
fn flux_duration_nanos(s: &str) -> Option<u128> {
    const UNITS: &[(&str, u128)] = &[
        ("ns", 1),
        ("us", 1_000),
        ("µs", 1_000),
        ("ms", 1_000_000),
        ("s", 1_000_000_000),
        ("m", 60_000_000_000),
        ("h", 3_600_000_000_000),
        ("d", 86_400_000_000_000),
        ("w", 604_800_000_000_000),
    ];
    let mut rest = s;
    let mut total = 0u128;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let magnitude: u128 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        // Longest unit first, so `ms` is not read as `m` + `s`.
        let (unit, factor) = UNITS
            .iter()
            .filter(|(u, _)| rest.starts_with(u))
            .max_by_key(|(u, _)| u.len())?;
        rest = &rest[unit.len()..];
        total += magnitude * factor;
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::flux_duration_nanos as d;

    #[test]
    fn flux_durations() {
        assert_eq!(d("90s"), Some(90_000_000_000));
        assert_eq!(d("1h30m"), Some(5_400_000_000_000));
        assert_eq!(d("500ms"), Some(500_000_000));
        for bad in ["", "5", "m", "5x", "-1m", "1.5m"] {
            assert_eq!(d(bad), None, "{bad}");
        }
    }
}
