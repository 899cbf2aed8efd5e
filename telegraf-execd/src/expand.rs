//! `$VAR` / `${VAR}` / `${VAR:-default}` environment expansion of TOML text, before parsing.
//!
//! Rules (chosen to be safe rather than silently lossy):
//! - `$NAME` and `${NAME}` (NAME = `[A-Za-z_][A-Za-z0-9_]*`) are replaced by the variable's
//!   value. An **unset** variable is an error naming it with its line and column — Telegraf
//!   versions differ (empty string, or the text left as is), and both hide a typo.
//!   A variable set to the empty string expands to the empty string.
//! - `${NAME:-default}` uses `default` (taken verbatim from the file) when NAME is unset or empty.
//! - `$$` is a literal `$`; a `$` not followed by a name or `{` stays as it is.
//! - Comments are not expanded, so a commented-out `$VAR` never fails.
//! - Inside basic strings (`"…"`, `"""…"""`) the value is escaped like Telegraf does (`\` and `"`,
//!   plus control characters), so any value yields the same string; in literal strings and bare
//!   values it is inserted as is.
//!
//! [`Expanded`] keeps a map from the expanded text back to the original, so parse errors point
//! at the line and column of the file the user wrote.

use std::ops::Range;

/// Why expansion failed, with the 1-based line and column of the `$` in the original text.
///
/// ```
/// use telegraf_execd::expand::{expand_with, ExpandError};
/// let err = expand_with("a = 1\nb = \"${NOPE}\"", |_| None).unwrap_err();
/// assert_eq!(err, ExpandError::Unset { name: "NOPE".into(), line: 2, column: 6 });
/// assert_eq!(err.to_string(), "line 2, column 6: environment variable NOPE is not set (use ${NOPE:-default} for a fallback)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExpandError {
    /// `$NAME` / `${NAME}` with NAME not in the environment.
    #[error(
        "line {line}, column {column}: environment variable {name} is not set (use ${{{name}:-default}} for a fallback)"
    )]
    Unset {
        /// The variable.
        name: String,
        /// 1-based line.
        line: usize,
        /// 1-based column (characters).
        column: usize,
    },
    /// `${` without a closing `}` on the same line, or with an invalid name inside.
    #[error(
        "line {line}, column {column}: malformed reference {text:?} (expected ${{NAME}} or ${{NAME:-default}})"
    )]
    Malformed {
        /// The offending text.
        text: String,
        /// 1-based line.
        line: usize,
        /// 1-based column (characters).
        column: usize,
    },
}

/// The expanded text plus what is needed to map its offsets back to the original.
///
/// ```
/// use telegraf_execd::expand::expand_with;
/// let e = expand_with("x = \"$A\" # $B", |n| (n == "A").then(|| "long value".to_string())).unwrap();
/// assert_eq!(e.text, "x = \"long value\" # $B");
/// assert_eq!(e.original_offset(17), 9); // the `#`
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expanded {
    /// The text after substitution.
    pub text: String,
    /// (range in `text`, range in the original) of each substitution, in order.
    substitutions: Vec<(Range<usize>, Range<usize>)>,
}

impl Expanded {
    /// Maps a byte offset in [`Expanded::text`] to the byte offset in the original text (a
    /// position inside a substituted value maps to the start of its `$` reference).
    ///
    /// ```
    /// let e = telegraf_execd::expand::expand_with("$A=1", |_| Some("xyz".into())).unwrap();
    /// assert_eq!(e.original_offset(4), 3);
    /// ```
    pub fn original_offset(&self, offset: usize) -> usize {
        let mut shift: isize = 0;
        for (exp, orig) in &self.substitutions {
            if offset < exp.start {
                break;
            }
            if offset < exp.end {
                return orig.start;
            }
            shift = orig.end as isize - exp.end as isize;
        }
        (offset as isize + shift) as usize
    }
}

