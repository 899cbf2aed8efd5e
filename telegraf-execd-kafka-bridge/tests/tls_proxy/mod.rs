//! A TLS terminator for tests, as stunnel in front of a broker: accepts TLS on a loopback
//! listener with a test CA's server certificate and forwards the plaintext to a backend. It
//! counts completed and failed handshakes; a client speaking plaintext to it, or one that
//! does not trust the certificate, gets nothing through.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

pub struct TlsProxy {
    pub addr: SocketAddr,
    handshakes: Arc<AtomicU64>,
    failed: Arc<AtomicU64>,
    _runtime: tokio::runtime::Runtime,
}

impl TlsProxy {
    /// Serves TLS on `listener` (already bound, so its port could be advertised before),
    /// forwarding each connection to `backend`.
    pub fn start(
        listener: std::net::TcpListener,
        backend: SocketAddr,
        cert: &Path,
        key: &Path,
    ) -> TlsProxy {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
            .expect("server certificate")
            .collect::<Result<_, _>>()
            .expect("server certificate PEM");
        let key = PrivateKeyDer::from_pem_file(key).expect("server key PEM");
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .expect("server TLS config");
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let addr = listener.local_addr().unwrap();
        listener.set_nonblocking(true).unwrap();
        let handshakes = Arc::new(AtomicU64::new(0));
        let failed = Arc::new(AtomicU64::new(0));
        let (count, failures) = (Arc::clone(&handshakes), Arc::clone(&failed));
        runtime.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, count, failures) =
                    (acceptor.clone(), Arc::clone(&count), Arc::clone(&failures));
                tokio::spawn(async move {
                    // A plaintext client, or one rejecting the certificate, fails the
                    // handshake here and is dropped.
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        failures.fetch_add(1, Ordering::Relaxed);
                        return;
                    };
                    count.fetch_add(1, Ordering::Relaxed);
                    if let Ok(mut upstream) = tokio::net::TcpStream::connect(backend).await {
                        let _ = tokio::io::copy_bidirectional(&mut tls, &mut upstream).await;
                    }
                });
            }
        });
        TlsProxy {
            addr,
            handshakes,
            failed,
            _runtime: runtime,
        }
    }

    /// TLS handshakes completed so far.
    pub fn handshakes(&self) -> u64 {
        self.handshakes.load(Ordering::Relaxed)
    }

    /// Connections dropped because their TLS handshake failed.
    pub fn failed_handshakes(&self) -> u64 {
        self.failed.load(Ordering::Relaxed)
    }
}
