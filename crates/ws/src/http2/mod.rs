//! WebSockets over HTTP/2 (RFC 8441, feature `http2`): [`H2Connector`] opens an HTTP/2
//! connection and then any number of WebSockets on it, each one stream opened by an extended
//! CONNECT; [`connect`](crate::connect) uses it when [`Config::http2`] asks for it.
//!
//! Only the opening differs from HTTP/1.1: a `CONNECT` with `:protocol websocket`, no key and
//! no accept value, answered `200`. The stream then carries RFC 6455 frames, masked by the
//! client as usual, and the same [`WebSocket`] drives them. A client may send such a request
//! only once the server's SETTINGS carried `SETTINGS_ENABLE_CONNECT_PROTOCOL = 1`: the
//! connector reads the server's first SETTINGS frame as it arrives and opens no WebSocket on
//! a server that did not allow it.

mod preface;
mod shared;

use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use http::{Method, Request, StatusCode};
use http_body_util::Empty;
use hyper::client::conn::http2::SendRequest;
use hyper::ext::Protocol;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use ws_frame::Role;
use ws_handshake::{ConnectOffer, WEBSOCKET_PROTOCOL};

pub use shared::NegotiatedStream;
pub(crate) use shared::SharedTcp;

use crate::config::within_handshake_deadline;
use crate::{Config, Error, MaybeTlsStream, WebSocket, WsUrl, deflate};

/// Whether and how [`connect`](crate::connect) uses HTTP/2 ([`Config::http2`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Http2Mode {
    /// HTTP/1.1 only: the `Upgrade: websocket` handshake, on its own connection. The default.
    #[default]
    Off,
    /// HTTP/2 where the server offers it, HTTP/1.1 otherwise.
    ///
    /// * `wss://`: TLS offers ALPN `h2, http/1.1`. If the server picks `h2` and its SETTINGS
    ///   allow extended CONNECT, the WebSocket is an RFC 8441 stream; if it picks `h2`
    ///   without allowing it, that connection is closed and a fresh one does the HTTP/1.1
    ///   upgrade (ALPN `http/1.1` only); if it picks `http/1.1` (or nothing), the HTTP/1.1
    ///   upgrade runs on the same connection.
    /// * `ws://`: HTTP/1.1, as [`Off`](Self::Off): cleartext has no negotiation to ask for
    ///   HTTP/2 without a guess. Use [`PriorKnowledge`](Self::PriorKnowledge) for h2c.
    Prefer,
    /// HTTP/2 only, no fallback.
    ///
    /// * `ws://`: h2c with prior knowledge: the connection starts with the HTTP/2 preface.
    /// * `wss://`: TLS offers ALPN `h2` alone.
    ///
    /// A server that does not speak HTTP/2 fails the call with [`Error::NotHttp2`], one that
    /// does without allowing extended CONNECT with [`Error::NoExtendedConnect`]; no HTTP/1.1
    /// retry is made.
    PriorKnowledge,
}

/// One HTTP/2 connection to a server, on which WebSockets open as streams (RFC 8441):
/// several WebSockets to one server share one TCP (or TLS) connection.
///
/// Cloning gives another handle on the same connection. The connection is driven by a task
/// of its own and closes once every handle and every WebSocket opened on it are dropped.
///
/// ```no_run
/// # async fn demo() -> Result<(), wsio_ws::Error> {
/// use wsio_ws::{Config, H2Connector, Message};
///
/// // h2c with prior knowledge for ws://, TLS with ALPN h2 for wss:// (feature rustls).
/// let h2 = H2Connector::open("ws://127.0.0.1:3000", &Config::default()).await?;
/// assert!(h2.accepts_websockets());
/// let mut chat = h2.websocket("/chat", Config::default()).await?;
/// let mut feed = h2.websocket("/feed", Config::default()).await?;
/// assert!(chat.get_ref().is_http2());
/// chat.send("hello").await?;
/// let first = feed.recv().await;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct H2Connector {
    send: SendRequest<Empty<Bytes>>,
    /// `http` or `https`: the `:scheme` of the extended CONNECT (RFC 8441 §4).
    scheme: &'static str,
    /// The `:authority`.
    authority: String,
    /// Whether the server's SETTINGS allowed extended CONNECT.
    connect_protocol: bool,
    tcp: Arc<TcpStream>,
    tls: bool,
}

