//! An HTTPS front for loopback tests (feature `test-util`; never enable it in production
//! builds): [`TlsFront`] terminates TLS with a certificate for `127.0.0.1` and `localhost`
//! issued by a test CA ([`TEST_CA_PEM`]), and forwards the plain bytes to a
//! [`ScriptedServer`](crate::test_util::ScriptedServer), so that a test can check both what
//! the client trusted and what reached the server.
//!
//! The certificates are fixtures in `testdata/tls` (see its README for how they were made).

// A test helper that cannot bind a loopback port or load its own fixtures has nothing
// sensible to return: it panics with a message, as test code does.
#![allow(clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// The test CA that issued the front's certificate: trust it with
/// `add_root_certificate_pem` to reach a [`TlsFront`].
pub const TEST_CA_PEM: &[u8] = include_bytes!("../testdata/tls/ca.pem");
/// An unrelated CA, to build bundles of several certificates.
pub const OTHER_CA_PEM: &[u8] = include_bytes!("../testdata/tls/other-ca.pem");
/// The front's certificate (for `localhost` and `127.0.0.1`), issued by [`TEST_CA_PEM`].
const SERVER_CERT_PEM: &[u8] = include_bytes!("../testdata/tls/server.pem");
/// Its private key; it protects nothing but these tests.
const SERVER_KEY_PEM: &[u8] = include_bytes!("../testdata/tls/server.key");

/// A TLS-terminating front on `127.0.0.1`; stops when dropped.
pub struct TlsFront {
    /// `https://127.0.0.1:PORT`.
    pub base_url: String,
    connections: Arc<AtomicUsize>,
    handshakes: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TlsFront {
    /// Listens on a free loopback port and forwards each connection whose TLS handshake
    /// completes to `backend` (`http://127.0.0.1:PORT`, a scripted server's `base_url`).
    ///
    /// # Panics
    /// If no loopback port can be bound or the fixtures do not load.
    pub async fn start(backend: &str) -> Self {
        let backend = backend
            .strip_prefix("http://")
            .unwrap_or(backend)
            .trim_end_matches('/')
            .to_owned();
        let certificates: Vec<CertificateDer<'static>> =
            CertificateDer::pem_slice_iter(SERVER_CERT_PEM)
                .collect::<Result<_, _>>()
                .expect("test certificate fixture");
        let key = PrivateKeyDer::from_pem_slice(SERVER_KEY_PEM).expect("test key fixture");
        let config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_no_client_auth()
            .with_single_cert(certificates, key)
            .expect("test certificate and key match");
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let base_url = format!("https://{}", listener.local_addr().expect("local address"));
        let connections = Arc::new(AtomicUsize::new(0));
        let handshakes = Arc::new(AtomicUsize::new(0));
        let (accepted, completed) = (connections.clone(), handshakes.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                accepted.fetch_add(1, Ordering::SeqCst);
                let (acceptor, backend, completed) =
                    (acceptor.clone(), backend.clone(), completed.clone());
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(stream).await else {
                        return;
                    };
                    completed.fetch_add(1, Ordering::SeqCst);
                    let Ok(mut plain) = TcpStream::connect(&backend).await else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                });
            }
        });
        Self {
            base_url,
            connections,
            handshakes,
            task,
        }
    }

    /// TCP connections accepted so far (one per attempt that got as far as connecting).
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// TLS handshakes completed so far (connections whose bytes were forwarded).
    pub fn handshakes(&self) -> usize {
        self.handshakes.load(Ordering::SeqCst)
    }
}
