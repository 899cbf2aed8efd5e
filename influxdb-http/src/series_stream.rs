//! Reading a chunked `/query` response: one newline-terminated JSON document at a time.

use std::collections::VecDeque;
use std::ops::Range;

use reqwest::Response;
use serde::Deserialize;

use crate::{Error, Series};

/// One JSON document of a (chunked) `/query` response.
#[derive(Deserialize)]
struct Document {
    #[serde(default)]
    results: Vec<StatementResult>,
    error: Option<String>,
}

#[derive(Deserialize)]
struct StatementResult {
    #[serde(default)]
    statement_id: u64,
    #[serde(default)]
    series: Vec<Series>,
    error: Option<String>,
}

/// The series of a query result, read chunk by chunk; see [`InfluxClient::query_stream`](crate::InfluxClient::query_stream).
///
/// ```
/// # use influxdb_http::{Api, ClientConfig, InfluxClient, Query};
/// # async fn count(client: &InfluxClient) -> Result<usize, influxdb_http::Error> {
/// let mut stream = client.query_stream("weather", &Query::new("SELECT * FROM weather")).await?;
/// let mut rows = 0;
/// while let Some(series) = stream.next().await? {
///     rows += series.values.len();
/// }
/// # Ok(rows) }
/// ```
pub struct SeriesStream {
    response: Option<Response>,
    url: String,
    timeout: std::time::Duration,
    buffer: Vec<u8>,
    /// Bytes at the start of `buffer` already handed out as documents.
    consumed: usize,
    /// Bytes at the start of `buffer` already searched for a newline (≥ `consumed`).
    scanned: usize,
    ready: VecDeque<Result<Series, Error>>,
    max_document_bytes: usize,
}

impl std::fmt::Debug for SeriesStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeriesStream")
            .field("url", &self.url)
            .field("buffered_bytes", &self.buffer.len())
            .field("ready_series", &self.ready.len())
            .finish()
    }
}

impl SeriesStream {
    pub(crate) fn new(
        response: Response,
        url: String,
        timeout: std::time::Duration,
        max_document_bytes: usize,
    ) -> Self {
        Self {
            response: Some(response),
            url,
            timeout,
            buffer: Vec::new(),
            consumed: 0,
            scanned: 0,
            ready: VecDeque::new(),
            max_document_bytes,
        }
    }

    /// The next series chunk, `Ok(None)` at the end.
    ///
    /// An error inside the response (unknown database, bad statement) is returned as
    /// [`Error::Query`]; the stream can be read on for the following statements.
    ///
    /// ```
    /// # async fn first(client: &influxdb_http::InfluxClient) -> Result<(), influxdb_http::Error> {
    /// let q = influxdb_http::Query::new("SELECT * FROM weather").chunk_size(1000);
    /// let mut stream = client.query_stream("weather", &q).await?;
    /// while let Some(series) = stream.next().await? {
    ///     assert!(series.values.len() <= 1000);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn next(&mut self) -> Result<Option<Series>, Error> {
        loop {
            if let Some(item) = self.ready.pop_front() {
                return item.map(Some);
            }
            let Some(document) = self.next_document().await? else {
                return Ok(None);
            };
            let doc: Document =
                serde_json::from_slice(&self.buffer[document]).map_err(|e| Error::BadResponse {
                    url: self.url.clone(),
                    message: format!("invalid JSON chunk: {e}"),
                })?;
            if let Some(message) = doc.error {
                return Err(Error::Query {
                    statement_id: None,
                    message,
                });
            }
            for result in doc.results {
                // Queued in response order, so series before an error are read first and
                // statements after it can still be read.
                if let Some(message) = result.error {
                    self.ready.push_back(Err(Error::Query {
                        statement_id: Some(result.statement_id),
                        message,
                    }));
                }
                for mut series in result.series {
                    series.statement_id = result.statement_id;
                    self.ready.push_back(Ok(series));
                }
            }
        }
    }

    /// Reads all remaining series into memory.
    ///
    /// ```
    /// # async fn all(s: influxdb_http::SeriesStream) -> Result<(), influxdb_http::Error> {
    /// let series: Vec<influxdb_http::Series> = s.collect().await?;
    /// # Ok(()) }
    /// ```
    pub async fn collect(mut self) -> Result<Vec<Series>, Error> {
        let mut all = Vec::new();
        while let Some(series) = self.next().await? {
            all.push(series);
        }
        Ok(all)
    }

    /// The series as a [`Stream`](futures_util::Stream), for `StreamExt` combinators; it ends
    /// after the last series or after a transport error (other errors are items too).
    ///
    /// ```
    /// use futures_util::StreamExt;
    /// # async fn rows(s: influxdb_http::SeriesStream) -> Result<usize, influxdb_http::Error> {
    /// let mut series = std::pin::pin!(s.into_stream());
    /// let mut rows = 0;
    /// while let Some(chunk) = series.next().await {
    ///     rows += chunk?.values.len();
    /// }
    /// # Ok(rows) }
    /// ```
    pub fn into_stream(self) -> impl futures_util::Stream<Item = Result<Series, Error>> + Send {
        futures_util::stream::unfold(self, |mut stream| async move {
            match stream.next().await {
                Ok(Some(series)) => Some((Ok(series), stream)),
                Ok(None) => None,
                Err(e) => Some((Err(e), stream)),
            }
        })
    }

    /// The byte range in `buffer` of the next newline-terminated JSON document (the last may
    /// lack its newline). Documents are parsed in place; the buffer is compacted only before
    /// reading more, so each byte is copied at most once.
    async fn next_document(&mut self) -> Result<Option<Range<usize>>, Error> {
        loop {
            if let Some(pos) = memchr_newline(&self.buffer[self.scanned..]) {
                let document = self.consumed..self.scanned + pos;
                self.consumed = document.end + 1;
                self.scanned = self.consumed;
                if is_blank(&self.buffer[document.clone()]) {
                    continue;
                }
                return Ok(Some(document));
            }
            self.scanned = self.buffer.len();
            if self.buffer.len() - self.consumed > self.max_document_bytes {
                return Err(Error::BadResponse {
                    url: self.url.clone(),
                    message: format!(
                        "a JSON chunk exceeds {} bytes; lower the chunk size",
                        self.max_document_bytes
                    ),
                });
            }
            if self.consumed > 0 {
                self.buffer.drain(..self.consumed);
                self.scanned -= self.consumed;
                self.consumed = 0;
            }
            let Some(response) = self.response.as_mut() else {
                return Ok(None);
            };
            match response.chunk().await {
                Ok(Some(bytes)) => self.buffer.extend_from_slice(&bytes),
                Ok(None) => {
                    self.response = None;
                    let document = 0..self.buffer.len();
                    self.consumed = document.end;
                    self.scanned = document.end;
                    if is_blank(&self.buffer[document.clone()]) {
                        return Ok(None);
                    }
                    return Ok(Some(document));
                }
                Err(e) => {
                    self.response = None;
                    return Err(Error::from_reqwest(e, &self.url, self.timeout));
                }
            }
        }
    }
}

fn is_blank(bytes: &[u8]) -> bool {
    bytes.iter().all(u8::is_ascii_whitespace)
}

fn memchr_newline(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'\n')
}
