//! [`Socket`]: one client in one namespace.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::{Duration, SystemTime};

use event_proto::socket::Packet;
use event_proto::{Encoded, Parser, Str, Value};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::oneshot;
use wsio_engine::{CloseReason, Outgoing, RequestInfo, Session, Sid, Transport};

use crate::ack::{self, AckReceiver};
use crate::adapter::{Recipient, warn_on_error};
use crate::addressing::{IntoRooms, Room};
use crate::error::{AckError, AdapterError, EmitError};
use crate::handler::HandlerOutput;
use crate::ns_core::{NsCore, SocketRegistry};
use crate::outgoing;
use crate::prepared::{Extensions, Prepared};
use crate::reason::DisconnectReason;
use crate::recovery::SessionState;
use crate::remote::{RemoteSocket, handshake_value};
use crate::stats::{self, AwaitedAcks};
use crate::sync::{lock, read, write};

/// Pending acknowledgements from which abandoned ones are swept at each new registration.
const ACK_SWEEP_AT: usize = 32;

type EventHandler = Arc<dyn Fn(Socket, &Packet, Option<AckSender>) + Send + Sync>;
type AnyHandler = Arc<dyn Fn(Socket, String, Vec<Value>) + Send + Sync>;
type RejectedHandler = Arc<dyn Fn(&Socket, &str, &event_proto::Error) + Send + Sync>;
type CloseHandler = Box<dyn FnOnce(Socket, DisconnectReason) + Send>;

pub(crate) struct SocketInner {
    pub(crate) id: Sid,
    pub(crate) ns: Arc<NsCore>,
    pub(crate) registry: Arc<dyn SocketRegistry>,
    session: Arc<Session>,
    client: Weak<dyn Connection>,
    auth: Value,
    pid: Option<String>,
    recovered: bool,
    /// When the socket joined the namespace (kept across recoveries only by the client).
    issued: SystemTime,
    data: Mutex<Value>,
    handlers: RwLock<HashMap<String, EventHandler>>,
    /// The catch-all listeners, replaced whole when one is added, so that an event takes a
    /// reference to them rather than a copy.
    any: RwLock<Arc<[AnyHandler]>>,
    rejected: RwLock<Option<RejectedHandler>>,
    on_disconnecting: Mutex<Vec<CloseHandler>>,
    on_disconnect: Mutex<Vec<CloseHandler>>,
    acks: Mutex<HashMap<u64, oneshot::Sender<Vec<Value>>>>,
    connected: AtomicBool,
    extensions: Mutex<Extensions>,
    /// The socket's `tracing` span (`socket`, at debug level: disabled, and free, below it).
    span: tracing::Span,
}

/// One client connected to one namespace. Cheap to clone; all clones are the same socket.
#[derive(Clone)]
pub struct Socket(pub(crate) Arc<SocketInner>);

impl std::fmt::Debug for Socket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Socket")
            .field("id", &self.0.id)
            .field("ns", &self.0.ns.name)
            .finish()
    }
}

/// Answers one event the client sent with an ack callback. Dropping it sends nothing.
#[derive(Debug)]
pub struct AckSender {
    socket: Socket,
    id: u64,
}

impl AckSender {
    pub(crate) fn new(socket: Socket, id: u64) -> AckSender {
        AckSender { socket, id }
    }

    /// Sends the acknowledgement with `args` (a tuple or sequence; binary values become
    /// attachments).
    pub fn send<T: Serialize + ?Sized>(self, args: &T) -> Result<(), EmitError> {
        let inner = &self.socket.0;
        let encoded = (inner.ns.parser)
            .encode_ack(&inner.ns.name, self.id, args)
            .map_err(EmitError::Encode)?;
        self.socket.push(encoded, false)
    }
}

/// The connection a socket belongs to (one Engine.IO session, one socket per namespace it
/// joined), as its sockets see it.
pub(crate) trait Connection: Send + Sync {
    /// Every socket of the connection.
    fn sockets(&self) -> Vec<Socket>;
    /// Forgets the socket of namespace `ns` (it left).
    fn forget(&self, ns: &Str);
}

/// Who a new socket is: fresh, or a recovered session.
pub(crate) struct SocketIdentity {
    pub(crate) id: Sid,
    pub(crate) pid: Option<String>,
    pub(crate) data: Value,
    pub(crate) recovered: bool,
}

