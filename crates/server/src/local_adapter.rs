//! The in-memory [`LocalAdapter`]: rooms of one namespace on this server.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, RwLock, RwLockReadGuard, Weak};
use std::time::Instant;

use event_proto::{AnyParser, Encoded, Value};
use wsio_engine::{Outgoing, Sid};

use crate::adapter::{AckReceiver, Adapter, AttachSession, BroadcastOptions, Recipient, Room};
use crate::error::{AdapterError, EmitError};
use crate::fanout_wake;
use crate::outgoing;
use crate::recovery::{RecoveryConfig, RestoredSession, SessionState, SessionStore};
use crate::remote::RemoteSocket;
use crate::server_side::ServerSideAck;
use crate::socket::Socket;
use crate::sync::{BoxFuture, lock, read, write};

/// What the in-memory adapter reaches of its namespace on this server: the connected
/// sockets, acknowledgement ids and server-side handlers. The namespace's state implements
/// it; the adapter holds it weakly, as the namespace holds the adapter.
pub(crate) trait LocalSockets: Send + Sync {
    /// The connected sockets by id, read-locked while the guard lives.
    fn sockets(&self) -> RwLockReadGuard<'_, HashMap<Sid, Socket>>;
    /// A fresh acknowledgement id, unique within the namespace.
    fn next_ack_id(&self) -> u64;
    /// How the namespace's packets are written.
    fn parser(&self) -> AnyParser;
    /// Runs the server-side handler of `data[0]` with the remaining values.
    fn dispatch_server_side(&self, data: Vec<Value>, ack: Option<ServerSideAck>);
}

/// The in-memory adapter: rooms are two maps guarded by locks that are never held across a
/// send. Memory: one entry per (socket, room) pair in each direction; with connection state
/// recovery on, also the bounded packet log and the sessions waiting to be restored.
///
/// Adapters spanning several servers wrap one (see
/// [`AdapterContext::local_adapter`](crate::AdapterContext::local_adapter)) and use its
/// public methods to act on this server's sockets.
#[derive(Debug)]
pub struct LocalAdapter {
    ns: Weak<dyn LocalSockets>,
    rooms: RwLock<HashMap<Room, HashSet<Sid>>>,
    by_socket: RwLock<HashMap<Sid, HashSet<Room>>>,
    store: Option<Mutex<SessionStore>>,
}

impl LocalAdapter {
    pub(crate) fn new(
        ns: Weak<dyn LocalSockets>,
        recovery: Option<RecoveryConfig>,
    ) -> LocalAdapter {
        LocalAdapter {
            ns,
            rooms: RwLock::new(HashMap::new()),
            by_socket: RwLock::new(HashMap::new()),
            store: recovery.map(|config| Mutex::new(SessionStore::new(config))),
        }
    }

    /// Sends `packet` as is to the addressed sockets of this server: no recovery offset, no
    /// other server. What a cluster adapter calls for a broadcast that already carries its
    /// offset, or that came from another server.
    pub fn deliver(&self, packet: Encoded, opts: &BroadcastOptions) {
        let volatile = opts.flags.volatile;
        let shared = outgoing::shared(packet);
        let recipients = self.matching(opts);
        let mut wakers = Vec::with_capacity(recipients.len());
        for socket in recipients {
            // A recipient that is gone or too slow is that recipient's problem only.
            let _ = socket.push_quiet(Outgoing::Shared(shared.clone()), volatile, &mut wakers);
        }
        fanout_wake::wake_later(wakers);
    }

    /// The addressed sockets of this server, described as a cluster exchanges them.
    pub fn local_sockets(&self, opts: &BroadcastOptions) -> Vec<RemoteSocket> {
        self.matching(opts)
            .into_iter()
            .map(|socket| {
                let rooms = self.rooms_of(socket.id());
                socket.describe(rooms)
            })
            .collect()
    }

    /// Every room with at least one member on this server, socket-id rooms included.
    pub fn local_rooms(&self) -> Vec<Room> {
        read(&self.rooms).keys().cloned().collect()
    }

    /// True when `room` has at least one member on this server: what an adapter that
    /// subscribes per room checks after a join or a leave.
    pub fn has_room(&self, room: &str) -> bool {
        read(&self.rooms).contains_key(room)
    }

