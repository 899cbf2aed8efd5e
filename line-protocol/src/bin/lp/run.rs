//! The read → report → write loop shared by `check`, `fmt` and `json`.

use std::io::{BufWriter, Write};

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

/// Output is collected here and handed to stdout in blocks of about this size: one copy per
/// byte and few `write` calls, where a `BufWriter` fed per line copies twice.
const OUTPUT_BLOCK: usize = 64 * 1024;

/// Streams `input` through `command`, writing to `stdout` and `stderr` (unbuffered writers are
/// fine: output is buffered here); returns the counts, or an error for I/O failures.
pub fn run(
    command: Command,
    input: Input<'_>,
    options: &Options,
    mut stdout: impl Write,
    stderr: impl Write,
) -> anyhow::Result<Outcome> {
    let mut reader = PointReader::new(input.reader).with_precision(options.precision);
    if let Some(limit) = options.max_line_length {
        reader = reader.with_max_line_length(limit);
    }
    let mut stderr = BufWriter::new(stderr);
    let serializer = Serializer::canonical().with_float_format(options.floats);
    let name = input.name.as_str();
    let mut outcome = Outcome {
        points: 0,
        errors: 0,
    };
    let mut out = Vec::with_capacity(OUTPUT_BLOCK + 4096);

    reader.for_each_point(|line, entry| -> anyhow::Result<()> {
        let (line, column, message) = match entry {
            Ok(point) => {
                let written = match command {
                    Command::Check => Ok(()),
                    Command::Json => {
                        json::write_point(&mut out, point);
                        out.push(b'\n');
                        Ok(())
                    }
                    // On error nothing is written.
                    Command::Fmt => serializer.write(point, &mut out),
                };
                match written {
                    Ok(()) => {
                        outcome.points += 1;
                        if out.len() >= OUTPUT_BLOCK {
                            stdout.write_all(&out)?;
                            out.clear();
                        }
                        return Ok(());
                    }
                    // Only duplicate tag keys get here: everything else a parser accepts is
                    // writable.
                    Err(e) => (line, 1, format!("cannot write canonically: {e}")),
                }
            }
            Err(ReadError::Io(e)) => {
                return Err(e).with_context(|| format!("reading {name}"));
            }
            Err(ReadError::Parse(e)) => (e.line, e.column, e.kind.to_string()),
            Err(ReadError::LineTooLong { line, limit }) => (
                line,
                1,
                format!(
                    "line longer than the limit of {limit} bytes (a missing line end or an \
                     unterminated string?); skipped; see --max-line-length"
                ),
            ),
            Err(other) => (line, 1, other.to_string()),
        };
        outcome.errors += 1;
        match command {
            Command::Check => writeln!(out, "{name}:{line}:{column}: {message}")?,
            Command::Fmt => writeln!(stderr, "{name}:{line}:{column}: {message}")?,
            Command::Json => {
                json::write_error(&mut out, &message, line, column);
                out.push(b'\n');
            }
        }
        if out.len() >= OUTPUT_BLOCK {
            stdout.write_all(&out)?;
            out.clear();
        }
        Ok(())
    })?;

    let summary = format!("{} points, {} errors", outcome.points, outcome.errors);
    match command {
        Command::Check => writeln!(out, "{summary}")?,
        Command::Fmt | Command::Json => writeln!(stderr, "{summary}")?,
    }
    stdout.write_all(&out).context("writing to stdout")?;
    stdout.flush().context("writing to stdout")?;
    stderr.flush().context("writing to stderr")?;
    Ok(outcome)
}
