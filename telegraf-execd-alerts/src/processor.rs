//! The `processors.execd` loop: line protocol in, the same lines out (plus alerts), flushed
//! whenever the input runs dry.
//!
//! - Every metric is copied to the output **as read** (its original bytes, not re-serialized),
//!   in input order; the alert lines it causes follow it. A last line without a line ending
//!   gets one.
//! - A line that does not parse is reported as `E! line N: …` and dropped; the next ones are
//!   processed. Blank lines and comments are dropped (they carry no metric).
//! - Input is read in chunks of at most 64 KiB. Before each read of the input the output is
//!   written and flushed, so a metric Telegraf wrote is answered at once when the pipe is quiet
//!   (Telegraf writes one metric per write), and a busy pipe costs one write per chunk, not one
//!   per line.
//! - A [`Gate`] lets another thread (the SIGTERM handler) wait until the output is consistent:
//!   the loop holds it while it processes a chunk and releases it, output flushed, while it
//!   waits for input.
//!
//! ```
//! use telegraf_execd_alerts::{AlertsConfig, Engine, processor};
//!
//! let mut engine = Engine::new(&AlertsConfig::shipped());
//! let input = b"weather,station=paris temperature=21.5 1\nnot line protocol\nweather,station=paris temperature=22 2";
//! let mut output = Vec::new();
//! let summary = processor::run(&mut engine, &input[..], &mut output, None).unwrap();
//! assert_eq!(output, b"weather,station=paris temperature=21.5 1\nweather,station=paris temperature=22 2\n");
//! assert_eq!((summary.metrics, summary.bad_lines, summary.alerts), (2, 1, 0));
//! ```

use std::cell::RefCell;
use std::io::{self, BufRead, Read, Write};
use std::sync::{Mutex, MutexGuard};

use line_protocol::{PointReader, ReadError};

use crate::engine::Engine;

/// Most bytes read from the input at once.
const CHUNK: usize = 64 * 1024;

/// Held by the processing loop while it works on a chunk; see the module docs.
///
/// ```
/// let gate = telegraf_execd_alerts::processor::Gate::default();
/// drop(gate.wait_idle());
/// ```
#[derive(Debug, Default)]
pub struct Gate(Mutex<()>);

impl Gate {
    /// Blocks until the loop is waiting for input with everything flushed, and keeps it from
    /// writing more while the returned guard lives (hold it until the process exits).
    ///
    /// ```
    /// let gate = telegraf_execd_alerts::processor::Gate::default();
    /// let _idle = gate.wait_idle();
    /// ```
    pub fn wait_idle(&self) -> MutexGuard<'_, ()> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// What a finished run did.
///
/// ```
/// let s = telegraf_execd_alerts::processor::Summary::default();
/// assert_eq!(s.metrics, 0);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Metrics passed through.
    pub metrics: u64,
    /// Lines dropped as unparsable.
    pub bad_lines: u64,
    /// Alert lines written.
    pub alerts: u64,
}

