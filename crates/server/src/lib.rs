//! The wsio server: Socket.IO v5 on the Engine.IO v4 server of [`wsio_engine`], over hyper.
//!
//! * [`Server`] — namespaces ([`Server::ns`], dynamic ones with [`Server::dynamic_ns`]),
//!   connect middleware, [`Socket`]s with typed event handlers, acknowledgements both ways,
//!   binary attachments, rooms and [`BroadcastOperator`]s over an [`Adapter`], connection
//!   state recovery ([`RecoveryConfig`]).
//! * The Engine.IO sessions below — HTTP long-polling and WebSocket, with the upgrade between
//!   them, server heartbeats, `maxPayload`, CORS and an `allow_request` hook — are
//!   [`wsio_engine`]'s; [`Config`] holds their settings next to the Socket.IO ones.
//! * [`SocketIoService`] and [`SocketIoLayer`] (feature `tower`, on by default) mount the
//!   server in axum, hyper-util or any tower stack, next to other routes.
//! * [`Server::stats`] reads the server's figures; `metrics::render` (feature `prometheus`)
//!   writes them in the Prometheus text format for an application's own `/metrics` route.
//!
//! # Queues and memory
//!
//! Every session has one bounded outgoing queue ([`Config::queue_capacity`] packets).
//! Volatile packets are dropped when it is full; any other packet then closes the
//! connection as a slow consumer (`transport error`) and the emit returns
//! [`EmitError::QueueFull`]. Broadcasts are encoded once: the queue holds shared references.
//!
//! # Errors
//!
//! Each operation fails with its own error type, which names only what can happen there:
//! [`EmitError`] for what is sent to one socket ([`Socket::emit`], [`AckSender::send`]),
//! [`BroadcastError`] for a broadcast, [`AckError`] when acknowledgements are awaited, and
//! [`AdapterError`] for rooms and fetches, which only an adapter spanning several servers can
//! fail (it keeps the error that caused it as its `source()`). Each converts into the crate's
//! [`Error`] with `?`.
//!
//! ```
//! use std::time::Duration;
//! use wsio_server::{AckError, EmitError, Socket};
//!
//! async fn greet(socket: Socket) -> wsio_server::Result<()> {
//!     match socket.emit("hello", &("world",)) {
//!         Ok(()) => {}
//!         // It left: nothing more to say to it.
//!         Err(EmitError::Closed) => return Ok(()),
//!         Err(other) => return Err(other.into()),
//!     }
//!     socket.join("greeted").await?;
//!     let answer = socket
//!         .emit_with_ack::<_, (String,)>("name?", &(), Duration::from_secs(5))
//!         .await;
//!     match answer {
//!         Ok((name,)) => println!("{name} answered"),
//!         Err(AckError::Timeout) => println!("no answer"),
//!         Err(other) => return Err(other.into()),
//!     }
//!     Ok(())
//! }
//! # drop(greet);
//! ```

mod ack;
pub mod adapter;
mod adapter_factory;
mod addressing;
mod broadcast;
mod client;
mod config;
mod eager;
mod error;
mod event_codec;
mod fanout_wake;
mod handler;
mod local_adapter;
#[cfg(feature = "prometheus")]
pub mod metrics;
mod namespace;
mod ns_core;
mod outgoing;
mod prepared;
mod reason;
mod recovery;
mod remote;
mod server;
mod server_side;
mod service;
mod socket;
mod stats;
mod sync;

/// The Engine.IO types a Socket.IO user meets: session and socket ids, the opening request.
pub mod engine {
    pub use wsio_engine::{RequestInfo, Sid};
}

pub use event_proto::engine::Transport;
/// Builds a [`Value`] with JSON-like syntax, leaves being any Rust expression (binary ones
/// become attachments): `value!({ "user": name, "avatar": bytes, "tags": ["a", "b"] })`.
pub use event_proto::value;
pub use event_proto::{AnyParser, Value};

pub use adapter::{
    Adapter, BroadcastFlags, BroadcastOptions, IntoRooms, RecoveryConfig, RemoteSocket,
    RestoredSession, Room, ServerSideAck, SessionState,
};
pub use adapter_factory::{AdapterContext, AdapterFactory};
pub use broadcast::{BroadcastOperator, DEFAULT_ACK_TIMEOUT};
pub use config::Config;
pub use error::{AckError, AdapterError, BroadcastError, EmitError, Error, Result};
pub use handler::{Async, HandlerOutput, Plain};
pub use local_adapter::LocalAdapter;
pub use namespace::{ConnectError, ConnectRequest, DynamicNamespace, Namespace, WeakNamespace};
pub use reason::DisconnectReason;
pub use server::{Server, SocketIo};
pub use service::IoService;
#[cfg(feature = "tower")]
pub use service::{IoResponse, SocketIoLayer, SocketIoRouter, SocketIoService};
pub use socket::AckSender;
pub use socket::Socket;
pub use stats::{EngineStats, NamespaceStats, ServerStats};
pub use sync::BoxFuture;
pub use wsio_engine::{AllowRequest, Cors};
