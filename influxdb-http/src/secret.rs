//! Secrets (tokens, passwords) loaded from the environment or a file, never printed.

use std::fmt;
use std::path::Path;

/// A token or password.
///
/// Load it with [`Secret::from_env`] or [`Secret::from_file`] so it never appears on a command
/// line; `Debug` prints `Secret(***)`, so configs holding one can be logged.
///
/// ```
/// use influxdb_http::Secret;
///
/// let token = Secret::new("s3cr3t");
/// assert_eq!(token.expose(), "s3cr3t");
/// assert_eq!(format!("{token:?}"), "Secret(***)");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

/// Why a secret could not be loaded.
///
/// ```
/// let err = influxdb_http::Secret::from_env("INFLUXDB_HTTP_DOC_UNSET_VAR").unwrap_err();
/// assert!(err.to_string().contains("INFLUXDB_HTTP_DOC_UNSET_VAR"));
/// ```
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The environment variable is unset, empty or not UTF-8.
    #[error("environment variable {var} is unset, empty or not UTF-8")]
    MissingEnv {
        /// The variable's name.
        var: String,
    },
    /// The file could not be read.
    #[error("cannot read secret file {path}: {source}")]
    File {
        /// The file's path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is empty once its trailing newline is removed.
    #[error("secret file {path} is empty")]
    EmptyFile {
        /// The file's path.
        path: String,
    },
}

impl Secret {
    /// Wraps a secret value held in memory.
    ///
    /// ```
    /// assert_eq!(influxdb_http::Secret::new(String::from("t")).expose(), "t");
    /// ```
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// Reads the secret from environment variable `var` (unset or empty is an error).
    ///
    /// ```
    /// // Any set variable works the same way; PATH is set wherever this runs.
    /// let value = influxdb_http::Secret::from_env("PATH")?;
    /// assert_eq!(value.expose(), std::env::var("PATH").unwrap());
    /// # Ok::<(), influxdb_http::SecretError>(())
    /// ```
    pub fn from_env(var: &str) -> Result<Self, SecretError> {
        match std::env::var(var) {
            Ok(v) if !v.is_empty() => Ok(Self(v)),
            _ => Err(SecretError::MissingEnv {
                var: var.to_owned(),
            }),
        }
    }

    /// Reads the secret from a file, dropping one trailing `\n` or `\r\n` (as `echo` writes).
    ///
    /// ```
    /// let path = std::env::temp_dir().join(format!("influxdb-http-doc-{}", std::process::id()));
    /// std::fs::write(&path, "my-token\n").unwrap();
    /// let token = influxdb_http::Secret::from_file(&path)?;
    /// assert_eq!(token.expose(), "my-token");
    /// # std::fs::remove_file(&path).unwrap();
    /// # Ok::<(), influxdb_http::SecretError>(())
    /// ```
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, SecretError> {
        let path = path.as_ref();
        let shown = path.display().to_string();
        let mut text = std::fs::read_to_string(path).map_err(|source| SecretError::File {
            path: shown.clone(),
            source,
        })?;
        if text.ends_with('\n') {
            text.pop();
            if text.ends_with('\r') {
                text.pop();
            }
        }
        if text.is_empty() {
            return Err(SecretError::EmptyFile { path: shown });
        }
        Ok(Self(text))
    }

    /// The secret's value, for building an HTTP header.
    ///
    /// ```
    /// assert_eq!(influxdb_http::Secret::new("x").expose().len(), 1);
    /// ```
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}
