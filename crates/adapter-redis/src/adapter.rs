//! [`RedisAdapter`]: one namespace's adapter, and what it does with the messages of the other
//! nodes.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use event_proto::{Encoded, Value};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tracing::{debug, warn};
use wsio_server::adapter::{AckReceiver, Recipient, RemoteSocket, ServerSideAck, decode_event};
use wsio_server::engine::Sid;
use wsio_server::{AckError, Adapter, BoxFuture, BroadcastOptions, EmitError, LocalAdapter, Room};

use crate::convert::{encode_for_clients, local_options, wire_options};
use crate::error::Error;
use crate::io::Shared;
use crate::pending::PendingRequests;
use crate::wire::{
    self, Broadcast, Request, RequestKind, Response, WireOptions, WirePacket, WireSocket, channel,
};

/// How long a broadcast with acks waits when its flags give no timeout.
const DEFAULT_ACK_TIMEOUT: Duration = Duration::from_secs(5);

type AdapterResult<T> = std::result::Result<T, wsio_server::AdapterError>;

/// The Redis adapter of one namespace: local delivery through the wrapped [`LocalAdapter`],
/// and the classic `@socket.io/redis-adapter` protocol with the other nodes.
///
/// Made by [`RedisCluster::factory`](crate::RedisCluster::factory) for each namespace.
#[derive(Debug)]
pub struct RedisAdapter {
    ns: Arc<NsState>,
}

/// A namespace's state, shared with the subscriber task that feeds it messages.
#[derive(Debug)]
pub(crate) struct NsState {
    name: String,
    local: LocalAdapter,
    shared: Arc<Shared>,
    /// Requests of this node waiting for answers, by request id.
    pending: PendingRequests<Response>,
    /// Requests of this node that ran out of time before every answer came.
    request_timeouts: AtomicU64,
}

impl RedisAdapter {
    pub(crate) fn new(name: &str, local: LocalAdapter, shared: Arc<Shared>) -> RedisAdapter {
        let ns = Arc::new(NsState {
            name: name.to_owned(),
            local,
            shared: shared.clone(),
            pending: PendingRequests::default(),
            request_timeouts: AtomicU64::new(0),
        });
        shared.register(name, &ns);
        RedisAdapter { ns }
    }

    /// The node id this server uses on the wire.
    pub fn uid(&self) -> &str {
        &self.ns.shared.uid
    }
}

impl NsState {
    fn config(&self) -> &crate::RedisAdapterConfig {
        &self.shared.config
    }

    fn request_channel(&self) -> String {
        channel::request(&self.config().key, &self.name)
    }

    fn publish_request(&self, request: &Request) {
        let channel = self.request_channel();
        let nodes = Some(channel.clone());
        self.shared.publish(channel, request.encode(), nodes);
    }

    /// Answers go to the shared response channel, or the asker's own one when configured so.
    fn publish_response(&self, asker: Option<&str>, response: &Response) {
        let key = &self.config().key;
        let (channel, nodes) = match asker {
            Some(uid) if self.config().publish_on_specific_response_channel => {
                (channel::specific_response(key, &self.name, uid), None)
            }
            _ => (
                channel::response(key, &self.name),
                Some(self.request_channel()),
            ),
        };
        self.shared.publish(channel, response.encode(), nodes);
    }

    /// Publishes the request `kind` builds from the wire form of `opts`, unless `opts` says
    /// this server only.
    fn announce(&self, opts: &BroadcastOptions, kind: impl FnOnce(WireOptions) -> RequestKind) {
        if !opts.flags.local {
            self.publish_request(&self.request(kind(wire_options(opts)), None));
        }
    }

    fn request(&self, kind: RequestKind, request_id: Option<String>) -> Request {
        Request {
            uid: Some(self.shared.uid.clone()),
            request_id,
            kind,
        }
    }

    /// How many other nodes serve this namespace; 0 (with a warning) while Redis is away.
    async fn other_nodes(&self) -> usize {
        match tokio::time::timeout(
            self.config().command_timeout,
            self.shared.node_count(&self.name),
        )
        .await
        {
            Ok(Ok(count)) => count.saturating_sub(1),
            Ok(Err(e)) => {
                warn!(error = %e, nsp = %self.name, "redis unavailable: answering for this server only");
                0
            }
            Err(_) => {
                warn!(nsp = %self.name, "redis NUMSUB timed out: answering for this server only");
                0
            }
        }
    }

