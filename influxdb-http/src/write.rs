//! Writing line protocol: compression, retries, 413 splitting, partial writes.
//!
//! # Why nothing is lost or written twice
//!
//! A request is retried only after a connection failure, a timeout, `429` or a `5xx`:
//! - connection refused: the server received nothing;
//! - `429`/`503` and most `5xx`: the server refused the whole body;
//! - a timeout or a connection broken mid-request: the server may have stored the body. Sending
//!   it again is still safe because InfluxDB identifies a point by measurement, tag set and
//!   timestamp: writing an identical point again overwrites it with the same values and creates
//!   no duplicate. This holds only for lines that carry their own timestamp (lines without one
//!   get the server's clock), so callers needing exactly-once must timestamp every line.
//!
//! Everything else (`4xx`) is final: a `400 partial write` means the good lines ARE stored, so
//! it is reported and never retried. A `413` splits the body in halves at line boundaries and
//! sends them in order, which keeps the stored part a prefix of the body
//! ([`WriteError::resume_offset`]).

use std::ops::Range;
use std::time::{Duration, Instant};

use std::io::Write as _;

use reqwest::header::{CONTENT_ENCODING, CONTENT_TYPE};

use crate::retry::{jittered, nominal_backoff};
use crate::split::split_point;
use crate::{ContentEncoding, Error, InfluxClient, WriteError, WriteOutcome};

/// How one request body fared after its retries.
enum PieceResult {
    Stored,
    Partial(String),
    TooLarge(Error),
    Rejected(Error),
    GaveUp {
        last: Error,
        attempts: u32,
        elapsed: Duration,
    },
}

impl InfluxClient {
    /// Writes a body of line protocol (nanosecond timestamps) to the configured database or
    /// bucket, retrying per the [`RetryPolicy`](crate::RetryPolicy); see the
    /// [module notes](crate::write) for the retry rules.
    ///
    /// An empty or blank body sends nothing.
    ///
    /// ```
    /// # use influxdb_http::{Api, ClientConfig, InfluxClient, RetryPolicy, WriteError};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let mut cfg = ClientConfig::new("http://127.0.0.1:9", Api::v1("weather"))?;
    /// cfg.retry = RetryPolicy::none();
    /// let client = InfluxClient::new(cfg)?;
    /// assert_eq!(client.write(b"").await?.requests, 0);
    /// // Nothing listens on port 9: one attempt, then the whole body is left to resend.
    /// let err = client.write(b"weather,station=a temp=21.5 1700000000000000000\n").await.unwrap_err();
    /// assert!(matches!(err, WriteError::GaveUp { attempts: 1, resume_offset: 0, .. }));
    /// # Ok(()) }
    /// ```
    pub async fn write(&self, body: &[u8]) -> Result<WriteOutcome, WriteError> {
        let mut outcome = WriteOutcome::default();
        let mut partial = Vec::new();
        // A stack of pieces still to send; the next piece in body order is on top.
        let mut pending: Vec<Range<usize>> = Vec::new();
        pending.push(0..body.len());
        while let Some(range) = pending.pop() {
            let piece = &body[range.clone()];
            if piece.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match self.send_piece(piece, &mut outcome).await {
                PieceResult::Stored => {}
                PieceResult::Partial(reason) => partial.push(reason),
                PieceResult::TooLarge(error) => match split_point(piece) {
                    Some(mid) => {
                        outcome.splits += 1;
                        pending.push(range.start + mid..range.end);
                        pending.push(range.start..range.start + mid);
                    }
                    None => {
                        return Err(WriteError::Rejected {
                            error,
                            resume_offset: range.start,
                            partial,
                        });
                    }
                },
                PieceResult::Rejected(error) => {
                    return Err(WriteError::Rejected {
                        error,
                        resume_offset: range.start,
                        partial,
                    });
                }
                PieceResult::GaveUp {
                    last,
                    attempts,
                    elapsed,
                } => {
                    return Err(WriteError::GaveUp {
                        last,
                        attempts,
                        elapsed,
                        resume_offset: range.start,
                        partial,
                    });
                }
            }
        }
        if partial.is_empty() {
            Ok(outcome)
        } else {
            Err(WriteError::Partial {
                reasons: partial,
                outcome,
            })
        }
    }

