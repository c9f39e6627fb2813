//! One Engine.IO session: its bounded outgoing queue, heartbeat, transport and close.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use event_proto::engine::{self, Action, Role};
use tokio::sync::Notify;

use crate::close_reason::CloseReason;
use crate::error::Error;
use crate::handler::SessionHandler;
use crate::outgoing::Outgoing;
use crate::request::RequestInfo;
use crate::sid::Sid;
use crate::stats::{Counters, Traffic};
use crate::sync::lock;

/// Which transport carries a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Transport {
    /// HTTP long-polling.
    Polling,
    /// Polling, with a WebSocket probing to replace it.
    Upgrading,
    /// WebSocket.
    WebSocket,
    /// WebTransport: one bidirectional stream of an HTTP/3 WebTransport session (feature
    /// `webtransport`).
    WebTransport,
}

impl Transport {
    /// True for a transport that carries the session by itself (WebSocket, WebTransport):
    /// polling requests are then refused.
    pub(crate) fn is_upgraded(self) -> bool {
        matches!(self, Transport::WebSocket | Transport::WebTransport)
    }
}

/// The live sessions of an engine, by id. A session removes itself when it closes.
#[derive(Debug, Default)]
pub(crate) struct Registry {
    sessions: Mutex<HashMap<Sid, Arc<Session>>>,
    /// The engine's counters, which the sessions add to.
    pub(crate) counters: Counters,
}

impl Registry {
    pub(crate) fn insert(&self, session: Arc<Session>) {
        lock(&self.sessions).insert(session.sid.clone(), session);
    }

    pub(crate) fn get(&self, sid: &str) -> Option<Arc<Session>> {
        lock(&self.sessions).get(sid).cloned()
    }

    fn remove(&self, sid: &Sid) {
        lock(&self.sessions).remove(sid);
    }

    pub(crate) fn len(&self) -> usize {
        lock(&self.sessions).len()
    }

    pub(crate) fn all(&self) -> Vec<Arc<Session>> {
        lock(&self.sessions).values().cloned().collect()
    }
}

/// Slots a drained queue keeps (64 bytes each), so that a session receiving a message now and
/// then does not allocate and free its queue for every one.
const KEPT_SLOTS: usize = 4;

/// The outgoing queue: a deque that grows only while items wait, and keeps at most
/// [`KEPT_SLOTS`] once drained, with the waker of the transport draining it under the same lock
/// (one transport drains at a time, so one waker is enough).
///
/// Laid out in this order, with the session's close state first: a broadcast touches these
/// fields of every recipient, so they share cache lines.
#[derive(Debug)]
#[repr(C)]
struct Outbox {
    /// Why the session closed, set once.
    closed: OnceLock<CloseReason>,
    state: Mutex<OutboxState>,
    capacity: usize,
}

#[derive(Debug, Default)]
struct OutboxState {
    items: VecDeque<Outgoing>,
    /// The draining transport, waiting for an item (or for the close).
    waiter: Option<Waker>,
}

/// The outgoing queue is at its capacity.
#[derive(Debug)]
struct QueueFull;

impl Outbox {
    /// Queues `item` and hands back the transport's waker when it waits for one (one wake-up
    /// per burst: the transport drains everything queued meanwhile); `Err` when the queue is
    /// full.
    fn push(&self, item: Outgoing) -> Result<Option<Waker>, QueueFull> {
        let mut state = lock(&self.state);
        if state.items.len() >= self.capacity {
            return Err(QueueFull);
        }
        state.items.push_back(item);
        Ok(state.waiter.take())
    }

    fn pop(&self) -> Option<Outgoing> {
        let mut state = lock(&self.state);
        let item = state.items.pop_front();
        if state.items.is_empty() && state.items.capacity() > KEPT_SLOTS {
            // Drained after a burst: give the memory back.
            state.items = VecDeque::new();
        }
        item
    }

