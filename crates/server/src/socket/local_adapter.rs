//! The in-memory [`LocalAdapter`]: rooms of one namespace on this server.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock, Weak};

use event_proto::Encoded;

use super::adapter::{AckReceiver, Adapter, BroadcastOptions, Room};
use super::handle::Socket;
use super::namespace::NsInner;
use crate::engine::{Outgoing, SharedPacket, Sid};
use crate::error::Result;
use crate::sync::{BoxFuture, read, write};

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