    /// Runs this namespace's server-side handler for `data` (`[event, ...args]`), as emitted
    /// by another server; `ack` receives the handler's answer when the emitter wants one.
    pub fn emit_server_side(&self, data: Vec<Value>, ack: Option<ServerSideAck>) {
        if let Some(ns) = self.ns.upgrade() {
            ns.dispatch_server_side(data, ack);
        }
    }

    /// A fresh acknowledgement id of this namespace on this server: what a cluster adapter
    /// gives a broadcast-with-acks that another server started, before
    /// [`broadcast_with_ack`](Adapter::broadcast_with_ack) on this adapter.
    pub fn next_ack_id(&self) -> u64 {
        self.ns.upgrade().map_or(0, |ns| ns.next_ack_id())
    }

    /// The server's Socket.IO parser ([`Config::parser`](crate::Config::parser)), with which
    /// a cluster adapter encodes the packets it brings from other servers before
    /// [`deliver`](Self::deliver)ing them here.
    pub fn parser(&self) -> AnyParser {
        self.ns.upgrade().map_or(AnyParser::Json, |ns| ns.parser())
    }

    /// True when this adapter keeps sessions and packets for connection state recovery.
    pub fn keeps_sessions(&self) -> bool {
        self.store.is_some()
    }

    fn rooms_of(&self, sid: &Sid) -> Vec<Room> {
        read(&self.by_socket)
            .get(sid)
            .map(|set| set.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The addressed local sockets, computed without holding a lock afterwards.
    fn matching(&self, opts: &BroadcastOptions) -> Vec<Socket> {
        let Some(ns) = self.ns.upgrade() else {
            return Vec::new();
        };
        let rooms = read(&self.rooms);
        let excluded = Excluded::new(
            opts.except
                .iter()
                .filter_map(|room| rooms.get(room))
                .flatten(),
        );
        let sockets = ns.sockets();
        if opts.rooms.is_empty() {
            let mut matching = Vec::with_capacity(sockets.len());
            matching.extend(
                sockets
                    .iter()
                    .filter(|(sid, _)| !excluded.contains(sid))
                    .map(|(_, socket)| socket.clone()),
            );
            return matching;
        }
        if let [room] = opts.rooms.as_slice() {
            // One room: its members are distinct already.
            let Some(members) = rooms.get(room) else {
                return Vec::new();
            };
            let mut matching = Vec::with_capacity(members.len());
            matching.extend(
                members
                    .iter()
                    .filter(|sid| !excluded.contains(sid))
                    .filter_map(|sid| sockets.get(sid).cloned()),
            );
            return matching;
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
    fn add_all(&self, sid: Sid, rooms: Vec<Room>) -> BoxFuture<'_, Result<(), AdapterError>> {
        self.add_now(&sid, &rooms);
        Box::pin(async { Ok(()) })
    }

    fn del(&self, sid: Sid, rooms: Vec<Room>) -> BoxFuture<'_, Result<(), AdapterError>> {
        self.del_now(&sid, &rooms);
        Box::pin(async { Ok(()) })
    }

    fn del_all(&self, sid: Sid) -> BoxFuture<'_, Result<(), AdapterError>> {
        let rooms: Vec<Room> = read(&self.by_socket)
            .get(&sid)
            .map(|set| set.iter().cloned().collect())
            .unwrap_or_default();
        self.del_now(&sid, &rooms);
        Box::pin(async { Ok(()) })
    }

    fn socket_rooms(&self, sid: Sid) -> BoxFuture<'_, Result<Vec<Room>, AdapterError>> {
        let rooms = self.rooms_of(&sid);
        Box::pin(async { Ok(rooms) })
    }

    fn broadcast(
        &self,
        packet: Encoded,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        match &self.store {
            Some(store) if !opts.flags.volatile => {
                // Recorded and delivered under one lock, so that a session being restored
                // sees each packet either in its replay or live, never both nor neither.
                let mut store = lock(store);
                let packet = store.record(&packet, &opts, Instant::now());
                self.deliver(packet, &opts);
            }
            _ => self.deliver(packet, &opts),
        }
        Box::pin(async { Ok(()) })
    }

