//! TLS for `wsio serve --tls-cert --tls-key`: the certificate chain and key read from PEM
//! files, served over HTTP/2 or HTTP/1.1 (ALPN `h2`, `http/1.1`), and read again on `SIGHUP`.
//!
//! The files are read when the server starts, and again each time the process gets `SIGHUP`
//! (after a renewal: `kill -HUP <pid>`). New connections get the new certificate; open ones
//! keep theirs. A reload that fails (a missing file, a key that does not match) is logged
//! and the previous certificate stays in use.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

/// Where the certificate chain and its key are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The certificate chain, PEM, the server's certificate first.
    pub cert: PathBuf,
    /// The private key, PEM (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// The certificate in use, swapped by [`CertStore::reload`].
#[derive(Debug)]
pub struct CertStore {
    files: TlsFiles,
    provider: Arc<CryptoProvider>,
    current: RwLock<Arc<CertifiedKey>>,
}

impl CertStore {
    /// Reads `files`; fails with a message naming the file at fault.
    pub fn load(files: TlsFiles) -> Result<Arc<CertStore>, String> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let current = read(&files, &provider)?;
        Ok(Arc::new(CertStore {
            files,
            provider,
            current: RwLock::new(Arc::new(current)),
        }))
    }

    /// Reads the files again; on success new connections get the new certificate, on
    /// failure the old one stays.
    pub fn reload(&self) -> Result<(), String> {
        let fresh = read(&self.files, &self.provider)?;
        *self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(fresh);
        Ok(())
    }

    /// The server configuration: TLS 1.2 and 1.3, no client certificates, ALPN `h2` then
    /// `http/1.1` (HTTP/2 and its WebSockets, RFC 8441, for clients that offer it), the
    /// certificate from this store.
    pub fn server_config(self: &Arc<Self>) -> Result<Arc<rustls::ServerConfig>, String> {
        let mut config = rustls::ServerConfig::builder_with_provider(self.provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS: {e}"))?
            .with_no_client_auth()
            .with_cert_resolver(self.clone());
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

impl ResolvesServerCert for CertStore {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(
            self.current
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone(),
        )
    }
}

/// The chain and key of `files`, checked to belong together.
fn read(files: &TlsFiles, provider: &CryptoProvider) -> Result<CertifiedKey, String> {
    let certs = CertificateDer::pem_file_iter(&files.cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| at(&files.cert, e))?;
    if certs.is_empty() {
        return Err(at(&files.cert, "no certificate in the file"));
    }
    let key = PrivateKeyDer::from_pem_file(&files.key).map_err(|e| at(&files.key, e))?;
    CertifiedKey::from_der(certs, key, provider)
        .map_err(|e| format!("{} and {}: {e}", files.cert.display(), files.key.display()))
}

fn at(path: &Path, error: impl std::fmt::Display) -> String {
    format!("{}: {error}", path.display())
}

/// Reads the files again on every `SIGHUP`, for as long as the runtime runs.
#[cfg(unix)]
pub fn reload_on_sighup(store: Arc<CertStore>) -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut hangups = signal(SignalKind::hangup())?;
    tokio::spawn(async move {
        while hangups.recv().await.is_some() {
            match store.reload() {
                Ok(()) => {
                    tracing::info!(cert = %store.files.cert.display(), "TLS certificate reloaded")
                }
                Err(error) => {
                    tracing::error!(%error, "TLS certificate not reloaded; the previous one stays")
                }
            }
        }
    });
    Ok(())
}

/// `SIGHUP` exists on Unix only: elsewhere, a restart reloads the certificate.
#[cfg(not(unix))]
pub fn reload_on_sighup(_store: Arc<CertStore>) -> std::io::Result<()> {
    Ok(())
}