    /// Registers a request id whose answers arrive on the returned receiver.
    fn expect(&self) -> (String, mpsc::UnboundedReceiver<Response>) {
        let id = crate::random_id();
        let rx = self.pending.expect(id.clone());
        (id, rx)
    }

    fn forget(&self, id: &str) {
        self.pending.forget(id);
    }

    /// Counts a request that ran out of time before every answer came.
    fn timed_out(&self) {
        self.request_timeouts.fetch_add(1, Ordering::Relaxed);
    }

    /// Publishes `kind` as a request and collects `expected` answers within the requests
    /// timeout.
    async fn ask(&self, kind: RequestKind, expected: usize) -> Result<Vec<Response>, Error> {
        let (id, mut rx) = self.expect();
        self.publish_request(&self.request(kind, Some(id.clone())));
        let deadline = Instant::now() + self.config().requests_timeout;
        let mut answers = Vec::with_capacity(expected);
        while answers.len() < expected {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(answer)) => answers.push(answer),
                _ => break,
            }
        }
        self.forget(&id);
        if answers.len() < expected {
            self.timed_out();
            return Err(Error::Timeout {
                received: answers.len(),
                expected,
            });
        }
        Ok(answers)
    }

    /// A broadcast from another node (or an emitter), received on `channel`.
    pub(crate) async fn on_broadcast(&self, channel_name: &str, payload: Bytes) {
        let key = &self.config().key;
        // A one-room channel names its room, which the options inside say again: local
        // delivery to a room without members here is a no-op, so the name is not checked.
        if channel::room_of(channel_name, key, &self.name).is_none() {
            return;
        }
        let broadcast = match wire::decode_broadcast(&payload, self.config().max_message_bytes) {
            Ok(b) => b,
            Err(e) => {
                debug!(error = %e, "undecodable redis broadcast ignored");
                return;
            }
        };
        if broadcast.uid == self.shared.uid || broadcast.packet.nsp_or_root() != self.name {
            return;
        }
        match encode_for_clients(self.local.parser(), &self.name, broadcast.packet.data, None) {
            Ok(packet) => self.local.deliver(packet, &local_options(&broadcast.opts)),
            Err(e) => debug!(error = %e, "remote broadcast not deliverable"),
        }
    }

    /// A request from another node (or an emitter).
    pub(crate) async fn on_request(self: &Arc<Self>, payload: Bytes) {
        let request = match wire::decode_request(&payload, self.config().max_message_bytes) {
            Ok(Some(request)) => request,
            Ok(None) => return,
            Err(e) => {
                debug!(error = %e, "undecodable redis request ignored");
                return;
            }
        };
        if request.uid.as_deref() == Some(self.shared.uid.as_str()) {
            return;
        }
        if let Err(e) = self.answer(request).await {
            debug!(error = %e, "redis request failed");
        }
    }

    async fn answer(self: &Arc<Self>, request: Request) -> AdapterResult<()> {
        let asker = request.uid.as_deref();
        let id = request.request_id.as_deref();
        match request.kind {
            RequestKind::Sockets { rooms } => {
                let Some(id) = id else { return Ok(()) };
                let opts = BroadcastOptions {
                    rooms,
                    ..BroadcastOptions::default()
                };
                let ids: Vec<String> = self
                    .local
                    .local_sockets(&opts)
                    .into_iter()
                    .map(|s| s.id.to_string())
                    .collect();
                self.publish_response(asker, &Response::socket_ids(id, &ids));
            }
            RequestKind::AllRooms => {
                let Some(id) = id else { return Ok(()) };
                let rooms = self.local.local_rooms();
                self.publish_response(asker, &Response::rooms(id, &rooms));
            }
            RequestKind::Join { opts, rooms } => {
                self.local.add_sockets(local_options(&opts), rooms).await?;
            }
            RequestKind::Leave { opts, rooms } => {
                self.local.del_sockets(local_options(&opts), rooms).await?;
            }
            RequestKind::Disconnect { opts, close } => {
                self.local
                    .disconnect_sockets(local_options(&opts), close)
                    .await?;
            }
            RequestKind::SingleRoom { join, sid, room } => {
                let opts = BroadcastOptions {
                    rooms: vec![sid],
                    ..BroadcastOptions::default()
                };
                if self.local.local_sockets(&opts).is_empty() {
                    return Ok(());
                }
                if join {
                    self.local.add_sockets(opts, vec![room]).await?;
                } else {
                    self.local.del_sockets(opts, vec![room]).await?;
                }
                if let Some(id) = id {
                    self.publish_response(asker, &Response::done(id));
                }
            }
            RequestKind::SingleDisconnect { sid, close } => {
                let opts = BroadcastOptions {
                    rooms: vec![sid],
                    ..BroadcastOptions::default()
                };
                let sockets = self.local.local_sockets(&opts);
                if sockets.is_empty() {
                    return Ok(());
                }
                for socket in sockets.iter().filter_map(RemoteSocket::local) {
                    if close {
                        socket.disconnect_and_close();
                    } else {
                        let _ = socket.disconnect();
                    }
                }
                if let Some(id) = id {
                    self.publish_response(asker, &Response::done(id));
                }
            }
            RequestKind::Fetch { opts } => {
                let Some(id) = id else { return Ok(()) };
                let sockets: Vec<WireSocket> = self
                    .local
                    .local_sockets(&local_options(&opts))
                    .into_iter()
                    .map(|s| WireSocket {
                        id: s.id.to_string(),
                        handshake: s.handshake,
                        rooms: s.rooms,
                        data: s.data,
                    })
                    .collect();
                self.publish_response(asker, &Response::sockets(id, &sockets));
            }
            RequestKind::ServerSideEmit { data } => {
                let Some(id) = id else {
                    self.local.emit_server_side(data, None);
                    return Ok(());
                };
                let (tx, rx) = oneshot::channel();
                self.local
                    .emit_server_side(data, Some(ServerSideAck::new(tx)));
                let ns = self.clone();
                let id = id.to_owned();
                let timeout = self.config().requests_timeout;
                tokio::spawn(async move {
                    if let Ok(Ok(args)) = tokio::time::timeout(timeout, rx).await {
                        let first = args.into_iter().next();
                        // Node's nodes always answer server-side emits on the shared channel.
                        ns.publish_response(None, &Response::server_side_ack(&id, first));
                    }
                });
            }
            RequestKind::Broadcast { packet, opts } => {
                let Some(id) = id else { return Ok(()) };
                if self.pending.contains(id) {
                    return Ok(());
                }
                let ack_id = self.local.next_ack_id();
                let encoded =
                    encode_for_clients(self.local.parser(), &self.name, packet.data, Some(ack_id))?;
                let timeout = opts
                    .timeout_ms()
                    .map_or(DEFAULT_ACK_TIMEOUT, Duration::from_millis);
                let receivers = self
                    .local
                    .broadcast_with_ack(encoded, ack_id, local_options(&opts))
                    .await?;
                let count = receivers.len() as u64;
                self.publish_response(asker, &Response::client_count(id, count));
                let ns = self.clone();
                let id = id.to_owned();
                let asker = asker.map(str::to_owned);
                tokio::spawn(async move {
                    let deadline = Instant::now() + timeout;
                    let (tx, mut rx) = mpsc::unbounded_channel();
                    for receiver in receivers {
                        let tx = tx.clone();
                        tokio::spawn(async move {
                            if let Ok(Ok(args)) = tokio::time::timeout_at(deadline, receiver).await
                            {
                                let _ = tx.send(args);
                            }
                        });
                    }
                    drop(tx);
                    while let Some(args) = rx.recv().await {
                        let first = args.into_iter().next();
                        ns.publish_response(asker.as_deref(), &Response::client_ack(&id, first));
                    }
                });
            }
        }
        Ok(())
    }

    /// An answer to one of this node's requests.
    pub(crate) fn on_response(&self, payload: Bytes) {
        let response = match wire::decode_response(&payload, self.config().max_message_bytes) {
            Ok(response) => response,
            Err(e) => {
                debug!(error = %e, "undecodable redis response ignored");
                return;
            }
        };
        let id = response.request_id.clone();
        self.pending.deliver(&id, response);
    }

    /// The broadcast-with-acks of this node: remote clients' acks come as receivers too, one
    /// per client the other nodes count.
    async fn broadcast_with_ack(
        self: &Arc<Self>,
        packet: Encoded,
        ack_id: u64,
        opts: BroadcastOptions,
    ) -> AdapterResult<Vec<AckReceiver>> {
        if opts.flags.local {
            return self.local.broadcast_with_ack(packet, ack_id, opts).await;
        }
        let timeout = opts.flags.timeout.unwrap_or(DEFAULT_ACK_TIMEOUT);
        let others = self.other_nodes().await;
        let (id, mut rx) = self.expect();
        let data = decode_event(&packet)?;
        let request = self.request(
            RequestKind::Broadcast {
                packet: WirePacket {
                    data,
                    nsp: Some(self.name.clone()),
                },
                opts: wire_options(&opts),
            },
            Some(id.clone()),
        );
        self.publish_request(&request);
        let mut receivers = self.local.broadcast_with_ack(packet, ack_id, opts).await?;
        if others == 0 {
            self.forget(&id);
            return Ok(receivers);
        }
        // Wait for every other node's client count, buffering acks that come first.
        let deadline = Instant::now() + timeout;
        let mut counts = 0;
        let mut senders: Vec<oneshot::Sender<Vec<Value>>> = Vec::new();
        let mut early: Vec<Vec<Value>> = Vec::new();
        while counts < others {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(response)) => match response.kind {
                    Some(wire::CLIENT_COUNT) => {
                        counts += 1;
                        for _ in 0..response.count().unwrap_or(0) {
                            let (tx, rx) = oneshot::channel();
                            senders.push(tx);
                            receivers.push(rx);
                        }
                    }
                    Some(wire::CLIENT_ACK) => early.push(ack_args(&response)),
                    _ => {}
                },
                _ => break,
            }
        }
        if counts < others {
            self.timed_out();
        }
        senders.reverse();
        for args in early {
            if let Some(tx) = senders.pop() {
                let _ = tx.send(args);
            }
        }
        if senders.is_empty() {
            self.forget(&id);
            return Ok(receivers);
        }
        let ns = self.clone();
        tokio::spawn(async move {
            while !senders.is_empty() {
                match tokio::time::timeout_at(deadline, rx.recv()).await {
                    Ok(Some(response)) if response.kind == Some(wire::CLIENT_ACK) => {
                        if let Some(tx) = senders.pop() {
                            let _ = tx.send(ack_args(&response));
                        }
                    }
                    Ok(Some(_)) => {}
                    _ => break,
                }
            }
            ns.forget(&id);
        });
        Ok(receivers)
    }

    async fn fetch_sockets(&self, opts: BroadcastOptions) -> AdapterResult<Vec<RemoteSocket>> {
        let mut sockets = self.local.local_sockets(&opts);
        if opts.flags.local {
            return Ok(sockets);
        }
        let others = self.other_nodes().await;
        if others == 0 {
            return Ok(sockets);
        }
        let kind = RequestKind::Fetch {
            opts: wire_options(&opts),
        };
        for answer in self.ask(kind, others).await? {
            sockets.extend(answer.socket_list().into_iter().map(|s| {
                RemoteSocket::new(Sid::from(s.id.as_str()), s.handshake, s.rooms, s.data)
            }));
        }
        Ok(sockets)
    }

    async fn all_rooms(&self) -> AdapterResult<Vec<Room>> {
        let mut rooms: BTreeSet<Room> = self.local.local_rooms().into_iter().collect();
        let others = self.other_nodes().await;
        if others > 0 {
            for answer in self.ask(RequestKind::AllRooms, others).await? {
                rooms.extend(answer.room_list());
            }
        }
        Ok(rooms.into_iter().collect())
    }

    async fn server_side_emit_with_ack(
        &self,
        data: Vec<Value>,
        timeout: Duration,
    ) -> Result<Vec<Value>, AckError> {
        let others = self.other_nodes().await;
        if others == 0 {
            return Ok(Vec::new());
        }
        let (id, mut rx) = self.expect();
        let request = self.request(RequestKind::ServerSideEmit { data }, Some(id.clone()));
        self.publish_request(&request);
        let deadline = Instant::now() + timeout;
        let mut answers = Vec::with_capacity(others);
        while answers.len() < others {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(response)) => answers.push(response.data().cloned().unwrap_or_default()),
                _ => break,
            }
        }
        self.forget(&id);
        if answers.len() < others {
            self.timed_out();
            return Err(AckError::Incomplete {
                responses: answers,
                expected: others,
            });
        }
        Ok(answers)
    }
}

