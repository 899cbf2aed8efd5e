//! Loading a plugin's TOML config file the way the Go shim does, but strictly.
//!
//! The file holds exactly one Telegraf-style table, e.g. for an input named `weather`:
//!
//! ```toml
//! [[inputs.weather]]
//!   seed = 42
//! ```
//!
//! - The text is first expanded with [`crate::expand`] (`$VAR`, `${VAR}`, `${VAR:-default}`;
//!   unset variable → error naming it and its line).
//! - The table is deserialized into the plugin's own options type, which should use
//!   `#[serde(deny_unknown_fields, default)]` so an unknown key is an error and every option
//!   has a default. A file without the table (or an empty file) yields `T::default()`.
//! - Anything else at the top level, another plugin name, a plain `[inputs.weather]` table, or a
//!   second `[[inputs.weather]]` is rejected with a message saying what is expected.
//! - Errors carry the file name and the 1-based line and column in the file as written.
//!
//! Keep this file outside Telegraf's own config directory (e.g. not in `telegraf.d/`), or
//! Telegraf will try to load the table as one of its plugins.

use std::collections::BTreeMap;
use std::path::Path;

use serde::de::DeserializeOwned;
use toml::Spanned;

use crate::expand::{self, ExpandError, Expanded};

/// Which Telegraf section the plugin table lives in.
///
/// ```
/// assert_eq!(telegraf_execd::config::PluginKind::Inputs.as_str(), "inputs");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PluginKind {
    /// `[[inputs.<name>]]`
    Inputs,
    /// `[[processors.<name>]]`
    Processors,
    /// `[[outputs.<name>]]`
    Outputs,
}

impl PluginKind {
    /// The TOML section name.
    ///
    /// ```
    /// assert_eq!(telegraf_execd::config::PluginKind::Outputs.as_str(), "outputs");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            PluginKind::Inputs => "inputs",
            PluginKind::Processors => "processors",
            PluginKind::Outputs => "outputs",
        }
    }
}

/// A config file that cannot be used. `Display` starts with `file:line:column:` where known.
///
/// ```
/// use telegraf_execd::config::{parse_plugin_config, ConfigError, PluginKind};
/// #[derive(Debug, Default, serde::Deserialize)]
/// #[serde(deny_unknown_fields, default)]
/// struct Opts { seed: u64 }
/// let err = parse_plugin_config::<Opts>("[[inputs.w]]\nsede = 1\n", "w.toml", PluginKind::Inputs, "w").unwrap_err();
/// assert!(matches!(err, ConfigError::Invalid { line: 2, column: 1, .. }));
/// assert!(err.to_string().starts_with("w.toml:2:1: unknown field `sede`"), "{err}");
/// ```
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{origin}: cannot read config file: {source}")]
    Read {
        /// The file name.
        origin: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Environment expansion failed (unset variable, malformed `${…}`).
    #[error("{origin}: {source}")]
    Expand {
        /// The file name.
        origin: String,
        /// What went wrong, with line and column.
        source: ExpandError,
    },
    /// TOML syntax error, unknown or ill-typed option, or wrong table layout.
    #[error("{origin}:{line}:{column}: {message}")]
    Invalid {
        /// The file name.
        origin: String,
        /// 1-based line in the file.
        line: usize,
        /// 1-based column in the file (characters).
        column: usize,
        /// What is wrong and what is expected.
        message: String,
    },
}

/// Reads, expands and deserializes the `[[<kind>.<name>]]` table of the file at `path`.
///
/// ```
/// use telegraf_execd::config::{load_plugin_config, PluginKind};
/// #[derive(Debug, Default, serde::Deserialize)]
/// #[serde(deny_unknown_fields, default)]
/// struct Opts { seed: u64 }
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("w.toml");
/// std::fs::write(&path, "[[inputs.weather]]\n  seed = ${SEED:-7}\n").unwrap();
/// let opts: Opts = load_plugin_config(&path, PluginKind::Inputs, "weather").unwrap();
/// assert_eq!(opts.seed, 7);
/// ```
pub fn load_plugin_config<T>(path: &Path, kind: PluginKind, name: &str) -> Result<T, ConfigError>
where
    T: DeserializeOwned + Default,
{
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        origin: origin.clone(),
        source,
    })?;
    parse_plugin_config(&text, &origin, kind, name)
}