    /// The next item, or `None` once the session is closed and nothing waits.
    fn poll_pop(&self, cx: &mut Context<'_>) -> Poll<Option<Outgoing>> {
        let mut state = lock(&self.state);
        if let Some(item) = state.items.pop_front() {
            if state.items.is_empty() && state.items.capacity() > KEPT_SLOTS {
                state.items = VecDeque::new();
            }
            return Poll::Ready(Some(item));
        }
        if self.closed.get().is_some() {
            return Poll::Ready(None);
        }
        match &mut state.waiter {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            slot => *slot = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    /// Wakes the draining transport (the session closed).
    fn wake(&self) {
        let waiter = lock(&self.state).waiter.take();
        if let Some(waiter) = waiter {
            waiter.wake();
        }
    }
}

/// The draining side of the outgoing queue, owned (through [`Session::queue`]) by whichever
/// transport request drains it.
#[derive(Debug)]
pub(crate) struct Queue {
    /// An item taken from the queue that did not fit the previous polling response.
    pub(crate) carry: Option<Outgoing>,
}

/// An Engine.IO session: its id, opening request, transport, bounded outgoing queue and
/// heartbeat. The layer above queues what it sends with [`push`](Session::push) and ends it
/// with [`close`](Session::close).
pub struct Session {
    sid: Sid,
    info: Arc<RequestInfo>,
    outbox: Outbox,
    /// Held by the transport that drains the outgoing queue.
    pub(crate) queue: tokio::sync::Mutex<Queue>,
    /// Held by the POST being processed; a second concurrent POST is an error.
    pub(crate) post: tokio::sync::Mutex<()>,
    heartbeat: Mutex<engine::Session>,
    transport: Mutex<Transport>,
    /// Set while a probed WebSocket finishes the upgrade: every polling GET is then answered
    /// with a noop at once, so that the client can pause its polling.
    polling_paused: AtomicBool,
    /// Wakes the polling GET held when polling pauses.
    pause: Notify,
    /// Wakes the heartbeat task when a pong moves its deadline.
    heartbeat_moved: Notify,
    /// Wakes everything waiting in [`Session::closed`].
    closing: Notify,
    handler: Mutex<Option<Arc<dyn SessionHandler>>>,
    /// Set once the layer above confirmed the session (the connect timeout no longer applies).
    confirmed: AtomicBool,
    registry: Weak<Registry>,
    /// Packets and bytes this session received and queued.
    pub(crate) traffic: Traffic,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("sid", &self.sid).finish()
    }
}

impl Session {
    pub(crate) fn new(
        info: RequestInfo,
        transport: Transport,
        ping_interval: Duration,
        ping_timeout: Duration,
        capacity: usize,
        registry: Weak<Registry>,
    ) -> Session {
        Session {
            sid: Sid::random(),
            info: Arc::new(info),
            outbox: Outbox {
                closed: OnceLock::new(),
                state: Mutex::new(OutboxState::default()),
                capacity: capacity.max(1),
            },
            queue: tokio::sync::Mutex::new(Queue { carry: None }),
            post: tokio::sync::Mutex::new(()),
            heartbeat: Mutex::new(engine::Session::new(
                Role::Server,
                ping_interval,
                ping_timeout,
                std::time::Instant::now(),
            )),
            transport: Mutex::new(transport),
            polling_paused: AtomicBool::new(false),
            pause: Notify::new(),
            heartbeat_moved: Notify::new(),
            closing: Notify::new(),
            handler: Mutex::new(None),
            confirmed: AtomicBool::new(false),
            registry,
            traffic: Traffic::default(),
        }
    }

    /// Installs the layer above; called once, right after creation.
    pub(crate) fn set_handler(&self, handler: Arc<dyn SessionHandler>) {
        *lock(&self.handler) = Some(handler);
    }

    /// The session id.
    pub fn sid(&self) -> &Sid {
        &self.sid
    }

    /// The request that opened the session: headers, query and remote address.
    pub fn info(&self) -> &Arc<RequestInfo> {
        &self.info
    }

    /// Confirms the session for the layer above (a Socket.IO client joined a namespace): the
    /// [connect timeout](crate::EngineConfig::connect_timeout) no longer applies.
    pub fn confirm(&self) {
        self.confirmed.store(true, Ordering::Relaxed);
    }

