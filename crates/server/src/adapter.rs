//! The [`Adapter`] trait behind every room, broadcast and fetch operation, and the types its
//! methods exchange. The in-memory [`LocalAdapter`](crate::LocalAdapter) and the
//! [`AdapterFactory`](crate::AdapterFactory) that equips each namespace are at the crate root.

use std::time::Duration;

use event_proto::{Encoded, Value};

pub use crate::ack::AckReceiver;
pub use crate::addressing::{BroadcastFlags, BroadcastOptions, IntoRooms, Room};
use crate::error::{AckError, AdapterError, EmitError};
pub use crate::event_codec::{decode_event, encode_event, with_offset};
pub use crate::recovery::{RecoveryConfig, RestoredSession, SessionState, addressed_to};
pub use crate::remote::RemoteSocket;
pub use crate::server_side::ServerSideAck;
use crate::sync::BoxFuture;
use wsio_engine::Sid;

/// What [`Adapter::restore_session_with`] calls with a restored session: registers the
/// socket and queues the missed packets (and the CONNECT reply) for the client.
pub type AttachSession = Box<dyn FnOnce(RestoredSession) + Send>;

/// A socket of this server that [`Adapter::emit_direct`] sends a packet to: a
/// [`Socket`](crate::Socket), seen only as far as an adapter needs it.
pub trait Recipient {
    /// The socket id (the socket's own room).
    fn id(&self) -> &Sid;
    /// Queues `packet` as is for the socket's transport. Fails when the socket has left
    /// ([`EmitError::Closed`]) or its queue is full ([`EmitError::QueueFull`]).
    fn send(&self, packet: Encoded) -> Result<(), EmitError>;
}