    /// Sends one piece, retrying while the errors are retryable and the policy allows.
    async fn send_piece(&self, piece: &[u8], outcome: &mut WriteOutcome) -> PieceResult {
        let payload = match encode(piece, self.config.content_encoding) {
            Ok(p) => p,
            Err(e) => return PieceResult::Rejected(Error::Config(format!("gzip failed: {e}"))),
        };
        let policy = &self.config.retry;
        let started = Instant::now();
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            outcome.requests += 1;
            if attempts > 1 {
                outcome.retries += 1;
            }
            let mut request = self
                .authorize(self.http.post(self.write_url.clone()))
                .header(CONTENT_TYPE, "text/plain; charset=utf-8")
                .body(payload.clone());
            if self.config.content_encoding == ContentEncoding::Gzip {
                request = request.header(CONTENT_ENCODING, "gzip");
            }
            let error = match self.send(request, &self.write_url, true).await {
                Ok(_) => {
                    outcome.bytes += piece.len();
                    return PieceResult::Stored;
                }
                Err(error) => error,
            };
            if error.status() == Some(413) {
                return PieceResult::TooLarge(error);
            }
            if let Some(reason) = partial_write_reason(&error) {
                outcome.bytes += piece.len();
                return PieceResult::Partial(reason);
            }
            if !error.is_retryable() {
                return PieceResult::Rejected(error);
            }
            let wait = match &error {
                Error::Http {
                    retry_after: Some(after),
                    ..
                } => *after,
                _ => jittered(nominal_backoff(policy, attempts)),
            };
            let elapsed = started.elapsed();
            if attempts >= policy.max_attempts || elapsed + wait > policy.max_elapsed {
                return PieceResult::GaveUp {
                    last: error,
                    attempts,
                    elapsed,
                };
            }
            tokio::time::sleep(wait).await;
        }
    }
}

/// InfluxDB's reason when an error means "some lines stored, others rejected".
///
/// 1.x/3.x say `partial write: …` (1.x also answers a bare `field type conflict` when parse
/// errors and a conflict meet in one batch, still storing the good lines); 2.x answers `422`
/// when it dropped points (e.g. outside the retention period).
fn partial_write_reason(error: &Error) -> Option<String> {
    match error {
        Error::Http { status, reason, .. }
            if (*status == 400
                && (reason.contains("partial write")
                    || reason.starts_with("field type conflict")))
                || *status == 422 =>
        {
            Some(reason.clone())
        }
        _ => None,
    }
}

/// The request body for `piece` in the configured encoding.
fn encode(piece: &[u8], encoding: ContentEncoding) -> std::io::Result<Vec<u8>> {
    match encoding {
        ContentEncoding::Identity => Ok(piece.to_vec()),
        ContentEncoding::Gzip => {
            let mut gz = flate2::write::GzEncoder::new(
                Vec::with_capacity(piece.len() / 4 + 64),
                flate2::Compression::fast(),
            );
            gz.write_all(piece)?;
            gz.finish()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(status: u16, reason: &str) -> Error {
        Error::Http {
            url: "u".into(),
            status,
            reason: reason.into(),
            retry_after: None,
        }
    }

    #[test]
    fn partial_writes_are_recognised() {
        let p = "partial write: unable to parse 'bad': invalid field format dropped=0";
        assert_eq!(partial_write_reason(&http(400, p)).as_deref(), Some(p));
        assert!(partial_write_reason(&http(400, "field type conflict")).is_some());
        assert!(partial_write_reason(&http(422, "points dropped")).is_some());
        assert!(partial_write_reason(&http(400, "unable to parse 'bad'")).is_none());
        assert!(partial_write_reason(&http(404, "database not found")).is_none());
    }

    #[test]
    fn gzip_round_trips() {
        let body = b"m f=1 1\n".repeat(100);
        let gz = encode(&body, ContentEncoding::Gzip).unwrap();
        assert!(gz.len() < body.len() / 4);
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut out).unwrap();
        assert_eq!(out, body);
        assert_eq!(encode(&body, ContentEncoding::Identity).unwrap(), body);
    }
}
