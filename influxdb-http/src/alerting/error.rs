//! [`ApiError`]: what went wrong talking to InfluxDB 2's management API, sorted by what the
//! user has to fix.

use crate::Error;

/// A failed call to InfluxDB 2's alerting API.
///
/// The status codes a user can act on get their own variant; every variant quotes the request
/// (`METHOD url`) and InfluxDB's own message.
///
/// ```
/// use influxdb_http::alerting::ApiError;
/// let e = ApiError::Unauthorized { request: "GET http://h/api/v2/orgs".into(), message: "unauthorized access".into() };
/// assert!(e.to_string().contains("401"));
/// assert_eq!(e.status(), Some(401));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// 401: the token is missing, wrong or revoked.
    #[error(
        "{request}: 401 Unauthorized ({message}): InfluxDB does not accept the API token; check that it is set and valid"
    )]
    Unauthorized {
        /// `METHOD url` of the request.
        request: String,
        /// InfluxDB's message.
        message: String,
    },
    /// 403: the token is valid but may not do this (e.g. a read-only token writing).
    #[error(
        "{request}: 403 Forbidden ({message}): the API token lacks the permission (it needs read and write on checks, notificationEndpoints and notificationRules of the organization)"
    )]
    Forbidden {
        /// `METHOD url` of the request.
        request: String,
        /// InfluxDB's message.
        message: String,
    },
    /// 404: wrong URL (not an InfluxDB 2?), or the object is gone.
    #[error("{request}: 404 Not Found ({message})")]
    NotFound {
        /// `METHOD url` of the request.
        request: String,
        /// InfluxDB's message.
        message: String,
    },
    /// `GET /api/v2/orgs?org=NAME` found no such organization.
    #[error("organization {org:?} not found ({request}: {message})")]
    OrgNotFound {
        /// The organization name looked up.
        org: String,
        /// `METHOD url` of the request.
        request: String,
        /// InfluxDB's message.
        message: String,
    },
    /// No connection, a timeout, or a connection broken mid-request.
    #[error("cannot reach InfluxDB: {request}: {message}")]
    Unreachable {
        /// `METHOD url` of the request.
        request: String,
        /// What failed, with its causes.
        message: String,
    },
    /// Any other error status.
    #[error("{request}: InfluxDB answered {status}: {message}")]
    Status {
        /// `METHOD url` of the request.
        request: String,
        /// The HTTP status.
        status: u16,
        /// InfluxDB's message.
        message: String,
    },
    /// A 2xx answer that is not the documented JSON.
    #[error("{request}: unexpected response: {message}")]
    BadResponse {
        /// `METHOD url` of the request.
        request: String,
        /// What was wrong.
        message: String,
    },
    /// Several objects of one kind share a name, so provisioning cannot tell which to update.
    #[error("{count} {kind} are named {name:?} in the organization; delete or rename all but one")]
    Ambiguous {
        /// `checks`, `notificationEndpoints` or `notificationRules`.
        kind: &'static str,
        /// The shared name.
        name: String,
        /// How many there are.
        count: usize,
    },
    /// Unusable client configuration (URL, API flavour).
    #[error("invalid configuration: {0}")]
    Config(String),
}

impl ApiError {
    /// The HTTP status InfluxDB answered, if it answered with an error status.
    ///
    /// ```
    /// let e = influxdb_http::alerting::ApiError::Config("x".into());
    /// assert_eq!(e.status(), None);
    /// ```
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Unauthorized { .. } => Some(401),
            ApiError::Forbidden { .. } => Some(403),
            ApiError::NotFound { .. } | ApiError::OrgNotFound { .. } => Some(404),
            ApiError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Sorts a client [`Error`] for the request `method url`.
    pub(crate) fn from_client(error: Error, method: &str) -> Self {
        let request = |url: &str| format!("{method} {url}");
        match error {
            Error::Connect { url, message } | Error::Transport { url, message } => {
                ApiError::Unreachable {
                    request: request(&url),
                    message,
                }
            }
            Error::Timeout { url, timeout } => ApiError::Unreachable {
                request: request(&url),
                message: format!("no answer within {timeout:?}"),
            },
            Error::Http {
                url,
                status,
                reason,
                ..
            } => {
                let (request, message) = (request(&url), reason);
                match status {
                    401 => ApiError::Unauthorized { request, message },
                    403 => ApiError::Forbidden { request, message },
                    404 => ApiError::NotFound { request, message },
                    status => ApiError::Status {
                        request,
                        status,
                        message,
                    },
                }
            }
            Error::BadResponse { url, message } => ApiError::BadResponse {
                request: request(&url),
                message,
            },
            other => ApiError::Config(other.to_string()),
        }
    }
}
