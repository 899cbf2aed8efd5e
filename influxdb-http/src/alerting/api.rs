//! [`AlertingApi`]: list, create and update checks, notification endpoints and notification
//! rules of one organization, and look the organization up by name.

use reqwest::Url;
use reqwest::header::CONTENT_TYPE;
use serde::Serialize;
use serde_json::Value;

use super::{ApiError, Check, NotificationEndpoint, NotificationRule};
use crate::client::shown_url;
use crate::{Api, Error, InfluxClient};

/// One of the three object kinds of the alerting API.
///
/// ```
/// use influxdb_http::alerting::{Check, Resource};
/// assert_eq!(Check::PATH, "api/v2/checks");
/// assert_eq!(Check::LIST_KEY, "checks");
/// ```
pub trait Resource: Serialize {
    /// Collection path relative to the base URL.
    const PATH: &'static str;
    /// The array's key in a list answer; also the kind's name in messages.
    const LIST_KEY: &'static str;
    /// The object's name (unique within the organization, what provisioning matches on).
    fn name(&self) -> &str;
    /// Sets `orgID`.
    fn set_org_id(&mut self, org_id: &str);
}

impl Resource for Check {
    const PATH: &'static str = "api/v2/checks";
    const LIST_KEY: &'static str = "checks";
    fn name(&self) -> &str {
        &self.base().name
    }
    fn set_org_id(&mut self, org_id: &str) {
        self.base_mut().org_id = org_id.to_owned();
    }
}

impl Resource for NotificationEndpoint {
    const PATH: &'static str = "api/v2/notificationEndpoints";
    const LIST_KEY: &'static str = "notificationEndpoints";
    fn name(&self) -> &str {
        let NotificationEndpoint::Http(e) = self;
        &e.name
    }
    fn set_org_id(&mut self, org_id: &str) {
        let NotificationEndpoint::Http(e) = self;
        e.org_id = org_id.to_owned();
    }
}

impl Resource for NotificationRule {
    const PATH: &'static str = "api/v2/notificationRules";
    const LIST_KEY: &'static str = "notificationRules";
    fn name(&self) -> &str {
        let NotificationRule::Http(r) = self;
        &r.name
    }
    fn set_org_id(&mut self, org_id: &str) {
        let NotificationRule::Http(r) = self;
        r.org_id = org_id.to_owned();
    }
}

/// An object as InfluxDB stores it: its ID, name and the whole JSON (server-added fields too).
///
/// ```
/// let s = influxdb_http::alerting::Stored { id: "0a".into(), name: "n".into(), body: serde_json::json!({"id": "0a"}) };
/// assert_eq!(s.body["id"], "0a");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    /// The server-assigned ID.
    pub id: String,
    /// The object's name.
    pub name: String,
    /// The object as returned.
    pub body: Value,
}

/// Page size for list calls: the API's maximum `limit`.
const PAGE: usize = 100;

/// InfluxDB 2's alerting API for the organization of an [`Api::V2`] client.
///
/// ```
/// use influxdb_http::{Api, ClientConfig, InfluxClient, Secret};
/// use influxdb_http::alerting::{AlertingApi, ApiError};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let api = Api::V2 { org: "lab".into(), bucket: "weather".into(), token: Secret::new("t") };
/// let alerting = AlertingApi::new(InfluxClient::new(ClientConfig::new("http://127.0.0.1:9", api)?)?)?;
/// // Nothing listens on port 9.
/// assert!(matches!(alerting.org_id().await, Err(ApiError::Unreachable { .. })));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct AlertingApi {
    client: InfluxClient,
    org: String,
}

impl AlertingApi {
    /// Wraps a client configured with [`Api::V2`] (URL, organization name, token).
    ///
    /// ```
    /// use influxdb_http::{Api, ClientConfig, InfluxClient};
    /// let v1 = InfluxClient::new(ClientConfig::new("http://h:8086", Api::v1("db"))?)?;
    /// assert!(influxdb_http::alerting::AlertingApi::new(v1).is_err()); // needs a token and an org
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(client: InfluxClient) -> Result<Self, ApiError> {
        let Api::V2 { org, .. } = &client.config().api else {
            return Err(ApiError::Config(
                "the alerting API is InfluxDB 2's: configure Api::V2 with an org and a token"
                    .into(),
            ));
        };
        let org = org.clone();
        Ok(Self { client, org })
    }