impl std::fmt::Debug for H2Connector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("H2Connector")
            .field("scheme", &self.scheme)
            .field("authority", &self.authority)
            .field("connect_protocol", &self.connect_protocol)
            .finish_non_exhaustive()
    }
}

impl H2Connector {
    /// Opens an HTTP/2 connection to a `ws://` URL (h2c with prior knowledge) or a `wss://`
    /// one (TLS with ALPN `h2`, trust roots as [`connect`](crate::connect): features
    /// `rustls-webpki-roots` / `rustls-native-roots`), and waits for the server's SETTINGS.
    /// The URL's path plays no part: each [`websocket`](Self::websocket) names its own.
    ///
    /// All within [`Config::handshake_timeout`]. A server that picks another protocol by ALPN,
    /// or whose first bytes are not HTTP/2 SETTINGS, fails it with [`Error::NotHttp2`]. One
    /// that speaks HTTP/2 without allowing extended CONNECT gives a connector whose
    /// [`accepts_websockets`](Self::accepts_websockets) is `false`.
    pub async fn open(url: &str, config: &Config) -> Result<H2Connector, Error> {
        let url = WsUrl::parse(url)?;
        within_handshake_deadline(config.handshake_timeout, open_url(&url, None)).await
    }

    /// Like [`open`](Self::open), with the caller's rustls configuration for `wss://` (its
    /// ALPN list is replaced by `h2`). Feature `rustls`.
    #[cfg(feature = "rustls")]
    pub async fn open_with_tls(
        url: &str,
        config: &Config,
        tls: Arc<rustls::ClientConfig>,
    ) -> Result<H2Connector, Error> {
        let url = WsUrl::parse(url)?;
        within_handshake_deadline(config.handshake_timeout, open_url(&url, Some(tls))).await
    }

    /// TCP, TLS with ALPN `h2` only, then the HTTP/2 handshake.
    #[cfg(feature = "rustls")]
    async fn open_tls(url: &WsUrl, tls: Arc<rustls::ClientConfig>) -> Result<H2Connector, Error> {
        let tcp = Arc::new(crate::connect::open_tcp(url).await?);
        let tls = crate::tls::with_alpn(&tls, &[b"h2"]);
        let stream = crate::tls::handshake_io(SharedTcp::new(tcp.clone()), &url.host, tls).await?;
        if stream.get_ref().1.alpn_protocol() != Some(b"h2") {
            return Err(Error::NotHttp2);
        }
        H2Connector::handshake(stream, tcp, true, url).await
    }

