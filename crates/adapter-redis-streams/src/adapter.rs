//! [`StreamsAdapter`]: one namespace's adapter, and what it does with the other nodes'
//! messages.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use std::time::Duration;

use event_proto::{Encoded, Value};
use tokio::sync::oneshot;
use tracing::debug;
use wsio_adapter_redis::convert::{encode_for_clients, local_options, wire_options};
use wsio_adapter_redis::wire::msgpack;
use wsio_server::adapter::{
    AckReceiver, Recipient, RemoteSocket, RestoredSession, SessionState, addressed_to,
    decode_event, encode_event, with_offset,
};
use wsio_server::engine::Sid;
use wsio_server::{Adapter, BoxFuture, BroadcastOptions, LocalAdapter, RecoveryConfig, Room};

use crate::cluster::Core;
use crate::error::Error;
use crate::io::{Shared, Then, Write, parse_entries};
use crate::wire::{self, Body, ClusterMessage, WireOptions};
/// Most XRANGE pages read when restoring a session (the reference's bound).
const MAX_RESTORE_PAGES: usize = 100;

type AdapterResult<T> = std::result::Result<T, wsio_server::AdapterError>;

/// The Redis Streams adapter of one namespace: local delivery through the wrapped
/// [`LocalAdapter`], the stream and pub/sub with the other nodes, sessions in Redis.
///
/// Made by [`StreamsCluster::factory`](crate::StreamsCluster::factory) for each namespace.
#[derive(Debug)]
pub struct StreamsAdapter {
    ns: Arc<NsState>,
}

/// A namespace's state, shared with the tasks that feed it messages.
#[derive(Debug)]
pub(crate) struct NsState {
    core: Arc<Core>,
    stream: String,
    shared: Arc<Shared>,
    recovery: Option<RecoveryConfig>,
}

impl StreamsAdapter {
    pub(crate) fn new(
        name: &str,
        local: LocalAdapter,
        recovery: Option<RecoveryConfig>,
        shared: Arc<Shared>,
    ) -> StreamsAdapter {
        let config = &shared.config;
        let stream = wire::stream_name(&config.stream_name, config.stream_count, name);
        let ns = Arc::new(NsState {
            core: Arc::new(Core::new(name, local, shared.clone())),
            stream: stream.clone(),
            shared: shared.clone(),
            recovery,
        });
        shared.register(name, &ns, &stream);
        StreamsAdapter { ns }
    }

    /// The node id this server uses on the wire.
    pub fn uid(&self) -> &str {
        &self.ns.shared.uid
    }

    /// The stream this namespace's entries go to.
    pub fn stream(&self) -> &str {
        &self.ns.stream
    }
}

impl NsState {
    fn config(&self) -> &crate::StreamsAdapterConfig {
        &self.shared.config
    }

    /// Delivers `packet` to this server's addressed sockets, carrying `offset` when
    /// recovery is on, the packet is not volatile and the entry was written.
    pub(crate) fn deliver(&self, packet: Encoded, opts: &BroadcastOptions, offset: Option<&str>) {
        let packet = match offset {
            Some(offset) if self.recovery.is_some() && !opts.flags.volatile => {
                with_offset(&packet, offset)
            }
            _ => packet,
        };
        self.core.local.deliver(packet, opts);
    }

    /// Queues `body` as a stream entry followed by `then`.
    fn append(&self, body: Body, then: Then) {
        let fields = self
            .core
            .message(body)
            .to_entry(self.config().only_plaintext);
        self.shared.write(Write::Entry {
            stream: self.stream.clone(),
            fields,
            then,
        });
    }

    /// Appends `body` and waits until it is written (or failed to be).
    async fn append_and_wait(&self, body: Body) {
        let (tx, rx) = oneshot::channel();
        self.append(body, Then::Notify(tx));
        let _ = rx.await;
    }

