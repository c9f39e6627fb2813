//! Broadcast operators: `to`, `except`, `volatile`, `timeout`, and what they address.

use std::sync::Arc;
use std::time::Duration;

use event_proto::{Parser, Value};
use serde::Serialize;

use crate::adapter::warn_on_error;
use crate::addressing::{BroadcastOptions, IntoRooms};
use crate::error::{AckError, AdapterError, BroadcastError};
use crate::namespace::{Namespace, NsInner, NsSetup};
use crate::ns_core::NsCore;
use crate::remote::RemoteSocket;
use crate::server::Server;
use crate::socket::Socket;
use crate::stats::{self, AwaitedAcks};

/// Addresses a set of sockets of one namespace. Built by [`Namespace`](crate::Namespace)
/// and [`Socket`](crate::Socket) methods; every packet is encoded once and shared by all recipients.
#[derive(Debug, Clone)]
pub struct BroadcastOperator {
    ns: Arc<NsCore>,
    opts: BroadcastOptions,
    timeout: Option<Duration>,
}

/// The default time [`BroadcastOperator::emit_with_ack`] waits: 5 s.
pub const DEFAULT_ACK_TIMEOUT: Duration = Duration::from_secs(5);

impl BroadcastOperator {
    pub(crate) fn new(ns: Arc<NsCore>) -> BroadcastOperator {
        BroadcastOperator {
            ns,
            opts: BroadcastOptions::default(),
            timeout: None,
        }
    }

    /// Restricts to the sockets in any of `rooms`, one room or several (adds to earlier `to`
    /// calls).
    pub fn to(mut self, rooms: impl IntoRooms) -> Self {
        rooms.extend_rooms(&mut self.opts.rooms);
        self
    }

    /// Restricts to the sockets in any of `rooms`: the same as [`to`](Self::to) (Node's
    /// `in`).
    pub fn within(self, rooms: impl IntoRooms) -> Self {
        self.to(rooms)
    }

    /// Excludes the sockets in any of `rooms`.
    pub fn except(mut self, rooms: impl IntoRooms) -> Self {
        rooms.extend_rooms(&mut self.opts.except);
        self
    }

    /// Drops the packet for recipients whose queue is full.
    pub fn volatile(mut self) -> Self {
        self.opts.flags.volatile = true;
        self
    }

    /// How long [`emit_with_ack`](Self::emit_with_ack) waits for each answer.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The options this operator passes to the adapter.
    pub fn options(&self) -> &BroadcastOptions {
        &self.opts
    }

    /// Emits `event` with `args` (a tuple or sequence) to every addressed socket.
    pub async fn emit<T: Serialize + ?Sized>(
        self,
        event: &str,
        args: &T,
    ) -> Result<(), BroadcastError> {
        let encoded = (self.ns.parser)
            .encode_event(&self.ns.name, event, args, None)
            .map_err(BroadcastError::Encode)?;
        self.count_broadcast();
        let sent = self.ns.adapter.broadcast(encoded, self.opts).await;
        Ok(warn_on_error(sent, self.ns.name.as_str(), "broadcast")?)
    }

    /// Emits `event` asking every addressed socket for an acknowledgement, and collects the
    /// answers, one per recipient: the answers that came in time are `Ok`, the others
    /// `Err(AckError::Timeout)` (or `Err(AckError::Closed)` when the recipient left), so that a
    /// timeout keeps
    /// the responses that did arrive (Node's `err.responses`). Returns once every answer
    /// came, or at the timeout.
    ///
    /// ```
    /// # async fn demo(io: wsio_server::Server) -> wsio_server::Result<()> {
    /// use std::time::Duration;
    ///
    /// let answers = io.timeout(Duration::from_secs(1)).emit_with_ack("vote", &()).await?;
    /// let votes: Vec<_> = answers.iter().filter_map(|a| a.as_ref().ok()).collect();
    /// let missing = answers.iter().filter(|a| a.is_err()).count();
    /// # drop((votes, missing));
    /// # Ok(()) }
    /// ```
    pub async fn emit_with_ack<T: Serialize + ?Sized>(
        self,
        event: &str,
        args: &T,
    ) -> Result<Vec<Result<Vec<Value>, AckError>>, BroadcastError> {
        let id = self.ns.next_ack_id();
        let encoded = (self.ns.parser)
            .encode_event(&self.ns.name, event, args, Some(id))
            .map_err(BroadcastError::Encode)?;
        let timeout = self.timeout.unwrap_or(DEFAULT_ACK_TIMEOUT);
        self.count_broadcast();
        let mut opts = self.opts;
        opts.flags.timeout = Some(timeout);
        let sent = self.ns.adapter.broadcast_with_ack(encoded, id, opts).await;
        let receivers = warn_on_error(sent, self.ns.name.as_str(), "broadcast with acks")?;
        let deadline = tokio::time::Instant::now() + timeout;
        let mut awaited = AwaitedAcks::new(&self.ns.counters, receivers.len() as u64);
        let mut timed_out = 0_usize;
        let mut answers = Vec::with_capacity(receivers.len());
        for rx in receivers {
            let answer = match tokio::time::timeout_at(deadline, rx).await {
                Ok(Ok(args)) => Ok(args),
                Ok(Err(_)) => Err(AckError::Closed),
                Err(_) => Err(AckError::Timeout),
            };
            let late = matches!(answer, Err(AckError::Timeout));
            awaited.settle(late);
            timed_out += usize::from(late);
            answers.push(answer);
        }
        if timed_out > 0 {
            tracing::debug!(
                ns = %self.ns.name,
                event,
                ack = id,
                timed_out,
                recipients = answers.len(),
                "acknowledgements of a broadcast timed out"
            );
        }
        Ok(answers)
    }

