//! Typed errors: one [`Error`] for any request, [`WriteError`] for what a write call left undone.

use std::time::Duration;

/// A failed request or an error reported by InfluxDB.
///
/// ```
/// use influxdb_http::Error;
///
/// let e = Error::Http { url: "http://h/write".into(), status: 503, reason: "busy".into(), retry_after: None };
/// assert!(e.is_retryable());
/// let e = Error::Http { url: "http://h/write".into(), status: 404, reason: "database not found: \"x\"".into(), retry_after: None };
/// assert!(!e.is_retryable());
/// assert!(e.to_string().contains("database not found"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration is unusable (bad URL, header value…).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// No connection could be made, so the server received nothing.
    #[error("cannot connect to {url}: {message}")]
    Connect {
        /// Request URL (without query string).
        url: String,
        /// What went wrong, with its causes.
        message: String,
    },
    /// The request or a wait for response bytes exceeded the configured timeout.
    #[error("request to {url} timed out after {timeout:?}")]
    Timeout {
        /// Request URL (without query string).
        url: String,
        /// The configured limit.
        timeout: Duration,
    },
    /// The connection failed after the request started (reset, closed early…).
    #[error("connection to {url} failed: {message}")]
    Transport {
        /// Request URL (without query string).
        url: String,
        /// What went wrong, with its causes.
        message: String,
    },
    /// InfluxDB answered with an error status.
    #[error("InfluxDB answered {status} for {url}: {reason}")]
    Http {
        /// Request URL (without query string).
        url: String,
        /// HTTP status code.
        status: u16,
        /// InfluxDB's explanation: the JSON `error`, else `X-Influxdb-Error`, else the body.
        reason: String,
        /// The `Retry-After` delay, when sent in seconds.
        retry_after: Option<Duration>,
    },
    /// The response could not be understood.
    #[error("bad response from {url}: {message}")]
    BadResponse {
        /// Request URL (without query string).
        url: String,
        /// What was wrong with it.
        message: String,
    },
    /// InfluxDB rejected a query or one of its statements (the error was inside the JSON).
    #[error("query failed{}: {message}", statement_id.map(|i| format!(" in statement {i}")).unwrap_or_default())]
    Query {
        /// Statement that failed, when the error is tied to one.
        statement_id: Option<u64>,
        /// InfluxDB's message, e.g. `database not found: x`.
        message: String,
    },
    /// `SHOW FIELD KEYS` lists one field with several types (they differ between shards).
    #[error("field {field:?} of measurement {measurement:?} has several types: {types}")]
    FieldTypeConflict {
        /// The measurement.
        measurement: String,
        /// The field.
        field: String,
        /// The types found, comma separated.
        types: String,
    },
}

impl Error {
    /// Whether retrying the same request can succeed: connection failures, timeouts, 429 and
    /// 5xx (except a 5xx that names a missing retention policy, a configuration error).
    ///
    /// ```
    /// let e = influxdb_http::Error::Timeout { url: "u".into(), timeout: std::time::Duration::from_secs(5) };
    /// assert!(e.is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Connect { .. } | Error::Timeout { .. } | Error::Transport { .. } => true,
            Error::Http { status, reason, .. } => {
                *status == 429
                    || (*status >= 500 && !reason.starts_with("retention policy not found"))
            }
            _ => false,
        }
    }

    /// The HTTP status, when InfluxDB answered with an error status.
    ///
    /// ```
    /// let e = influxdb_http::Error::Http { url: "u".into(), status: 413, reason: "too large".into(), retry_after: None };
    /// assert_eq!(e.status(), Some(413));
    /// ```
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Builds the error for a failed `reqwest` call, sorting it by what the server can have seen.
    pub(crate) fn from_reqwest(err: reqwest::Error, url: &str, timeout: Duration) -> Self {
        let url = url.to_owned();
        if err.is_timeout() {
            return Error::Timeout { url, timeout };
        }
        let message = error_chain(&err);
        if err.is_connect() {
            Error::Connect { url, message }
        } else if err.is_builder() {
            Error::Config(message)
        } else {
            Error::Transport { url, message }
        }
    }
}