    /// Appends the body `make` builds from the wire form of `opts` and waits until it is
    /// written, unless `opts` says this server only.
    async fn announce(&self, opts: &BroadcastOptions, make: impl FnOnce(WireOptions) -> Body) {
        if !opts.flags.local {
            self.append_and_wait(make(wire_options(opts))).await;
        }
    }

    /// A message from the stream (`offset` is its entry id) or from pub/sub.
    pub(crate) async fn on_message(&self, message: ClusterMessage, offset: Option<&str>) {
        if !self.core.is_foreign(&message) {
            return;
        }
        match message.body {
            Body::Broadcast {
                packet,
                opts,
                request_id: None,
            } => {
                match encode_for_clients(self.core.local.parser(), &self.core.name, packet, None) {
                    Ok(encoded) => self.deliver(encoded, &local_options(&opts), offset),
                    Err(e) => debug!(error = %e, "remote broadcast not deliverable"),
                }
            }
            body => self.core.handle(message.uid, body).await,
        }
    }

    /// An answer to one of this node's requests.
    pub(crate) fn on_response(&self, body: Body) {
        self.core.on_response(body);
    }

    async fn broadcast(
        self: &Arc<Self>,
        packet: Encoded,
        opts: BroadcastOptions,
    ) -> AdapterResult<()> {
        if opts.flags.local {
            self.core.local.deliver(packet, &opts);
            return Ok(());
        }
        let data = decode_event(&packet)?;
        let body = Body::Broadcast {
            packet: data,
            opts: wire_options(&opts),
            request_id: None,
        };
        let (done, rx) = oneshot::channel();
        self.append(
            body,
            Then::Deliver {
                ns: self.clone(),
                packet,
                opts,
                done: Some(done),
            },
        );
        let _ = rx.await;
        Ok(())
    }

    fn emit_direct(
        self: &Arc<Self>,
        socket: &dyn Recipient,
        packet: Encoded,
    ) -> Result<(), wsio_server::EmitError> {
        if self.recovery.is_none() {
            return self.core.local.emit_direct(socket, packet);
        }
        let opts = BroadcastOptions {
            rooms: vec![socket.id().to_string()],
            ..BroadcastOptions::default()
        };
        let body = Body::Broadcast {
            packet: decode_event(&packet).map_err(wsio_server::AdapterError::from)?,
            opts: wire_options(&opts),
            request_id: None,
        };
        self.append(
            body,
            Then::Deliver {
                ns: self.clone(),
                packet,
                opts,
                done: None,
            },
        );
        Ok(())
    }

    fn session_key(&self, pid: &str) -> String {
        format!("{}{pid}", self.config().session_key_prefix)
    }

    async fn persist_session(&self, session: SessionState) -> Result<(), Error> {
        let Some(recovery) = self.recovery else {
            return Ok(());
        };
        let value = Value::Object(vec![
            ("sid".to_owned(), Value::from(session.sid.as_str())),
            ("pid".to_owned(), Value::from(session.pid.as_str())),
            (
                "rooms".to_owned(),
                Value::Array(
                    session
                        .rooms
                        .iter()
                        .map(|r| Value::from(r.as_str()))
                        .collect(),
                ),
            ),
            ("data".to_owned(), session.data),
        ]);
        let encoded = BASE64.encode(msgpack::to_vec(&value));
        let ms = u64::try_from(recovery.max_disconnection_duration.as_millis()).unwrap_or(u64::MAX);
        let mut conn = self.shared.conn();
        redis::cmd("SET")
            .arg(self.session_key(&session.pid))
            .arg(encoded)
            .arg("PX")
            .arg(ms.max(1))
            .query_async::<()>(&mut conn)
            .await?;
        Ok(())
    }