    /// The transport carrying the session now (a polling session probing a WebSocket is
    /// [`Transport::Upgrading`]).
    pub fn transport(&self) -> Transport {
        *lock(&self.transport)
    }

    /// Moves from `from` to `to`; false if the session was not in `from`.
    pub(crate) fn switch_transport(&self, from: Transport, to: Transport) -> bool {
        let mut current = lock(&self.transport);
        if *current != from {
            return false;
        }
        *current = to;
        if from == Transport::Upgrading {
            // The upgrade is over, done or failed: a polling GET is held again.
            self.polling_paused.store(false, Ordering::SeqCst);
        }
        if to.is_upgraded()
            && from == Transport::Upgrading
            && let Some(registry) = self.registry.upgrade()
        {
            registry.counters.upgraded();
        }
        true
    }

    /// Queues an item for the transport. A volatile item is dropped when the queue is full;
    /// any other item then closes the session as a slow consumer (`transport error`) and
    /// fails with [`Error::QueueFull`]; a closed session fails with [`Error::Closed`].
    pub fn push(&self, item: Outgoing, volatile: bool) -> Result<(), Error> {
        if let Some(waker) = self.queue_item(item, volatile)? {
            waker.wake();
        }
        Ok(())
    }

    /// Like [`Session::push`], but the transport's waker (when it waits) goes to `wakers`
    /// instead of being woken: what a fan-out uses to wake all its recipients later.
    pub fn push_quiet(
        &self,
        item: Outgoing,
        volatile: bool,
        wakers: &mut Vec<Waker>,
    ) -> Result<(), Error> {
        wakers.extend(self.queue_item(item, volatile)?);
        Ok(())
    }

    /// Queues `item` (see [`Session::push`]) and returns the transport's waker to wake.
    fn queue_item(&self, item: Outgoing, volatile: bool) -> Result<Option<Waker>, Error> {
        if self.is_closed() {
            return Err(Error::Closed);
        }
        let (packets, bytes) = item.size();
        match self.outbox.push(item) {
            Ok(waker) => {
                self.traffic.queued(packets, bytes);
                Ok(waker)
            }
            Err(QueueFull) if volatile => {
                self.traffic.dropped();
                Ok(None)
            }
            Err(QueueFull) => {
                if let Some(registry) = self.registry.upgrade() {
                    registry.counters.slow_consumer();
                }
                tracing::warn!(
                    sid = %self.sid,
                    "outgoing queue full: closing the session of a slow consumer"
                );
                self.close(CloseReason::TransportError);
                Err(Error::QueueFull)
            }
        }
    }

    /// The next queued item without waiting: the carried one first. `queue` is the guard of
    /// [`Session::queue`].
    pub(crate) fn try_next(&self, queue: &mut Queue) -> Option<Outgoing> {
        queue.carry.take().or_else(|| self.outbox.pop())
    }

    /// The next queued item, waiting for one; `None` once the session is closed and nothing
    /// more waits. Cancel-safe: an item is only taken when it is returned.
    pub(crate) async fn next_or_closed(&self, queue: &mut Queue) -> Option<Outgoing> {
        std::future::poll_fn(|cx| self.poll_next_or_closed(queue, cx)).await
    }

