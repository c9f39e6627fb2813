//! A Socket.IO v5 client (Engine.IO v4) over WebSocket and HTTP long-polling, with automatic
//! reconnection.
//!
//! * [`Client`] — one Engine.IO connection carrying several namespaces ([`Socket`]s): events
//!   with serde-typed arguments, binary data anywhere in them (as `bytes`/[`Value::Binary`]),
//!   acknowledgements both ways ([`Socket::emit_with_ack`], [`AckSender`]), catch-all
//!   handlers, volatile emits, and connect / disconnect / connect-error / reconnect callbacks.
//! * Transports ([`Transports`]): long-polling upgraded to WebSocket (default, like the
//!   JavaScript client; if the WebSocket is blocked the session stays on polling), polling
//!   only, or WebSocket only; with the `webtransport` feature, WebTransport only, or polling
//!   upgraded to WebTransport. `https://` / `wss://` with the `rustls` feature.
//! * Reconnection ([`Reconnection`]): exponential backoff with jitter (1 s, doubling up to 5
//!   s, ±50 %, forever by default). The `auth` callback runs again, every namespace is joined
//!   again, and emits issued meanwhile (bounded by [`Config::max_buffered_emits`]) go out once,
//!   in order, after the join; volatile emits are dropped instead.
//! * Connection state recovery (Socket.IO ≥ 4.6 servers): after a lost connection the client
//!   presents its session and last offset, and a server that still has them gives back the
//!   socket id, rooms and data and replays the missed events before the join
//!   ([`Socket::recovered`]).
//! * Heartbeat: the client answers the server's pings and reconnects when none arrives
//!   within `pingInterval + pingTimeout`.
//!
//! # Tasks and queues
//!
//! One driver task per client owns the connection; one reader task per transport feeds it
//! received packets through a bounded channel, and long-polling adds a writer task that
//! batches packets into POSTs. Handlers run on the driver task, in arrival order. Every queue
//! is bounded: the outgoing queue ([`Config::outgoing_queue`]), the reconnection buffer, the
//! pending acknowledgements ([`Config::max_pending_acks`]) and the received sizes
//! ([`Config::limits`]).
//!
//! # Long-polling over a small HTTP/1.1 client
//!
//! Long-polling needs one kept-alive connection for the pending GET and one for POSTs, with
//! `Content-Length` bodies. The crate speaks that subset of HTTP/1.1 itself (with `httparse`)
//! over the same stream type as its WebSocket transport, so TLS, headers, timeouts and body
//! limits are handled once for both transports, without a general-purpose HTTP client and its
//! connection pool.
//!
//! # Features
//!
//! | feature | what it adds |
//! | --- | --- |
//! | `rustls` | `https://` and `wss://` over rustls, with `ClientBuilder::tls_config` |
//! | `rustls-webpki-roots` | `rustls` + Mozilla's roots, used when no config is given |
//! | `http2` | the WebSocket transport over HTTP/2 (RFC 8441), with `ClientBuilder::http2` |
//! | `webtransport` | the WebTransport transport (HTTP/3 over QUIC, on `wtransport`), direct or as the upgrade of polling ([`Transports::WebTransport`], [`Transports::PollingThenWebTransport`]); implies `rustls` |

#![forbid(unsafe_code)]

mod ack;
mod builder;
mod client;
mod config;
mod connector;
mod dispatch;
mod driver;
mod eager;
mod engine;
mod error;
mod handler;
mod http;
mod reason;
mod reconnect;
mod session;
mod socket;
mod state;
mod url;

pub use ack::AckSender;
pub use builder::ClientBuilder;
pub use client::Client;
pub use config::{Config, Reconnection, Transports, WebTransportConfig};
pub use error::{Error, Result};
pub use event_proto::engine::Transport;
/// Builds a [`Value`] with JSON-like syntax, leaves being any Rust expression (binary ones
/// become attachments): `value!({ "user": name, "avatar": bytes, "tags": ["a", "b"] })`.
pub use event_proto::value;
pub use event_proto::{AnyParser, Value};
pub use handler::{Async, HandlerOutput, Plain};
pub use reason::{ConnectError, DisconnectReason};
pub use socket::Socket;