    /// The session `pid` and the entries it missed after `offset`; `None` when either is
    /// gone. The session key is deleted either way, as the reference does.
    async fn restore_session(
        &self,
        pid: &str,
        offset: &str,
    ) -> Result<Option<RestoredSession>, Error> {
        if self.recovery.is_none() {
            return Ok(None);
        }
        let Some(start) = wire::parse_entry_id(offset) else {
            return Ok(None);
        };
        let mut conn = self.shared.conn();
        let key = self.session_key(pid);
        let (stored, _deleted): (Option<Vec<u8>>, i64) = redis::pipe()
            .atomic()
            .cmd("GET")
            .arg(&key)
            .cmd("DEL")
            .arg(&key)
            .query_async(&mut conn)
            .await?;
        let Some(stored) = stored else {
            return Ok(None);
        };
        let still_there = redis::cmd("XRANGE")
            .arg(&self.stream)
            .arg(offset)
            .arg(offset)
            .query_async::<redis::Value>(&mut conn)
            .await?;
        if parse_entries(&still_there).is_empty() {
            return Ok(None);
        }
        let Some(state) = decode_session(&stored) else {
            return Ok(None);
        };
        let mut missed = Vec::new();
        let mut next = wire::next_entry_id(start);
        let count = self.config().read_count.max(1);
        for _ in 0..MAX_RESTORE_PAGES {
            let page = redis::cmd("XRANGE")
                .arg(&self.stream)
                .arg(&next)
                .arg("+")
                .arg("COUNT")
                .arg(count)
                .query_async::<redis::Value>(&mut conn)
                .await?;
            let entries = parse_entries(&page);
            let Some((last, _)) = entries.last() else {
                break;
            };
            let Some(last) = wire::parse_entry_id(last) else {
                break;
            };
            next = wire::next_entry_id(last);
            let full = entries.len() >= count;
            for (id, fields) in entries {
                if let Some(packet) = self.missed_packet(&state.rooms, &id, &fields) {
                    missed.push(packet);
                }
            }
            if !full {
                break;
            }
        }
        Ok(Some(RestoredSession { state, missed }))
    }

    /// Entry `id` as the session with `rooms` would have received it, if it was addressed
    /// to it: a plain broadcast of this namespace, its id appended as offset.
    fn missed_packet(
        &self,
        rooms: &[Room],
        id: &str,
        fields: &[(Vec<u8>, Vec<u8>)],
    ) -> Option<Encoded> {
        let field = |name: &[u8]| {
            fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_slice())
        };
        if field(b"nsp")? != self.core.name.as_bytes() || field(b"type")? != b"3" {
            return None;
        }
        let message = ClusterMessage::from_entry(fields, self.config().max_message_bytes).ok()?;
        let Body::Broadcast {
            mut packet,
            opts,
            request_id: None,
        } = message.body
        else {
            return None;
        };
        if !addressed_to(rooms, &local_options(&opts)) {
            return None;
        }
        packet.push(Value::from(id));
        encode_event(self.core.local.parser(), &self.core.name, packet).ok()
    }
}

/// `base64(msgpack({sid, pid, rooms, data}))` back into a session.
fn decode_session(stored: &[u8]) -> Option<SessionState> {
    let raw = BASE64.decode(stored).ok()?;
    let value = msgpack::decode(&Bytes::from(raw)).ok()?;
    let text = |name: &str| value.get(name).and_then(Value::as_str).map(str::to_owned);
    let rooms = match value.get("rooms") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    Some(SessionState {
        sid: Sid::from(text("sid")?.as_str()),
        pid: text("pid")?,
        rooms,
        data: value.get("data").cloned().unwrap_or_default(),
    })
}

