//! The stored forms of user callbacks.

use std::sync::Arc;

use event_proto::Value;
use event_proto::socket::Packet;

use crate::ack::AckSender;
use crate::reason::{ConnectError, DisconnectReason};
use crate::socket::Socket;

/// Marks plain handlers, which return nothing: they run to their end at once, in arrival
/// order.
#[derive(Debug)]
pub struct Plain(());

/// Marks `async` handlers: the part before their first `.await` that is not ready runs at
/// once, in arrival order; the rest runs as a task, concurrently with later events.
#[derive(Debug)]
pub struct Async(());

/// What a handler returns: `()` for a plain closure, or a future (an `async` block or
/// function). `M` is [`Plain`] or [`Async`]; it only tells the two implementations apart and
/// is always inferred.
///
/// ```no_run
/// # async fn demo(socket: wsio_client::Socket) {
/// // Either kind of handler, registered the same way.
/// socket.on("plain", |_socket, (text,): (String,), _ack| println!("got {text}"));
/// socket.on("slow", |socket, (n,): (u64,), _ack| async move {
///     tokio::time::sleep(std::time::Duration::from_millis(n)).await;
///     let _ = socket.emit("done", &(n,));
/// });
/// # }
/// ```
pub trait HandlerOutput<M>: Send + 'static {
    /// Runs what is left of the handler after its call returned.
    fn finish(self);
}

impl HandlerOutput<Plain> for () {
    fn finish(self) {}
}

impl<F> HandlerOutput<Async> for F
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    fn finish(self) {
        crate::eager::run(self);
    }
}

/// An event handler, with its argument type erased.
pub(crate) type EventFn = Arc<dyn Fn(Socket, &Packet, Option<AckSender>) + Send + Sync>;
/// A catch-all handler: event name and raw arguments.
pub(crate) type AnyFn = Arc<dyn Fn(Socket, String, Vec<Value>) + Send + Sync>;
/// Runs when a namespace is joined.
pub(crate) type ConnectFn = Arc<dyn Fn(Socket) + Send + Sync>;
/// Runs when a namespace is left.
pub(crate) type DisconnectFn = Arc<dyn Fn(Socket, DisconnectReason) + Send + Sync>;
/// Runs when a join is refused or the connection attempt fails.
pub(crate) type ConnectErrorFn = Arc<dyn Fn(Socket, ConnectError) + Send + Sync>;
/// Runs when an event's arguments do not fit its handler's type: event name and error.
pub(crate) type RejectedFn = Arc<dyn Fn(&Socket, &str, &event_proto::Error) + Send + Sync>;
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
    pub rejected: Option<RejectedFn>,
}

/// Callbacks of the connection as a whole.
#[derive(Default, Clone)]
pub(crate) struct ClientCallbacks {
    pub reconnect_attempt: Vec<AttemptFn>,
    pub reconnect: Vec<AttemptFn>,
    pub reconnect_failed: Vec<FailedFn>,
}
