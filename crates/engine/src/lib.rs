//! An Engine.IO v4 server on hyper: the transport layer below Socket.IO.
//!
//! An [`Engine`] answers the requests for its path ([`EngineConfig::path`]): it opens
//! sessions over HTTP long-polling or WebSocket, upgrades polling sessions to WebSocket,
//! keeps their heartbeats, and delivers every message a peer sends to the layer above, the
//! [`Handler`] it was built with. It knows nothing of what the messages mean: Socket.IO
//! (`wsio-server`) is one such layer, an echo is another.
//!
//! * [`Session`] — one peer: its id ([`Sid`]), its opening request ([`RequestInfo`]), its
//!   [`Transport`], and one bounded outgoing queue of [`Outgoing`] items drained by whichever
//!   transport carries it. [`SharedMessages`] are queued on many sessions at once and encoded
//!   as WebSocket frames once.
//! * [`Handler`] and [`SessionHandler`] — the upward interface: a session opened, a message
//!   arrived, the session closed (with a [`CloseReason`]).
//! * Serving: [`Engine::serve`] runs the accept loop (one hyper HTTP/1.1 or HTTP/2
//!   connection per TCP connection, request heads within
//!   [`EngineConfig::header_read_timeout`]);
//!   [`Engine::serve_using`] takes a [`ServeConfig`]: a fallback for other paths, how long
//!   the drain may take once stopped (sessions closed, queues sent, connections finished)
//!   and, with the `tls` feature, a `rustls::ServerConfig` for `https://` and `wss://`
//!   (`Engine::serve_tls`; a Socket.IO server reaches its engine through
//!   [`Endpoint::engine`]); [`Engine::handle`] answers one request; [`HttpService`] is a hyper service and, with the
//!   `tower` feature (on by default), [`EngineService`] and [`EngineLayer`] mount an endpoint
//!   in tower stacks. CORS ([`Cors`]) and an `allow_request` hook ([`AllowRequest`]) guard
//!   the handshakes.
//!
//! # WebTransport
//!
//! With the `webtransport` feature (off by default; it brings a QUIC stack, `wtransport` on
//! quinn and rustls), `Engine::serve_webtransport` serves Engine.IO's third transport on a UDP
//! socket: HTTP/3 WebTransport sessions on the engine's path, each carrying one Engine.IO
//! session over its first bidirectional stream, as socket.io-client 4.7+ opens it — directly,
//! or as the upgrade of a polling session (polling handshakes then list `"webtransport"`
//! after `"websocket"`). Queue, heartbeat, limits and close are those of a WebSocket session;
//! [`EngineStats::sessions_webtransport`] counts them.
//!
//! # HTTP/2
//!
//! The accept loop serves HTTP/2 beside HTTP/1.1: by prior knowledge on plain TCP (h2c, told
//! apart by the connection preface) and by ALPN `h2` over TLS (offered before `http/1.1` when
//! the `rustls::ServerConfig` leaves its list empty). Polling is unchanged over HTTP/2, and a
//! session's GET and POST share the connection. WebSockets open with an RFC 8441 extended
//! CONNECT (`:protocol: websocket`, `sec-websocket-version: 13`, answered `200`, with
//! permessage-deflate agreed from `sec-websocket-extensions` as over HTTP/1.1): each is a stream
//! of the connection carrying RFC 6455 frames, with the same session logic, direct or as the
//! upgrade of a polling session. The server announces `SETTINGS_ENABLE_CONNECT_PROTOCOL`; other
//! `:protocol` values and other versions get 400. [`ServeConfig`] documents the per-connection
//! limits (200 concurrent streams by default, the engine's message limits). Behind a hyper
//! server of your own, [`Engine::handle`] answers extended CONNECTs too once its HTTP/2
//! builder calls `enable_connect_protocol()`.
//!
//! # Queues and memory
//!
//! Every session has one bounded outgoing queue ([`EngineConfig::queue_capacity`] items).
//! Volatile items are dropped when it is full; any other item then closes the session as a
//! slow consumer (`transport error`) and the push fails with [`Error::QueueFull`].
//!
//! # Example: an Engine.IO echo server
//!
//! Every message a client sends, text or binary, goes back to it over its session:
//!
//! ```
//! use std::sync::{Arc, Weak};
//!
//! use event_proto::Message;
//! use wsio_engine::{
//!     BoxFuture, CloseReason, Engine, EngineConfig, Handler, Messages, Outgoing, Session,
//!     SessionHandler,
//! };
//!
//! /// Gives every new session an echo.
//! struct Echo;
//!
//! impl Handler for Echo {
//!     fn on_open(&self, session: &Arc<Session>) -> Arc<dyn SessionHandler> {
//!         // No layer above waits for a namespace: the connect timeout does not apply.
//!         session.confirm();
//!         Arc::new(EchoSession(Arc::downgrade(session)))
//!     }
//! }
//!
//! /// The echo of one session, which it holds weakly (the session owns it).
//! struct EchoSession(Weak<Session>);
//!
//! impl SessionHandler for EchoSession {
//!     fn on_message(&self, message: Message) -> BoxFuture<'_, ()> {
//!         if let Some(session) = self.0.upgrade() {
//!             // A full queue closes the session; nothing more to do here.
//!             let _ = session.push(Outgoing::Messages(Messages::one(message)), false);
//!         }
//!         Box::pin(std::future::ready(()))
//!     }
//!
//!     fn on_close(&self, _reason: CloseReason) {}
//! }
//!
//! let engine = Engine::new(EngineConfig::default(), Echo);
//! assert!(engine.serves("/engine.io/"));
//! assert_eq!(engine.session_count(), 0);
//!
//! // Serving, until Ctrl-C:
//! # #[allow(clippy::needless_doctest_main)]
//! # async fn serve(engine: Engine<Echo>) -> std::io::Result<()> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! engine
//!     .serve(listener, async {
//!         let _ = tokio::signal::ctrl_c().await;
//!     })
//!     .await
//! # }
//! ```

mod accept_loop;
mod carrier;
mod close_reason;
mod config;
mod cors;
mod engine;
mod error;
mod extended_connect;
mod handler;
#[cfg(feature = "tower")]
mod incoming;
mod outgoing;
mod polling;
mod read_wake;
mod request;
mod response;
mod serve;
mod service;
mod session;
mod sid;
mod stats;
mod sync;
#[cfg(feature = "tower")]
mod tower;
mod websocket;
#[cfg(feature = "webtransport")]
mod webtransport;
mod ws_message;
#[cfg(feature = "webtransport")]
mod wt_stream;

pub use accept_loop::accept_until;
pub use close_reason::CloseReason;
pub use config::{AllowRequest, EngineConfig};
pub use cors::Cors;
pub use engine::{Endpoint, Engine, Handler};
pub use error::Error;
pub use extended_connect::accept_extended_connect;
pub use handler::{BoxFuture, SessionHandler};
pub use outgoing::{Messages, Outgoing, SharedMessages};
pub use request::RequestInfo;
pub use response::RefusalReason;
pub use serve::ServeConfig;
pub use service::HttpService;
pub use session::{Session, Transport};
pub use sid::Sid;
pub use stats::EngineStats;
#[cfg(feature = "tower")]
pub use tower::{EngineLayer, EngineResponse, EngineRouter, EngineService};
