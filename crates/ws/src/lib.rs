//! WebSocket connections on tokio, built on the sans-I/O `ws-handshake` and `ws-frame` crates.
//!
//! The protocol of an open connection (close handshake, automatic pong and close echo,
//! keepalive timing, close codes, limits) is `ws_frame::Connection`; a [`WebSocket`] drives it:
//! reads bytes into it, writes what it queues, and sleeps until its next deadline.
//!
//! * Servers: [`accept`] / [`accept_with`] on any `AsyncRead + AsyncWrite` (TCP, TLS, an
//!   upgraded HTTP connection), with a policy callback that sees the request.
//! * Clients: [`connect`] to a `ws://` or `wss://` URL (a [`WebSocket`] over a
//!   [`MaybeTlsStream`]), or [`connect_on`] over a stream you opened.
//! * A [`WebSocket`] receives with `recv()` or as a `Stream`, sends with `send()` or as a
//!   `Sink`, answers pings and close frames itself, applies backpressure, and negotiates
//!   permessage-deflate by default.
//! * The opening handshake has a deadline on both sides ([`Config::handshake_timeout`],
//!   10 s by default): a peer that sends its request or response slowly, or not at all,
//!   gets [`Error::HandshakeTimeout`] instead of holding the connection.
//!
//! Features (all off by default):
//!
//! | feature | what it adds |
//! | --- | --- |
//! | `rustls` | `wss://` in [`connect`] over rustls (ring provider, TLS 1.2 + 1.3); `connect_with_tls` for your own `rustls::ClientConfig`; `wsio_ws::rustls` re-exported |
//! | `rustls-webpki-roots` | `rustls` + Mozilla's root certificates compiled in, used by [`connect`] for `wss://` |
//! | `rustls-native-roots` | `rustls` + the system's certificate store, read once per process |
//! | `http2` | WebSockets over HTTP/2 (RFC 8441 extended CONNECT, on hyper): `H2Connector` opens many on one connection; `Config::http2` makes [`connect`] use it (h2c with prior knowledge, or ALPN `h2` with HTTP/1.1 fallback) |
//!
//! With `rustls` alone, [`connect`] refuses `wss://` (no trust roots) and `connect_with_tls`
//! is the way in. Servers need no feature: [`accept`] runs on a `tokio_rustls` server stream.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), wsio_ws::Error> {
//! use wsio_ws::{Config, Message};
//!
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let url = format!("ws://{}/", listener.local_addr()?);
//! let server = tokio::spawn(async move {
//!     let (tcp, _) = listener.accept().await?;
//!     let mut ws = wsio_ws::accept(tcp, Config::default()).await?;
//!     while let Some(message) = ws.recv().await {
//!         let message = message?;
//!         if message.is_data() {
//!             ws.send(message).await?;
//!         }
//!     }
//!     Ok::<(), wsio_ws::Error>(())
//! });
//! let mut client = wsio_ws::connect(&url, Config::default()).await?;
//! client.send("hello").await?;
//! assert_eq!(client.recv().await.unwrap()?, Message::Text("hello".into()));
//! client.close(wsio_ws::CloseCode::NORMAL, "bye").await?;
//! server.await.unwrap()?;
//! # Ok(()) }
//! ```

mod accept;
mod config;
mod connect;
mod connection;
mod deflate;
mod error;
#[cfg(feature = "http2")]
mod http2;
mod outbound;
mod split;
mod tls;
mod url;

pub use accept::{Decision, accept, accept_with};
pub use config::Config;
#[cfg(feature = "rustls")]
pub use connect::connect_with_tls;
#[cfg(feature = "http2")]
pub use connect::{TlsOption, connect_http2};
pub use connect::{connect, connect_on};
pub use connection::WebSocket;
pub use deflate::ExtensionPair;
pub use error::Error;
#[cfg(feature = "http2")]
pub use http2::{H2Connector, Http2Mode, NegotiatedStream};
#[cfg(feature = "rustls")]
pub use rustls;
pub use split::{WsReader, WsWriter};
pub use tls::MaybeTlsStream;
pub use url::WsUrl;
pub use ws_frame::{CloseCode, CloseFrame, Limits, Message, Role, Utf8Bytes};