    /// Counts a broadcast, which is also an emitted event.
    fn count_broadcast(&self) {
        let counters = &self.ns.counters;
        stats::count(&counters.broadcasts);
        stats::count(&counters.events_emitted);
    }

    /// Delivers on this server only, even with an adapter spanning several servers.
    pub fn local(mut self) -> Self {
        self.opts.flags.local = true;
        self
    }

    /// The addressed sockets, on every server of the cluster.
    pub async fn fetch_sockets(self) -> Result<Vec<RemoteSocket>, AdapterError> {
        let sockets = self.ns.adapter.fetch_sockets(self.opts).await;
        warn_on_error(sockets, self.ns.name.as_str(), "fetch sockets")
    }

    /// Makes the addressed sockets join `rooms`.
    pub async fn sockets_join(self, rooms: impl IntoRooms) -> Result<(), AdapterError> {
        let rooms = rooms.into_rooms();
        let joined = self.ns.adapter.add_sockets(self.opts, rooms).await;
        warn_on_error(joined, self.ns.name.as_str(), "sockets join")
    }

    /// Makes the addressed sockets leave `rooms`.
    pub async fn sockets_leave(self, rooms: impl IntoRooms) -> Result<(), AdapterError> {
        let rooms = rooms.into_rooms();
        let left = self.ns.adapter.del_sockets(self.opts, rooms).await;
        warn_on_error(left, self.ns.name.as_str(), "sockets leave")
    }

    /// Disconnects the addressed sockets from the namespace (clients see `io server
    /// disconnect` and do not reconnect by themselves). With `close`, each addressed client's
    /// whole connection is closed too, its other namespaces included (the reference's
    /// `disconnectSockets(true)`).
    pub async fn disconnect_sockets(self, close: bool) -> Result<(), AdapterError> {
        let done = self.ns.adapter.disconnect_sockets(self.opts, close).await;
        warn_on_error(done, self.ns.name.as_str(), "disconnect sockets")
    }
}

impl Namespace {
    /// An operator addressing every socket of the namespace.
    pub fn broadcast(&self) -> BroadcastOperator {
        BroadcastOperator::new(self.0.core.clone())
    }

    /// An operator addressing the sockets in `rooms` (one room or several).
    pub fn to(&self, rooms: impl IntoRooms) -> BroadcastOperator {
        self.broadcast().to(rooms)
    }

    /// The same as [`to`](Self::to) (Node's `in`).
    pub fn within(&self, rooms: impl IntoRooms) -> BroadcastOperator {
        self.broadcast().to(rooms)
    }

    /// An operator addressing every socket except those in `rooms`.
    pub fn except(&self, rooms: impl IntoRooms) -> BroadcastOperator {
        self.broadcast().except(rooms)
    }

    /// An operator addressing the namespace's sockets on this server only.
    pub fn local(&self) -> BroadcastOperator {
        self.broadcast().local()
    }

    /// An operator addressing every socket of the namespace whose
    /// [`emit_with_ack`](BroadcastOperator::emit_with_ack) waits `timeout` (Node's
    /// `io.of("/chat").timeout`): one answer per socket, those that did not come in time
    /// `Err(AckError::Timeout)`.
    ///
    /// ```
    /// # async fn demo(io: wsio_server::Server) -> wsio_server::Result<()> {
    /// use std::time::Duration;
    ///
    /// let chat = io.ns("/chat", |_socket| {});
    /// let answers = chat.timeout(Duration::from_secs(1)).emit_with_ack("ready?", &()).await?;
    /// let ready = answers.iter().filter(|a| a.is_ok()).count();
    /// # drop(ready);
    /// # Ok(()) }
    /// ```
    pub fn timeout(&self, timeout: Duration) -> BroadcastOperator {
        self.broadcast().timeout(timeout)
    }

    /// Emits `event` with `args` (a tuple or sequence) to every socket of the namespace.
    pub async fn emit<T: serde::Serialize + ?Sized>(
        &self,
        event: &str,
        args: &T,
    ) -> Result<(), BroadcastError> {
        self.broadcast().emit(event, args).await
    }

    /// Every socket of the namespace, on every server of the cluster.
    pub async fn fetch_sockets(&self) -> Result<Vec<RemoteSocket>, AdapterError> {
        self.broadcast().fetch_sockets().await
    }

    /// Makes every socket of the namespace join `rooms`.
    pub async fn sockets_join(&self, rooms: impl IntoRooms) -> Result<(), AdapterError> {
        self.broadcast().sockets_join(rooms).await
    }