    /// The poll behind [`Session::next_or_closed`].
    pub(crate) fn poll_next_or_closed(
        &self,
        queue: &mut Queue,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Outgoing>> {
        if let Some(item) = queue.carry.take() {
            return Poll::Ready(Some(item));
        }
        self.outbox.poll_pop(cx)
    }

    /// True once the session closed.
    pub fn is_closed(&self) -> bool {
        self.outbox.closed.get().is_some()
    }

    /// Why the session closed; `None` while it is open.
    pub fn close_reason(&self) -> Option<CloseReason> {
        self.outbox.closed.get().copied()
    }

    /// Resolves once the session is closed, with the reason. Cancel-safe.
    pub async fn closed(&self) -> CloseReason {
        wait_for(&self.closing, || self.outbox.closed.get().copied()).await
    }

    /// Pauses polling for the rest of the upgrade (the probe was answered): the GET held now
    /// and every GET arriving until the transport switches, or the upgrade fails, is answered
    /// with a noop at once, whenever the client learns of the probe.
    pub(crate) fn pause_polling(&self) {
        self.polling_paused.store(true, Ordering::SeqCst);
        self.pause.notify_waiters();
    }

    /// Resolves once polling is paused for an upgrade (at once if it is). Cancel-safe.
    pub(crate) async fn polling_paused(&self) {
        wait_for(&self.pause, || {
            self.polling_paused.load(Ordering::SeqCst).then_some(())
        })
        .await;
    }

    /// Closes the session once: forgets it, tells the layer above, wakes the transports
    /// (which send what is still queued, then end). Later calls do nothing.
    pub fn close(&self, reason: CloseReason) {
        if self.outbox.closed.set(reason).is_err() {
            return;
        }
        if reason == CloseReason::ParseError {
            tracing::warn!(sid = %self.sid, "session closed: the peer sent a packet that does not parse");
        } else {
            tracing::debug!(sid = %self.sid, reason = reason.as_str(), "session closed");
        }
        self.closing.notify_waiters();
        self.outbox.wake();
        if let Some(registry) = self.registry.upgrade() {
            registry.remove(&self.sid);
            registry.counters.closed(reason);
            registry.counters.retired.absorb(&self.traffic);
        }
        let handler = lock(&self.handler).take();
        if let Some(handler) = handler {
            handler.on_close(reason);
        }
    }

    /// Handles one packet received on the session's transport.
    pub(crate) async fn receive(&self, packet: engine::Packet) {
        self.traffic.received(1, crate::stats::data_len(&packet));
        let now = std::time::Instant::now();
        let is_pong = matches!(packet, engine::Packet::Pong(_));
        let action = lock(&self.heartbeat).handle_packet(now, packet);
        if is_pong {
            // The next ping is now due a ping interval from here, not at the old deadline.
            self.heartbeat_moved.notify_one();
        }
        match action {
            Some(Action::Deliver(message)) => {
                let handler = lock(&self.handler).clone();
                if let Some(handler) = handler {
                    handler.on_message(message).await;
                }
            }
            Some(Action::Close(_)) => self.close(CloseReason::TransportClose),
            Some(Action::Send(packet)) => {
                let _ = self.push(Outgoing::Packet(packet), false);
            }
            None => {}
        }
    }

    /// The heartbeat (and connect timeout) of the session; ends when the session closes.
    pub(crate) async fn run_heartbeat(self: Arc<Self>, connect_timeout: Duration) {
        let connect_deadline = tokio::time::Instant::now() + connect_timeout;
        let closed = self.closed();
        tokio::pin!(closed);
        loop {
            let Some(deadline) = lock(&self.heartbeat).poll_timeout() else {
                return;
            };
            let mut wake = tokio::time::Instant::from_std(deadline);
            let confirmed = self.confirmed.load(Ordering::Relaxed);
            if !confirmed {
                wake = wake.min(connect_deadline);
            }
            tokio::select! {
                () = tokio::time::sleep_until(wake) => {}
                () = self.heartbeat_moved.notified() => continue,
                _ = &mut closed => return,
            }
            if !self.confirmed.load(Ordering::Relaxed)
                && tokio::time::Instant::now() >= connect_deadline
            {
                self.close(CloseReason::ForcedClose);
                return;
            }
            let action = lock(&self.heartbeat).handle_timeout(std::time::Instant::now());
            match action {
                Some(Action::Send(ping)) => {
                    let _ = self.push(Outgoing::Packet(ping), false);
                }
                Some(Action::Close(_)) => {
                    self.close(CloseReason::PingTimeout);
                    return;
                }
                _ => {}
            }
        }
    }
}

/// Resolves with what `check` gives once it gives something, looking again each time `notify`
/// wakes its waiters. Cancel-safe.
async fn wait_for<T>(notify: &Notify, check: impl Fn() -> Option<T>) -> T {
    loop {
        let notified = notify.notified();
        tokio::pin!(notified);
        // Registered before the check, so a change in between still wakes us.
        notified.as_mut().enable();
        if let Some(value) = check() {
            return value;
        }
        notified.await;
    }
}
