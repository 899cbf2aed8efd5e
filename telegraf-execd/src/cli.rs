//! Go-shim command-line conventions on top of clap.
//!
//! Go's `flag` package accepts `-config x`, `--config x`, `-config=x` and `--config=x` alike,
//! and Telegraf users copy shim command lines (`-poll_interval 10s -poll_interval_disabled`)
//! into `[[inputs.execd]] command`. [`normalize_args`] rewrites single-dash long flags to the
//! double-dash form clap expects; [`ShimArgs`] holds the shim's flags for `#[command(flatten)]`.
//!
//! Flag names are spelled two ways: Go-shim style with underscores for Telegraf
//! (`-log_level`, `-poll_interval`) and kebab-case for people (`--log-level`,
//! `--bootstrap-servers`). [`accept_both_spellings`] (applied by [`parse_args_from`]) makes every
//! program take either.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::duration::GoDuration;
use crate::logger::LogLevel;

/// Rewrites `-name…` (a single dash followed by at least two characters, the first a letter)
/// to `--name…`, leaving everything else alone: the program name, short flags like `-h`,
/// negative numbers like `-5`, a lone `-`, and every argument after a bare `--`.
///
/// Consequence: bundled short flags (`-vq`) are not supported; none of our programs use them.
///
/// ```
/// use telegraf_execd::cli::normalize_args;
/// let argv = ["prog", "-config", "w.toml", "-poll_interval=10s", "-poll_interval_disabled", "-h", "-5", "--", "-x"];
/// let out: Vec<String> = normalize_args(argv).into_iter().map(|s| s.into_string().unwrap()).collect();
/// assert_eq!(out, ["prog", "--config", "w.toml", "--poll_interval=10s", "--poll_interval_disabled", "-h", "-5", "--", "-x"]);
/// ```
pub fn normalize_args<I, T>(args: I) -> Vec<OsString>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString>,
{
    let mut out = Vec::new();
    let mut passthrough = false;
    for (i, arg) in args.into_iter().enumerate() {
        let arg: OsString = arg.into();
        if i == 0 || passthrough {
            out.push(arg);
            continue;
        }
        let rewritten = match arg.to_str() {
            Some("--") => {
                passthrough = true;
                None
            }
            Some(s) if is_single_dash_long(s) => Some(OsString::from(format!("-{s}"))),
            _ => None,
        };
        out.push(rewritten.unwrap_or(arg));
    }
    out
}

/// Parses a clap command line the Go-shim way ([`normalize_args`], [`accept_both_spellings`])
/// and reports a bad one the way Telegraf can read: one `E! ` line on stderr naming the
/// problem, exit status 2, before
/// anything reaches stdout. `--help` and `--version` print to stdout and give exit status 0.
/// `Err` carries the exit code to return from `main`.
///
/// ```
/// use clap::Parser;
/// use std::process::ExitCode;
/// use telegraf_execd::cli::parse_args_from;
///
/// #[derive(Parser)]
/// struct Cli {
///     #[arg(long)]
///     config: Option<String>,
/// }
///
/// let cli: Cli = parse_args_from(["prog", "-config", "w.toml"]).unwrap();
/// assert_eq!(cli.config.as_deref(), Some("w.toml"));
/// assert_eq!(parse_args_from::<Cli, _, _>(["prog", "-nope"]).err(), Some(ExitCode::from(2)));
/// ```
pub fn parse_args_from<C, I, T>(args: I) -> Result<C, ExitCode>
where
    C: clap::Parser,
    I: IntoIterator<Item = T>,
    T: Into<OsString>,
{
    let command = accept_both_spellings(C::command());
    let parsed = command
        .try_get_matches_from(normalize_args(args))
        .and_then(|mut matches| C::from_arg_matches_mut(&mut matches));
    parsed.map_err(|e| {
        use clap::error::ErrorKind;
        if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        let rendered = e.render().to_string();
        let first = rendered.lines().next().unwrap_or("invalid command line");
        log::error!("{} (see --help)", first.trim_start_matches("error: "));
        ExitCode::from(2)
    })
}

