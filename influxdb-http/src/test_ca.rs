//! A throw-away certificate authority for TLS tests (feature `test-server`): a CA and a server
//! certificate for `127.0.0.1`/`localhost` signed by it, made with the `openssl` command-line
//! tool in a temporary folder (removed on drop).

use std::path::{Path, PathBuf};
use std::process::Command;

/// A test CA with one server certificate valid for `127.0.0.1` and `localhost` (two days).
///
/// ```
/// match influxdb_http::TestCa::new() {
///     Ok(ca) => {
///         assert!(std::fs::read_to_string(ca.ca_pem()).unwrap().contains("BEGIN CERTIFICATE"));
///         assert!(ca.server_key().is_file());
///     }
///     Err(e) => eprintln!("no openssl here: {e}"),
/// }
/// ```
#[derive(Debug)]
pub struct TestCa {
    dir: PathBuf,
}

impl TestCa {
    /// Makes the CA and the server certificate (EC P-256 keys, PKCS#8 PEM).
    ///
    /// ```
    /// # if let Ok(ca) = influxdb_http::TestCa::new() {
    /// assert!(ca.server_pem().is_file());
    /// # }
    /// ```
    pub fn new() -> std::io::Result<Self> {
        let dir = crate::local_influxd::unique_temp_dir()?;
        let ca = TestCa { dir };
        // Own config files: the system openssl.cnf's defaults must not add extensions.
        std::fs::write(
            ca.dir.join("ca.cnf"),
            "[req]\ndistinguished_name = dn\nx509_extensions = v3_ca\nprompt = no\n\
             [dn]\nCN = weather-pipeline test CA\n\
             [v3_ca]\nbasicConstraints = critical, CA:TRUE\n\
             keyUsage = critical, keyCertSign, cRLSign\nsubjectKeyIdentifier = hash\n",
        )?;
        std::fs::write(
            ca.dir.join("server.ext"),
            "subjectAltName = IP:127.0.0.1, DNS:localhost\n\
             basicConstraints = CA:FALSE\n\
             keyUsage = critical, digitalSignature, keyEncipherment\n\
             extendedKeyUsage = serverAuth\n",
        )?;
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-noenc",
        ];
        ca.openssl(&[
            &["req", "-config", "ca.cnf", "-x509", "-days", "2"],
            &ec,
            &["-keyout", "ca.key", "-out", "ca.pem"],
        ])?;
        ca.openssl(&[
            &["req", "-config", "ca.cnf", "-new", "-subj", "/CN=127.0.0.1"],
            &ec,
            &["-keyout", "server.key", "-out", "server.csr"],
        ])?;
        ca.openssl(&[&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "server.ext",
            "-out",
            "server.pem",
        ]])?;
        Ok(ca)
    }

    fn openssl(&self, parts: &[&[&str]]) -> std::io::Result<()> {
        let args: Vec<&str> = parts.iter().flat_map(|p| p.iter().copied()).collect();
        let out = Command::new("openssl")
            .args(&args)
            .current_dir(&self.dir)
            .output()?;
        if out.status.success() {
            Ok(())
        } else {
            Err(std::io::Error::other(format!(
                "openssl {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            )))
        }
    }

    /// The CA certificate (PEM): what clients are told to trust.
    ///
    /// ```
    /// if let Ok(ca) = influxdb_http::TestCa::new() {
    ///     assert!(ca.ca_pem().ends_with("ca.pem"));
    /// }
    /// ```
    pub fn ca_pem(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    /// The server certificate (PEM), signed by the CA.
    ///
    /// ```
    /// if let Ok(ca) = influxdb_http::TestCa::new() {
    ///     assert!(ca.server_pem().is_file());
    /// }
    /// ```
    pub fn server_pem(&self) -> PathBuf {
        self.dir.join("server.pem")
    }

    /// The server's private key (PKCS#8 PEM).
    ///
    /// ```
    /// if let Ok(ca) = influxdb_http::TestCa::new() {
    ///     assert!(ca.server_key().is_file());
    /// }
    /// ```
    pub fn server_key(&self) -> PathBuf {
        self.dir.join("server.key")
    }

    /// The folder holding the files.
    ///
    /// ```
    /// if let Ok(ca) = influxdb_http::TestCa::new() {
    ///     assert!(ca.ca_pem().starts_with(ca.dir()));
    /// }
    /// ```
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for TestCa {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