    /// The organization name.
    ///
    /// ```
    /// # use influxdb_http::{Api, ClientConfig, InfluxClient, Secret};
    /// let api = Api::V2 { org: "lab".into(), bucket: "b".into(), token: Secret::new("t") };
    /// let a = influxdb_http::alerting::AlertingApi::new(InfluxClient::new(ClientConfig::new("http://h", api)?)?)?;
    /// assert_eq!(a.org(), "lab");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn org(&self) -> &str {
        &self.org
    }

    /// Looks the organization's ID up by name (`GET /api/v2/orgs?org=NAME`).
    ///
    /// Errors: [`ApiError::OrgNotFound`] when no such organization exists (InfluxDB answers
    /// 404, or an empty list).
    ///
    /// ```no_run
    /// # async fn f(alerting: influxdb_http::alerting::AlertingApi) -> Result<(), influxdb_http::alerting::ApiError> {
    /// let org_id = alerting.org_id().await?;
    /// # Ok(()) }
    /// ```
    pub async fn org_id(&self) -> Result<String, ApiError> {
        let mut url = self.url("api/v2/orgs")?;
        url.query_pairs_mut().append_pair("org", &self.org);
        let not_found = |request: String, message: String| ApiError::OrgNotFound {
            org: self.org.clone(),
            request,
            message,
        };
        let body = match self.call("GET", url.clone(), None).await {
            Err(ApiError::NotFound { request, message }) => {
                return Err(not_found(request, message));
            }
            other => other?,
        };
        let orgs = body.get("orgs").and_then(Value::as_array);
        let found = orgs
            .into_iter()
            .flatten()
            .find(|o| o.get("name").and_then(Value::as_str) == Some(&self.org));
        match found.and_then(|o| o.get("id")).and_then(Value::as_str) {
            Some(id) => Ok(id.to_owned()),
            None if orgs.is_some() => Err(not_found(
                format!("GET {}", shown_url(&url)),
                "no organization of that name in the answer".into(),
            )),
            None => Err(bad_response("GET", &url, "no `orgs` array")),
        }
    }

    /// Lists all objects of kind `R` in organization `org_id`, page by page.
    ///
    /// ```no_run
    /// # async fn f(alerting: influxdb_http::alerting::AlertingApi) -> Result<(), influxdb_http::alerting::ApiError> {
    /// use influxdb_http::alerting::Check;
    /// let org_id = alerting.org_id().await?;
    /// for check in alerting.list::<Check>(&org_id).await? {
    ///     println!("{} {}", check.id, check.name);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn list<R: Resource>(&self, org_id: &str) -> Result<Vec<Stored>, ApiError> {
        let mut all = Vec::new();
        loop {
            let mut url = self.url(R::PATH)?;
            url.query_pairs_mut()
                .append_pair("orgID", org_id)
                .append_pair("offset", &all.len().to_string())
                .append_pair("limit", &PAGE.to_string());
            let body = self.call("GET", url.clone(), None).await?;
            let Some(Value::Array(page)) = body.get(R::LIST_KEY) else {
                return Err(bad_response(
                    "GET",
                    &url,
                    &format!("no `{}` array", R::LIST_KEY),
                ));
            };
            let len = page.len();
            for item in page {
                all.push(stored(item.clone(), "GET", &url)?);
            }
            if len < PAGE {
                return Ok(all);
            }
        }
    }

    /// The object of kind `R` named `name` in organization `org_id`, if any.
    ///
    /// Errors: [`ApiError::Ambiguous`] when several share the name (InfluxDB keeps check names
    /// unique per organization, but not endpoint or rule names).
    ///
    /// ```no_run
    /// # async fn f(alerting: influxdb_http::alerting::AlertingApi) -> Result<(), influxdb_http::alerting::ApiError> {
    /// use influxdb_http::alerting::Check;
    /// let org_id = alerting.org_id().await?;
    /// if let Some(check) = alerting.find::<Check>(&org_id, "temperature_high").await? {
    ///     println!("{}", check.body["every"]);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn find<R: Resource>(
        &self,
        org_id: &str,
        name: &str,
    ) -> Result<Option<Stored>, ApiError> {
        let mut found: Vec<Stored> = self
            .list::<R>(org_id)
            .await?
            .into_iter()
            .filter(|s| s.name == name)
            .collect();
        match found.len() {
            0 | 1 => Ok(found.pop()),
            count => Err(ApiError::Ambiguous {
                kind: R::LIST_KEY,
                name: name.to_owned(),
                count,
            }),
        }
    }

    /// Creates an object (`POST`); returns it as stored, with its new ID.
    ///
    /// ```no_run
    /// # async fn f(alerting: influxdb_http::alerting::AlertingApi, org_id: &str) -> Result<(), influxdb_http::alerting::ApiError> {
    /// use influxdb_http::alerting::{HttpEndpoint, NotificationEndpoint, Resource};
    /// let mut endpoint = NotificationEndpoint::Http(HttpEndpoint::post("hook", "http://hook:8080/"));
    /// endpoint.set_org_id(org_id);
    /// let stored = alerting.create(&endpoint).await?;
    /// # Ok(()) }
    /// ```
    pub async fn create<R: Resource>(&self, object: &R) -> Result<Stored, ApiError> {
        let url = self.url(R::PATH)?;
        let body = self.call("POST", url.clone(), Some(json(object)?)).await?;
        stored(body, "POST", &url)
    }

    /// Replaces the object `id` (`PUT`, the API's full update); returns it as stored.
    ///
    /// ```no_run
    /// # async fn f(alerting: influxdb_http::alerting::AlertingApi, check: influxdb_http::alerting::Check) -> Result<(), influxdb_http::alerting::ApiError> {
    /// let stored = alerting.update("0a1b2c3d4e5f6071", &check).await?;
    /// # Ok(()) }
    /// ```
    pub async fn update<R: Resource>(&self, id: &str, object: &R) -> Result<Stored, ApiError> {
        let url = self.url(&format!("{}/{id}", R::PATH))?;
        let body = self.call("PUT", url.clone(), Some(json(object)?)).await?;
        stored(body, "PUT", &url)
    }

    fn url(&self, path: &str) -> Result<Url, ApiError> {
        self.client
            .endpoint(path)
            .map_err(|e| ApiError::Config(e.to_string()))
    }

    /// Sends one request and parses the JSON answer.
    async fn call(&self, method: &str, url: Url, body: Option<Vec<u8>>) -> Result<Value, ApiError> {
        let http = &self.client.http;
        let mut request = match method {
            "GET" => http.get(url.clone()),
            "POST" => http.post(url.clone()),
            _ => http.put(url.clone()),
        };
        if let Some(body) = body {
            request = request.header(CONTENT_TYPE, "application/json").body(body);
        }
        let request = self.client.authorize(request);
        let fail = |e: Error| ApiError::from_client(e, method);
        let resp = self.client.send(request, &url, true).await.map_err(fail)?;
        let timeout = self.client.config().timeout;
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| fail(Error::from_reqwest(e, &shown_url(&url), timeout)))?;
        serde_json::from_slice(&bytes)
            .map_err(|e| bad_response(method, &url, &format!("not JSON: {e}")))
    }
}

fn json<R: Serialize>(object: &R) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(object).map_err(|e| ApiError::Config(format!("cannot encode body: {e}")))
}

fn bad_response(method: &str, url: &Url, message: &str) -> ApiError {
    ApiError::BadResponse {
        request: format!("{method} {}", shown_url(url)),
        message: message.to_owned(),
    }
}

/// Reads `id` and `name` of an object the server returned.
fn stored(body: Value, method: &str, url: &Url) -> Result<Stored, ApiError> {
    let field = |key: &str| body.get(key).and_then(Value::as_str).map(str::to_owned);
    match (field("id"), field("name")) {
        (Some(id), Some(name)) => Ok(Stored { id, name, body }),
        _ => Err(bad_response(method, url, "object without `id` or `name`")),
    }
}