/// Like [`load_plugin_config`] for text already in memory; `origin` names it in errors.
///
/// ```
/// use telegraf_execd::config::{parse_plugin_config, PluginKind};
/// #[derive(Debug, Default, serde::Deserialize)]
/// #[serde(deny_unknown_fields, default)]
/// struct Opts { seed: u64 }
/// let o: Opts = parse_plugin_config("", "empty", PluginKind::Inputs, "weather").unwrap();
/// assert_eq!(o.seed, 0);
/// let e = parse_plugin_config::<Opts>("[[inputs.weather]]\n[[inputs.weather]]\n", "two", PluginKind::Inputs, "weather").unwrap_err();
/// assert!(e.to_string().starts_with("two:2:1: a second [[inputs.weather]] table"), "{e}");
/// ```
pub fn parse_plugin_config<T>(
    text: &str,
    origin: &str,
    kind: PluginKind,
    name: &str,
) -> Result<T, ConfigError>
where
    T: DeserializeOwned + Default,
{
    parse_plugin_config_with(text, origin, kind, name, |v| std::env::var(v).ok())
}

type Sections = BTreeMap<Spanned<String>, Spanned<toml::Value>>;
type Plugins = BTreeMap<String, BTreeMap<Spanned<String>, Spanned<toml::Value>>>;

/// Like [`parse_plugin_config`] with an explicit environment (`None` = unset), for tests.
///
/// ```
/// use telegraf_execd::config::{parse_plugin_config_with, PluginKind};
/// #[derive(Debug, Default, serde::Deserialize)]
/// #[serde(deny_unknown_fields, default)]
/// struct Opts { url: String }
/// let o: Opts = parse_plugin_config_with("[[outputs.x]]\nurl = \"$U\"", "t", PluginKind::Outputs, "x",
///     |v| (v == "U").then(|| "http://127.0.0.1:8086".to_string())).unwrap();
/// assert_eq!(o.url, "http://127.0.0.1:8086");
/// ```
pub fn parse_plugin_config_with<T, F>(
    text: &str,
    origin: &str,
    kind: PluginKind,
    name: &str,
    lookup: F,
) -> Result<T, ConfigError>
where
    T: DeserializeOwned + Default,
    F: Fn(&str) -> Option<String>,
{
    let expanded = expand::expand_with(text, lookup).map_err(|source| ConfigError::Expand {
        origin: origin.to_string(),
        source,
    })?;
    let invalid = |offset: usize, message: String| {
        let (line, column) = expand::line_column(text, expanded.original_offset(offset));
        ConfigError::Invalid {
            origin: origin.to_string(),
            line,
            column,
            message,
        }
    };
    let from_toml = |e: toml::de::Error| {
        let offset = e.span().map_or(0, |s| s.start);
        let message = e.message().trim_end();
        // Value errors (bad type, bad duration) do not say which option; the line does.
        let message = match option_at(text, expanded.original_offset(offset)) {
            Some(key) if !message.contains(&format!("`{key}`")) => {
                format!("option `{key}`: {message}")
            }
            _ => message.to_string(),
        };
        invalid(offset, message)
    };
    let wanted = format!("[[{}.{name}]]", kind.as_str());

    let sections: Sections = toml::from_str(&expanded.text).map_err(from_toml)?;
    for (section, value) in &sections {
        if section.get_ref() != kind.as_str() || !value.get_ref().is_table() {
            return Err(invalid(
                section.span().start,
                format!(
                    "unknown top-level key `{}`: this file holds one {wanted} table",
                    section.get_ref()
                ),
            ));
        }
    }
    if sections.is_empty() {
        return Ok(T::default());
    }
    let layout: Plugins = toml::from_str(&expanded.text).map_err(from_toml)?;
    let mut found = false;
    for plugins in layout.values() {
        for (plugin, value) in plugins {
            if plugin.get_ref() != name {
                return Err(invalid(
                    plugin.span().start,
                    format!(
                        "unknown plugin `{}.{}`: this program reads {wanted}",
                        kind.as_str(),
                        plugin.get_ref()
                    ),
                ));
            }
            match value.get_ref() {
                toml::Value::Array(tables) if tables.iter().all(toml::Value::is_table) => {
                    if tables.len() > 1 {
                        let offset =
                            nth_header(&expanded, kind, name, 1).unwrap_or(value.span().start);
                        return Err(invalid(
                            offset,
                            format!(
                                "a second {wanted} table: one process runs one plugin instance, use one config file (and one [[inputs.execd]]) per instance"
                            ),
                        ));
                    }
                    found = !tables.is_empty();
                }
                _ => {
                    return Err(invalid(
                        plugin.span().start,
                        format!(
                            "`{}.{name}` must be written as an array of tables: {wanted}",
                            kind.as_str()
                        ),
                    ));
                }
            }
        }
    }
    if !found {
        return Ok(T::default());
    }
    let mut parsed: BTreeMap<String, BTreeMap<String, Vec<T>>> =
        toml::from_str(&expanded.text).map_err(from_toml)?;
    Ok(parsed
        .remove(kind.as_str())
        .and_then(|mut p| p.remove(name))
        .and_then(|v| v.into_iter().next())
        .unwrap_or_default())
}