    fn broadcast_with_ack(
        &self,
        packet: Encoded,
        ack_id: u64,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, Result<Vec<AckReceiver>, AdapterError>> {
        let volatile = opts.flags.volatile;
        let shared = outgoing::shared(packet);
        let recipients = self.matching(&opts);
        let mut wakers = Vec::with_capacity(recipients.len());
        let receivers = recipients
            .into_iter()
            .filter_map(|socket| {
                let rx = socket.expect_ack(ack_id);
                socket
                    .push_quiet(Outgoing::Shared(shared.clone()), volatile, &mut wakers)
                    .ok()
                    .map(|()| rx)
            })
            .collect();
        fanout_wake::wake_later(wakers);
        Box::pin(async { Ok(receivers) })
    }

    fn fetch_sockets(
        &self,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, Result<Vec<RemoteSocket>, AdapterError>> {
        let sockets = self.local_sockets(&opts);
        Box::pin(async { Ok(sockets) })
    }

    fn add_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        for socket in self.matching(&opts) {
            self.add_now(socket.id(), &rooms);
        }
        Box::pin(async { Ok(()) })
    }

    fn del_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        for socket in self.matching(&opts) {
            self.del_now(socket.id(), &rooms);
        }
        Box::pin(async { Ok(()) })
    }

    fn disconnect_sockets(
        &self,
        opts: BroadcastOptions,
        close: bool,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        for socket in self.matching(&opts) {
            if close {
                socket.disconnect_and_close();
            } else {
                let _ = socket.disconnect();
            }
        }
        Box::pin(async { Ok(()) })
    }

    fn emit_direct(&self, socket: &dyn Recipient, packet: Encoded) -> Result<(), EmitError> {
        match &self.store {
            Some(store) => {
                let opts = BroadcastOptions {
                    rooms: vec![socket.id().to_string()],
                    ..BroadcastOptions::default()
                };
                let mut store = lock(store);
                let packet = store.record(&packet, &opts, Instant::now());
                socket.send(packet)
            }
            None => socket.send(packet),
        }
    }

    fn restore_session_with(
        &self,
        pid: String,
        offset: String,
        attach: AttachSession,
    ) -> BoxFuture<'_, Result<bool, AdapterError>> {
        let restored = self.store.as_ref().is_some_and(|store| {
            // Recording and delivering take this lock too: nothing is sent to the rooms
            // between the snapshot of missed packets and the socket's return.
            let mut store = lock(store);
            let Some(session) = store.restore(&pid, &offset, Instant::now()) else {
                return false;
            };
            self.add_now(&session.state.sid, &session.state.rooms_to_rejoin());
            attach(session);
            true
        });
        Box::pin(async move { Ok(restored) })
    }

    fn local_room_count(&self) -> Option<usize> {
        let rooms = read(&self.rooms);
        let by_socket = read(&self.by_socket);
        let own = rooms
            .keys()
            .filter(|room| by_socket.contains_key(room.as_str()))
            .count();
        Some(rooms.len() - own)
    }

    fn all_rooms(&self) -> BoxFuture<'_, Result<Vec<Room>, AdapterError>> {
        let rooms = self.local_rooms();
        Box::pin(async { Ok(rooms) })
    }

    fn persist_session(&self, session: SessionState) -> BoxFuture<'_, Result<(), AdapterError>> {
        if let Some(store) = &self.store {
            lock(store).persist(session, Instant::now());
        }
        Box::pin(async { Ok(()) })
    }

    fn restore_session(
        &self,
        pid: String,
        offset: String,
    ) -> BoxFuture<'_, Result<Option<RestoredSession>, AdapterError>> {
        let restored = self
            .store
            .as_ref()
            .and_then(|store| lock(store).restore(&pid, &offset, Instant::now()));
        Box::pin(async { Ok(restored) })
    }
}

/// The sockets a broadcast leaves out. Usually a handful (the sender's own room), compared
/// directly; a hash set only when there are many.
enum Excluded<'a> {
    Few(Vec<&'a Sid>),
    Many(HashSet<&'a Sid>),
}

impl<'a> Excluded<'a> {
    /// Up to this many are compared one by one: cheaper than hashing every recipient's id.
    const FEW: usize = 16;

    fn new(sids: impl Iterator<Item = &'a Sid>) -> Self {
        let mut few = Vec::new();
        let mut sids = sids;
        for sid in sids.by_ref() {
            if few.len() == Self::FEW {
                let mut many: HashSet<&Sid> = few.into_iter().collect();
                many.insert(sid);
                many.extend(sids);
                return Excluded::Many(many);
            }
            few.push(sid);
        }
        Excluded::Few(few)
    }

    fn contains(&self, sid: &Sid) -> bool {
        match self {
            Excluded::Few(few) => few.contains(&sid),
            Excluded::Many(many) => many.contains(sid),
        }
    }
}
