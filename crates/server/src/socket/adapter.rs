//! The [`Adapter`] trait behind every room, broadcast and fetch operation, and the in-memory
//! [`LocalAdapter`].

use std::sync::{Arc, Weak};

use event_proto::Encoded;
use tokio::sync::oneshot;

use super::handle::Socket;
pub use super::local_adapter::LocalAdapter;
use super::namespace::NsInner;
use crate::engine::Sid;
use crate::error::Result;
use crate::sync::BoxFuture;

/// A room name. Every socket is also in the room named after its id.
pub type Room = String;

/// Flags of a broadcast.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BroadcastFlags {
    /// Drop the packet for recipients whose queue is full instead of closing them.
    pub volatile: bool,
}

/// Which sockets an operation addresses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BroadcastOptions {
    /// Sockets in any of these rooms; all sockets of the namespace when empty.
    pub rooms: Vec<Room>,
    /// Minus the sockets in any of these rooms.
    pub except: Vec<Room>,
    /// Delivery flags.
    pub flags: BroadcastFlags,
}

/// Receives the arguments of one acknowledgement.
pub type AckReceiver = oneshot::Receiver<Vec<event_proto::Value>>;

/// Room membership and delivery for one namespace.
///
/// Every method is async so that an adapter spanning several servers (Redis, a message bus)
/// can do I/O; the in-memory [`LocalAdapter`] completes at once. Packets arrive encoded once
/// ([`Encoded`] clones share their bytes).
pub trait Adapter: Send + Sync + 'static {
    /// Adds socket `sid` to `rooms`.
    fn add_all(&self, sid: Sid, rooms: Vec<Room>) -> BoxFuture<'_, Result<()>>;
    /// Removes socket `sid` from `rooms`.
    fn del(&self, sid: Sid, rooms: Vec<Room>) -> BoxFuture<'_, Result<()>>;
    /// Removes socket `sid` from every room.
    fn del_all(&self, sid: Sid) -> BoxFuture<'_, Result<()>>;
    /// The rooms socket `sid` is in.
    fn socket_rooms(&self, sid: Sid) -> BoxFuture<'_, Result<Vec<Room>>>;
    /// Sends `packet` to every addressed socket.
    fn broadcast(&self, packet: Encoded, opts: BroadcastOptions) -> BoxFuture<'_, Result<()>>;
    /// Sends `packet` (an event carrying ack id `ack_id`) to every addressed socket and
    /// returns one receiver per recipient.
    fn broadcast_with_ack(
        &self,
        packet: Encoded,
        ack_id: u64,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, Result<Vec<AckReceiver>>>;
    /// The addressed sockets.
    fn fetch_sockets(&self, opts: BroadcastOptions) -> BoxFuture<'_, Result<Vec<Socket>>>;
    /// Makes the addressed sockets join `rooms`.
    fn add_sockets(&self, opts: BroadcastOptions, rooms: Vec<Room>) -> BoxFuture<'_, Result<()>>;
    /// Makes the addressed sockets leave `rooms`.
    fn del_sockets(&self, opts: BroadcastOptions, rooms: Vec<Room>) -> BoxFuture<'_, Result<()>>;
    /// Disconnects the addressed sockets (`server namespace disconnect`).
    fn disconnect_sockets(&self, opts: BroadcastOptions) -> BoxFuture<'_, Result<()>>;
}

/// Chooses the [`Adapter`] of each namespace, once, when the namespace is created
/// ([`Config::adapter`](crate::Config::adapter)).
///
/// ```
/// use std::sync::Arc;
/// use wsio_server::{Adapter, AdapterContext, Config, Server};
///
/// let config = Config {
///     // What a cluster adapter would do: wrap the local one, here for every namespace.
///     adapter: Some(Arc::new(|ctx: &AdapterContext| -> Arc<dyn Adapter> {
///         Arc::new(ctx.local_adapter())
///     })),
///     ..Config::default()
/// };
/// let io = Server::new(config);
/// io.ns("/", |_socket| {});
/// ```
pub type AdapterFactory = Arc<dyn Fn(&AdapterContext) -> Arc<dyn Adapter> + Send + Sync>;

/// What an [`AdapterFactory`] learns about the namespace it equips.
#[derive(Debug)]
pub struct AdapterContext {
    name: String,
    ns: Weak<NsInner>,
}

impl AdapterContext {
    pub(crate) fn new(name: &str, ns: Weak<NsInner>) -> AdapterContext {
        AdapterContext {
            name: name.to_owned(),
            ns,
        }
    }

    /// The namespace's name (`/`, `/admin`, ...).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A fresh in-memory adapter delivering to this namespace's sockets on this server:
    /// what an adapter spanning several servers wraps for its local deliveries.
    pub fn local_adapter(&self) -> LocalAdapter {
        LocalAdapter::new(self.ns.clone())
    }
}
