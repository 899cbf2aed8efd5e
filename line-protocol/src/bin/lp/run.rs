//! The read → report → write loop shared by `check`, `fmt` and `json`.

use std::io::{self, BufWriter, Write};

use anyhow::Context;
use line_protocol::serialize::{FloatFormat, Serializer};
use line_protocol::stream::{PointReader, ReadError};
use line_protocol::{Precision, json};

use crate::input::Input;

/// What to do with each point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Report bad lines only.
    Check,
    /// Write canonical line protocol.
    Fmt,
    /// Write JSON Lines.
    Json,
}

/// Options shared by all commands.
#[derive(Debug, Clone)]
pub struct Options {
    /// Unit of the input's timestamps.
    pub precision: Precision,
    /// Longest accepted line, if limited.
    pub max_line_length: Option<usize>,
    /// How `fmt` lays out floats.
    pub floats: FloatFormat,
}

/// What a run saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Good points.
    pub points: u64,
    /// Bad lines.
    pub errors: u64,
}

/// One bad line, wherever it was found.
struct Diagnostic {
    line: usize,
    column: usize,
    message: String,
}

/// Streams `input` through `command`; returns the counts, or an error for I/O failures.
pub fn run(command: Command, input: Input, options: &Options) -> anyhow::Result<Outcome> {
    let mut reader = PointReader::new(input.reader).with_precision(options.precision);
    if let Some(limit) = options.max_line_length {
        reader = reader.with_max_line_length(limit);
    }
    let mut stdout = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let mut stderr = BufWriter::new(io::stderr().lock());
    let serializer = Serializer::canonical().with_float_format(options.floats);
    let mut outcome = Outcome {
        points: 0,
        errors: 0,
    };
    // One line of output is built here, then written: keeps `write` calls few and large.
    let mut buf = Vec::with_capacity(4096);

    loop {
        buf.clear();
        let before = reader.line();
        // `next_point_with` lends the point and keeps its vectors for the next line.
        let step = reader.next_point_with(|point| match command {
            Command::Check => Ok(()),
            Command::Json => {
                json::write_point(&mut buf, point);
                buf.push(b'\n');
                Ok(())
            }
            Command::Fmt => serializer.write(point, &mut buf),
        });
        let diagnostic = match step {
            Ok(None) => break,
            Ok(Some(Ok(()))) => None,
            // Only duplicate tag keys get here: everything else a parser accepts is writable.
            Ok(Some(Err(e))) => Some(Diagnostic {
                line: point_line(before, reader.line()),
                column: 1,
                message: format!("cannot write canonically: {e}"),
            }),
            Err(ReadError::Io(e)) => {
                return Err(e).with_context(|| format!("reading {}", input.name));
            }
            Err(ReadError::Parse(e)) => Some(Diagnostic {
                line: e.line,
                column: e.column,
                message: e.kind.to_string(),
            }),
            Err(ReadError::LineTooLong { line, limit }) => Some(Diagnostic {
                line,
                column: 1,
                message: format!("line longer than the limit of {limit} bytes"),
            }),
            Err(other) => Some(Diagnostic {
                line: reader.line(),
                column: 1,
                message: other.to_string(),
            }),
        };
        match diagnostic {
            None => {
                outcome.points += 1;
                stdout.write_all(&buf)?;
            }
            Some(d) => {
                outcome.errors += 1;
                match command {
                    Command::Check => writeln!(
                        stdout,
                        "{}:{}:{}: {}",
                        input.name, d.line, d.column, d.message
                    )?,
                    Command::Fmt => writeln!(
                        stderr,
                        "{}:{}:{}: {}",
                        input.name, d.line, d.column, d.message
                    )?,
                    Command::Json => {
                        json::write_error(&mut buf, &d.message, d.line, d.column);
                        buf.push(b'\n');
                        stdout.write_all(&buf)?;
                    }
                }
            }
        }
    }

    let summary = format!("{} points, {} errors", outcome.points, outcome.errors);
    match command {
        Command::Check => writeln!(stdout, "{summary}")?,
        Command::Fmt | Command::Json => writeln!(stderr, "{summary}")?,
    }
    stdout.flush().context("writing to stdout")?;
    stderr.flush().context("writing to stderr")?;
    Ok(outcome)
}

/// The line of a point the reader just returned, from the reader's line before and after it:
/// the line before the one the reader moved to (points end with LF), but never before where
/// the reader started (the last line of the input may lack its LF).
fn point_line(before: usize, after: usize) -> usize {
    after.saturating_sub(1).max(before)
}