/// The loop stopped early.
///
/// ```
/// use telegraf_execd_alerts::processor::ProcessError;
/// let e = ProcessError::Output(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
/// assert!(e.to_string().starts_with("writing stdout"));
/// ```
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    /// Reading the input failed.
    #[error("reading stdin: {0}")]
    Input(#[source] io::Error),
    /// Writing or flushing the output failed.
    #[error("writing stdout: {0}")]
    Output(#[source] io::Error),
}

impl ProcessError {
    /// True when the reader of the output went away (Telegraf gone): not worth an error.
    ///
    /// ```
    /// use telegraf_execd_alerts::processor::ProcessError;
    /// assert!(ProcessError::Output(std::io::ErrorKind::BrokenPipe.into()).is_broken_pipe());
    /// ```
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, ProcessError::Output(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

/// Runs the loop until the input ends, then flushes. `gate`: see [`Gate`].
///
/// ```
/// use telegraf_execd_alerts::{AlertsConfig, Engine, processor};
/// let mut engine = Engine::new(&AlertsConfig::shipped());
/// let gate = processor::Gate::default();
/// let mut out = Vec::new();
/// // `wind_storm` needs its threshold crossed for 2 minutes of metric time.
/// let input = b"weather,station=a wind_speed=30 0\nweather,station=a wind_speed=31 120000000000\n";
/// processor::run(&mut engine, &input[..], &mut out, Some(&gate)).unwrap();
/// let out = String::from_utf8(out).unwrap();
/// assert!(out.lines().nth(2).unwrap().starts_with("weather_alert,level=crit,previous_level=ok,rule=wind_storm,station=a value=31.0,threshold=24.5,"), "{out}");
/// ```
pub fn run<R: Read, W: Write>(
    engine: &mut Engine,
    input: R,
    output: W,
    gate: Option<&Gate>,
) -> Result<Summary, ProcessError> {
    let output = RefCell::new(Output {
        buf: Vec::with_capacity(CHUNK + CHUNK / 4),
        sink: output,
        failed: None,
    });
    let source = FlushingInput {
        inner: input,
        buf: vec![0; CHUNK].into_boxed_slice(),
        pos: 0,
        len: 0,
        output: &output,
        gate,
        held: gate.map(Gate::wait_idle),
    };
    let mut reader = PointReader::new(source);
    let alerts_before = engine.alerts();
    let mut summary = Summary::default();
    loop {
        let passed = reader.next_entry_with(|raw, point| {
            let mut out = output.borrow_mut();
            out.buf.extend_from_slice(raw);
            if raw.last() != Some(&b'\n') {
                out.buf.push(b'\n');
            }
            engine.observe(point, &mut out.buf);
        });
        match passed {
            Ok(Some(())) => summary.metrics += 1,
            Ok(None) => break,
            Err(ReadError::Io(e)) => {
                return Err(match output.borrow_mut().failed.take() {
                    Some(out) => ProcessError::Output(out),
                    None => ProcessError::Input(e),
                });
            }
            Err(e) => {
                summary.bad_lines += 1;
                log::error!("dropped a line that is not line protocol: {e}");
            }
        }
    }
    output.borrow_mut().flush().map_err(ProcessError::Output)?;
    summary.alerts = engine.alerts() - alerts_before;
    Ok(summary)
}

struct Output<W> {
    buf: Vec<u8>,
    sink: W,
    /// A write error seen while flushing from inside the input (reported by `run`).
    failed: Option<io::Error>,
}

impl<W: Write> Output<W> {
    fn flush(&mut self) -> io::Result<()> {
        if !self.buf.is_empty() {
            let result = self.sink.write_all(&self.buf);
            self.buf.clear();
            result?;
        }
        self.sink.flush()
    }
}

/// The input, read in chunks; flushes the output and releases the gate around each read.
struct FlushingInput<'o, 'g, R, W> {
    inner: R,
    buf: Box<[u8]>,
    pos: usize,
    len: usize,
    output: &'o RefCell<Output<W>>,
    gate: Option<&'g Gate>,
    held: Option<MutexGuard<'g, ()>>,
}

impl<R: Read, W: Write> Read for FlushingInput<'_, '_, R, W> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: Read, W: Write> BufRead for FlushingInput<'_, '_, R, W> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos == self.len {
            {
                let mut output = self.output.borrow_mut();
                if let Err(e) = output.flush() {
                    let kind = e.kind();
                    output.failed = Some(e);
                    return Err(io::Error::new(kind, "output failed"));
                }
            }
            self.held = None;
            let read = loop {
                match self.inner.read(&mut self.buf) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    other => break other,
                }
            };
            self.held = self.gate.map(Gate::wait_idle);
            self.pos = 0;
            self.len = read?;
        }
        Ok(&self.buf[self.pos..self.len])
    }

    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.len);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AlertsConfig;

    /// A reader handing out one scripted piece per read, recording how much output was
    /// flushed before each read.
    struct Script<'a> {
        pieces: std::collections::VecDeque<&'a [u8]>,
    }

    impl Read for Script<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let Some(piece) = self.pieces.pop_front() else {
                return Ok(0);
            };
            buf[..piece.len()].copy_from_slice(piece);
            Ok(piece.len())
        }
    }

    #[derive(Default)]
    struct Recorder {
        flushed: Vec<Vec<u8>>,
        pending: Vec<u8>,
    }

    impl Write for &mut Recorder {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.pending.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            let done = std::mem::take(&mut self.pending);
            self.flushed.push(done);
            Ok(())
        }
    }

    #[test]
    fn output_is_flushed_before_each_read_and_split_lines_are_joined() {
        let mut engine = Engine::new(&AlertsConfig::shipped());
        let input = Script {
            pieces: [
                &b"weather,station=a temperature=20 1\nweather,sta"[..],
                b"tion=a temperature=21 2\n",
                b"weather,station=a condition=\"line\nbreak\" 3\n",
            ]
            .into(),
        };
        let mut rec = Recorder::default();
        let summary = run(&mut engine, input, &mut rec, None).unwrap();
        assert_eq!(summary.metrics, 3);
        let flushed: Vec<String> = rec
            .flushed
            .iter()
            .map(|b| String::from_utf8(b.clone()).unwrap())
            .collect();
        assert_eq!(
            flushed,
            [
                "",
                "weather,station=a temperature=20 1\n",
                "weather,station=a temperature=21 2\n",
                "weather,station=a condition=\"line\nbreak\" 3\n",
                "",
            ]
        );
    }

    #[test]
    fn bad_lines_are_dropped_and_counted() {
        let mut engine = Engine::new(&AlertsConfig::shipped());
        let mut out = Vec::new();
        let input =
            b"weather f=1 1\nweather,=x f=1 2\n\n# comment\nweather f= 3\nweather f=4 4\r\n";
        let s = run(&mut engine, &input[..], &mut out, None).unwrap();
        assert_eq!((s.metrics, s.bad_lines), (2, 2));
        assert_eq!(out, b"weather f=1 1\nweather f=4 4\r\n");
    }

    #[test]
    fn a_write_error_is_an_output_error() {
        struct Closed;
        impl Write for Closed {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut engine = Engine::new(&AlertsConfig::shipped());
        let input = Script {
            pieces: [&b"weather f=1 1\n"[..], b"weather f=1 2\n"].into(),
        };
        let e = run(&mut engine, input, Closed, None).unwrap_err();
        assert!(e.is_broken_pipe(), "{e}");
    }
}