    /// Makes every socket of the namespace leave `rooms`.
    pub async fn sockets_leave(&self, rooms: impl IntoRooms) -> Result<(), AdapterError> {
        self.broadcast().sockets_leave(rooms).await
    }

    /// Disconnects every socket of the namespace; with `close`, closes their connections too
    /// (see [`BroadcastOperator::disconnect_sockets`]).
    pub async fn disconnect_sockets(&self, close: bool) -> Result<(), AdapterError> {
        self.broadcast().disconnect_sockets(close).await
    }
}

/// The operations of Node's `io`, on namespace `/`. When `/` is not declared they address
/// no socket: emits reach nobody and `fetch_sockets` finds none.
///
/// ```
/// # async fn demo() -> wsio_server::Result<()> {
/// use wsio_server::{Config, Server};
///
/// let io = Server::new(Config::default());
/// io.ns("/", |_socket| {});
/// io.emit("hello", &("everyone",)).await?;
/// io.to("lobby").emit("hello", &("lobby",)).await?;
/// io.within(["red", "blue"]).except("muted").emit("hello", &("teams",)).await?;
/// io.local().emit("hello", &("this server",)).await?;
/// let in_lobby = io.within("lobby").fetch_sockets().await?;
/// io.sockets_join("everyone").await?;
/// io.to("lobby").sockets_leave("lobby").await?;
/// io.to("banned").disconnect_sockets(true).await?;
/// # drop(in_lobby);
/// # Ok(()) }
/// ```
impl Server {
    /// An operator addressing every socket of namespace `/`.
    pub fn broadcast(&self) -> BroadcastOperator {
        BroadcastOperator::new(self.main_or_empty().0.core.clone())
    }

    /// An operator addressing the sockets of `/` in `rooms` (one room or several).
    pub fn to(&self, rooms: impl IntoRooms) -> BroadcastOperator {
        self.broadcast().to(rooms)
    }

    /// The same as [`to`](Self::to) (Node's `io.in`).
    pub fn within(&self, rooms: impl IntoRooms) -> BroadcastOperator {
        self.broadcast().to(rooms)
    }

    /// An operator addressing the sockets of `/` except those in `rooms`.
    pub fn except(&self, rooms: impl IntoRooms) -> BroadcastOperator {
        self.broadcast().except(rooms)
    }

    /// An operator addressing every socket of `/` whose
    /// [`emit_with_ack`](BroadcastOperator::emit_with_ack) waits `timeout` (Node's
    /// `io.timeout`).
    pub fn timeout(&self, timeout: Duration) -> BroadcastOperator {
        self.broadcast().timeout(timeout)
    }

    /// An operator addressing the sockets of `/` on this server only.
    pub fn local(&self) -> BroadcastOperator {
        self.broadcast().local()
    }

    /// Emits `event` with `args` (a tuple or sequence) to every socket of `/`.
    pub async fn emit<T: Serialize + ?Sized>(
        &self,
        event: &str,
        args: &T,
    ) -> Result<(), BroadcastError> {
        self.broadcast().emit(event, args).await
    }

    /// Every socket of `/`, on every server of the cluster.
    pub async fn fetch_sockets(&self) -> Result<Vec<RemoteSocket>, AdapterError> {
        self.broadcast().fetch_sockets().await
    }

    /// Makes every socket of `/` join `rooms`.
    pub async fn sockets_join(&self, rooms: impl IntoRooms) -> Result<(), AdapterError> {
        self.broadcast().sockets_join(rooms).await
    }

    /// Makes every socket of `/` leave `rooms`.
    pub async fn sockets_leave(&self, rooms: impl IntoRooms) -> Result<(), AdapterError> {
        self.broadcast().sockets_leave(rooms).await
    }

    /// Disconnects every socket of `/`; with `close`, closes their connections too.
    pub async fn disconnect_sockets(&self, close: bool) -> Result<(), AdapterError> {
        self.broadcast().disconnect_sockets(close).await
    }

    /// Namespace `/`, or an empty namespace of that name (with an in-memory adapter, known to
    /// no one) when it is not declared.
    pub(crate) fn main_or_empty(&self) -> Namespace {
        self.of("/").unwrap_or_else(|| {
            let setup = NsSetup::new(Arc::new(|_socket| {}));
            Namespace(NsInner::new("/", setup, None, None, self.config().parser))
        })
    }
}

impl Socket {
    /// Every other socket of the namespace.
    pub fn broadcast(&self) -> BroadcastOperator {
        BroadcastOperator::new(self.0.ns.clone()).except([self.0.id.to_string()])
    }

    /// The sockets in `rooms` (one room or several), except this one.
    pub fn to(&self, rooms: impl IntoRooms) -> BroadcastOperator {
        self.broadcast().to(rooms)
    }

    /// Every socket (this one included) in `rooms`.
    pub fn within(&self, rooms: impl IntoRooms) -> BroadcastOperator {
        BroadcastOperator::new(self.0.ns.clone()).to(rooms)
    }
}
