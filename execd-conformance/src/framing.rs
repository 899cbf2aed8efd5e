//! Where one line-protocol record ends in a byte stream, as Telegraf's streaming influx
//! reader sees it.
//!
//! Records end at `\n` (a preceding `\r` is dropped), except inside a quoted string field
//! value, which may hold raw newlines. Empty lines and `#` comment lines are skipped. Bytes
//! arrive in arbitrary chunks: an incomplete record is kept until more input or the end of
//! the stream, where it still counts as a record (Telegraf parses a final unterminated line).

/// Splits a byte stream into line-protocol records.
///
/// ```
/// use execd_conformance::framing::LineFramer;
/// let mut framer = LineFramer::default();
/// let mut records = framer.push(b"a v=1i\nb s=\"two\nlines\"\nc v=");
/// assert_eq!(records, vec![b"a v=1i".to_vec(), b"b s=\"two\nlines\"".to_vec()]);
/// records = framer.push(b"3i");
/// assert!(records.is_empty());
/// assert_eq!(framer.finish(), Some(b"c v=3i".to_vec()));
/// ```
#[derive(Debug, Default)]
pub struct LineFramer {
    /// Bytes of the record being read.
    pending: Vec<u8>,
    /// Where scanning resumes in `pending`.
    scanned: usize,
    scan: ScanState,
}

/// The scanner's place inside the current record.
#[derive(Debug, Default, Clone, Copy)]
struct ScanState {
    /// The previous byte was an unescaped backslash.
    escaped: bool,
    /// An unescaped space has been seen: we are past the measurement and tags.
    in_fields: bool,
    /// Inside a quoted string field value.
    quoted: bool,
    /// The previous byte was an unescaped `=` in the field section.
    after_equals: bool,
}

impl LineFramer {
    /// Feeds the next chunk; returns the records it completed, without their line ending.
    ///
    /// ```
    /// use execd_conformance::framing::LineFramer;
    /// let mut framer = LineFramer::default();
    /// assert_eq!(framer.push(b"# comment\r\n\nm v=1 1\r\n"), vec![b"m v=1 1".to_vec()]);
    /// ```
    pub fn push(&mut self, chunk: &[u8]) -> Vec<Vec<u8>> {
        self.pending.extend_from_slice(chunk);
        let mut records = Vec::new();
        let mut start = 0;
        let mut i = self.scanned;
        while i < self.pending.len() {
            let byte = self.pending[i];
            let at_record_start = i == start;
            if at_record_start && byte == b'#' {
                // A comment runs to the end of its line; quotes inside it mean nothing.
                match self.pending[i..].iter().position(|b| *b == b'\n') {
                    Some(len) => {
                        i += len + 1;
                        start = i;
                        continue;
                    }
                    None => break,
                }
            }
            if self.scan.step(byte) {
                let mut end = i;
                if end > start && self.pending[end - 1] == b'\r' {
                    end -= 1;
                }
                if end > start {
                    records.push(self.pending[start..end].to_vec());
                }
                start = i + 1;
                self.scan = ScanState::default();
            }
            i += 1;
        }
        // Keep only the unfinished record; a pending comment restarts from its `#`.
        self.pending.drain(..start);
        self.scanned = if self.pending.first() == Some(&b'#') {
            0
        } else {
            i - start
        };
        records
    }

    /// Ends the stream: the unterminated last record, if any (comments and blanks excluded).
    ///
    /// ```
    /// use execd_conformance::framing::LineFramer;
    /// let mut framer = LineFramer::default();
    /// framer.push(b"# just a comment");
    /// assert_eq!(framer.finish(), None);
    /// ```
    pub fn finish(&mut self) -> Option<Vec<u8>> {
        let mut rest = std::mem::take(&mut self.pending);
        self.scanned = 0;
        self.scan = ScanState::default();
        if rest.last() == Some(&b'\r') {
            rest.pop();
        }
        let blank = rest.iter().all(|b| b.is_ascii_whitespace());
        (!blank && rest.first() != Some(&b'#')).then_some(rest)
    }

    /// Bytes held for the record not yet terminated.
    ///
    /// ```
    /// use execd_conformance::framing::LineFramer;
    /// let mut framer = LineFramer::default();
    /// framer.push(b"m v=\"open");
    /// assert_eq!(framer.pending_len(), 9);
    /// ```
    pub fn pending_len(&self) -> usize {
        self.pending.len()
    }
}

impl ScanState {
    /// Advances over one byte; true if it ends the record.
    fn step(&mut self, byte: u8) -> bool {
        if self.escaped {
            self.escaped = false;
            self.after_equals = false;
            return false;
        }
        match byte {
            b'\\' => {
                self.escaped = true;
                false
            }
            b'"' if self.quoted => {
                self.quoted = false;
                false
            }
            b'"' if self.in_fields && self.after_equals => {
                self.quoted = true;
                self.after_equals = false;
                false
            }
            b'\n' => !self.quoted,
            _ if self.quoted => false,
            b' ' => {
                self.in_fields = true;
                self.after_equals = false;
                false
            }
            b'=' => {
                self.after_equals = self.in_fields;
                false
            }
            _ => {
                self.after_equals = false;
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame_all(input: &[u8], chunk: usize) -> Vec<Vec<u8>> {
        let mut framer = LineFramer::default();
        let mut out = Vec::new();
        for piece in input.chunks(chunk.max(1)) {
            out.extend(framer.push(piece));
        }
        out.extend(framer.finish());
        out
    }

    #[test]
    fn chunking_never_changes_the_records() {
        let input: &[u8] = b"# head\nw,station=a\\ b t=1.5,s=\"x\\\"y\nz\" 1\r\n\n\"q\",t=\"v\" f=\"a=\\\\\" 2\nlast v=1i";
        let whole = frame_all(input, input.len());
        assert_eq!(
            whole,
            vec![
                b"w,station=a\\ b t=1.5,s=\"x\\\"y\nz\" 1".to_vec(),
                b"\"q\",t=\"v\" f=\"a=\\\\\" 2".to_vec(),
                b"last v=1i".to_vec(),
            ]
        );
        for chunk in 1..input.len() {
            assert_eq!(frame_all(input, chunk), whole, "chunk size {chunk}");
        }
    }

    #[test]
    fn quotes_in_measurement_and_tags_do_not_open_strings() {
        assert_eq!(frame_all(b"m\"x,t=\"y v=1\nn v=2\n", 3).len(), 2);
    }

    #[test]
    fn long_records_are_not_limited() {
        let mut line = b"m s=\"".to_vec();
        line.extend(std::iter::repeat_n(b'x', 200_000));
        line.extend_from_slice(b"\"\n");
        let out = frame_all(&line, 4096);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].len(), line.len() - 1);
    }
}
