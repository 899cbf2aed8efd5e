//! The gather loop of an execd input: triggers → your [`Gather`] → stdout, one whole gather per
//! write + flush.
//!
//! - Each gather appends line protocol to an empty, reused buffer; the loop then writes the
//!   buffer with one `write_all` and flushes, so a reader never waits on a half-written gather
//!   and nothing sits in a block buffer (the Python/C pitfall, Telegraf #7337).
//! - A failing gather is logged as `E! gather failed: …` and the loop goes on; the complete lines
//!   it produced before failing are still written (a trailing partial line is cut off).
//! - [`Trigger::Stop`] ends the loop after the current gather; [`run_gather_loop`] returns and
//!   the program exits (0) — well within Telegraf's 5 s before SIGTERM.
//! - stdout errors end the loop with [`RunError::Output`]. [`RunError::exit_code`] maps a broken
//!   pipe (the reader, i.e. Telegraf, is gone; nobody can read more) to exit status 0 without an
//!   error line, like `head` closing a pipe; any other write error to status 1.

use std::io::Write;
use std::process::ExitCode;
use std::time::SystemTime;

use crate::trigger::{GatherCause, StopCause, Trigger};

/// One gather request handed to [`Gather::gather`].
///
/// ```
/// use telegraf_execd::runner::GatherRequest;
/// use telegraf_execd::trigger::GatherCause;
/// let r = GatherRequest { cause: GatherCause::Poll, at: std::time::SystemTime::UNIX_EPOCH, sequence: 0 };
/// assert_eq!(r.at_nanos(), 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GatherRequest {
    /// What triggered it.
    pub cause: GatherCause,
    /// When it was triggered (scheduled tick time for aligned polls).
    pub at: SystemTime,
    /// 0 for the first gather of this process, then 1, 2, …
    pub sequence: u64,
}

impl GatherRequest {
    /// [`GatherRequest::at`] as nanoseconds since the Unix epoch (0 before 1970; saturating).
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use telegraf_execd::{runner::GatherRequest, trigger::GatherCause};
    /// let at = SystemTime::UNIX_EPOCH + Duration::from_secs(2);
    /// assert_eq!(GatherRequest { cause: GatherCause::Stdin, at, sequence: 3 }.at_nanos(), 2_000_000_000);
    /// ```
    pub fn at_nanos(&self) -> i64 {
        self.at
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
    }
}

/// Something that produces line protocol on demand.
///
/// Implemented for closures `FnMut(&GatherRequest, &mut Vec<u8>) -> Result<(), E>`.
/// Append complete lines (each ending in `\n`) to `out`; it is empty on entry.
///
/// ```
/// use telegraf_execd::runner::{Gather, GatherRequest};
/// struct Counter(u64);
/// impl Gather for Counter {
///     type Error = std::convert::Infallible;
///     fn gather(&mut self, req: &GatherRequest, out: &mut Vec<u8>) -> Result<(), Self::Error> {
///         self.0 += 1;
///         out.extend_from_slice(format!("count n={}i {}\n", self.0, req.at_nanos()).as_bytes());
///         Ok(())
///     }
/// }
/// let mut c = Counter(0);
/// let mut out = Vec::new();
/// let req = GatherRequest { cause: telegraf_execd::GatherCause::Poll, at: std::time::SystemTime::UNIX_EPOCH, sequence: 0 };
/// c.gather(&req, &mut out).unwrap();
/// assert_eq!(out, b"count n=1i 0\n");
/// ```
pub trait Gather {
    /// The gather's error, logged with `E! `.
    type Error: std::fmt::Display;

    /// Appends one gather's worth of line protocol to `out`.
    fn gather(&mut self, request: &GatherRequest, out: &mut Vec<u8>) -> Result<(), Self::Error>;
}

impl<F, E> Gather for F
where
    F: FnMut(&GatherRequest, &mut Vec<u8>) -> Result<(), E>,
    E: std::fmt::Display,
{
    type Error = E;
    fn gather(&mut self, request: &GatherRequest, out: &mut Vec<u8>) -> Result<(), E> {
        self(request, out)
    }
}

/// What a finished loop did.
///
/// ```
/// use telegraf_execd::runner::RunSummary;
/// use telegraf_execd::trigger::StopCause;
/// let s = RunSummary { gathers: 2, failed_gathers: 0, bytes_written: 10, stop: StopCause::StdinEof };
/// assert_eq!(s.gathers, 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSummary {
    /// Gathers run (failed ones included).
    pub gathers: u64,
    /// Gathers that returned an error.
    pub failed_gathers: u64,
    /// Bytes written to the output.
    pub bytes_written: u64,
    /// Why the loop ended.
    pub stop: StopCause,
}

/// The output could not be written.
///
/// ```
/// use telegraf_execd::runner::RunError;
/// let e = RunError::Output(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
/// assert!(e.is_broken_pipe());
/// assert_eq!(e.exit_code(), std::process::ExitCode::SUCCESS);
/// ```
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Writing or flushing stdout failed.
    #[error("writing line protocol to stdout failed: {0}")]
    Output(#[source] std::io::Error),
}

impl RunError {
    /// True when the reader closed the pipe (Telegraf gone).
    ///
    /// ```
    /// let e = telegraf_execd::runner::RunError::Output(std::io::Error::other("disk full"));
    /// assert!(!e.is_broken_pipe());
    /// ```
    pub fn is_broken_pipe(&self) -> bool {
        match self {
            RunError::Output(e) => e.kind() == std::io::ErrorKind::BrokenPipe,
        }
    }