/// A client ack as the receivers of this server carry it: the first argument, or none.
fn ack_args(response: &Response) -> Vec<Value> {
    response.packet().cloned().into_iter().collect()
}

impl Adapter for RedisAdapter {
    fn add_all(&self, sid: Sid, rooms: Vec<Room>) -> BoxFuture<'_, AdapterResult<()>> {
        self.ns.local.add_all(sid, rooms)
    }

    fn del(&self, sid: Sid, rooms: Vec<Room>) -> BoxFuture<'_, AdapterResult<()>> {
        self.ns.local.del(sid, rooms)
    }

    fn del_all(&self, sid: Sid) -> BoxFuture<'_, AdapterResult<()>> {
        self.ns.local.del_all(sid)
    }

    fn socket_rooms(&self, sid: Sid) -> BoxFuture<'_, AdapterResult<Vec<Room>>> {
        self.ns.local.socket_rooms(sid)
    }

    fn broadcast(
        &self,
        packet: Encoded,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, AdapterResult<()>> {
        Box::pin(async move {
            if !opts.flags.local {
                let data = decode_event(&packet)?;
                let ns = &self.ns;
                let key = &ns.config().key;
                let channel = match opts.rooms.as_slice() {
                    [room] => channel::room(key, &ns.name, room),
                    _ => channel::broadcast(key, &ns.name),
                };
                let message = Broadcast {
                    uid: ns.shared.uid.clone(),
                    packet: WirePacket {
                        data,
                        nsp: Some(ns.name.clone()),
                    },
                    opts: wire_options(&opts),
                };
                ns.shared
                    .publish(channel, message.encode(), Some(ns.request_channel()));
            }
            self.ns.local.broadcast(packet, opts).await
        })
    }

    fn broadcast_with_ack(
        &self,
        packet: Encoded,
        ack_id: u64,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, AdapterResult<Vec<AckReceiver>>> {
        Box::pin(self.ns.broadcast_with_ack(packet, ack_id, opts))
    }

    fn fetch_sockets(
        &self,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, AdapterResult<Vec<RemoteSocket>>> {
        Box::pin(self.ns.fetch_sockets(opts))
    }

    fn add_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<'_, AdapterResult<()>> {
        self.ns.announce(&opts, |opts| RequestKind::Join {
            opts,
            rooms: rooms.clone(),
        });
        self.ns.local.add_sockets(opts, rooms)
    }

    fn del_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<'_, AdapterResult<()>> {
        self.ns.announce(&opts, |opts| RequestKind::Leave {
            opts,
            rooms: rooms.clone(),
        });
        self.ns.local.del_sockets(opts, rooms)
    }

    fn disconnect_sockets(
        &self,
        opts: BroadcastOptions,
        close: bool,
    ) -> BoxFuture<'_, AdapterResult<()>> {
        self.ns
            .announce(&opts, |opts| RequestKind::Disconnect { opts, close });
        self.ns.local.disconnect_sockets(opts, close)
    }

    fn emit_direct(&self, socket: &dyn Recipient, packet: Encoded) -> Result<(), EmitError> {
        self.ns.local.emit_direct(socket, packet)
    }

    fn local_room_count(&self) -> Option<usize> {
        self.ns.local.local_room_count()
    }

    fn reconnects(&self) -> Option<u64> {
        Some(self.ns.shared.status.reconnects())
    }

    fn request_timeouts(&self) -> Option<u64> {
        Some(self.ns.request_timeouts.load(Ordering::Relaxed))
    }

    fn all_rooms(&self) -> BoxFuture<'_, AdapterResult<Vec<Room>>> {
        Box::pin(self.ns.all_rooms())
    }

    fn server_count(&self) -> BoxFuture<'_, AdapterResult<usize>> {
        Box::pin(async move { Ok(self.ns.other_nodes().await + 1) })
    }

    fn server_side_emit(&self, data: Vec<Value>) -> BoxFuture<'_, AdapterResult<()>> {
        Box::pin(async move {
            let request = self.ns.request(RequestKind::ServerSideEmit { data }, None);
            self.ns.publish_request(&request);
            Ok(())
        })
    }

    fn server_side_emit_with_ack(
        &self,
        data: Vec<Value>,
        timeout: Duration,
    ) -> BoxFuture<'_, Result<Vec<Value>, AckError>> {
        Box::pin(self.ns.server_side_emit_with_ack(data, timeout))
    }
}
