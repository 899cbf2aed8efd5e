//! Building and locating the plugin binaries under test.
//!
//! The binaries live in other packages of the workspace, so Cargo's `CARGO_BIN_EXE_*` does not
//! reach them; `escargot` runs `cargo build -p <package> --bin <bin>` with the `CARGO` that runs
//! the test or bench and reports the executable's path (same target dir, and the profile of the
//! running test or bench: release when it was built without debug assertions, as by
//! `cargo bench`, else debug).

use std::path::PathBuf;

/// A binary could not be built or found.
///
/// ```
/// use execd_conformance::binaries::{workspace_binary, BinaryError};
/// let e = workspace_binary("no-such-package", "no-such-bin").unwrap_err();
/// assert!(e.to_string().contains("no-such-bin"));
/// ```
#[derive(Debug, thiserror::Error)]
#[error("building {package}/{bin}: {message}")]
pub struct BinaryError {
    /// The package asked for.
    pub package: String,
    /// The binary asked for.
    pub bin: String,
    /// Cargo's complaint.
    pub message: String,
}

/// Builds `bin` of workspace package `package` in the profile of the running test or bench
/// (release when it was built without debug assertions, as by `cargo bench`, else debug) and
/// returns its path.
///
/// ```no_run
/// let path = execd_conformance::binaries::workspace_binary(
///     "telegraf-execd-weather", "telegraf-execd-weather").unwrap();
/// assert!(path.is_file());
/// ```
pub fn workspace_binary(package: &str, bin: &str) -> Result<PathBuf, BinaryError> {
    let error = |message: String| BinaryError {
        package: package.into(),
        bin: bin.into(),
        message,
    };
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml");
    let run = escargot::CargoBuild::new()
        .manifest_path(manifest)
        .package(package)
        .bin(bin)
        .current_release()
        .run()
        .map_err(|e| error(e.to_string()))?;
    let path = run.path().to_path_buf();
    if path.is_file() {
        Ok(path)
    } else {
        Err(error(format!("{} is missing", path.display())))
    }
}