    /// The HTTP/2 handshake on `io` (the TCP connection `tcp`, under TLS when `tls`): the
    /// preface, then the wait for the server's first SETTINGS frame.
    pub(crate) async fn handshake<IO>(
        io: IO,
        tcp: Arc<TcpStream>,
        tls: bool,
        url: &WsUrl,
    ) -> Result<H2Connector, Error>
    where
        IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let (settings_tx, settings_rx) = oneshot::channel();
        let io = preface::Preface::new(io, settings_tx);
        let (send, connection) = hyper::client::conn::http2::Builder::new(TokioExecutor::new())
            .handshake(TokioIo::new(io))
            .await
            .map_err(Error::Http2)?;
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "HTTP/2 connection ended");
            }
        });
        let connect_protocol = match settings_rx.await {
            Ok(preface::ServerPreface::Settings { connect_protocol }) => connect_protocol,
            Ok(preface::ServerPreface::NotHttp2) => return Err(Error::NotHttp2),
            Err(_) => {
                return Err(Error::Io(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "the HTTP/2 connection ended before the server's SETTINGS",
                )));
            }
        };
        tracing::debug!(connect_protocol, "HTTP/2 connection open");
        Ok(H2Connector {
            send,
            scheme: if tls { "https" } else { "http" },
            authority: url.authority.clone(),
            connect_protocol,
            tcp,
            tls,
        })
    }

    /// Whether the server allows WebSockets on this connection: its SETTINGS carried
    /// `SETTINGS_ENABLE_CONNECT_PROTOCOL = 1` (RFC 8441 §3).
    pub fn accepts_websockets(&self) -> bool {
        self.connect_protocol
    }

    /// Opens a WebSocket on a new stream of this connection: an extended CONNECT to `target`
    /// (path and query, e.g. `/chat?room=1`) offering permessage-deflate when
    /// [`Config::deflate`] asks for it. Within [`Config::handshake_timeout`].
    ///
    /// # Errors
    /// [`Error::NoExtendedConnect`] on a server that does not allow it (nothing is sent);
    /// [`Error::Rejected`] with the status of any answer but `200`; [`Error::Handshake`] for
    /// an answer that agrees to what was not offered; [`Error::Http2`] when the stream or the
    /// connection fails.
    pub async fn websocket(
        &self,
        target: &str,
        config: Config,
    ) -> Result<WebSocket<MaybeTlsStream>, Error> {
        self.websocket_with(target, config, &[], &[])
            .await
            .map(|(ws, _)| ws)
    }

    /// Like [`websocket`](Self::websocket), offering `subprotocols` (most preferred first)
    /// and sending `extra_headers` (`authorization`, `cookie`; HTTP/2 forbids the
    /// connection-specific ones such as `connection` and `host`). Gives the subprotocol the
    /// server confirmed beside the WebSocket.
    pub async fn websocket_with(
        &self,
        target: &str,
        config: Config,
        subprotocols: &[&str],
        extra_headers: &[(&str, &str)],
    ) -> Result<(WebSocket<MaybeTlsStream>, Option<String>), Error> {
        if !self.connect_protocol {
            return Err(Error::NoExtendedConnect);
        }
        let deadline = config.handshake_timeout;
        within_handshake_deadline(
            deadline,
            self.open_stream(target, config, subprotocols, extra_headers),
        )
        .await
    }

    async fn open_stream(
        &self,
        target: &str,
        config: Config,
        subprotocols: &[&str],
        extra_headers: &[(&str, &str)],
    ) -> Result<(WebSocket<MaybeTlsStream>, Option<String>), Error> {
        let offer = ConnectOffer {
            subprotocols,
            deflate: crate::connect::deflate_offer(&config),
            extra_headers,
        };
        let target = if target.is_empty() { "/" } else { target };
        let uri = format!("{}://{}{target}", self.scheme, self.authority);
        let mut request = Request::builder().method(Method::CONNECT).uri(uri);
        for (name, value) in offer.fields()? {
            request = request.header(name, value);
        }
        let mut request = request.body(Empty::new()).map_err(|_| {
            Error::InvalidUrl("the target or a header is not valid in an HTTP/2 request")
        })?;
        request
            .extensions_mut()
            .insert(Protocol::from_static(WEBSOCKET_PROTOCOL));
        let mut send = self.send.clone();
        send.ready().await.map_err(Error::Http2)?;
        let response = send.send_request(request).await.map_err(Error::Http2)?;
        if response.status() != StatusCode::OK {
            return Err(Error::Rejected(response.status().as_u16()));
        }
        let answer = response
            .headers()
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_bytes()));
        let agreed = offer.verify(answer)?;
        let extension = deflate::agreed(
            Role::Client,
            agreed.deflate.as_ref(),
            config.compression_threshold,
        )?;
        let stream = hyper::upgrade::on(response).await.map_err(Error::Http2)?;
        let stream = NegotiatedStream::http2(TokioIo::new(stream), self.tcp.clone(), self.tls);
        let ws = WebSocket::from_raw(
            MaybeTlsStream::Negotiated(Box::new(stream)),
            Role::Client,
            config,
            BytesMut::new(),
            extension,
        );
        Ok((ws, agreed.subprotocol))
    }
}