/// Gives every long flag of `command` and of its subcommands a hidden alias spelled with the
/// other separator, so `--log_level` and `--log-level`, `--bootstrap-servers` and
/// `--bootstrap_servers` are the same flag. `--help` shows the declared spelling only.
///
/// ```
/// use clap::{CommandFactory, FromArgMatches, Parser};
/// use telegraf_execd::cli::accept_both_spellings;
///
/// #[derive(Parser)]
/// struct Cli {
///     #[arg(long = "log_level")]
///     log_level: Option<String>,
///     #[arg(long = "bootstrap-servers")]
///     servers: Option<String>,
/// }
///
/// let matches = accept_both_spellings(Cli::command())
///     .get_matches_from(["p", "--log-level", "debug", "--bootstrap_servers", "k:9092"]);
/// let cli = Cli::from_arg_matches(&matches).unwrap();
/// assert_eq!(cli.log_level.as_deref(), Some("debug"));
/// assert_eq!(cli.servers.as_deref(), Some("k:9092"));
/// ```
pub fn accept_both_spellings(command: clap::Command) -> clap::Command {
    command
        .mut_args(|arg| {
            let other = arg
                .get_long()
                .filter(|long| long.contains(['-', '_']))
                .map(|long| {
                    long.chars()
                        .map(|c| match c {
                            '-' => '_',
                            '_' => '-',
                            c => c,
                        })
                        .collect::<String>()
                });
            match other {
                Some(other) => arg.alias(other),
                None => arg,
            }
        })
        .mut_subcommands(accept_both_spellings)
}

/// [`parse_args_from`] over the process's own arguments.
///
/// ```no_run
/// #[derive(clap::Parser)]
/// struct Cli {}
/// fn main() -> std::process::ExitCode {
///     let _cli: Cli = match telegraf_execd::cli::parse_args() {
///         Ok(cli) => cli,
///         Err(code) => return code,
///     };
///     std::process::ExitCode::SUCCESS
/// }
/// ```
pub fn parse_args<C: clap::Parser>() -> Result<C, ExitCode> {
    parse_args_from(std::env::args_os())
}

fn is_single_dash_long(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next() == Some('-')
        && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.next().is_some()
}

/// The Go shim's flags (plus `-log_level`), for `#[command(flatten)]` into a plugin's clap
/// parser. Flags override the config file's values.
///
/// `-poll_interval_disabled` also accepts Go's `-poll_interval_disabled=true|false`.
///
/// ```
/// use clap::Parser;
/// use telegraf_execd::cli::{normalize_args, ShimArgs};
///
/// #[derive(Parser)]
/// struct Cli {
///     #[command(flatten)]
///     shim: ShimArgs,
/// }
///
/// let cli = Cli::parse_from(normalize_args(["p", "-config", "w.toml", "-poll_interval", "1m30s", "-log_level=debug"]));
/// assert_eq!(cli.shim.config.unwrap().to_str(), Some("w.toml"));
/// assert_eq!(cli.shim.poll_interval.unwrap().as_secs(), 90);
/// assert_eq!(cli.shim.log_level.unwrap().as_str(), "debug");
/// assert_eq!(cli.shim.poll_interval_disabled, None);
///
/// let cli = Cli::parse_from(normalize_args(["p", "-poll_interval_disabled"]));
/// assert_eq!(cli.shim.poll_interval_disabled, Some(true));
/// let cli = Cli::parse_from(normalize_args(["p", "--poll_interval_disabled=false"]));
/// assert_eq!(cli.shim.poll_interval_disabled, Some(false));
/// assert!(Cli::try_parse_from(normalize_args(["p", "-poll_interval", "10"])).is_err());
/// ```
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ShimArgs {
    /// Plugin config file (TOML with one [[inputs.NAME]] table; $VAR/${VAR} expanded).
    #[arg(long = "config", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Gather on a ticker with this Go duration (e.g. 10s, 1m30s); overrides the config.
    #[arg(long = "poll_interval", value_name = "DURATION")]
    pub poll_interval: Option<GoDuration>,

    /// Turn the poll ticker off (gather only on stdin newlines and signals).
    #[arg(
        long = "poll_interval_disabled",
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true"
    )]
    pub poll_interval_disabled: Option<bool>,

    /// Log level on stderr: error|warn|info|debug|trace; overrides the config. Global: also
    /// accepted after a subcommand (`inject -log_level debug`).
    #[arg(long = "log_level", value_name = "LEVEL", global = true)]
    pub log_level: Option<LogLevel>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(args: &[&str]) -> Vec<String> {
        normalize_args(args.iter().copied())
            .into_iter()
            .map(|s| s.into_string().unwrap())
            .collect()
    }

    #[test]
    fn rewrites_only_single_dash_long_flags() {
        assert_eq!(
            norm(&[
                "p",
                "-config=a",
                "--config",
                "b",
                "-",
                "-V",
                "-1.5",
                "value"
            ]),
            [
                "p",
                "--config=a",
                "--config",
                "b",
                "-",
                "-V",
                "-1.5",
                "value"
            ]
        );
        assert_eq!(norm(&["-prog", "-x1"]), ["-prog", "--x1"]);
    }
}