impl SocketIdentity {
    /// A fresh socket; it gets a private session id when recovery is on.
    pub(crate) fn fresh(recovery: bool) -> SocketIdentity {
        SocketIdentity {
            id: Sid::random(),
            pid: recovery.then(|| Sid::random().to_string()),
            data: Value::Object(Vec::new()),
            recovered: false,
        }
    }
}

impl Socket {
    pub(crate) fn new(
        registry: Arc<dyn SocketRegistry>,
        session: Arc<Session>,
        client: Weak<dyn Connection>,
        auth: Value,
        identity: SocketIdentity,
    ) -> Self {
        let ns = registry.core().clone();
        let span = tracing::debug_span!(
            "socket",
            id = %identity.id,
            ns = %ns.name,
            sid = %session.sid(),
            transport = ?session.transport(),
        );
        Socket(Arc::new(SocketInner {
            id: identity.id,
            ns,
            registry,
            session,
            client,
            auth,
            pid: identity.pid,
            recovered: identity.recovered,
            issued: SystemTime::now(),
            data: Mutex::new(identity.data),
            handlers: RwLock::new(HashMap::new()),
            any: RwLock::new(Arc::new([])),
            rejected: RwLock::new(None),
            on_disconnecting: Mutex::new(Vec::new()),
            on_disconnect: Mutex::new(Vec::new()),
            acks: Mutex::new(HashMap::new()),
            connected: AtomicBool::new(true),
            extensions: Mutex::new(HashMap::new()),
            span,
        }))
    }

    /// Runs `f` (a handler's synchronous part) inside the socket's span.
    pub(crate) fn in_span<R>(&self, f: impl FnOnce() -> R) -> R {
        let _entered = self.0.span.enter();
        f()
    }

    /// The socket id (distinct from the Engine.IO session id).
    pub fn id(&self) -> &Sid {
        &self.0.id
    }

    /// The namespace name.
    pub fn ns(&self) -> &str {
        self.0.ns.name.as_str()
    }

    /// The id of the underlying Engine.IO session (shared by the client's namespaces).
    pub fn engine_id(&self) -> &Sid {
        self.0.session.sid()
    }

    /// The current transport (a polling session that is probing a WebSocket or a
    /// WebTransport session is still
    /// [`Transport::Polling`](event_proto::engine::Transport::Polling)).
    pub fn transport(&self) -> event_proto::engine::Transport {
        protocol_transport(self.0.session.transport())
    }

    /// The request that opened the connection: headers, query and remote address.
    pub fn handshake(&self) -> &RequestInfo {
        self.0.session.info()
    }

    /// The CONNECT payload the client sent (`auth`).
    pub fn auth(&self) -> &Value {
        &self.0.auth
    }

    /// True until the socket leaves the namespace.
    pub fn connected(&self) -> bool {
        self.0.connected.load(Ordering::Acquire)
    }

    /// True when this socket is a recovered session (connection state recovery): same id,
    /// rooms and data as before the client's transport dropped, and the missed events were
    /// sent before the CONNECT reply.
    pub fn recovered(&self) -> bool {
        self.0.recovered
    }

    /// The private session id a client presents to recover this socket, when connection
    /// state recovery is on. Never send it to other clients.
    pub fn pid(&self) -> Option<&str> {
        self.0.pid.as_deref()
    }

    /// Replaces the socket's serializable data: what
    /// [`fetch_sockets`](crate::BroadcastOperator::fetch_sockets) reports to any server of a
    /// cluster, and what connection state recovery gives back (the reference's
    /// `socket.data`).
    ///
    /// ```
    /// # fn demo(socket: wsio_server::Socket) -> wsio_server::Result<()> {
    /// socket.set_data(&serde_json::json!({ "user": "ada", "score": 3 }))?;
    /// let user: Option<serde_json::Value> = socket.data();
    /// # Ok(()) }
    /// ```
    pub fn set_data<T: Serialize + ?Sized>(&self, data: &T) -> Result<(), event_proto::Error> {
        let value = event_proto::value::to_value(data)?;
        *lock(&self.0.data) = value;
        Ok(())
    }

