//! Where the runner finds the plugin binaries it starts.
//!
//! `cargo build --workspace --bins` puts every binary of the workspace in one folder
//! (`target/release/`), and an installation puts them side by side in `/usr/local/bin/`: so the
//! runner looks next to its own executable (`std::env::current_exe()`), unless `--bin-dir`
//! names another folder.

use std::path::{Path, PathBuf};

/// The two plugin binaries the runner starts.
///
/// ```
/// use weather_pipeline::binaries::SiblingBinaries;
/// let dir = tempfile::tempdir().unwrap();
/// let e = SiblingBinaries::find(dir.path()).unwrap_err();
/// assert!(e.to_string().contains("telegraf-execd-weather"), "{e}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiblingBinaries {
    /// `telegraf-execd-weather` (the `inject` subcommand).
    pub weather: PathBuf,
    /// `telegraf-execd-kafka-bridge` (`run`, `create-topics`, `consume`).
    pub bridge: PathBuf,
    /// `telegraf-execd-alerts`, if present (needed only with `--alerts`).
    pub alerts: Option<PathBuf>,
}

/// A binary the runner needs is not in the folder.
///
/// ```
/// let e = weather_pipeline::binaries::MissingBinary { name: "x", dir: "/opt".into() };
/// assert!(e.to_string().starts_with("cannot find x in /opt"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "cannot find {name} in {} (build the workspace binaries with `cargo build --release --workspace --bins`, or point --bin-dir at them)",
    dir.display()
)]
pub struct MissingBinary {
    /// The binary's name.
    pub name: &'static str,
    /// The folder searched.
    pub dir: PathBuf,
}

impl SiblingBinaries {
    /// File name of the weather plugin.
    pub const WEATHER: &'static str = "telegraf-execd-weather";
    /// File name of the Kafka bridge.
    pub const BRIDGE: &'static str = "telegraf-execd-kafka-bridge";
    /// File name of the alerts processor.
    pub const ALERTS: &'static str = "telegraf-execd-alerts";

    /// The folder of the running executable.
    ///
    /// ```
    /// let dir = weather_pipeline::binaries::SiblingBinaries::default_dir().unwrap();
    /// assert!(dir.is_dir());
    /// ```
    pub fn default_dir() -> std::io::Result<PathBuf> {
        let exe = std::env::current_exe()?;
        exe.parent()
            .map(Path::to_path_buf)
            .ok_or_else(|| std::io::Error::other(format!("{} has no parent folder", exe.display())))
    }

    /// Both plugin binaries in `dir`, each an executable file, and the alerts processor if it
    /// is there too.
    ///
    /// ```
    /// use std::os::unix::fs::PermissionsExt;
    /// use weather_pipeline::binaries::SiblingBinaries;
    /// let dir = tempfile::tempdir().unwrap();
    /// for name in [SiblingBinaries::WEATHER, SiblingBinaries::BRIDGE] {
    ///     let p = dir.path().join(name);
    ///     std::fs::write(&p, "#!/bin/sh\n").unwrap();
    ///     std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    /// }
    /// let found = SiblingBinaries::find(dir.path()).unwrap();
    /// assert!(found.bridge.ends_with("telegraf-execd-kafka-bridge"));
    /// assert_eq!(found.alerts, None);
    /// ```
    pub fn find(dir: &Path) -> Result<Self, MissingBinary> {
        Ok(SiblingBinaries {
            weather: executable(dir, Self::WEATHER)?,
            bridge: executable(dir, Self::BRIDGE)?,
            alerts: executable(dir, Self::ALERTS).ok(),
        })
    }

    /// The alerts processor, or why it is missing.
    ///
    /// ```
    /// let b = weather_pipeline::binaries::SiblingBinaries {
    ///     weather: "/x/w".into(), bridge: "/x/b".into(), alerts: None };
    /// assert!(b.alerts_binary().unwrap_err().to_string().contains("telegraf-execd-alerts in /x"));
    /// ```
    pub fn alerts_binary(&self) -> Result<&Path, MissingBinary> {
        self.alerts.as_deref().ok_or_else(|| MissingBinary {
            name: Self::ALERTS,
            dir: self
                .weather
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default(),
        })
    }
}

fn executable(dir: &Path, name: &'static str) -> Result<PathBuf, MissingBinary> {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    match std::fs::metadata(&path) {
        Ok(m) if m.is_file() && m.permissions().mode() & 0o111 != 0 => Ok(path),
        _ => Err(MissingBinary {
            name,
            dir: dir.to_path_buf(),
        }),
    }
}