/// Room membership and delivery for one namespace.
///
/// Every method that may cross servers is async so that an adapter spanning several servers
/// (Redis, a message bus) can do I/O; the in-memory [`LocalAdapter`](crate::LocalAdapter)
/// completes at once.
/// Packets arrive encoded once ([`Encoded`] clones share their bytes). The methods with a
/// default body are optional: the defaults describe a single server without recovery.
///
/// Failures are [`AdapterError`]s, built from the error that caused them
/// ([`AdapterError::new`]), which callers get back with `source()`.
pub trait Adapter: Send + Sync + 'static {
    /// Adds socket `sid` to `rooms`.
    fn add_all(&self, sid: Sid, rooms: Vec<Room>) -> BoxFuture<'_, Result<(), AdapterError>>;
    /// Removes socket `sid` from `rooms`.
    fn del(&self, sid: Sid, rooms: Vec<Room>) -> BoxFuture<'_, Result<(), AdapterError>>;
    /// Removes socket `sid` from every room.
    fn del_all(&self, sid: Sid) -> BoxFuture<'_, Result<(), AdapterError>>;
    /// The rooms socket `sid` is in.
    fn socket_rooms(&self, sid: Sid) -> BoxFuture<'_, Result<Vec<Room>, AdapterError>>;
    /// Sends `packet` to every addressed socket.
    fn broadcast(
        &self,
        packet: Encoded,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, Result<(), AdapterError>>;
    /// Sends `packet` (an event carrying ack id `ack_id`) to every addressed socket and
    /// returns one receiver per recipient.
    fn broadcast_with_ack(
        &self,
        packet: Encoded,
        ack_id: u64,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, Result<Vec<AckReceiver>, AdapterError>>;
    /// The addressed sockets, wherever they live.
    fn fetch_sockets(
        &self,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, Result<Vec<RemoteSocket>, AdapterError>>;
    /// Makes the addressed sockets join `rooms`.
    fn add_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<'_, Result<(), AdapterError>>;
    /// Makes the addressed sockets leave `rooms`.
    fn del_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<'_, Result<(), AdapterError>>;
    /// Disconnects the addressed sockets (`server namespace disconnect`); with `close`, also
    /// closes each one's whole connection, every namespace of that client included.
    fn disconnect_sockets(
        &self,
        opts: BroadcastOptions,
        close: bool,
    ) -> BoxFuture<'_, Result<(), AdapterError>>;

    /// Sends `packet`, an event without ack id, to the local socket `socket` alone (a direct
    /// `socket.emit`). Adapters that keep packets for connection state recovery record it
    /// here, so this runs synchronously to keep a socket's packets in order. Default: send
    /// as is ([`Recipient::send`]).
    fn emit_direct(&self, socket: &dyn Recipient, packet: Encoded) -> Result<(), EmitError> {
        socket.send(packet)
    }

    /// Sends `packet`, an event carrying an acknowledgement id, to the local socket `socket`
    /// alone ([`Socket::emit_with_ack`](crate::Socket::emit_with_ack)). Unlike
    /// [`emit_direct`](Self::emit_direct) the packet is not kept for connection state
    /// recovery (an acknowledgement is not awaited across a reconnection, as in the
    /// reference). Default: send as is ([`Recipient::send`]).
    fn emit_direct_with_ack(
        &self,
        socket: &dyn Recipient,
        packet: Encoded,
    ) -> Result<(), EmitError> {
        socket.send(packet)
    }

    /// Rooms with at least one member on this server, each socket's own room (named after
    /// its id) left out: what [`Server::stats`](crate::Server::stats) reports as the
    /// namespace's rooms. Called on every stats read, so it must not wait. Default: `None`,
    /// the adapter does not tell.
    fn local_room_count(&self) -> Option<usize> {
        None
    }

    /// How many times the adapter's connection to the other servers of a cluster was lost
    /// and made again since it opened (for a Redis adapter, its subscriber connection's
    /// reconnections): what [`Server::stats`](crate::Server::stats) reports as the
    /// namespace's adapter reconnects. Called on every stats read, so it must not wait.
    /// Default: `None`, the adapter has no such connection or does not count.
    fn reconnects(&self) -> Option<u64> {
        None
    }

    /// How many requests to the other servers of a cluster ended without every answer
    /// expected, because the time allowed ran out: a [`fetch_sockets`](Self::fetch_sockets),
    /// [`all_rooms`](Self::all_rooms) or
    /// [`server_side_emit_with_ack`](Self::server_side_emit_with_ack) that gave up on a
    /// server, or a [`broadcast_with_ack`](Self::broadcast_with_ack) that did not learn every
    /// server's client count (the clients' own acknowledgements are counted apart, as
    /// acknowledgements timed out). What [`Server::stats`](crate::Server::stats) reports as the
    /// namespace's adapter request timeouts; a rising count points at a server that is
    /// overloaded or gone without unsubscribing. Called on every stats read, so it must not
    /// wait. Default: `None`, the adapter sends no such requests or does not count.
    fn request_timeouts(&self) -> Option<u64> {
        None
    }

    /// Every room with at least one member, on every server. Default: none known.
    fn all_rooms(&self) -> BoxFuture<'_, Result<Vec<Room>, AdapterError>> {
        Box::pin(async { Ok(Vec::new()) })
    }

    /// How many servers share this namespace, this one included. Default 1.
    fn server_count(&self) -> BoxFuture<'_, Result<usize, AdapterError>> {
        Box::pin(async { Ok(1) })
    }

    /// Sends `data` (`[event, ...args]`) to the namespace's server-side handlers on every
    /// *other* server. Default: there are none.
    fn server_side_emit(&self, data: Vec<Value>) -> BoxFuture<'_, Result<(), AdapterError>> {
        drop(data);
        Box::pin(async { Ok(()) })
    }

    /// Like [`server_side_emit`](Self::server_side_emit), and collects one answer per other
    /// server (the first argument it acknowledged with) within `timeout`; when some did not
    /// answer, fails with [`AckError::Incomplete`] carrying the answers that came (adapter
    /// failures are [`AckError::Emit`] holding an [`EmitError::Adapter`]). Default: no other
    /// server, no answers.
    fn server_side_emit_with_ack(
        &self,
        data: Vec<Value>,
        timeout: Duration,
    ) -> BoxFuture<'_, Result<Vec<Value>, AckError>> {
        drop((data, timeout));
        Box::pin(async { Ok(Vec::new()) })
    }

    /// Keeps the session of a socket that left abnormally, for connection state recovery.
    /// Default: nothing is kept.
    fn persist_session(&self, session: SessionState) -> BoxFuture<'_, Result<(), AdapterError>> {
        drop(session);
        Box::pin(async { Ok(()) })
    }

    /// Restores session `pid` for a reconnecting client: finds it with the packets missed
    /// after `offset` ([`restore_session`](Self::restore_session)), puts the session's socket
    /// id back into its rooms, then hands the session to `attach`, which registers the socket
    /// and sends the missed packets. Returns `false` (and never calls `attach`) when the
    /// session cannot be restored.
    ///
    /// An adapter that records and delivers packets under one lock (the
    /// [`LocalAdapter`](crate::LocalAdapter))
    /// runs all of this under that lock, so that no packet is lost or sent twice, nor
    /// overtakes the replay, while the socket comes back. The default does the steps in turn.
    fn restore_session_with(
        &self,
        pid: String,
        offset: String,
        attach: AttachSession,
    ) -> BoxFuture<'_, Result<bool, AdapterError>> {
        Box::pin(async move {
            let Some(session) = self.restore_session(pid, offset).await? else {
                return Ok(false);
            };
            let rooms = session.state.rooms_to_rejoin();
            self.add_all(session.state.sid.clone(), rooms).await?;
            attach(session);
            Ok(true)
        })
    }

    /// The session `pid` with the packets it missed after `offset`, or `None` when it cannot
    /// be restored completely (unknown, expired, or the offset is too old). Default: `None`.
    fn restore_session(
        &self,
        pid: String,
        offset: String,
    ) -> BoxFuture<'_, Result<Option<RestoredSession>, AdapterError>> {
        drop((pid, offset));
        Box::pin(async { Ok(None) })
    }
}

/// `result`, logged at `warn` when the adapter failed: `operation` on namespace `ns`.
pub(crate) fn warn_on_error<T>(
    result: Result<T, AdapterError>,
    ns: &str,
    operation: &'static str,
) -> Result<T, AdapterError> {
    if let Err(error) = &result {
        tracing::warn!(ns, operation, %error, "adapter failed");
    }
    result
}
