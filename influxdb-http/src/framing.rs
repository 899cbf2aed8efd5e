//! Splitting a chunked `/query` response body into documents, in bounded memory.
//!
//! JSON chunks end with a newline; msgpack chunks follow each other with no delimiter, so their
//! ends come from walking the encoding ([`DocumentScanner`]). Either way a document is handed
//! out as a slice of the receive buffer, which is compacted only before reading more, so each
//! byte is copied at most once.

use std::ops::Range;

use reqwest::Response;

use crate::Error;
use crate::rows_msgpack::DocumentScanner;

/// How documents are delimited in the body.
#[derive(Debug)]
pub(crate) enum Framing {
    /// One JSON document per line.
    Newline,
    /// msgpack documents back to back.
    Msgpack(DocumentScanner),
}

/// A response body read document by document.
#[derive(Debug)]
pub(crate) struct DocumentReader {
    response: Option<Response>,
    pub(crate) url: String,
    timeout: std::time::Duration,
    buffer: Vec<u8>,
    /// Bytes at the start of `buffer` already handed out as documents.
    consumed: usize,
    /// Bytes at the start of `buffer` already searched for a newline (≥ `consumed`).
    scanned: usize,
    max_document_bytes: usize,
    framing: Framing,
}

impl DocumentReader {
    pub(crate) fn new(
        response: Response,
        url: String,
        timeout: std::time::Duration,
        max_document_bytes: usize,
        framing: Framing,
    ) -> Self {
        DocumentReader {
            response: Some(response),
            url,
            timeout,
            buffer: Vec::new(),
            consumed: 0,
            scanned: 0,
            max_document_bytes,
            framing,
        }
    }

    /// Bytes received but not yet handed out.
    pub(crate) fn buffered(&self) -> usize {
        self.buffer.len() - self.consumed
    }

    /// The next document, `None` at the end of the body.
    pub(crate) async fn next_document(&mut self) -> Result<Option<&[u8]>, Error> {
        match self.next_range().await? {
            Some(range) => Ok(Some(&self.buffer[range])),
            None => Ok(None),
        }
    }

    /// The next complete document in the buffer, if any.
    fn split(&mut self) -> Option<Range<usize>> {
        loop {
            let document = match &mut self.framing {
                Framing::Newline => {
                    let pos = self.buffer[self.scanned..]
                        .iter()
                        .position(|&b| b == b'\n')?;
                    let document = self.consumed..self.scanned + pos;
                    self.consumed = document.end + 1;
                    self.scanned = self.consumed;
                    if is_blank(&self.buffer[document.clone()]) {
                        continue;
                    }
                    document
                }
                Framing::Msgpack(scanner) => {
                    let len = scanner.scan(&self.buffer[self.consumed..])?;
                    let document = self.consumed..self.consumed + len;
                    self.consumed = document.end;
                    self.scanned = self.consumed;
                    document
                }
            };
            return Some(document);
        }
    }

    async fn next_range(&mut self) -> Result<Option<Range<usize>>, Error> {
        loop {
            if let Some(document) = self.split() {
                return Ok(Some(document));
            }
            self.scanned = self.buffer.len();
            if self.buffer.len() - self.consumed > self.max_document_bytes {
                return Err(Error::BadResponse {
                    url: self.url.clone(),
                    message: format!(
                        "a query result chunk exceeds {} bytes; lower the chunk size",
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
                    // What is left is the last document without its delimiter: whole for
                    // JSON, a truncated body for msgpack (its scanner found no end).
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
