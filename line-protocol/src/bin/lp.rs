//! `lp`: check, format and convert InfluxDB line protocol.
//!
//! Thin glue over the `line_protocol` library: argument parsing, input opening, output
//! buffering and exit codes. Input is streamed with `PointReader`, so memory stays bounded for
//! stdin and for files of any size.

// The crate root sits beside its module folder, hence the explicit paths.
#[path = "lp/input.rs"]
mod input;
#[path = "lp/run.rs"]
mod run;

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use line_protocol::Precision;
use line_protocol::serialize::FloatFormat;

use crate::run::{Command, Outcome};

const AFTER_HELP: &str = "\
Exit status: 0 when every line is good, 1 when any line is bad (the good ones are still
processed), 2 on a usage or I/O error.

Bad lines are reported as `FILE:LINE:COL: message` (`<stdin>` for standard input); a summary
`N points, M errors` follows. `check` prints both to stdout; `fmt` prints them to stderr so
stdout carries only line protocol; `json` writes one `{\"error\":…,\"line\":N,\"column\":C}`
object per bad line in the output stream and the summary to stderr.";

/// Check, format and convert InfluxDB line protocol.
#[derive(Debug, Parser)]
#[command(name = "lp", version, after_help = AFTER_HELP)]
struct Cli {
    #[command(subcommand)]
    command: CliCommand,
}

#[derive(Debug, Subcommand)]
enum CliCommand {
    /// Report every bad line; print nothing for good ones.
    ///
    /// Diagnostics `FILE:LINE:COL: message` and the summary `N points, M errors` go to stdout.
    Check(InputArgs),
    /// Rewrite as canonical line protocol: tags sorted by key, minimal escaping, one space
    /// between sections, timestamps in nanoseconds.
    ///
    /// Floats are written the way Telegraf and InfluxDB write them (`--floats telegraf`):
    /// shortest round-trip digits, never an exponent, no `.0` (`1001`, `0.0000001`); a number
    /// without `i`/`u` is a float in line protocol, so this reads back exactly.
    ///
    /// Points go to stdout; diagnostics and the summary go to stderr. Lines that parse but
    /// cannot be written canonically (duplicate tag keys) are reported as errors too.
    Fmt(FmtArgs),
    /// Convert to JSON Lines, one object per point:
    /// {"measurement":"m","tags":[["k","v"]],"fields":[["f",{"type":"float","value":1.5}]],"timestamp":1700000000000000000}
    ///
    /// `type` is one of float, int, uint, string, bool; `timestamp` is in nanoseconds (or
    /// null). A bad line becomes {"error":"message","line":N,"column":C}; the summary goes to
    /// stderr.
    Json(InputArgs),
}

#[derive(Debug, Args)]
struct InputArgs {
    /// The file to read; `-` or nothing reads standard input.
    #[arg(value_name = "FILE|-", default_value = "-")]
    file: PathBuf,
    /// The unit the input's timestamps are written in: ns, us, ms or s.
    #[arg(long, value_name = "UNIT", default_value = "ns")]
    precision: Precision,
    /// Report and skip lines longer than this many bytes, line end not counted; 0 = no limit.
    ///
    /// Memory stays near this limit plus 64 KiB of read-ahead, whatever the input: a missing
    /// line end or an unterminated string (which runs on to the next quote) ends in an error
    /// naming the line where it starts. The default, 4 MiB, is four times InfluxDB's largest
    /// string value (1 MiB).
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_LINE_LENGTH)]
    max_line_length: usize,
}

/// The default line-length limit (see `--max-line-length`).
const DEFAULT_MAX_LINE_LENGTH: usize = 4 << 20;

#[derive(Debug, Args)]
struct FmtArgs {
    #[command(flatten)]
    input: InputArgs,
    /// How floats are laid out: `telegraf` (Go's 'f' form: `1001`, `1000000000000000000000`,
    /// `0.0000001`) or `exponent` (`1001.0`, `1e+21`, `1e-7`).
    #[arg(long, value_enum, value_name = "FORM", default_value = "telegraf")]
    floats: Floats,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Floats {
    Telegraf,
    Exponent,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (command, args, floats) = match cli.command {
        CliCommand::Check(a) => (Command::Check, a, Floats::Telegraf),
        CliCommand::Fmt(a) => (Command::Fmt, a.input, a.floats),
        CliCommand::Json(a) => (Command::Json, a, Floats::Telegraf),
    };
    let options = run::Options {
        precision: args.precision,
        max_line_length: Some(args.max_line_length).filter(|&n| n > 0),
        floats: match floats {
            Floats::Telegraf => FloatFormat::Telegraf,
            Floats::Exponent => FloatFormat::Exponent,
        },
    };
    let run = |input| {
        run::run(
            command,
            input,
            &options,
            io::stdout().lock(),
            io::stderr().lock(),
        )
    };
    match input::open(&args.file).and_then(run) {
        Ok(Outcome { errors: 0, .. }) => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(1),
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = io::stdout().flush();
            eprintln!("lp: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// `lp json big.lp | head` closes our stdout early: that is the reader's choice, not an error.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain()
        .filter_map(|c| c.downcast_ref::<io::Error>())
        .any(|io| io.kind() == io::ErrorKind::BrokenPipe)
}
