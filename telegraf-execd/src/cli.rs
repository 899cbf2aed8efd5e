//! Go-shim command-line conventions on top of clap.
//!
//! Go's `flag` package accepts `-config x`, `--config x`, `-config=x` and `--config=x` alike,
//! and Telegraf users copy shim command lines (`-poll_interval 10s -poll_interval_disabled`)
//! into `[[inputs.execd]] command`. [`normalize_args`] rewrites single-dash long flags to the
//! double-dash form clap expects; [`ShimArgs`] holds the shim's flags for `#[command(flatten)]`.

use std::ffi::OsString;
use std::path::PathBuf;

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

    /// Log level on stderr: error|warn|info|debug|trace; overrides the config.
    #[arg(long = "log_level", value_name = "LEVEL")]
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
