//! Opens the byte streams under both transports: TCP, or TLS over TCP (feature `rustls`).

use tokio::net::TcpStream;
use wsio_ws::MaybeTlsStream;

use crate::error::{Error, Result};
use crate::url::ServerUrl;

/// TLS settings: the caller's rustls configuration, if any.
#[derive(Clone, Default)]
pub(crate) struct Tls {
    #[cfg(feature = "rustls")]
    pub config: Option<std::sync::Arc<rustls::ClientConfig>>,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls").finish_non_exhaustive()
    }
}

/// Connects to the URL's host and port, with TLS for `https`/`wss`.
pub(crate) async fn open(url: &ServerUrl, tls: &Tls) -> Result<MaybeTlsStream> {
    let tcp = TcpStream::connect((url.host.as_str(), url.port)).await?;
    tcp.set_nodelay(true)?;
    if !url.secure {
        return Ok(MaybeTlsStream::Plain(tcp));
    }
    secure(tcp, url, tls).await
}

/// The TLS configuration for a WebSocket that `wsio_ws::connect_http2` opens: the caller's
/// or the client's default, for secure URLs.
#[cfg(all(feature = "http2", feature = "rustls"))]
pub(crate) fn tls_option(url: &ServerUrl, tls: &Tls) -> Result<wsio_ws::TlsOption> {
    Ok(if url.secure { Some(config(tls)?) } else { None })
}

/// Without the `rustls` feature: nothing for plain URLs, an error for secure ones.
#[cfg(all(feature = "http2", not(feature = "rustls")))]
pub(crate) fn tls_option(url: &ServerUrl, _tls: &Tls) -> Result<wsio_ws::TlsOption> {
    if url.secure {
        return Err(Error::Tls(
            "https:// and wss:// need the feature rustls of wsio-client".into(),
        ));
    }
    Ok(None)
}

/// The caller's rustls configuration, or the default one.
#[cfg(feature = "rustls")]
pub(crate) fn config(tls: &Tls) -> Result<std::sync::Arc<rustls::ClientConfig>> {
    match &tls.config {
        Some(config) => Ok(config.clone()),
        None => default_config(),
    }
}

#[cfg(feature = "rustls")]
async fn secure(tcp: TcpStream, url: &ServerUrl, tls: &Tls) -> Result<MaybeTlsStream> {
    let config = config(tls)?;
    let name = rustls::pki_types::ServerName::try_from(url.host.clone())
        .map_err(|_| Error::Tls("invalid server name".into()))?;
    let stream = tokio_rustls::TlsConnector::from(config)
        .connect(name, tcp)
        .await?;
    Ok(MaybeTlsStream::Rustls(Box::new(stream)))
}

#[cfg(not(feature = "rustls"))]
async fn secure(_tcp: TcpStream, _url: &ServerUrl, _tls: &Tls) -> Result<MaybeTlsStream> {
    Err(Error::Tls(
        "https:// and wss:// need the feature rustls of wsio-client".into(),
    ))
}

#[cfg(feature = "rustls")]
fn default_config() -> Result<std::sync::Arc<rustls::ClientConfig>> {
    #[cfg(feature = "rustls-webpki-roots")]
    {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::Tls(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(std::sync::Arc::new(config))
    }
    #[cfg(not(feature = "rustls-webpki-roots"))]
    Err(Error::Tls(
        "no trust roots: give ClientBuilder::tls_config or enable rustls-webpki-roots".into(),
    ))
}