/// `err: cause: cause…`, as reqwest's own message hides the underlying I/O error.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// What a successful (or partially successful) write call did.
///
/// ```
/// let o = influxdb_http::WriteOutcome::default();
/// assert_eq!((o.requests, o.retries, o.splits, o.bytes), (0, 0, 0, 0));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteOutcome {
    /// HTTP requests sent, retries included.
    pub requests: u32,
    /// Requests that were repeats of a failed one.
    pub retries: u32,
    /// Times a piece was split in halves after `413 Request Entity Too Large`.
    pub splits: u32,
    /// Line-protocol bytes handed to the server (before compression).
    pub bytes: usize,
}

/// Why a write call did not store all of its lines.
///
/// Every variant says where the caller stands, so nothing is lost or written twice:
/// - [`WriteError::Partial`]: the server answered for the whole body; the lines its reasons
///   name were rejected, the others stored (see the variant for 1.x's one exception).
/// - [`WriteError::Rejected`] / [`WriteError::GaveUp`]: `body[..resume_offset]` is settled
///   (stored, or rejected as partial writes listed in `partial`), `body[resume_offset..]` was
///   not stored (except by an ambiguous attempt, which a resend overwrites with identical
///   points). To continue, resend `&body[resume_offset..]`.
///
/// ```
/// use influxdb_http::{Error, WriteError};
/// let e = WriteError::Rejected {
///     error: Error::Http { url: "u".into(), status: 400, reason: "unable to parse 'x'".into(), retry_after: None },
///     resume_offset: 0,
///     partial: vec![],
/// };
/// assert_eq!(e.resume_offset(), Some(0));
/// assert!(e.to_string().contains("unable to parse"));
/// ```
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// InfluxDB rejected some lines and took the rest: `partial write: …` (the good lines are
    /// stored), `422` from 2.x (points dropped), or 1.x's bare `field type conflict` when parse
    /// errors and a type conflict meet in one batch (the good lines may or may not be stored).
    /// Never retried: a resend cannot fix the rejected lines and could only duplicate work.
    #[error("partial write ({} rejection(s)): {}", reasons.len(), reasons.first().map(String::as_str).unwrap_or(""))]
    Partial {
        /// InfluxDB's reason for each request that was partially rejected.
        reasons: Vec<String>,
        /// What the call did.
        outcome: WriteOutcome,
    },
    /// A permanent error (4xx other than 429, an unsplittable 413, bad config).
    #[error("write rejected at byte {resume_offset}: {error}")]
    Rejected {
        /// The error for the request that failed.
        error: Error,
        /// Length of the settled prefix of the body (see the type's documentation).
        resume_offset: usize,
        /// Partial-write reasons met before the failure.
        partial: Vec<String>,
    },
    /// Retryable failures lasted beyond the [`RetryPolicy`](crate::RetryPolicy).
    #[error(
        "write gave up at byte {resume_offset} after {attempts} attempt(s) in {elapsed:?}: {last}"
    )]
    GaveUp {
        /// The last error seen.
        last: Error,
        /// Attempts made for the failing request.
        attempts: u32,
        /// Time spent on the failing request.
        elapsed: Duration,
        /// Length of the settled prefix of the body (see the type's documentation).
        resume_offset: usize,
        /// Partial-write reasons met before the failure.
        partial: Vec<String>,
    },
}

impl WriteError {
    /// Where to resume: `Some(n)` → resend `&body[n..]`; `None` for [`WriteError::Partial`],
    /// where nothing is left to send.
    ///
    /// ```
    /// let e = influxdb_http::WriteError::Partial { reasons: vec!["x".into()], outcome: Default::default() };
    /// assert_eq!(e.resume_offset(), None);
    /// ```
    pub fn resume_offset(&self) -> Option<usize> {
        match self {
            WriteError::Partial { .. } => None,
            WriteError::Rejected { resume_offset, .. }
            | WriteError::GaveUp { resume_offset, .. } => Some(*resume_offset),
        }
    }
}
