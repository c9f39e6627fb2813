//! The stored forms of user callbacks.

use std::sync::Arc;

use event_proto::Value;
use event_proto::socket::Packet;

use crate::ack::AckSender;
use crate::reason::{ConnectError, DisconnectReason};
use crate::socket::Socket;

/// An event handler, with its argument type erased.
pub(crate) type EventFn = Arc<dyn Fn(Socket, &Packet, Option<AckSender>) + Send + Sync>;
/// A catch-all handler: event name and raw arguments.
pub(crate) type AnyFn = Arc<dyn Fn(Socket, &str, &[Value]) + Send + Sync>;
/// Runs when a namespace is joined.
pub(crate) type ConnectFn = Arc<dyn Fn(Socket) + Send + Sync>;
/// Runs when a namespace is left.
pub(crate) type DisconnectFn = Arc<dyn Fn(Socket, DisconnectReason) + Send + Sync>;
/// Runs when a join is refused or the connection attempt fails.
pub(crate) type ConnectErrorFn = Arc<dyn Fn(Socket, ConnectError) + Send + Sync>;
/// Runs with an attempt number.
pub(crate) type AttemptFn = Arc<dyn Fn(u32) + Send + Sync>;
/// Runs once reconnection gives up.
pub(crate) type FailedFn = Arc<dyn Fn() + Send + Sync>;
/// Computes the `auth` payload of a namespace at every (re)connection.
pub(crate) type AuthFn = Arc<dyn Fn(&str) -> Option<serde_json::Value> + Send + Sync>;

/// Callbacks of one namespace.
#[derive(Default, Clone)]
pub(crate) struct NsCallbacks {
    pub events: std::collections::HashMap<String, EventFn>,
    pub any: Vec<AnyFn>,
    pub connect: Vec<ConnectFn>,
    pub disconnect: Vec<DisconnectFn>,
    pub connect_error: Vec<ConnectErrorFn>,
}

/// Callbacks of the connection as a whole.
#[derive(Default, Clone)]
pub(crate) struct ClientCallbacks {
    pub reconnect_attempt: Vec<AttemptFn>,
    pub reconnect: Vec<AttemptFn>,
    pub reconnect_failed: Vec<FailedFn>,
}
