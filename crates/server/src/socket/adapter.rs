//! The [`Adapter`] trait behind every room, broadcast and fetch operation, and the in-memory
//! [`LocalAdapter`].

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock, Weak};

use event_proto::Encoded;
use tokio::sync::oneshot;

use super::handle::Socket;
use super::namespace::NsInner;
use crate::engine::{Outgoing, SharedPacket, Sid};
use crate::error::Result;
use crate::sync::{BoxFuture, read, write};

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

/// The in-memory adapter: rooms are two maps guarded by locks that are never held across a
/// send. Memory: one entry per (socket, room) pair in each direction.
#[derive(Debug)]
pub struct LocalAdapter {
    ns: Weak<NsInner>,
    rooms: RwLock<HashMap<Room, HashSet<Sid>>>,
    by_socket: RwLock<HashMap<Sid, HashSet<Room>>>,
}

impl LocalAdapter {
    pub(crate) fn new(ns: Weak<NsInner>) -> LocalAdapter {
        LocalAdapter {
            ns,
            rooms: RwLock::new(HashMap::new()),
            by_socket: RwLock::new(HashMap::new()),
        }
    }

    /// The addressed local sockets, computed without holding a lock afterwards.
    fn matching(&self, opts: &BroadcastOptions) -> Vec<Socket> {
        let Some(ns) = self.ns.upgrade() else {
            return Vec::new();
        };
        let rooms = read(&self.rooms);
        let excluded: HashSet<&Sid> = opts
            .except
            .iter()
            .filter_map(|room| rooms.get(room))
            .flatten()
            .collect();
        let sockets = read(&ns.sockets);
        if opts.rooms.is_empty() {
            return sockets
                .iter()
                .filter(|(sid, _)| !excluded.contains(sid))
                .map(|(_, socket)| socket.clone())
                .collect();
        }
        let mut seen = HashSet::new();
        opts.rooms
            .iter()
            .filter_map(|room| rooms.get(room))
            .flatten()
            .filter(|sid| !excluded.contains(sid) && seen.insert(*sid))
            .filter_map(|sid| sockets.get(sid).cloned())
            .collect()
    }

    fn add_now(&self, sid: &Sid, new_rooms: &[Room]) {
        let mut rooms = write(&self.rooms);
        let mut by_socket = write(&self.by_socket);
        let mine = by_socket.entry(sid.clone()).or_default();
        for room in new_rooms {
            rooms.entry(room.clone()).or_default().insert(sid.clone());
            mine.insert(room.clone());
        }
    }

    fn del_now(&self, sid: &Sid, old_rooms: &[Room]) {
        let mut rooms = write(&self.rooms);
        let mut by_socket = write(&self.by_socket);
        for room in old_rooms {
            if let Some(members) = rooms.get_mut(room) {
                members.remove(sid);
                if members.is_empty() {
                    rooms.remove(room);
                }
            }
        }
        if let Some(mine) = by_socket.get_mut(sid) {
            for room in old_rooms {
                mine.remove(room);
            }
            if mine.is_empty() {
                by_socket.remove(sid);
            }
        }
    }

    /// Number of rooms with at least one member (for tests and metrics).
    pub fn room_count(&self) -> usize {
        read(&self.rooms).len()
    }
}

impl Adapter for LocalAdapter {
    fn add_all(&self, sid: Sid, rooms: Vec<Room>) -> BoxFuture<'_, Result<()>> {
        self.add_now(&sid, &rooms);
        Box::pin(async { Ok(()) })
    }

    fn del(&self, sid: Sid, rooms: Vec<Room>) -> BoxFuture<'_, Result<()>> {
        self.del_now(&sid, &rooms);
        Box::pin(async { Ok(()) })
    }

    fn del_all(&self, sid: Sid) -> BoxFuture<'_, Result<()>> {
        let rooms: Vec<Room> = read(&self.by_socket)
            .get(&sid)
            .map(|set| set.iter().cloned().collect())
            .unwrap_or_default();
        self.del_now(&sid, &rooms);
        Box::pin(async { Ok(()) })
    }

    fn socket_rooms(&self, sid: Sid) -> BoxFuture<'_, Result<Vec<Room>>> {
        let rooms = read(&self.by_socket)
            .get(&sid)
            .map(|set| set.iter().cloned().collect())
            .unwrap_or_default();
        Box::pin(async { Ok(rooms) })
    }

    fn broadcast(&self, packet: Encoded, opts: BroadcastOptions) -> BoxFuture<'_, Result<()>> {
        let volatile = opts.flags.volatile;
        let shared = Arc::new(SharedPacket::new(packet));
        for socket in self.matching(&opts) {
            // A recipient that is gone or too slow is that recipient's problem only.
            let _ = socket.push(Outgoing::Shared(shared.clone()), volatile);
        }
        Box::pin(async { Ok(()) })
    }

    fn broadcast_with_ack(
        &self,
        packet: Encoded,
        ack_id: u64,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, Result<Vec<AckReceiver>>> {
        let volatile = opts.flags.volatile;
        let shared = Arc::new(SharedPacket::new(packet));
        let receivers = self
            .matching(&opts)
            .into_iter()
            .filter_map(|socket| {
                let rx = socket.expect_ack(ack_id);
                socket
                    .push(Outgoing::Shared(shared.clone()), volatile)
                    .ok()
                    .map(|()| rx)
            })
            .collect();
        Box::pin(async { Ok(receivers) })
    }

    fn fetch_sockets(&self, opts: BroadcastOptions) -> BoxFuture<'_, Result<Vec<Socket>>> {
        let sockets = self.matching(&opts);
        Box::pin(async { Ok(sockets) })
    }

    fn add_sockets(&self, opts: BroadcastOptions, rooms: Vec<Room>) -> BoxFuture<'_, Result<()>> {
        for socket in self.matching(&opts) {
            self.add_now(socket.id(), &rooms);
        }
        Box::pin(async { Ok(()) })
    }

    fn del_sockets(&self, opts: BroadcastOptions, rooms: Vec<Room>) -> BoxFuture<'_, Result<()>> {
        for socket in self.matching(&opts) {
            self.del_now(socket.id(), &rooms);
        }
        Box::pin(async { Ok(()) })
    }

    fn disconnect_sockets(&self, opts: BroadcastOptions) -> BoxFuture<'_, Result<()>> {
        for socket in self.matching(&opts) {
            let _ = socket.disconnect();
        }
        Box::pin(async { Ok(()) })
    }
}
