//! Grouping line-protocol lines into write-sized batches.

/// A batch of whole lines, each ending in `\n`.
///
/// ```
/// let mut b = influxdb_http::Batcher::new(2, 1 << 20);
/// assert!(b.push(b"m f=1 1").is_none());
/// let batch = b.push(b"m f=2 2\n").expect("two lines make a batch");
/// assert_eq!(batch.lines, 2);
/// assert_eq!(batch.bytes, b"m f=1 1\nm f=2 2\n");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Batch {
    /// The line protocol, ready for [`InfluxClient::write`](crate::InfluxClient::write).
    pub bytes: Vec<u8>,
    /// Number of lines in `bytes`.
    pub lines: usize,
}

/// Accumulates lines and hands out a [`Batch`] whenever one is full: at `max_lines` lines, or
/// before a line that would take it over `max_bytes` (a single longer line becomes a batch of
/// its own). Call [`Batcher::finish`] at the end for the remainder.
///
/// ```
/// use influxdb_http::Batcher;
///
/// let mut batcher = Batcher::new(1000, 30);
/// let mut batches = Vec::new();
/// for i in 0..5 {
///     let line = format!("weather temp={i} {i}");
///     batches.extend(batcher.push(line.as_bytes()));
/// }
/// batches.extend(batcher.finish());
/// // Each line takes 17 bytes with its newline: two would exceed 30, so one line per batch.
/// assert_eq!(batches.iter().map(|b| b.lines).sum::<usize>(), 5);
/// assert!(batches.iter().all(|b| b.bytes.len() <= 30));
/// ```
#[derive(Debug, Clone)]
pub struct Batcher {
    max_lines: usize,
    max_bytes: usize,
    current: Batch,
}

impl Default for Batcher {
    /// 5000 lines or 4 MiB per batch.
    fn default() -> Self {
        Self::new(Self::DEFAULT_MAX_LINES, Self::DEFAULT_MAX_BYTES)
    }
}

impl Batcher {
    /// Default lines per batch.
    ///
    /// ```
    /// assert_eq!(influxdb_http::Batcher::DEFAULT_MAX_LINES, 5000);
    /// ```
    pub const DEFAULT_MAX_LINES: usize = 5000;
    /// Default bytes per batch (well under InfluxDB's 25 MB default body limit).
    ///
    /// ```
    /// assert_eq!(influxdb_http::Batcher::DEFAULT_MAX_BYTES, 4 << 20);
    /// ```
    pub const DEFAULT_MAX_BYTES: usize = 4 * 1024 * 1024;

    /// A batcher with the given limits (each at least 1).
    ///
    /// ```
    /// let b = influxdb_http::Batcher::new(5000, 4 << 20);
    /// assert!(b.is_empty());
    /// ```
    pub fn new(max_lines: usize, max_bytes: usize) -> Self {
        Self {
            max_lines: max_lines.max(1),
            max_bytes: max_bytes.max(1),
            current: Batch::default(),
        }
    }

    /// Adds one line (a missing trailing `\n` is added); returns a batch when one is complete.
    ///
    /// The returned batch never contains `line` when it was handed out because `line` would
    /// not fit; it does when `line` filled it to `max_lines`.
    ///
    /// ```
    /// let mut b = influxdb_http::Batcher::new(10, 12);
    /// assert!(b.push(b"m f=1 1").is_none());           // 8 bytes
    /// let full = b.push(b"m f=2 2").unwrap();          // 16 > 12: the first goes out alone
    /// assert_eq!(full.bytes, b"m f=1 1\n");
    /// assert_eq!(b.pending_lines(), 1);
    /// ```
    pub fn push(&mut self, line: &[u8]) -> Option<Batch> {
        let needs_newline = !line.ends_with(b"\n");
        let added = line.len() + usize::from(needs_newline);
        let mut out = None;
        if self.current.lines > 0 && self.current.bytes.len() + added > self.max_bytes {
            out = Some(self.take());
        }
        self.current.bytes.extend_from_slice(line);
        if needs_newline {
            self.current.bytes.push(b'\n');
        }
        self.current.lines += 1;
        if out.is_none() && self.current.lines >= self.max_lines {
            out = Some(self.take());
        }
        out
    }

    /// The batch in progress, if it holds any line; the batcher starts afresh.
    ///
    /// ```
    /// let mut b = influxdb_http::Batcher::default();
    /// assert!(b.finish().is_none());
    /// b.push(b"m f=1");
    /// assert_eq!(b.finish().unwrap().lines, 1);
    /// ```
    pub fn finish(&mut self) -> Option<Batch> {
        (self.current.lines > 0).then(|| self.take())
    }

    /// Whether no line is pending.
    ///
    /// ```
    /// assert!(influxdb_http::Batcher::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.current.lines == 0
    }

    /// Lines pending in the batch in progress.
    ///
    /// ```
    /// let mut b = influxdb_http::Batcher::default();
    /// b.push(b"m f=1");
    /// assert_eq!(b.pending_lines(), 1);
    /// ```
    pub fn pending_lines(&self) -> usize {
        self.current.lines
    }

    fn take(&mut self) -> Batch {
        let capacity = self.current.bytes.len();
        std::mem::replace(
            &mut self.current,
            Batch {
                bytes: Vec::with_capacity(capacity),
                lines: 0,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_limit_and_remainder() {
        let mut b = Batcher::new(3, usize::MAX);
        let out: Vec<_> = (0..7)
            .filter_map(|i| b.push(format!("m f={i}").as_bytes()))
            .collect();
        assert_eq!(out.iter().map(|b| b.lines).collect::<Vec<_>>(), [3, 3]);
        assert_eq!(b.finish().unwrap().bytes, b"m f=6\n");
        assert!(b.is_empty());
    }

    #[test]
    fn oversized_line_goes_alone_and_nothing_is_lost() {
        let mut b = Batcher::new(100, 10);
        let mut all = Vec::new();
        for line in ["a f=1", "bbbbbbbbbbbbbbbbbbbb f=1", "c f=1", "d f=1"] {
            all.extend(b.push(line.as_bytes()));
        }
        all.extend(b.finish());
        let lines: Vec<usize> = all.iter().map(|b| b.lines).collect();
        assert_eq!(lines, [1, 1, 1, 1]);
        let joined: Vec<u8> = all.into_iter().flat_map(|b| b.bytes).collect();
        assert_eq!(joined, b"a f=1\nbbbbbbbbbbbbbbbbbbbb f=1\nc f=1\nd f=1\n");
    }
}
