//! [`Observer`]: an adapter decorator that reports room joins and leaves, new sockets and
//! the events sent to local sockets to the admin namespace, in every namespace of a server.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use event_proto::{Encoded, Value};
use tokio::sync::mpsc;
use wsio_server::adapter::{
    AckReceiver, AttachSession, Recipient, RestoredSession, SessionState, decode_event,
};
use wsio_server::engine::Sid;
use wsio_server::{
    Adapter, AdapterContext, AdapterFactory, BoxFuture, BroadcastOptions, Config, RemoteSocket,
    Room,
};

/// What the [`Adapter`] methods return; the forwarding below names no error type itself.
type AdapterResult<T> = Result<T, wsio_server::AdapterError>;
/// What [`Adapter::emit_direct`] returns.
type EmitResult = Result<(), wsio_server::EmitError>;

/// What the observed adapters tell the instrumentation, in the order it happened.
#[derive(Debug)]
pub(crate) enum Report {
    /// Socket `sid` of `ns` joined `rooms` (only those it was not in); `connected` when one
    /// of them is its own id room: the socket has just joined the namespace.
    Joined {
        ns: Arc<str>,
        sid: Sid,
        rooms: Vec<Room>,
        connected: bool,
        at: SystemTime,
    },
    /// Socket `sid` of `ns` left `rooms` (only those it was in).
    Left {
        ns: Arc<str>,
        sid: Sid,
        rooms: Vec<Room>,
        at: SystemTime,
    },
    /// Socket `sid` of `ns` was sent `data` (`[event, ...args]`): a direct emit, with or
    /// without an acknowledgement, or a broadcast from this server that reached it.
    Sent {
        ns: Arc<str>,
        sid: Sid,
        data: Vec<Value>,
        at: SystemTime,
    },
    /// Socket `sid` of `ns` sent `data` (`[event, ...args]`) to the server.
    Received {
        ns: Arc<str>,
        sid: Sid,
        data: Vec<Value>,
        at: SystemTime,
    },
    /// Socket `sid` of `ns` left the namespace for `reason`.
    Disconnected {
        ns: Arc<str>,
        sid: Sid,
        reason: &'static str,
        at: SystemTime,
    },
}

/// Where the observed adapters send their reports once a server is instrumented.
#[derive(Debug)]
pub(crate) struct Sink {
    pub(crate) tx: mpsc::Sender<Report>,
    /// The admin namespace: its sockets' emits are not reported.
    pub(crate) admin_ns: String,
}

impl Sink {
    /// Queues `report`; drops it (with a debug log) when the instrumentation lags behind.
    pub(crate) fn send(&self, report: Report) {
        if let Err(e) = self.tx.try_send(report) {
            tracing::debug!(error = %e, "admin UI report dropped");
        }
    }

    /// Reports `packet` as sent to each socket of `sids` of namespace `ns`, as long as the
    /// queue has room: a broadcast to more sockets than that is reported in part.
    fn sent(&self, ns: &Arc<str>, sids: impl IntoIterator<Item = Sid>, packet: &Encoded) {
        let Ok(data) = decode_event(packet) else {
            return;
        };
        let at = SystemTime::now();
        for sid in sids {
            if self.is_full() {
                tracing::debug!("admin UI reports of events sent dropped");
                return;
            }
            self.send(Report::Sent {
                ns: ns.clone(),
                sid,
                data: data.clone(),
                at,
            });
        }
    }

    /// True when the queue has no room left: what is reported now is dropped.
    pub(crate) fn is_full(&self) -> bool {
        self.tx.capacity() == 0
    }
}

#[derive(Debug, Default)]
struct Shared {
    sink: OnceLock<Sink>,
    /// Names of the namespaces whose adapter this observer made.
    equipped: Mutex<Vec<String>>,
}

/// Watches every namespace of a server through its adapters, for
/// [`instrument`](crate::instrument): which sockets join and leave which rooms (a socket
/// joins the room named after its id when it connects, and leaves every room when it
/// disconnects), and, in [`Mode::Development`](crate::Mode::Development), what the server
/// emits to each socket.
///
/// It works by wrapping the server's [`AdapterFactory`]: install it into the
/// [`Config`] *before* [`Server::new`](wsio_server::Server::new), then hand it to
/// [`AdminUiOptions::observer`](crate::AdminUiOptions::observer). Every adapter it makes
/// forwards each call to the adapter the configuration had (the in-memory one by default,
/// or a cluster adapter such as Redis), so rooms, broadcasts and cluster operations behave
/// exactly as without it. Until a server is instrumented it reports nothing and costs one
/// atomic load per room operation.
///
/// ```
/// use wsio_admin_ui::Observer;
/// use wsio_server::{Config, Server};
///
/// let observer = Observer::new();
/// let mut config = Config::default();
/// observer.install(&mut config);
/// let io = Server::new(config);
/// # drop(io);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Observer(Arc<Shared>);