/// 1-based (line, column) of a byte offset; the column counts characters.
///
/// ```
/// assert_eq!(telegraf_execd::expand::line_column("ab\ncé d", 6), (2, 3));
/// ```
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// Expands from the process environment (see the module docs for the rules).
///
/// ```
/// // SAFETY-free: PATH is set in any test environment.
/// let e = telegraf_execd::expand::expand("p = '$PATH'").unwrap();
/// assert!(!e.text.contains("$PATH"));
/// ```
pub fn expand(text: &str) -> Result<Expanded, ExpandError> {
    expand_with(text, |name| std::env::var(name).ok())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    Bare,
    Comment,
    Basic,
    MultiBasic,
    Literal,
    MultiLiteral,
}

/// Expands using `lookup` for variable values (`None` = unset).
///
/// ```
/// use telegraf_execd::expand::expand_with;
/// let env = |n: &str| match n { "HOST" => Some("db\"1".to_string()), "EMPTY" => Some(String::new()), _ => None };
/// let e = expand_with(r#"a = "${HOST}" b = '$HOST' c = "${EMPTY:-x}" d = "$$HOST" e = "${MISSING:-5s}""#, env).unwrap();
/// assert_eq!(e.text, r#"a = "db\"1" b = 'db"1' c = "x" d = "$HOST" e = "5s""#);
/// ```
pub fn expand_with<F>(text: &str, lookup: F) -> Result<Expanded, ExpandError>
where
    F: Fn(&str) -> Option<String>,
{
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut substitutions = Vec::new();
    let mut ctx = Context::Bare;
    let mut i = 0;
    let mut copied = 0; // text[copied..i] still to be copied verbatim
    let at = |p: usize, s: &str| bytes[p..].starts_with(s.as_bytes());
    while i < bytes.len() {
        let b = bytes[i];
        match ctx {
            Context::Comment => {
                if b == b'\n' {
                    ctx = Context::Bare;
                }
                i += 1;
                continue;
            }
            Context::Bare if b == b'#' => {
                ctx = Context::Comment;
                i += 1;
                continue;
            }
            Context::Bare if at(i, "\"\"\"") => {
                ctx = Context::MultiBasic;
                i += 3;
                continue;
            }
            Context::Bare if at(i, "'''") => {
                ctx = Context::MultiLiteral;
                i += 3;
                continue;
            }
            Context::Bare if b == b'"' => {
                ctx = Context::Basic;
                i += 1;
                continue;
            }
            Context::Bare if b == b'\'' => {
                ctx = Context::Literal;
                i += 1;
                continue;
            }
            Context::Basic | Context::MultiBasic if b == b'\\' => {
                i += 2; // an escape never starts or ends a string
                continue;
            }
            Context::Basic if b == b'"' || b == b'\n' => ctx = Context::Bare,
            Context::MultiBasic if at(i, "\"\"\"") => {
                ctx = Context::Bare;
                i += 3;
                continue;
            }
            Context::Literal if b == b'\'' || b == b'\n' => ctx = Context::Bare,
            Context::MultiLiteral if at(i, "'''") => {
                ctx = Context::Bare;
                i += 3;
                continue;
            }
            _ => {}
        }
        if b != b'$' {
            i += 1;
            continue;
        }
        let (consumed, value) = reference(text, i, &lookup)?;
        if consumed == 0 {
            i += 1;
            continue;
        }
        out.push_str(&text[copied..i]);
        let start = out.len();
        if matches!(ctx, Context::Basic | Context::MultiBasic) {
            escape_basic(&value, &mut out);
        } else {
            out.push_str(&value);
        }
        substitutions.push((start..out.len(), i..i + consumed));
        i += consumed;
        copied = i;
    }
    out.push_str(&text[copied.min(text.len())..]);
    Ok(Expanded {
        text: out,
        substitutions,
    })
}

