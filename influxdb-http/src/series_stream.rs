//! Reading a chunked `/query` response: one newline-terminated JSON document at a time.

use reqwest::Response;
use serde::Deserialize;

use crate::framing::{DocumentReader, Framing};
use crate::result_queue::{ResultQueue, check_document};
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
    body: DocumentReader,
    ready: ResultQueue<Series>,
}

impl std::fmt::Debug for SeriesStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeriesStream")
            .field("url", &self.body.url)
            .field("buffered_bytes", &self.body.buffered())
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
            body: DocumentReader::new(response, url, timeout, max_document_bytes, Framing::Newline),
            ready: ResultQueue::default(),
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
            if let Some(item) = self.ready.pop() {
                return item.map(Some);
            }
            let Some(document) = self.body.next_document().await? else {
                return Ok(None);
            };
            let doc: Document = match serde_json::from_slice(document) {
                Ok(doc) => doc,
                Err(e) => {
                    return Err(Error::BadResponse {
                        url: self.body.url.clone(),
                        message: format!("invalid JSON chunk: {e}"),
                    });
                }
            };
            check_document(doc.error)?;
            for result in doc.results {
                let id = result.statement_id;
                let series = result.series.into_iter().map(|mut series| {
                    series.statement_id = id;
                    series
                });
                self.ready.push_statement(Some(id), result.error, series);
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
}