impl Observer {
    /// An observer not yet installed.
    pub fn new() -> Observer {
        Observer::default()
    }

    /// Wraps `config`'s adapter factory (or the default in-memory adapter when it has none)
    /// so that every namespace's adapter reports to this observer.
    pub fn install(&self, config: &mut Config) {
        config.adapter = Some(self.wrap(config.adapter.take()));
    }

    /// An adapter factory making `inner`'s adapters (the in-memory
    /// [`LocalAdapter`](wsio_server::LocalAdapter) when `None`), each wrapped in a
    /// forwarding adapter that reports to this observer.
    pub fn wrap(&self, inner: Option<AdapterFactory>) -> AdapterFactory {
        let shared = self.0.clone();
        Arc::new(move |ctx: &AdapterContext| -> Arc<dyn Adapter> {
            let adapter: Arc<dyn Adapter> = match &inner {
                Some(factory) => factory(ctx),
                None => Arc::new(ctx.local_adapter()),
            };
            if let Ok(mut equipped) = shared.equipped.lock() {
                equipped.push(ctx.name().to_owned());
            }
            Arc::new(Observed {
                inner: adapter,
                ns: Arc::from(ctx.name()),
                shared: shared.clone(),
            })
        })
    }

    /// True when this observer made the adapter of namespace `name`.
    pub(crate) fn equipped(&self, name: &str) -> bool {
        self.0
            .equipped
            .lock()
            .is_ok_and(|names| names.iter().any(|n| n == name))
    }

    /// Starts reporting into `sink`; `false` when this observer already reports elsewhere.
    pub(crate) fn attach(&self, sink: Sink) -> bool {
        self.0.sink.set(sink).is_ok()
    }
}

/// The adapter of one namespace: forwards every call to `inner` and reports what changed.
struct Observed {
    inner: Arc<dyn Adapter>,
    ns: Arc<str>,
    shared: Arc<Shared>,
}

impl Observed {
    fn sink(&self) -> Option<&Sink> {
        self.shared.sink.get()
    }
}