/// Parses the reference starting at the `$` at `pos`: (bytes consumed, value), or 0 consumed if
/// the `$` is just a character.
fn reference<F>(text: &str, pos: usize, lookup: &F) -> Result<(usize, String), ExpandError>
where
    F: Fn(&str) -> Option<String>,
{
    let rest = &text[pos + 1..];
    let unset = |name: &str| {
        let (line, column) = line_column(text, pos);
        ExpandError::Unset {
            name: name.to_string(),
            line,
            column,
        }
    };
    if rest.starts_with('$') {
        return Ok((2, "$".to_string()));
    }
    if let Some(inner) = rest.strip_prefix('{') {
        let end = inner
            .find(['}', '\n'])
            .filter(|&e| inner.as_bytes()[e] == b'}');
        let body = end.map(|e| &inner[..e]);
        let (name, default) = match body {
            Some(b) => match b.split_once(":-") {
                Some((n, d)) => (n, Some(d)),
                None => (b, None),
            },
            None => ("", None),
        };
        if body.is_none() || !is_name(name) {
            let (line, column) = line_column(text, pos);
            let shown = end.map_or_else(
                || inner.lines().next().unwrap_or("").to_string(),
                |e| inner[..e].to_string(),
            );
            return Err(ExpandError::Malformed {
                text: format!("${{{shown}"),
                line,
                column,
            });
        }
        let consumed = 2 + end.unwrap_or(0) + 1;
        let value = match (lookup(name), default) {
            (Some(v), Some(d)) if v.is_empty() => d.to_string(),
            (Some(v), _) => v,
            (None, Some(d)) => d.to_string(),
            (None, None) => return Err(unset(name)),
        };
        return Ok((consumed, value));
    }
    let len = rest
        .bytes()
        .enumerate()
        .take_while(|&(k, c)| c == b'_' || c.is_ascii_alphabetic() || (k > 0 && c.is_ascii_digit()))
        .count();
    if len == 0 {
        return Ok((0, String::new()));
    }
    let name = &rest[..len];
    let value = lookup(name).ok_or_else(|| unset(name))?;
    Ok((1 + len, value))
}

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

fn escape_basic(value: &str, out: &mut String) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "A" => Some("alpha".into()),
            "N" => Some("5".into()),
            "PATHISH" => Some(r"C:\dir".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn expands_in_every_value_context_but_comments() {
        let src = "a = $N\nb = \"${A}\"\nc = '''$A'''\nd = \"\"\"x\n$PATHISH\"\"\"\n# $UNSET\ne = \"$EMPTY\"";
        let e = expand_with(src, env).unwrap();
        assert_eq!(
            e.text,
            "a = 5\nb = \"alpha\"\nc = '''alpha'''\nd = \"\"\"x\nC:\\\\dir\"\"\"\n# $UNSET\ne = \"\""
        );
        let parsed: toml::Table = toml::from_str(&e.text).unwrap();
        assert_eq!(parsed["d"].as_str(), Some("x\nC:\\dir"));
    }

    #[test]
    fn dollar_edge_cases() {
        let e = expand_with("a = \"5$ $1 $$A \\$\"", env).unwrap();
        assert_eq!(e.text, "a = \"5$ $1 $A \\$\"");
        let err = expand_with("a = \"${A\"", env).unwrap_err();
        assert!(
            matches!(
                err,
                ExpandError::Malformed {
                    line: 1,
                    column: 6,
                    ..
                }
            ),
            "{err:?}"
        );
        let err = expand_with("\n\n  x = \"${1X}\"", env).unwrap_err();
        assert!(
            matches!(
                err,
                ExpandError::Malformed {
                    line: 3,
                    column: 8,
                    ..
                }
            ),
            "{err:?}"
        );
        let err = expand_with("x = \"é$NOPE\"", env).unwrap_err();
        assert_eq!(
            err,
            ExpandError::Unset {
                name: "NOPE".into(),
                line: 1,
                column: 7
            }
        );
    }

    #[test]
    fn maps_offsets_back() {
        let src = "a = \"$A\"\nbad";
        let e = expand_with(src, env).unwrap();
        let bad = e.text.find("bad").unwrap();
        assert_eq!(e.original_offset(bad), src.find("bad").unwrap());
        assert_eq!(e.original_offset(e.text.find("pha").unwrap()), 5);
    }
}