    /// Changes the socket's data in place: `update` gets it deserialized as `T` (or
    /// `T::default()` while no data was set, or it is `null`) and what it leaves is stored
    /// back, under the data's lock, so concurrent handlers never lose each other's updates
    /// (unlike a [`data`](Self::data) then [`set_data`](Self::set_data) pair). Returns what
    /// `update` returns; fails, leaving the data as it was, when the data does not fit `T`
    /// or the result does not serialize. The data becomes `T`'s serialization: fields `T`
    /// does not know are dropped (see [`update_data_value`](Self::update_data_value) to edit
    /// one field of untyped data).
    ///
    /// ```
    /// # fn demo(socket: wsio_server::Socket) -> Result<(), event_proto::Error> {
    /// #[derive(Default, serde::Serialize, serde::Deserialize)]
    /// struct Player {
    ///     name: String,
    ///     score: u32,
    /// }
    ///
    /// let score = socket.update_data(|player: &mut Player| {
    ///     player.score += 1;
    ///     player.score
    /// })?;
    /// # Ok(()) }
    /// ```
    pub fn update_data<T, R>(
        &self,
        update: impl FnOnce(&mut T) -> R,
    ) -> Result<R, event_proto::Error>
    where
        T: DeserializeOwned + Serialize + Default,
    {
        let mut data = lock(&self.0.data);
        let unset = data.is_null() || data.as_object().is_some_and(<[_]>::is_empty);
        let mut typed: T = if unset {
            T::default()
        } else {
            event_proto::value::from_value(data.clone())?
        };
        let out = update(&mut typed);
        *data = event_proto::value::to_value(&typed)?;
        Ok(out)
    }

    /// Changes the socket's data as a [`Value`] in place, under its lock: a field-level edit
    /// (`data.set("score", 4)`) that concurrent handlers cannot interleave with.
    ///
    /// ```
    /// # fn demo(socket: wsio_server::Socket) {
    /// use wsio_server::Value;
    ///
    /// socket.update_data_value(|data| {
    ///     let visits = data.get("visits").and_then(Value::as_u64).unwrap_or(0);
    ///     data.set("visits", visits + 1);
    /// });
    /// # }
    /// ```
    pub fn update_data_value<R>(&self, update: impl FnOnce(&mut Value) -> R) -> R {
        update(&mut lock(&self.0.data))
    }

    /// The socket's data deserialized as `T`; `None` when it does not fit.
    pub fn data<T: DeserializeOwned>(&self) -> Option<T> {
        event_proto::value::from_value(self.data_value()).ok()
    }

    /// The socket's data as a [`Value`] (an empty object until set, as in the reference).
    pub fn data_value(&self) -> Value {
        lock(&self.0.data).clone()
    }

    /// Stores a value of type `T` on the socket, replacing any previous one. Unlike
    /// [`set_data`](Self::set_data), extensions stay on this server and are not kept by
    /// recovery; any type fits (connections, handles).
    pub fn insert_extension<T: Any + Send + Sync>(&self, value: T) {
        lock(&self.0.extensions).insert(TypeId::of::<T>(), Box::new(value));
    }

    /// Gives the socket what its connect middlewares set.
    pub(crate) fn apply(&self, prepared: Prepared) {
        if let Some(data) = prepared.data {
            *lock(&self.0.data) = data;
        }
        if !prepared.extensions.is_empty() {
            lock(&self.0.extensions).extend(prepared.extensions);
        }
    }

    /// A clone of the stored extension of type `T`.
    pub fn extension<T: Any + Send + Sync + Clone>(&self) -> Option<T> {
        lock(&self.0.extensions)
            .get(&TypeId::of::<T>())
            .and_then(|v| v.downcast_ref::<T>())
            .cloned()
    }