impl Adapter for Observed {
    fn add_all(&self, sid: Sid, rooms: Vec<Room>) -> BoxFuture<'_, AdapterResult<()>> {
        let Some(sink) = self.sink() else {
            return self.inner.add_all(sid, rooms);
        };
        Box::pin(async move {
            let before = self.rooms_of(&sid).await;
            let added = new_rooms(&before, &rooms);
            self.inner.add_all(sid.clone(), rooms).await?;
            self.report_joined(sink, sid, added);
            Ok(())
        })
    }

    fn del(&self, sid: Sid, rooms: Vec<Room>) -> BoxFuture<'_, AdapterResult<()>> {
        let Some(sink) = self.sink() else {
            return self.inner.del(sid, rooms);
        };
        Box::pin(async move {
            let before = self.rooms_of(&sid).await;
            let removed = held_rooms(&before, &rooms);
            self.inner.del(sid.clone(), rooms).await?;
            self.report_left(sink, sid, removed);
            Ok(())
        })
    }

    fn del_all(&self, sid: Sid) -> BoxFuture<'_, AdapterResult<()>> {
        let Some(sink) = self.sink() else {
            return self.inner.del_all(sid);
        };
        Box::pin(async move {
            let before = self.rooms_of(&sid).await;
            self.inner.del_all(sid.clone()).await?;
            self.report_left(sink, sid, before);
            Ok(())
        })
    }

    fn socket_rooms(&self, sid: Sid) -> BoxFuture<'_, AdapterResult<Vec<Room>>> {
        self.inner.socket_rooms(sid)
    }

    fn broadcast(
        &self,
        packet: Encoded,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, AdapterResult<()>> {
        let Some(sink) = self.sent_sink() else {
            return self.inner.broadcast(packet, opts);
        };
        Box::pin(async move {
            let recipients = self.recipients(sink, &opts).await;
            self.inner.broadcast(packet.clone(), opts).await?;
            self.report_sent(sink, recipients, &packet);
            Ok(())
        })
    }

    fn broadcast_with_ack(
        &self,
        packet: Encoded,
        ack_id: u64,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, AdapterResult<Vec<AckReceiver>>> {
        let Some(sink) = self.sent_sink() else {
            return self.inner.broadcast_with_ack(packet, ack_id, opts);
        };
        Box::pin(async move {
            let recipients = self.recipients(sink, &opts).await;
            let receivers = self
                .inner
                .broadcast_with_ack(packet.clone(), ack_id, opts)
                .await?;
            self.report_sent(sink, recipients, &packet);
            Ok(receivers)
        })
    }

    fn fetch_sockets(
        &self,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, AdapterResult<Vec<RemoteSocket>>> {
        self.inner.fetch_sockets(opts)
    }

    fn add_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<'_, AdapterResult<()>> {
        let Some(sink) = self.sink() else {
            return self.inner.add_sockets(opts, rooms);
        };
        Box::pin(async move {
            let before = self.local_sockets(&opts).await;
            self.inner.add_sockets(opts, rooms.clone()).await?;
            for socket in before {
                let added = new_rooms(&socket.rooms, &rooms);
                self.report_joined(sink, socket.id, added);
            }
            Ok(())
        })
    }

    fn del_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<'_, AdapterResult<()>> {
        let Some(sink) = self.sink() else {
            return self.inner.del_sockets(opts, rooms);
        };
        Box::pin(async move {
            let before = self.local_sockets(&opts).await;
            self.inner.del_sockets(opts, rooms.clone()).await?;
            for socket in before {
                let removed = held_rooms(&socket.rooms, &rooms);
                self.report_left(sink, socket.id, removed);
            }
            Ok(())
        })
    }

    fn disconnect_sockets(
        &self,
        opts: BroadcastOptions,
        close: bool,
    ) -> BoxFuture<'_, AdapterResult<()>> {
        self.inner.disconnect_sockets(opts, close)
    }

    fn emit_direct(&self, socket: &dyn Recipient, packet: Encoded) -> EmitResult {
        if let Some(sink) = self.sent_sink() {
            self.report_sent(sink, [socket.id().clone()], &packet);
        }
        self.inner.emit_direct(socket, packet)
    }

    fn emit_direct_with_ack(&self, socket: &dyn Recipient, packet: Encoded) -> EmitResult {
        if let Some(sink) = self.sent_sink() {
            self.report_sent(sink, [socket.id().clone()], &packet);
        }
        self.inner.emit_direct_with_ack(socket, packet)
    }

    fn local_room_count(&self) -> Option<usize> {
        self.inner.local_room_count()
    }

    fn reconnects(&self) -> Option<u64> {
        self.inner.reconnects()
    }

    fn request_timeouts(&self) -> Option<u64> {
        self.inner.request_timeouts()
    }

    fn all_rooms(&self) -> BoxFuture<'_, AdapterResult<Vec<Room>>> {
        self.inner.all_rooms()
    }

    fn server_count(&self) -> BoxFuture<'_, AdapterResult<usize>> {
        self.inner.server_count()
    }

    fn server_side_emit(&self, data: Vec<Value>) -> BoxFuture<'_, AdapterResult<()>> {
        self.inner.server_side_emit(data)
    }

    fn server_side_emit_with_ack(
        &self,
        data: Vec<Value>,
        timeout: Duration,
    ) -> BoxFuture<'_, Result<Vec<Value>, wsio_server::AckError>> {
        self.inner.server_side_emit_with_ack(data, timeout)
    }

    fn persist_session(&self, session: SessionState) -> BoxFuture<'_, AdapterResult<()>> {
        self.inner.persist_session(session)
    }

    fn restore_session_with(
        &self,
        pid: String,
        offset: String,
        attach: AttachSession,
    ) -> BoxFuture<'_, AdapterResult<bool>> {
        let Some(sink) = self.sink() else {
            return self.inner.restore_session_with(pid, offset, attach);
        };
        // A recovered socket is back in its rooms without a join: report them as joined.
        let tx = sink.tx.clone();
        let ns = self.ns.clone();
        let attach: AttachSession = Box::new(move |session: RestoredSession| {
            let sid = session.state.sid.clone();
            let rooms = session.state.rooms_to_rejoin();
            attach(session);
            let report = Report::Joined {
                ns,
                sid,
                rooms,
                connected: true,
                at: SystemTime::now(),
            };
            if let Err(e) = tx.try_send(report) {
                tracing::debug!(error = %e, "admin UI report dropped");
            }
        });
        self.inner.restore_session_with(pid, offset, attach)
    }

    fn restore_session(
        &self,
        pid: String,
        offset: String,
    ) -> BoxFuture<'_, AdapterResult<Option<RestoredSession>>> {
        self.inner.restore_session(pid, offset)
    }
}