impl Adapter for StreamsAdapter {
    fn add_all(&self, sid: Sid, rooms: Vec<Room>) -> BoxFuture<'_, AdapterResult<()>> {
        self.ns.core.local.add_all(sid, rooms)
    }

    fn del(&self, sid: Sid, rooms: Vec<Room>) -> BoxFuture<'_, AdapterResult<()>> {
        self.ns.core.local.del(sid, rooms)
    }

    fn del_all(&self, sid: Sid) -> BoxFuture<'_, AdapterResult<()>> {
        self.ns.core.local.del_all(sid)
    }

    fn socket_rooms(&self, sid: Sid) -> BoxFuture<'_, AdapterResult<Vec<Room>>> {
        self.ns.core.local.socket_rooms(sid)
    }

    fn broadcast(
        &self,
        packet: Encoded,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, AdapterResult<()>> {
        Box::pin(self.ns.broadcast(packet, opts))
    }

    fn broadcast_with_ack(
        &self,
        packet: Encoded,
        ack_id: u64,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, AdapterResult<Vec<AckReceiver>>> {
        Box::pin(self.ns.core.broadcast_with_ack(packet, ack_id, opts))
    }

    fn fetch_sockets(
        &self,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, AdapterResult<Vec<RemoteSocket>>> {
        Box::pin(self.ns.core.fetch_sockets(opts))
    }

    fn add_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<'_, AdapterResult<()>> {
        Box::pin(async move {
            self.ns
                .announce(&opts, |opts| Body::SocketsJoin {
                    opts,
                    rooms: rooms.clone(),
                })
                .await;
            self.ns.core.local.add_sockets(opts, rooms).await
        })
    }

    fn del_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<'_, AdapterResult<()>> {
        Box::pin(async move {
            self.ns
                .announce(&opts, |opts| Body::SocketsLeave {
                    opts,
                    rooms: rooms.clone(),
                })
                .await;
            self.ns.core.local.del_sockets(opts, rooms).await
        })
    }

    fn disconnect_sockets(
        &self,
        opts: BroadcastOptions,
        close: bool,
    ) -> BoxFuture<'_, AdapterResult<()>> {
        Box::pin(async move {
            self.ns
                .announce(&opts, |opts| Body::DisconnectSockets { opts, close })
                .await;
            self.ns.core.local.disconnect_sockets(opts, close).await
        })
    }

    fn emit_direct(
        &self,
        socket: &dyn Recipient,
        packet: Encoded,
    ) -> Result<(), wsio_server::EmitError> {
        self.ns.emit_direct(socket, packet)
    }

    fn local_room_count(&self) -> Option<usize> {
        self.ns.core.local.local_room_count()
    }

    fn reconnects(&self) -> Option<u64> {
        Some(self.ns.shared.status.reconnects())
    }

    fn request_timeouts(&self) -> Option<u64> {
        Some(self.ns.core.request_timeouts())
    }

    fn all_rooms(&self) -> BoxFuture<'_, AdapterResult<Vec<Room>>> {
        // The ClusterAdapter model has no rooms request: this server's rooms, as Node's.
        self.ns.core.local.all_rooms()
    }

    fn server_count(&self) -> BoxFuture<'_, AdapterResult<usize>> {
        Box::pin(async move { Ok(self.ns.core.other_nodes().await + 1) })
    }

    fn server_side_emit(&self, data: Vec<Value>) -> BoxFuture<'_, AdapterResult<()>> {
        self.ns.core.server_side_emit(data);
        Box::pin(async { Ok(()) })
    }

    fn server_side_emit_with_ack(
        &self,
        data: Vec<Value>,
        timeout: Duration,
    ) -> BoxFuture<'_, Result<Vec<Value>, wsio_server::AckError>> {
        Box::pin(self.ns.core.server_side_emit_with_ack(data, timeout))
    }

    fn persist_session(&self, session: SessionState) -> BoxFuture<'_, AdapterResult<()>> {
        Box::pin(async move { Ok(self.ns.persist_session(session).await?) })
    }

    fn restore_session(
        &self,
        pid: String,
        offset: String,
    ) -> BoxFuture<'_, AdapterResult<Option<RestoredSession>>> {
        Box::pin(async move { Ok(self.ns.restore_session(&pid, &offset).await?) })
    }
}