    /// Registers the handler of `event`, replacing an earlier one. Its arguments deserialize
    /// into `T` (a tuple, a [`Vec<Value>`](crate::Value) to keep binary data as `Bytes`, or
    /// any serde type reading a sequence); events whose arguments do not fit are dropped (and
    /// logged with `tracing` at debug level, or given to
    /// [`on_rejected_event`](Self::on_rejected_event)). `ack` is `Some` when the client asked
    /// for an acknowledgement.
    ///
    /// A tuple fits exactly its number of arguments: unlike a Node handler, which ignores
    /// extra arguments and sees missing ones as `undefined`, `(String,)` drops
    /// `emit("join", "lobby", 1)`, and `(String, Option<String>)` drops `emit("join",
    /// "lobby")` (it takes `"lobby", null`). `()` takes an event without arguments only;
    /// `Vec<Value>` takes any number.
    ///
    /// The handler is a plain closure or an `async` one (any closure returning a
    /// `Future<Output = ()>`; see [`HandlerOutput`]).
    ///
    /// # Order
    ///
    /// The part of a handler that runs before its first pending `.await` runs at once, as
    /// the event is dispatched, in the order the socket's events arrived: what consecutive
    /// events of one socket emit, join, leave and broadcast there happens in that order.
    /// With the in-memory adapter, [`join`](Self::join), [`leave`](Self::leave),
    /// [`rooms`](Self::rooms) and a broadcast's
    /// [`emit`](crate::BroadcastOperator::emit) complete without waiting, so awaiting them
    /// keeps a handler in that first part. What comes after an `.await` that waits (a timer,
    /// an acknowledgement, I/O, an adapter spanning servers) runs as a task, concurrently
    /// with the handlers of later events; no need to `tokio::spawn` it.
    ///
    /// ```
    /// use std::time::Duration;
    /// use wsio_server::{AckSender, Config, Server, Socket};
    ///
    /// let io = Server::new(Config::default());
    /// io.ns("/", |socket: Socket| {
    ///     // Plain: runs to its end as the event arrives.
    ///     socket.on("echo", |socket, (text,): (String,), ack: Option<AckSender>| {
    ///         let _ = socket.emit("echo", &(text.as_str(),));
    ///         if let Some(ack) = ack {
    ///             let _ = ack.send(&(text,));
    ///         }
    ///     });
    ///     // Async: joining and the room's emit leave in arrival order; the wait for the
    ///     // client's answer overlaps with later events.
    ///     socket.on("enter", |socket, (room,): (String,), _ack| async move {
    ///         let _ = socket.join(&room).await;
    ///         let _ = socket.within(&room).emit("entered", &(socket.id().as_str(),)).await;
    ///         let answer = socket
    ///             .emit_with_ack::<_, (String,)>("welcome", &(room,), Duration::from_secs(5))
    ///             .await;
    ///         if let Ok((reply,)) = answer {
    ///             let _ = socket.emit("noted", &(reply,));
    ///         }
    ///     });
    /// });
    /// ```
    pub fn on<T, F, R, M>(&self, event: &str, handler: F)
    where
        T: DeserializeOwned,
        F: Fn(Socket, T, Option<AckSender>) -> R + Send + Sync + 'static,
        R: HandlerOutput<M>,
    {
        let erased: EventHandler =
            Arc::new(
                move |socket, packet: &Packet, ack| match packet.deserialize_args::<T>() {
                    Ok(args) => handler(socket, args, ack).finish(),
                    Err(e) => socket.rejected(packet, &e),
                },
            );
        write(&self.0.handlers).insert(event.to_owned(), erased);
    }

    /// Adds a listener that sees every incoming event (its name and raw arguments) before
    /// the event's own handler runs, like the reference's `socket.onAny`; listeners run in
    /// the order they were added, and adding one keeps the others. Plain or `async`, like
    /// every handler ([`HandlerOutput`]). Each listener gets its own copy of the arguments
    /// (binary values shared, not copied).
    ///
    /// ```
    /// # fn demo(socket: wsio_server::Socket) {
    /// socket.on_any(|socket, event, args| {
    ///     tracing::info!(socket = %socket.id(), %event, args = args.len(), "event");
    /// });
    /// # }
    /// ```
    pub fn on_any<F, R, M>(&self, handler: F)
    where
        F: Fn(Socket, String, Vec<Value>) -> R + Send + Sync + 'static,
        R: HandlerOutput<M>,
    {
        let listener: AnyHandler = Arc::new(move |socket, event, args| {
            handler(socket, event, args).finish();
        });
        let mut listeners = write(&self.0.any);
        *listeners = listeners.iter().cloned().chain([listener]).collect();
    }

    /// Removes every listener added with [`on_any`](Self::on_any) (the reference's
    /// `socket.offAny()`).
    pub fn off_any(&self) {
        *write(&self.0.any) = Arc::new([]);
    }

    /// Runs `handler` for each event dropped because its arguments did not deserialize into
    /// the type its [`on`](Self::on) handler takes, with the event's name and the error,
    /// replacing an earlier one. Without one, such events are logged with `tracing` at debug
    /// level and dropped; either way the event's handler does not run and its ack is not
    /// sent. The error ([`event_proto::Error::Arguments`]) says what did not fit:
    /// `event "move" has 1 argument, the handler takes 2`, or `event "move": argument 2:
    /// expected i32, got the string "up"`.
    ///
    /// ```
    /// # fn demo(socket: wsio_server::Socket) {
    /// socket.on("move", |_socket, (x, y): (i32, i32), _ack| { let _ = (x, y); });
    /// socket.on_rejected_event(|socket, event, error| {
    ///     let _ = socket.emit("bad-request", &(event, error.to_string()));
    /// });
    /// # }
    /// ```
    pub fn on_rejected_event<F>(&self, handler: F)
    where
        F: Fn(&Socket, &str, &event_proto::Error) + Send + Sync + 'static,
    {
        *write(&self.0.rejected) = Some(Arc::new(handler));
    }