impl Observed {
    /// The rooms socket `sid` is in; none when the adapter cannot tell (watching never fails
    /// the operation it watches).
    async fn rooms_of(&self, sid: &Sid) -> Vec<Room> {
        self.inner
            .socket_rooms(sid.clone())
            .await
            .unwrap_or_default()
    }

    /// The sockets of this server that `opts` addresses, with their rooms.
    async fn local_sockets(&self, opts: &BroadcastOptions) -> Vec<RemoteSocket> {
        let mut local = opts.clone();
        local.flags.local = true;
        self.inner.fetch_sockets(local).await.unwrap_or_default()
    }

    /// The sink when the events sent to this namespace's sockets are reported: once
    /// instrumented, in every namespace but the admin one.
    fn sent_sink(&self) -> Option<&Sink> {
        self.sink().filter(|sink| *self.ns != *sink.admin_ns)
    }

    /// The ids of the sockets of this server that a broadcast with `opts` reaches; none when
    /// the report queue is full already (they would not be reported).
    async fn recipients(&self, sink: &Sink, opts: &BroadcastOptions) -> Vec<Sid> {
        if sink.is_full() {
            return Vec::new();
        }
        let sockets = self.local_sockets(opts).await;
        sockets.into_iter().map(|socket| socket.id).collect()
    }

    fn report_sent(&self, sink: &Sink, sids: impl IntoIterator<Item = Sid>, packet: &Encoded) {
        sink.sent(&self.ns, sids, packet);
    }

    fn report_joined(&self, sink: &Sink, sid: Sid, rooms: Vec<Room>) {
        if !rooms.is_empty() {
            let connected = rooms.iter().any(|room| room == sid.as_str());
            sink.send(Report::Joined {
                ns: self.ns.clone(),
                sid,
                rooms,
                connected,
                at: SystemTime::now(),
            });
        }
    }

    fn report_left(&self, sink: &Sink, sid: Sid, rooms: Vec<Room>) {
        if !rooms.is_empty() {
            sink.send(Report::Left {
                ns: self.ns.clone(),
                sid,
                rooms,
                at: SystemTime::now(),
            });
        }
    }
}

/// The rooms of `rooms` not in `before`, each once: what a join adds.
fn new_rooms(before: &[Room], rooms: &[Room]) -> Vec<Room> {
    rooms_where(before, rooms, false)
}

/// The rooms of `rooms` in `before`, each once: what a leave removes.
fn held_rooms(before: &[Room], rooms: &[Room]) -> Vec<Room> {
    rooms_where(before, rooms, true)
}

/// The rooms of `rooms` whose membership in `before` is `member`, each once.
fn rooms_where(before: &[Room], rooms: &[Room], member: bool) -> Vec<Room> {
    let mut picked: Vec<Room> = Vec::with_capacity(rooms.len());
    for room in rooms {
        if before.contains(room) == member && !picked.contains(room) {
            picked.push(room.clone());
        }
    }
    picked
}

#[cfg(test)]
mod tests {
    use super::*;
    use event_proto::Parser as _;

    fn rooms(names: &[&str]) -> Vec<Room> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn events_sent_are_reported_per_recipient_while_the_queue_has_room() {
        let (tx, mut rx) = mpsc::channel(3);
        let sink = Sink {
            tx,
            admin_ns: "/admin".to_owned(),
        };
        let packet = event_proto::JsonParser
            .encode_event(&event_proto::Str::from("/"), "news", &("hi",), Some(7))
            .expect("encoded");
        let sids: Vec<Sid> = ["a", "b", "c", "d", "e"].map(Sid::from).into();
        sink.sent(&Arc::from("/"), sids, &packet);
        assert!(sink.is_full());
        let mut reported = Vec::new();
        while let Ok(report) = rx.try_recv() {
            let Report::Sent { ns, sid, data, .. } = report else {
                panic!("not a Sent report: {report:?}");
            };
            assert_eq!(&*ns, "/");
            assert_eq!(data, [Value::from("news"), Value::from("hi")]);
            reported.push(sid.as_str().to_owned());
        }
        assert_eq!(reported, ["a", "b", "c"]);
    }

    #[test]
    fn joins_report_new_rooms_and_leaves_held_ones_each_once() {
        let before = rooms(&["me", "red"]);
        let asked = rooms(&["red", "blue", "blue", "green"]);
        assert_eq!(new_rooms(&before, &asked), rooms(&["blue", "green"]));
        assert_eq!(held_rooms(&before, &asked), rooms(&["red"]));
        assert!(new_rooms(&before, &rooms(&["me"])).is_empty());
    }
}