/// h2c with prior knowledge for `ws://`; TLS with ALPN `h2` for `wss://`, with `tls` or the
/// built-in configuration.
async fn open_url(url: &WsUrl, tls: crate::TlsOption) -> Result<H2Connector, Error> {
    if !url.secure {
        let tcp = Arc::new(crate::connect::open_tcp(url).await?);
        return H2Connector::handshake(SharedTcp::new(tcp.clone()), tcp, false, url).await;
    }
    #[cfg(feature = "rustls")]
    {
        let tls = match tls {
            Some(tls) => tls,
            None => crate::tls::default_client_config()?,
        };
        H2Connector::open_tls(url, tls).await
    }
    #[cfg(not(feature = "rustls"))]
    {
        let _ = tls;
        Err(Error::InvalidUrl(
            "wss:// needs the feature rustls of wsio-ws",
        ))
    }
}

/// [`connect`](crate::connect) with [`Http2Mode::PriorKnowledge`] on a `ws://` URL: h2c, one
/// WebSocket, no fallback.
pub(crate) async fn connect_h2c(
    url: &WsUrl,
    config: Config,
    extra_headers: &[(&str, &str)],
) -> Result<WebSocket<MaybeTlsStream>, Error> {
    let h2 = open_url(url, None).await?;
    h2.websocket_with(&url.target, config, &[], extra_headers)
        .await
        .map(|(ws, _)| ws)
}

/// [`connect`](crate::connect) on a `wss://` URL with [`Http2Mode::Prefer`] or
/// [`Http2Mode::PriorKnowledge`]: ALPN, then RFC 8441, the HTTP/1.1 upgrade on the same
/// connection, or (preferring h2 from a server that does not allow extended CONNECT) the
/// HTTP/1.1 upgrade on a fresh connection.
#[cfg(feature = "rustls")]
pub(crate) async fn connect_tls(
    url: &WsUrl,
    config: Config,
    tls: Arc<rustls::ClientConfig>,
    extra_headers: &[(&str, &str)],
) -> Result<WebSocket<MaybeTlsStream>, Error> {
    let prefer = config.http2 == Http2Mode::Prefer;
    let alpn: &[&[u8]] = if prefer {
        &[b"h2", b"http/1.1"]
    } else {
        &[b"h2"]
    };
    let tcp = Arc::new(crate::connect::open_tcp(url).await?);
    let offered = crate::tls::with_alpn(&tls, alpn);
    let stream = crate::tls::handshake_io(SharedTcp::new(tcp.clone()), &url.host, offered).await?;
    if stream.get_ref().1.alpn_protocol() != Some(b"h2") {
        if !prefer {
            return Err(Error::NotHttp2);
        }
        tracing::debug!("the server chose HTTP/1.1 by ALPN");
        let stream = NegotiatedStream::http1_tls(stream, tcp);
        let stream = MaybeTlsStream::Negotiated(Box::new(stream));
        return crate::connect_on(stream, url, config, extra_headers).await;
    }
    let h2 = H2Connector::handshake(stream, tcp, true, url).await?;
    if h2.accepts_websockets() || !prefer {
        return h2
            .websocket_with(&url.target, config, &[], extra_headers)
            .await
            .map(|(ws, _)| ws);
    }
    drop(h2);
    tracing::debug!("HTTP/2 without extended CONNECT: HTTP/1.1 on a fresh connection");
    let tcp = crate::connect::open_tcp(url).await?;
    let http1 = crate::tls::with_alpn(&tls, &[b"http/1.1"]);
    let stream = crate::tls::handshake(tcp, &url.host, http1).await?;
    crate::connect_on(stream, url, config, extra_headers).await
}
