//! The wsio server: Socket.IO (Engine.IO v4 + Socket.IO v5) over hyper.
//!
//! * [`Server`] — namespaces ([`Server::ns`], dynamic ones with [`Server::dynamic_ns`]),
//!   connect middleware, [`Socket`]s with typed event handlers, acknowledgements both ways,
//!   binary attachments, rooms and [`BroadcastOperator`]s over an [`Adapter`].
//! * Engine.IO sessions over HTTP long-polling and WebSocket, with the upgrade between them,
//!   server heartbeats, `maxPayload`, CORS and an `allow_request` hook ([`Config`]).
//! * [`SocketIoService`] and [`SocketIoLayer`] (feature `tower`, on by default) mount the
//!   server in axum, hyper-util or any tower stack, next to other routes.
//!
//! # Queues and memory
//!
//! Every session has one bounded outgoing queue ([`Config::queue_capacity`] packets).
//! Volatile packets are dropped when it is full; any other packet then closes the
//! connection as a slow consumer (`transport error`) and the emit returns
//! [`Error::QueueFull`]. Broadcasts are encoded once: the queue holds shared references.

mod accept_loop;
mod config;
pub mod engine;
mod error;
pub mod http;
mod reason;
pub mod socket;
mod sync;

pub use accept_loop::accept_until;
pub use config::{AllowRequest, Config};
pub use error::{Error, Result};
pub use http::cors::Cors;
pub use http::service::IoService;
#[cfg(feature = "tower")]
pub use http::tower::{SocketIoLayer, SocketIoRouter, SocketIoService};
pub use reason::DisconnectReason;
pub use socket::ack::AckSender;
pub use socket::adapter;
pub use socket::adapter::{
    Adapter, AdapterContext, AdapterFactory, BroadcastFlags, BroadcastOptions, LocalAdapter,
    RecoveryConfig, RemoteSocket, RestoredSession, Room, ServerSideAck, SessionState,
};
pub use socket::broadcast::{BroadcastOperator, DEFAULT_ACK_TIMEOUT};
pub use socket::handle::Socket;
pub use socket::namespace::{ConnectError, ConnectRequest, DynamicNamespace, Namespace};
pub use socket::server::Server;
pub use sync::BoxFuture;
