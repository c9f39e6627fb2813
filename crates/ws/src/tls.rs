//! The client's transport: plain TCP for `ws://`, TCP under rustls for `wss://`.
//!
//! [`MaybeTlsStream`] exists with or without the `rustls` feature, so code that names
//! `WebSocket<MaybeTlsStream>` compiles either way; without the feature it has only the plain
//! variant.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// The stream under a client connection opened by [`connect`](crate::connect): plain TCP for
/// `ws://`, or TLS over TCP for `wss://` (feature `rustls`).
///
/// Reads and writes go straight to the variant's stream; the TLS variant is boxed so that a
/// plain connection stays as small as a bare `TcpStream`.
#[derive(Debug)]
#[non_exhaustive]
pub enum MaybeTlsStream {
    /// A `ws://` connection.
    Plain(TcpStream),
    /// A `wss://` connection: rustls over TCP.
    #[cfg(feature = "rustls")]
    Rustls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
    /// A connection opened with [`Config::http2`](crate::Config::http2) other than `Off`: a
    /// WebSocket stream of an HTTP/2 connection (RFC 8441), or TLS on which the server chose
    /// HTTP/1.1 by ALPN. Feature `http2`.
    #[cfg(feature = "http2")]
    Negotiated(Box<crate::http2::NegotiatedStream>),
}

impl MaybeTlsStream {
    /// The TCP stream underneath (for addresses and socket options).
    pub fn get_ref(&self) -> &TcpStream {
        match self {
            MaybeTlsStream::Plain(tcp) => tcp,
            #[cfg(feature = "rustls")]
            MaybeTlsStream::Rustls(tls) => tls.get_ref().0,
            #[cfg(feature = "http2")]
            MaybeTlsStream::Negotiated(stream) => stream.tcp(),
        }
    }

    /// Whether the connection is encrypted (`wss://`).
    pub fn is_tls(&self) -> bool {
        match self {
            MaybeTlsStream::Plain(_) => false,
            #[cfg(feature = "rustls")]
            MaybeTlsStream::Rustls(_) => true,
            #[cfg(feature = "http2")]
            MaybeTlsStream::Negotiated(stream) => stream.is_tls(),
        }
    }

    /// Whether the WebSocket is a stream of an HTTP/2 connection (RFC 8441); always `false`
    /// without the feature `http2`.
    pub fn is_http2(&self) -> bool {
        #[cfg(feature = "http2")]
        if let MaybeTlsStream::Negotiated(stream) = self {
            return stream.is_http2();
        }
        false
    }
}

impl AsyncRead for MaybeTlsStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MaybeTlsStream::Plain(tcp) => Pin::new(tcp).poll_read(cx, buf),
            #[cfg(feature = "rustls")]
            MaybeTlsStream::Rustls(tls) => Pin::new(tls.as_mut()).poll_read(cx, buf),
            #[cfg(feature = "http2")]
            MaybeTlsStream::Negotiated(stream) => Pin::new(stream.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for MaybeTlsStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            MaybeTlsStream::Plain(tcp) => Pin::new(tcp).poll_write(cx, buf),
            #[cfg(feature = "rustls")]
            MaybeTlsStream::Rustls(tls) => Pin::new(tls.as_mut()).poll_write(cx, buf),
            #[cfg(feature = "http2")]
            MaybeTlsStream::Negotiated(stream) => Pin::new(stream.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            MaybeTlsStream::Plain(tcp) => Pin::new(tcp).poll_write_vectored(cx, bufs),
            #[cfg(feature = "rustls")]
            MaybeTlsStream::Rustls(tls) => Pin::new(tls.as_mut()).poll_write_vectored(cx, bufs),
            #[cfg(feature = "http2")]
            MaybeTlsStream::Negotiated(stream) => {
                Pin::new(stream.as_mut()).poll_write_vectored(cx, bufs)
            }
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            MaybeTlsStream::Plain(tcp) => tcp.is_write_vectored(),
            #[cfg(feature = "rustls")]
            MaybeTlsStream::Rustls(tls) => tls.is_write_vectored(),
            #[cfg(feature = "http2")]
            MaybeTlsStream::Negotiated(stream) => stream.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MaybeTlsStream::Plain(tcp) => Pin::new(tcp).poll_flush(cx),
            #[cfg(feature = "rustls")]
            MaybeTlsStream::Rustls(tls) => Pin::new(tls.as_mut()).poll_flush(cx),
            #[cfg(feature = "http2")]
            MaybeTlsStream::Negotiated(stream) => Pin::new(stream.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MaybeTlsStream::Plain(tcp) => Pin::new(tcp).poll_shutdown(cx),
            #[cfg(feature = "rustls")]
            MaybeTlsStream::Rustls(tls) => Pin::new(tls.as_mut()).poll_shutdown(cx),
            #[cfg(feature = "http2")]
            MaybeTlsStream::Negotiated(stream) => Pin::new(stream.as_mut()).poll_shutdown(cx),
        }
    }
}