    /// An event whose arguments did not fit its handler: to the rejected-event hook, or the log.
    fn rejected(&self, packet: &Packet, error: &event_proto::Error) {
        let event = packet.event_name().unwrap_or_default();
        tracing::debug!(
            ns = %packet.ns,
            event,
            error = %error,
            "event arguments do not fit the handler's type: event dropped"
        );
        let hook = read(&self.0.rejected).clone();
        if let Some(hook) = hook {
            hook(self, event, error);
        }
    }

    /// Runs `handler` when the socket is leaving, while its rooms are still known. It may be
    /// `async`: the part before its first pending `.await` runs while the rooms are known.
    pub fn on_disconnecting<F, R, M>(&self, handler: F)
    where
        F: FnOnce(Socket, DisconnectReason) -> R + Send + 'static,
        R: HandlerOutput<M>,
    {
        lock(&self.0.on_disconnecting).push(Box::new(move |socket, reason| {
            handler(socket, reason).finish();
        }));
    }

    /// Runs `handler` once the socket has left the namespace. It may be `async`.
    pub fn on_disconnect<F, R, M>(&self, handler: F)
    where
        F: FnOnce(Socket, DisconnectReason) -> R + Send + 'static,
        R: HandlerOutput<M>,
    {
        lock(&self.0.on_disconnect).push(Box::new(move |socket, reason| {
            handler(socket, reason).finish();
        }));
    }

