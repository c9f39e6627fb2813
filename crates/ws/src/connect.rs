//! The client side: connect over TCP or TLS, or run the handshake on a stream the caller opened.

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use ws_frame::Role;
use ws_handshake::{ClientRequest, DeflateOffer};

use crate::config::within_handshake_deadline;
use crate::{Config, Error, MaybeTlsStream, WebSocket, WsUrl, deflate};

/// Opens a connection to a `ws://` or `wss://` URL and performs the opening handshake.
///
/// `ws://` is plain TCP. `wss://` needs the `rustls` feature and one of
/// `rustls-webpki-roots` / `rustls-native-roots` for the trust roots; the TLS server name
/// (SNI, and the name the certificate must carry) is the URL's host. Without them, `wss://`
/// fails with [`Error::InvalidUrl`]; `connect_with_tls` (feature `rustls`) takes a
/// `rustls::ClientConfig` of the caller's instead.
///
/// Opening the connection (TCP, TLS) and the handshake together must finish within
/// [`Config::handshake_timeout`], else the call fails with [`Error::HandshakeTimeout`].
///
/// With the feature `http2`, `Config::http2` may open the WebSocket over HTTP/2 instead
/// (RFC 8441): `Http2Mode::Prefer` negotiates it by ALPN on `wss://` and falls back to
/// HTTP/1.1, `Http2Mode::PriorKnowledge` requires it (h2c on `ws://`). The WebSocket is the
/// same type either way; `ws.get_ref().is_http2()` tells which it got.
///
/// ```no_run
/// # async fn demo() -> Result<(), wsio_ws::Error> {
/// let mut ws = wsio_ws::connect("ws://127.0.0.1:9001/", wsio_ws::Config::default()).await?;
/// ws.send("hello").await?;
/// let echo = ws.recv().await;
/// // `ws` is a `WebSocket<MaybeTlsStream>`; the same type for `wss://` URLs.
/// assert!(!ws.get_ref().is_tls());
/// # Ok(()) }
/// ```
pub async fn connect(url: &str, config: Config) -> Result<WebSocket<MaybeTlsStream>, Error> {
    let parsed = WsUrl::parse(url)?;
    let deadline = config.handshake_timeout;
    let opening = async {
        #[cfg(feature = "http2")]
        if config.http2 != crate::Http2Mode::Off {
            return connect_http2(&parsed, config, None, &[]).await;
        }
        let stream = if parsed.secure {
            open_tls_default(&parsed).await?
        } else {
            MaybeTlsStream::Plain(open_tcp(&parsed).await?)
        };
        connect_on(stream, &parsed, config, &[]).await
    };
    within_handshake_deadline(deadline, opening).await
}

/// TLS settings for [`connect_http2`]: the caller's rustls configuration, or `None` for the
/// built-in one.
#[cfg(all(feature = "http2", feature = "rustls"))]
pub type TlsOption = Option<std::sync::Arc<rustls::ClientConfig>>;

/// TLS settings for [`connect_http2`]: without the `rustls` feature, always `None`.
#[cfg(all(feature = "http2", not(feature = "rustls")))]
pub type TlsOption = Option<std::convert::Infallible>;

/// Opens a WebSocket as [`Config::http2`] says, with the caller's TLS configuration (`None`:
/// the built-in one, as [`connect`]) and extra request headers (cookies, authorization).
/// [`connect`] and `connect_with_tls` call it when `config.http2` is not `Off`; clients that
/// open their own streams for HTTP/1.1 (with [`connect_on`]) call it for the other modes.
/// Feature `http2`; not bounded by [`Config::handshake_timeout`] as a whole (each step is).
///
/// ```no_run
/// # async fn demo() -> Result<(), wsio_ws::Error> {
/// use wsio_ws::{Config, Http2Mode, WsUrl};
///
/// let url = WsUrl::parse("ws://127.0.0.1:3000/chat")?;
/// let config = Config { http2: Http2Mode::PriorKnowledge, ..Config::default() };
/// let headers = [("authorization", "Bearer token")];
/// let ws = wsio_ws::connect_http2(&url, config, None, &headers).await?;
/// assert!(ws.get_ref().is_http2());
/// # Ok(()) }
/// ```
#[cfg(feature = "http2")]
pub async fn connect_http2(
    url: &WsUrl,
    config: Config,
    tls: TlsOption,
    extra_headers: &[(&str, &str)],
) -> Result<WebSocket<MaybeTlsStream>, Error> {
    use crate::Http2Mode;
    match (config.http2, url.secure) {
        (Http2Mode::PriorKnowledge, false) => {
            crate::http2::connect_h2c(url, config, extra_headers).await
        }
        (Http2Mode::Off | Http2Mode::Prefer, false) => {
            let stream = MaybeTlsStream::Plain(open_tcp(url).await?);
            connect_on(stream, url, config, extra_headers).await
        }
        (mode, true) => {
            #[cfg(feature = "rustls")]
            {
                let tls = match tls {
                    Some(tls) => tls,
                    None => crate::tls::default_client_config()?,
                };
                if mode == Http2Mode::Off {
                    let stream =
                        crate::tls::handshake(open_tcp(url).await?, &url.host, tls).await?;
                    return connect_on(stream, url, config, extra_headers).await;
                }
                crate::http2::connect_tls(url, config, tls, extra_headers).await
            }
            #[cfg(not(feature = "rustls"))]
            {
                let _ = (mode, tls);
                Err(Error::InvalidUrl(
                    "wss:// needs the feature rustls of wsio-ws",
                ))
            }
        }
    }
}