/// The key of a `key = value` line containing `offset`, if that line is one.
fn option_at(text: &str, offset: usize) -> Option<&str> {
    let offset = offset.min(text.len());
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = text[start..].lines().next()?;
    let (key, _) = line.split_once('=')?;
    let key = key.trim().trim_matches('"');
    let valid = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.');
    valid.then_some(key)
}

/// Offset (in the expanded text) of the `n`th (0-based) `[[kind.name]]` header line.
fn nth_header(expanded: &Expanded, kind: PluginKind, name: &str, n: usize) -> Option<usize> {
    let header = format!("[[{}.{name}]]", kind.as_str());
    let mut offset = 0;
    let mut seen = 0;
    for line in expanded.text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let compact: String = trimmed
            .split('#')
            .next()
            .unwrap_or("")
            .split_whitespace()
            .collect();
        if compact == header {
            if seen == n {
                return Some(offset + (line.len() - trimmed.len()));
            }
            seen += 1;
        }
        offset += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::duration::GoDuration;

    #[derive(Debug, Default, PartialEq, serde::Deserialize)]
    #[serde(deny_unknown_fields, default)]
    struct Opts {
        seed: u64,
        interval: GoDuration,
        names: Vec<String>,
    }

    fn parse(text: &str) -> Result<Opts, ConfigError> {
        parse_plugin_config_with(text, "f.toml", PluginKind::Inputs, "weather", |v| {
            (v == "LONGVALUE").then(|| "x".repeat(30))
        })
    }

    fn err(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn reads_one_table_with_defaults() {
        let o = parse("# c\n[[inputs.weather]]\n  seed = 3\n  interval = \"1m\"\n").unwrap();
        assert_eq!(o.seed, 3);
        assert_eq!(o.interval.as_secs(), 60);
        assert!(o.names.is_empty());
        assert_eq!(parse("\n").unwrap(), Opts::default());
    }

    #[test]
    fn errors_name_position_and_expectation() {
        let e = err("[[inputs.weather]]\n  names = [\"$LONGVALUE\"]\n  bogus = 1\n");
        assert!(
            e.starts_with("f.toml:3:3: unknown field `bogus`, expected one of"),
            "{e}"
        );
        let e = err("[[inputs.weather]]\n  seed = \"$LONGVALUE\"\n");
        assert!(
            e.starts_with("f.toml:2:10: option `seed`: invalid type: string"),
            "{e}"
        );
        let e = err("[[inputs.weather]]\n  interval = \"10\"\n");
        assert!(
            e.contains("f.toml:2:14") && e.contains("missing unit"),
            "{e}"
        );
        let e = err("[[inputs.wether]]\n");
        assert!(
            e.starts_with("f.toml:1:10: unknown plugin `inputs.wether`"),
            "{e}"
        );
        let e = err("seed = 1\n");
        assert!(
            e.starts_with("f.toml:1:1: unknown top-level key `seed`"),
            "{e}"
        );
        let e = err("[inputs.weather]\nseed = 1\n");
        assert!(e.contains("array of tables"), "{e}");
        let e = err("[[inputs.weather]]\n\n  [[inputs.weather]] # again\n");
        assert!(
            e.starts_with("f.toml:3:3: a second [[inputs.weather]]"),
            "{e}"
        );
        let e = err("[[inputs.weather]]\nseed = $UNSET_ONE\n");
        assert!(
            e.contains("line 2, column 8") && e.contains("UNSET_ONE"),
            "{e}"
        );
        let e = err("[[inputs.weather]\n");
        assert!(e.starts_with("f.toml:1:"), "{e}");
    }
}