    /// Exit status: 0 for a broken pipe, 1 otherwise (see the module docs).
    ///
    /// ```
    /// let e = telegraf_execd::runner::RunError::Output(std::io::Error::other("disk full"));
    /// assert_eq!(e.exit_code(), std::process::ExitCode::FAILURE);
    /// ```
    pub fn exit_code(&self) -> ExitCode {
        if self.is_broken_pipe() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    }

    /// Logs the error (`E! `; a broken pipe only at debug level) and returns [`Self::exit_code`].
    ///
    /// ```
    /// let e = telegraf_execd::runner::RunError::Output(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
    /// assert_eq!(e.report(), std::process::ExitCode::SUCCESS);
    /// ```
    pub fn report(&self) -> ExitCode {
        if self.is_broken_pipe() {
            log::debug!("stdout closed by the reader, exiting");
        } else {
            log::error!("{self}");
        }
        self.exit_code()
    }
}

/// Runs gathers for each [`Trigger::Gather`] until a [`Trigger::Stop`] (or the end of
/// `triggers`), writing each gather's output to `out` whole and flushed.
///
/// ```
/// use std::time::SystemTime;
/// use telegraf_execd::runner::{run_gather_loop, GatherRequest};
/// use telegraf_execd::trigger::{GatherCause, StopCause, Trigger};
///
/// let t = |_| Trigger::Gather { cause: GatherCause::Stdin, at: SystemTime::UNIX_EPOCH };
/// let triggers = (0..3).map(t).chain([Trigger::Stop(StopCause::StdinEof)]);
/// let mut out = Vec::new();
/// let summary = run_gather_loop(triggers, |r: &GatherRequest, buf: &mut Vec<u8>| {
///     buf.extend_from_slice(format!("m n={}i 0\n", r.sequence).as_bytes());
///     Ok::<_, std::convert::Infallible>(())
/// }, &mut out).unwrap();
/// assert_eq!(summary.gathers, 3);
/// assert_eq!(String::from_utf8(out).unwrap(), "m n=0i 0\nm n=1i 0\nm n=2i 0\n");
/// ```
pub fn run_gather_loop<I, G, W>(
    triggers: I,
    mut gatherer: G,
    mut out: W,
) -> Result<RunSummary, RunError>
where
    I: IntoIterator<Item = Trigger>,
    G: Gather,
    W: Write,
{
    let mut buf = Vec::with_capacity(64 * 1024);
    let mut summary = RunSummary {
        gathers: 0,
        failed_gathers: 0,
        bytes_written: 0,
        stop: StopCause::Manual("trigger stream ended".into()),
    };
    for trigger in triggers {
        let (cause, at) = match trigger {
            Trigger::Gather { cause, at } => (cause, at),
            Trigger::Stop(why) => {
                log::debug!("stopping: {why}");
                summary.stop = why;
                break;
            }
        };
        let request = GatherRequest {
            cause,
            at,
            sequence: summary.gathers,
        };
        buf.clear();
        summary.gathers += 1;
        if let Err(e) = gatherer.gather(&request, &mut buf) {
            summary.failed_gathers += 1;
            log::error!("gather failed: {e}");
            // Keep the complete lines, drop a trailing partial one.
            let keep = buf.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            buf.truncate(keep);
        }
        log::trace!(
            "gather {} ({cause:?}): {} bytes",
            request.sequence,
            buf.len()
        );
        if !buf.is_empty() {
            out.write_all(&buf).map_err(RunError::Output)?;
            summary.bytes_written += buf.len() as u64;
        }
        out.flush().map_err(RunError::Output)?;
    }
    out.flush().map_err(RunError::Output)?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gather_at(s: u64) -> Trigger {
        Trigger::Gather {
            cause: GatherCause::Manual,
            at: SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(s),
        }
    }

    /// Records each write call, to check one write per gather.
    #[derive(Default)]
    struct Recorder(Vec<Vec<u8>>, usize);
    impl Write for Recorder {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.push(b.to_vec());
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            self.1 += 1;
            Ok(())
        }
    }

    #[test]
    fn failed_gather_keeps_complete_lines_and_continues() {
        let triggers = vec![
            gather_at(1),
            gather_at(2),
            Trigger::Stop(StopCause::StdinEof),
            gather_at(3),
        ];
        let mut rec = Recorder::default();
        let summary = run_gather_loop(
            triggers,
            |r: &GatherRequest, out: &mut Vec<u8>| {
                out.extend_from_slice(format!("m v={}i {}\n", r.sequence, r.at_nanos()).as_bytes());
                if r.sequence == 0 {
                    out.extend_from_slice(b"m v=");
                    return Err("sensor offline");
                }
                Ok(())
            },
            &mut rec,
        )
        .unwrap();
        assert_eq!(summary.gathers, 2);
        assert_eq!(summary.failed_gathers, 1);
        assert_eq!(summary.stop, StopCause::StdinEof);
        assert_eq!(
            rec.0,
            vec![
                b"m v=0i 1000000000\n".to_vec(),
                b"m v=1i 2000000000\n".to_vec()
            ]
        );
        assert!(rec.1 >= 2);
    }

    struct Closed;
    impl Write for Closed {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn broken_pipe_ends_loop_with_success_code() {
        let err = run_gather_loop(
            vec![gather_at(1), gather_at(2)],
            |_: &GatherRequest, out: &mut Vec<u8>| {
                out.extend_from_slice(b"m v=1\n");
                Ok::<_, String>(())
            },
            Closed,
        )
        .unwrap_err();
        assert!(err.is_broken_pipe());
        assert_eq!(err.exit_code(), ExitCode::SUCCESS);
    }
}