#[cfg(feature = "rustls")]
pub(crate) use rustls_client::{default_client_config, handshake};
#[cfg(all(feature = "rustls", feature = "http2"))]
pub(crate) use rustls_client::{handshake_io, with_alpn};

#[cfg(feature = "rustls")]
mod rustls_client {
    use std::fmt;
    use std::io;
    use std::sync::Arc;

    use rustls::ClientConfig;
    use rustls::pki_types::ServerName;
    use tokio::io::{AsyncRead, AsyncWrite};
    use tokio::net::TcpStream;
    use tokio_rustls::TlsConnector;
    use tokio_rustls::client::TlsStream;

    use super::MaybeTlsStream;
    use crate::Error;

    /// A failed TLS handshake: says which server it was with, and keeps rustls' own error as
    /// the source (reach it with `std::io::Error::get_ref` and `source()`).
    #[derive(Debug)]
    struct HandshakeError {
        server: String,
        source: io::Error,
    }

    impl fmt::Display for HandshakeError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(
                f,
                "TLS handshake with {} failed: {}",
                self.server, self.source
            )
        }
    }

    impl std::error::Error for HandshakeError {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.source)
        }
    }

    /// Runs the TLS client handshake on `tcp` with `host` as the server name (SNI and the
    /// name the certificate must carry).
    pub(crate) async fn handshake(
        tcp: TcpStream,
        host: &str,
        config: Arc<ClientConfig>,
    ) -> Result<MaybeTlsStream, Error> {
        let tls = handshake_io(tcp, host, config).await?;
        Ok(MaybeTlsStream::Rustls(Box::new(tls)))
    }

    /// The TLS client handshake on any stream `io`.
    pub(crate) async fn handshake_io<IO>(
        io: IO,
        host: &str,
        config: Arc<ClientConfig>,
    ) -> Result<TlsStream<IO>, Error>
    where
        IO: AsyncRead + AsyncWrite + Unpin,
    {
        let server_name = ServerName::try_from(host.to_owned())
            .map_err(|_| Error::InvalidUrl("host is not a valid TLS server name"))?;
        let tls = TlsConnector::from(config)
            .connect(server_name, io)
            .await
            .map_err(|source| {
                io::Error::new(
                    source.kind(),
                    HandshakeError {
                        server: host.to_owned(),
                        source,
                    },
                )
            })?;
        Ok(tls)
    }

    /// `config` offering `protocols` by ALPN instead of its own list.
    #[cfg(feature = "http2")]
    pub(crate) fn with_alpn(config: &Arc<ClientConfig>, protocols: &[&[u8]]) -> Arc<ClientConfig> {
        let mut config = ClientConfig::clone(config);
        config.alpn_protocols = protocols.iter().map(|p| p.to_vec()).collect();
        Arc::new(config)
    }

    /// The client configuration `connect` uses for `wss://`: the ring provider, TLS 1.2 and
    /// 1.3, ALPN `http/1.1`, and the roots of the enabled root features. Built once per process.
    pub(crate) fn default_client_config() -> Result<Arc<ClientConfig>, Error> {
        static CONFIG: std::sync::OnceLock<Arc<ClientConfig>> = std::sync::OnceLock::new();
        if let Some(config) = CONFIG.get() {
            return Ok(config.clone());
        }
        let roots = root_store()?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| io::Error::other(format!("TLS configuration: {e}")))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(CONFIG.get_or_init(|| Arc::new(config)).clone())
    }

    /// The trust roots of the enabled features: webpki-roots' compiled-in list and/or the
    /// system store.
    fn root_store() -> Result<rustls::RootCertStore, Error> {
        #[allow(unused_mut)]
        let mut roots = rustls::RootCertStore::empty();
        #[cfg(feature = "rustls-webpki-roots")]
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        #[cfg(feature = "rustls-native-roots")]
        {
            let found = rustls_native_certs::load_native_certs();
            let (_added, _ignored) = roots.add_parsable_certificates(found.certs);
            if roots.is_empty() {
                let reason = found
                    .errors
                    .first()
                    .map_or_else(|| "none found".to_owned(), ToString::to_string);
                return Err(Error::Io(io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("no usable root certificates in the system store: {reason}"),
                )));
            }
        }
        if roots.is_empty() {
            return Err(Error::InvalidUrl(
                "wss:// needs trust roots: enable the feature rustls-webpki-roots or \
                 rustls-native-roots of wsio-ws, or pass a rustls::ClientConfig to \
                 connect_with_tls",
            ));
        }
        Ok(roots)
    }
}