    /// Emits `event` to this socket with `args` (a tuple or sequence; `()` for none).
    ///
    /// With connection state recovery on, the event is kept for replay even when the socket
    /// has just lost its transport (the call then returns [`EmitError::Closed`], and a client
    /// that recovers the session still gets it).
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, args: &T) -> Result<(), EmitError> {
        if !self.connected() && self.0.pid.is_none() {
            return Err(EmitError::Closed);
        }
        let encoded = (self.0.ns.parser)
            .encode_event(&self.0.ns.name, event, args, None)
            .map_err(EmitError::Encode)?;
        stats::count(&self.0.ns.counters.events_emitted);
        self.0.ns.adapter.emit_direct(self, encoded)
    }

    /// Emits `event` and waits up to `timeout` for the client's acknowledgement, whose
    /// arguments deserialize into `R` (e.g. `Vec<serde_json::Value>` or a tuple).
    pub async fn emit_with_ack<T, R>(
        &self,
        event: &str,
        args: &T,
        timeout: Duration,
    ) -> Result<R, AckError>
    where
        T: Serialize + ?Sized,
        R: DeserializeOwned,
    {
        let id = self.0.ns.next_ack_id();
        let encoded = (self.0.ns.parser)
            .encode_event(&self.0.ns.name, event, args, Some(id))
            .map_err(EmitError::Encode)?;
        let rx = self.expect_ack(id);
        self.0.ns.adapter.emit_direct_with_ack(self, encoded)?;
        let counters = &self.0.ns.counters;
        stats::count(&counters.events_emitted);
        let mut awaited = AwaitedAcks::new(counters, 1);
        let result = ack::wait(rx, timeout).await;
        let timed_out = matches!(result, Err(AckError::Timeout));
        awaited.settle(timed_out);
        lock(&self.0.acks).remove(&id);
        if timed_out {
            tracing::debug!(
                parent: &self.0.span,
                event,
                ack = id,
                timeout_ms = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
                "acknowledgement timed out"
            );
        }
        result
    }

    /// Joins `rooms`: one room (`"lobby"`) or several (`["red", "blue"]`); see
    /// [`IntoRooms`].
    pub async fn join(&self, rooms: impl IntoRooms) -> Result<(), AdapterError> {
        let rooms = rooms.into_rooms();
        let joined = self.0.ns.adapter.add_all(self.0.id.clone(), rooms).await;
        warn_on_error(joined, self.ns(), "join")
    }

    /// Leaves `rooms` (one room or several).
    pub async fn leave(&self, rooms: impl IntoRooms) -> Result<(), AdapterError> {
        let rooms = rooms.into_rooms();
        let left = self.0.ns.adapter.del(self.0.id.clone(), rooms).await;
        warn_on_error(left, self.ns(), "leave")
    }

    /// The rooms the socket is in, its own id room included.
    pub async fn rooms(&self) -> Result<Vec<Room>, AdapterError> {
        let rooms = self.0.ns.adapter.socket_rooms(self.0.id.clone()).await;
        warn_on_error(rooms, self.ns(), "socket rooms")
    }

    /// Leaves the namespace from the server side: the client sees `io server disconnect`.
    pub fn disconnect(&self) -> Result<(), EmitError> {
        if !self.connected() {
            return Err(EmitError::Closed);
        }
        let encoded = (self.0.ns.parser)
            .encode(&Packet::disconnect(self.0.ns.name.clone()))
            .map_err(EmitError::Encode)?;
        let sent = self.push(encoded, false);
        self.leave_namespace(DisconnectReason::ServerNamespaceDisconnect);
        sent
    }

    /// Leaves every namespace of this client from the server side (each socket gets a
    /// DISCONNECT: `server namespace disconnect`, not recoverable), then closes the connection.
    pub fn disconnect_and_close(&self) {
        let sockets = match self.0.client.upgrade() {
            Some(client) => client.sockets(),
            None => vec![self.clone()],
        };
        for socket in sockets {
            let _ = socket.disconnect();
        }
        self.0.session.close(CloseReason::ForcedClose);
    }

    /// Closes the whole connection (every namespace of this client): `forced close`.
    pub fn close_connection(&self) {
        self.0.session.close(CloseReason::ForcedClose);
    }

    /// Queues `packet` for the socket's transport (see [`Session::push`]).
    pub(crate) fn push(&self, packet: Encoded, volatile: bool) -> Result<(), EmitError> {
        Ok(self
            .open_session()?
            .push(outgoing::single(packet), volatile)?)
    }

    /// Like [`Socket::push`], collecting the transport's waker in `wakers` instead of waking
    /// it.
    pub(crate) fn push_quiet(
        &self,
        item: Outgoing,
        volatile: bool,
        wakers: &mut Vec<std::task::Waker>,
    ) -> Result<(), EmitError> {
        Ok(self.open_session()?.push_quiet(item, volatile, wakers)?)
    }

    /// The session, while the socket is connected.
    fn open_session(&self) -> Result<&Session, EmitError> {
        if self.connected() {
            Ok(&self.0.session)
        } else {
            Err(EmitError::Closed)
        }
    }

    /// The socket as [`fetch_sockets`](crate::BroadcastOperator::fetch_sockets) reports
    /// it, in `rooms`.
    pub(crate) fn describe(&self, rooms: Vec<Room>) -> RemoteSocket {
        RemoteSocket::with_local(
            self.0.id.clone(),
            handshake_value(self.handshake(), self.auth(), self.0.issued),
            rooms,
            self.data_value(),
            Arc::new(self.clone()),
        )
    }

    /// Registers a pending acknowledgement. Entries whose waiter gave up (a broadcast with
    /// acks that timed out drops its receivers; the client may never answer) are swept out
    /// here once there are a few, so the map stays bounded by the acks still awaited.
    pub(crate) fn expect_ack(&self, id: u64) -> AckReceiver {
        let (tx, rx) = oneshot::channel();
        let mut acks = lock(&self.0.acks);
        if acks.len() >= ACK_SWEEP_AT {
            acks.retain(|_, waiter| !waiter.is_closed());
        }
        acks.insert(id, tx);
        rx
    }

    /// The acknowledgements this socket holds a slot for: those still awaited, plus fewer
    /// than 32 abandoned ones (of broadcasts with acks that timed out) not swept yet. A
    /// diagnostic: it stays bounded however many answers a client never sends.
    pub fn pending_acks(&self) -> usize {
        lock(&self.0.acks).len()
    }

    /// The pid and data to keep when the socket leaves for `reason`: only abnormal
    /// disconnects are recoverable.
    fn session_to_keep(&self, reason: DisconnectReason) -> Option<(String, Value)> {
        let recoverable = matches!(
            reason,
            DisconnectReason::TransportClose
                | DisconnectReason::TransportError
                | DisconnectReason::PingTimeout
                | DisconnectReason::ForcedClose
                | DisconnectReason::ServerShuttingDown
        );
        let pid = self.0.pid.clone()?;
        recoverable.then(|| (pid, self.data_value()))
    }

    /// An EVENT from the client, `size` bytes as it came (attachments included).
    pub(crate) fn on_event(&self, packet: &Packet, size: usize) {
        let Some(name) = packet.event_name() else {
            return;
        };
        stats::count(&self.0.ns.counters.events_received);
        let _entered = self.0.span.enter();
        tracing::debug!(event = name, "event received");
        tracing::trace!(event = name, bytes = size, "event payload");
        let listeners = read(&self.0.any).clone();
        for listener in listeners.iter() {
            listener(self.clone(), name.to_owned(), packet.args().to_vec());
        }
        let handler = read(&self.0.handlers).get(name).cloned();
        if let Some(handler) = handler {
            let ack = packet.id.map(|id| AckSender::new(self.clone(), id));
            handler(self.clone(), packet, ack);
        }
    }

    /// An ACK from the client.
    pub(crate) fn on_ack(&self, packet: &Packet) {
        let Some(id) = packet.id else { return };
        let waiter = lock(&self.0.acks).remove(&id);
        if let Some(waiter) = waiter {
            let _ = waiter.send(packet.args().to_vec());
        }
    }

    /// Leaves the namespace: hooks, rooms, registries, pending acks. Runs once.
    pub(crate) fn leave_namespace(&self, reason: DisconnectReason) {
        if !self.0.connected.swap(false, Ordering::AcqRel) {
            return;
        }
        let _entered = self.0.span.enter();
        tracing::debug!(reason = reason.as_str(), "left the namespace");
        let disconnecting = std::mem::take(&mut *lock(&self.0.on_disconnecting));
        for hook in disconnecting {
            hook(self.clone(), reason);
        }
        self.0.registry.forget(&self.0.id);
        if let Some(client) = self.0.client.upgrade() {
            client.forget(&self.0.ns.name);
        }
        let adapter = self.0.ns.adapter.clone();
        let id = self.0.id.clone();
        let session = self.session_to_keep(reason);
        // The in-memory adapter completes at once; a remote one finishes in the background.
        let ns = self.0.ns.name.clone();
        let cleanup = async move {
            if let Some((pid, data)) = session {
                let rooms = adapter.socket_rooms(id.clone()).await;
                let rooms = warn_on_error(rooms, ns.as_str(), "socket rooms").unwrap_or_default();
                let state = SessionState {
                    sid: id.clone(),
                    pid,
                    rooms,
                    data,
                };
                let kept = adapter.persist_session(state).await;
                let _ = warn_on_error(kept, ns.as_str(), "persist session");
            }
            let _ = warn_on_error(adapter.del_all(id).await, ns.as_str(), "leave all rooms");
        };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(cleanup);
        }
        lock(&self.0.acks).clear();
        write(&self.0.handlers).clear();
        *write(&self.0.any) = Arc::new([]);
        *write(&self.0.rejected) = None;
        let disconnect = std::mem::take(&mut *lock(&self.0.on_disconnect));
        for hook in disconnect {
            hook(self.clone(), reason);
        }
    }
}

impl Recipient for Socket {
    fn id(&self) -> &Sid {
        &self.0.id
    }

    fn send(&self, packet: Encoded) -> Result<(), EmitError> {
        self.push(packet, false)
    }
}

impl RemoteSocket {
    /// The socket itself when it is connected to this server.
    pub fn local(&self) -> Option<&Socket> {
        self.local_handle()?.downcast_ref::<Socket>()
    }
}

/// The protocol's name for the transport carrying a session: a session still on polling
/// (probing for an upgrade or not) is on polling.
fn protocol_transport(transport: Transport) -> event_proto::engine::Transport {
    match transport {
        Transport::WebSocket => event_proto::engine::Transport::WebSocket,
        Transport::WebTransport => event_proto::engine::Transport::WebTransport,
        _ => event_proto::engine::Transport::Polling,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_engine_transport_has_its_protocol_name() {
        for (engine, name) in [
            (Transport::Polling, "polling"),
            (Transport::Upgrading, "polling"),
            (Transport::WebSocket, "websocket"),
            (Transport::WebTransport, "webtransport"),
        ] {
            assert_eq!(protocol_transport(engine).as_str(), name, "{engine:?}");
        }
    }
}