/// Like [`connect`], with the caller's rustls client configuration for `wss://` URLs (its own
/// roots, client certificates, ALPN, crypto provider). A `ws://` URL connects in plain TCP and
/// leaves `tls` unused. Feature `rustls`.
///
/// ```no_run
/// # async fn demo(roots: wsio_ws::rustls::RootCertStore) -> Result<(), Box<dyn std::error::Error>> {
/// use std::sync::Arc;
/// use wsio_ws::rustls;
///
/// let provider = Arc::new(rustls::crypto::ring::default_provider());
/// let tls = rustls::ClientConfig::builder_with_provider(provider)
///     .with_safe_default_protocol_versions()?
///     .with_root_certificates(roots)
///     .with_no_client_auth();
/// let url = "wss://localhost:8443/";
/// let mut ws = wsio_ws::connect_with_tls(url, wsio_ws::Config::default(), Arc::new(tls)).await?;
/// ws.send("hello").await?;
/// # Ok(()) }
/// ```
#[cfg(feature = "rustls")]
pub async fn connect_with_tls(
    url: &str,
    config: Config,
    tls: std::sync::Arc<rustls::ClientConfig>,
) -> Result<WebSocket<MaybeTlsStream>, Error> {
    let parsed = WsUrl::parse(url)?;
    let deadline = config.handshake_timeout;
    let opening = async {
        #[cfg(feature = "http2")]
        if config.http2 != crate::Http2Mode::Off {
            return connect_http2(&parsed, config, Some(tls), &[]).await;
        }
        let tcp = open_tcp(&parsed).await?;
        let stream = if parsed.secure {
            crate::tls::handshake(tcp, &parsed.host, tls).await?
        } else {
            MaybeTlsStream::Plain(tcp)
        };
        connect_on(stream, &parsed, config, &[]).await
    };
    within_handshake_deadline(deadline, opening).await
}

/// The TCP connection to the URL's host and port, with Nagle's algorithm off.
pub(crate) async fn open_tcp(url: &WsUrl) -> Result<TcpStream, Error> {
    let tcp = TcpStream::connect((url.host.as_str(), url.port)).await?;
    tcp.set_nodelay(true)?;
    Ok(tcp)
}

/// TCP, then TLS with the built-in client configuration.
#[cfg(feature = "rustls")]
async fn open_tls_default(url: &WsUrl) -> Result<MaybeTlsStream, Error> {
    let tls = crate::tls::default_client_config()?;
    let tcp = open_tcp(url).await?;
    crate::tls::handshake(tcp, &url.host, tls).await
}

/// Without the `rustls` feature there is no TLS to open.
#[cfg(not(feature = "rustls"))]
async fn open_tls_default(_url: &WsUrl) -> Result<MaybeTlsStream, Error> {
    Err(Error::InvalidUrl(
        "wss:// needs the feature rustls of wsio-ws (or a TLS stream given to connect_on)",
    ))
}

/// Performs the client handshake on an already open stream (plain TCP, TLS, a test duplex),
/// with extra request headers (cookies, authorization) and the subprotocols to offer.
///
/// The server's response must arrive within [`Config::handshake_timeout`], else the call
/// fails with [`Error::HandshakeTimeout`] and `stream` is dropped.
pub async fn connect_on<S>(
    stream: S,
    url: &WsUrl,
    config: Config,
    extra_headers: &[(&str, &str)],
) -> Result<WebSocket<S>, Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let deadline = config.handshake_timeout;
    let handshake = async move {
        let mut stream = stream;
        let request = ClientRequest {
            host: &url.authority,
            target: &url.target,
            deflate: deflate_offer(&config),
            extra_headers,
            limits: config.handshake_limits,
            ..ClientRequest::default()
        };
        let (bytes, handshake) = request.build()?;
        stream.write_all(&bytes).await?;
        let mut buf = BytesMut::new();
        let connected = loop {
            if let Some(connected) = handshake.verify_buf(&mut buf)? {
                break connected;
            }
            buf.reserve(1024);
            if stream.read_buf(&mut buf).await? == 0 {
                return Err(Error::ResetWithoutClose);
            }
        };
        let extension = deflate::agreed(
            Role::Client,
            connected.deflate.as_ref(),
            config.compression_threshold,
        )?;
        Ok(WebSocket::from_raw(
            stream,
            Role::Client,
            config,
            buf,
            extension,
        ))
    };
    within_handshake_deadline(deadline, handshake).await
}

/// The permessage-deflate offer of a client under `config` (none when
/// [`Config::deflate`] is `None`).
pub(crate) fn deflate_offer(config: &Config) -> Option<DeflateOffer> {
    config.deflate.map(|policy| DeflateOffer {
        client_no_context_takeover: policy.client_no_context_takeover,
        server_no_context_takeover: policy.server_no_context_takeover,
        client_max_window_bits: Some(policy.client_max_window_bits),
        server_max_window_bits: (policy.server_max_window_bits < 15)
            .then_some(policy.server_max_window_bits),
    })
}
