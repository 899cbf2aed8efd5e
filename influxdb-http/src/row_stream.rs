//! Reading a chunked `/query` response as typed [`RowSeries`], msgpack or JSON.

use std::time::Duration;

use reqwest::Response;

use crate::framing::{DocumentReader, Framing};
use crate::result_queue::{ResultQueue, check_document};
use crate::rows::ResultDocument;
use crate::rows_msgpack::DocumentScanner;
use crate::{Error, RowSeries, rows_json, rows_msgpack};

/// The msgpack media type InfluxDB 1.x answers queries in on request.
pub(crate) const MSGPACK: &str = "application/x-msgpack";

/// The typed series chunks of a query result; see
/// [`InfluxClient::query_rows`](crate::InfluxClient::query_rows).
///
/// ```
/// # async fn count(client: &influxdb_http::InfluxClient) -> Result<usize, influxdb_http::Error> {
/// let q = influxdb_http::Query::new("SELECT * FROM weather");
/// let mut stream = client.query_rows("weather", &q).await?;
/// let mut rows = 0;
/// while let Some(series) = stream.next().await? {
///     rows += series.len();
/// }
/// # Ok(rows) }
/// ```
pub struct RowStream {
    body: DocumentReader,
    msgpack: bool,
    ready: ResultQueue<RowSeries>,
}

impl std::fmt::Debug for RowStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowStream")
            .field("url", &self.body.url)
            .field("msgpack", &self.msgpack)
            .field("buffered_bytes", &self.body.buffered())
            .field("ready_series", &self.ready.len())
            .finish()
    }
}

impl RowStream {
    pub(crate) fn new(
        response: Response,
        url: String,
        timeout: Duration,
        max_document_bytes: usize,
        msgpack: bool,
    ) -> Self {
        let framing = if msgpack {
            Framing::Msgpack(DocumentScanner::default())
        } else {
            Framing::Newline
        };
        RowStream {
            body: DocumentReader::new(response, url, timeout, max_document_bytes, framing),
            msgpack,
            ready: ResultQueue::default(),
        }
    }

    /// Whether the server answered in msgpack (else JSON).
    ///
    /// ```
    /// # async fn demo(s: influxdb_http::RowStream) {
    /// println!("msgpack: {}", s.is_msgpack());
    /// # }
    /// ```
    pub fn is_msgpack(&self) -> bool {
        self.msgpack
    }

    /// The next series chunk, `Ok(None)` at the end.
    ///
    /// An error inside the response (unknown database, bad statement) is returned as
    /// [`Error::Query`] in response order; the stream can be read on for the following
    /// statements. A chunk that cannot be decoded is [`Error::BadResponse`].
    ///
    /// ```
    /// # async fn first(client: &influxdb_http::InfluxClient) -> Result<(), influxdb_http::Error> {
    /// let q = influxdb_http::Query::new("SELECT * FROM weather").chunk_size(1000);
    /// let mut stream = client.query_rows("weather", &q).await?;
    /// while let Some(series) = stream.next().await? {
    ///     assert!(series.len() <= 1000);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn next(&mut self) -> Result<Option<RowSeries>, Error> {
        loop {
            if let Some(item) = self.ready.pop() {
                return item.map(Some);
            }
            let msgpack = self.msgpack;
            let Some(document) = self.body.next_document().await? else {
                return Ok(None);
            };
            let decoded = if msgpack {
                rows_msgpack::decode_document(document)
                    .map_err(|e| format!("invalid msgpack chunk: {e}"))
            } else {
                rows_json::decode_document(document).map_err(|e| format!("invalid JSON chunk: {e}"))
            };
            let doc = decoded.map_err(|message| Error::BadResponse {
                url: self.body.url.clone(),
                message,
            })?;
            self.queue(doc)?;
        }
    }

    /// Queues a document's series and statement errors in response order.
    fn queue(&mut self, doc: ResultDocument) -> Result<(), Error> {
        check_document(doc.error)?;
        for result in doc.results {
            self.ready
                .push_statement(result.statement_id, result.error, result.series);
        }
        Ok(())
    }

    /// Reads all remaining series into memory.
    ///
    /// ```
    /// # async fn all(s: influxdb_http::RowStream) -> Result<(), influxdb_http::Error> {
    /// let series: Vec<influxdb_http::RowSeries> = s.collect().await?;
    /// # Ok(()) }
    /// ```
    pub async fn collect(mut self) -> Result<Vec<RowSeries>, Error> {
        let mut all = Vec::new();
        while let Some(series) = self.next().await? {
            all.push(series);
        }
        Ok(all)
    }
}

/// Whether a response is msgpack, by its `Content-Type`.
pub(crate) fn is_msgpack(response: &Response) -> bool {
    response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with(MSGPACK))
}

#[cfg(all(test, feature = "test-server"))]
#[path = "row_stream_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "row_stream_shape_tests.rs"]
mod shape_tests;
