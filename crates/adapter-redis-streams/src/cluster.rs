//! What every adapter of the ClusterAdapter model does the same way, whatever carries its
//! messages: requests and their answers (fetching sockets, server-side emits with acks,
//! broadcasts with acks), and the other nodes' messages applied to this server's sockets.
//!
//! A carrier implements [`Transport`]; each namespace's adapter keeps one [`Core`].

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use event_proto::{Encoded, Value};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tracing::{debug, warn};
use wsio_adapter_redis::PendingRequests;
use wsio_adapter_redis::convert::{encode_for_clients, local_options, wire_options};
use wsio_server::adapter::{AckReceiver, RemoteSocket, ServerSideAck, decode_event};
use wsio_server::engine::Sid;
use wsio_server::{Adapter, BoxFuture, BroadcastOptions, LocalAdapter};

use crate::error::Error;
use crate::wire::requests::{
    AckCollector, AckEvent, FetchCollector, ServerSideEmitCollector, Step,
};
use crate::wire::{Body, ClusterMessage, WireOptions, WireSocket};

/// How long a broadcast with acks waits when its flags give no timeout.
pub(crate) const DEFAULT_ACK_TIMEOUT: Duration = Duration::from_secs(5);

type AdapterResult<T> = std::result::Result<T, wsio_server::AdapterError>;

/// How a cluster adapter reaches the other nodes. Sending never waits: a message that
/// cannot be sent is dropped (with a log line).
pub(crate) trait Transport: Send + Sync + std::fmt::Debug + 'static {
    /// This server's node id on the wire.
    fn uid(&self) -> &str;
    /// How long requests wait for the other nodes by default.
    fn requests_timeout(&self) -> Duration;
    /// Sends a request (broadcast with acks, fetch, server-side emit) to every node of
    /// `message.nsp`.
    fn publish(&self, message: ClusterMessage);
    /// Sends an answer to node `uid`.
    fn respond(&self, uid: &str, message: ClusterMessage);
    /// How many servers serve namespace `nsp`, this one included.
    fn node_count<'a>(&'a self, nsp: &'a str) -> BoxFuture<'a, crate::Result<usize>>;
}

/// One namespace's side of the ClusterAdapter model.
#[derive(Debug)]
pub(crate) struct Core {
    pub(crate) name: String,
    pub(crate) local: LocalAdapter,
    transport: Arc<dyn Transport>,
    /// Requests of this node waiting for answers, by request id.
    pending: PendingRequests<Body>,
    /// Requests of this node that ran out of time before every answer came.
    request_timeouts: AtomicU64,
}

/// The first acknowledgement argument, or `null`.
fn first(args: Vec<Value>) -> Value {
    args.into_iter().next().unwrap_or_default()
}

impl Core {
    pub(crate) fn new(name: &str, local: LocalAdapter, transport: Arc<dyn Transport>) -> Core {
        Core {
            name: name.to_owned(),
            local,
            transport,
            pending: PendingRequests::default(),
            request_timeouts: AtomicU64::new(0),
        }
    }

    /// Requests of this node that ran out of time before every answer came
    /// ([`Adapter::request_timeouts`](wsio_server::Adapter::request_timeouts)).
    pub(crate) fn request_timeouts(&self) -> u64 {
        self.request_timeouts.load(Ordering::Relaxed)
    }

    /// Counts a request that ran out of time before every answer came.
    fn timed_out(&self) {
        self.request_timeouts.fetch_add(1, Ordering::Relaxed);
    }

    /// This server's node id.
    pub(crate) fn uid(&self) -> &str {
        self.transport.uid()
    }

    /// `body` in an envelope from this node for this namespace.
    pub(crate) fn message(&self, body: Body) -> ClusterMessage {
        ClusterMessage {
            uid: self.uid().to_owned(),
            nsp: self.name.clone(),
            body,
        }
    }

    /// Sends `body` to every node of the namespace.
    pub(crate) fn publish(&self, body: Body) {
        self.transport.publish(self.message(body));
    }

    /// Sends `body` to node `uid`.
    fn respond(&self, uid: &str, body: Body) {
        self.transport.respond(uid, self.message(body));
    }

    /// How many other nodes serve this namespace; 0 (with a warning) while Redis is away.
    pub(crate) async fn other_nodes(&self) -> usize {
        match self.transport.node_count(&self.name).await {
            Ok(count) => count.saturating_sub(1),
            Err(e) => {
                warn!(error = %e, nsp = %self.name, "redis unavailable: answering for this server only");
                0
            }
        }
    }

    /// Registers a fresh request id whose answers arrive on the returned receiver.
    fn expect(&self) -> (String, mpsc::UnboundedReceiver<Body>) {
        let id = crate::random_hex(8);
        let rx = self.pending.expect(id.clone());
        (id, rx)
    }

    fn forget(&self, id: &str) {
        self.pending.forget(id);
    }

    /// An answer to one of this node's requests.
    pub(crate) fn on_response(&self, body: Body) {
        let Some(id) = body.request_id() else { return };
        let id = id.to_owned();
        self.pending.deliver(&id, body);
    }

    /// Whether `message` is another node's message for this namespace.
    pub(crate) fn is_foreign(&self, message: &ClusterMessage) -> bool {
        message.uid != self.uid() && message.nsp == self.name
    }

    /// Applies another node's message (from `sender`) here, except a broadcast without
    /// request id, whose delivery is the carrier's business (it is ignored here).
    pub(crate) async fn handle(self: &Arc<Self>, sender: String, body: Body) {
        match body {
            Body::Broadcast {
                packet,
                opts,
                request_id: Some(id),
            } => {
                if let Err(e) = self.broadcast_for(sender, id, packet, opts).await {
                    debug!(error = %e, "remote broadcast with acks failed");
                }
            }
            Body::SocketsJoin { opts, rooms } => {
                let _ = self.local.add_sockets(local_options(&opts), rooms).await;
            }
            Body::SocketsLeave { opts, rooms } => {
                let _ = self.local.del_sockets(local_options(&opts), rooms).await;
            }
            Body::DisconnectSockets { opts, close } => {
                let _ = self
                    .local
                    .disconnect_sockets(local_options(&opts), close)
                    .await;
            }
            Body::FetchSockets { opts, request_id } => {
                let sockets = self
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
                self.respond(
                    &sender,
                    Body::FetchSocketsResponse {
                        request_id,
                        sockets,
                    },
                );
            }
            Body::ServerSideEmit { packet, request_id } => {
                let Some(request_id) = request_id else {
                    self.local.emit_server_side(packet, None);
                    return;
                };
                let (tx, rx) = oneshot::channel();
                self.local
                    .emit_server_side(packet, Some(ServerSideAck::new(tx)));
                let core = self.clone();
                let timeout = self.transport.requests_timeout();
                tokio::spawn(async move {
                    if let Ok(Ok(args)) = tokio::time::timeout(timeout, rx).await {
                        core.respond(
                            &sender,
                            Body::ServerSideEmitResponse {
                                request_id,
                                packet: first(args),
                            },
                        );
                    }
                });
            }
            body if body.kind().is_response() => self.on_response(body),
            _ => {}
        }
    }

    /// Another node's broadcast with acks: delivered here, the client count and then every
    /// client's ack answered to `sender`.
    async fn broadcast_for(
        self: &Arc<Self>,
        sender: String,
        request_id: String,
        packet: Vec<Value>,
        opts: WireOptions,
    ) -> AdapterResult<()> {
        let ack_id = self.local.next_ack_id();
        let encoded = encode_for_clients(self.local.parser(), &self.name, packet, Some(ack_id))?;
        let timeout = opts
            .timeout_ms()
            .map_or(DEFAULT_ACK_TIMEOUT, Duration::from_millis);
        let receivers = self
            .local
            .broadcast_with_ack(encoded, ack_id, local_options(&opts))
            .await?;
        self.respond(
            &sender,
            Body::BroadcastClientCount {
                request_id: request_id.clone(),
                client_count: receivers.len() as u64,
            },
        );
        let core = self.clone();
        tokio::spawn(async move {
            let deadline = Instant::now() + timeout;
            let (tx, mut rx) = mpsc::unbounded_channel();
            for receiver in receivers {
                let tx = tx.clone();
                tokio::spawn(async move {
                    if let Ok(Ok(args)) = tokio::time::timeout_at(deadline, receiver).await {
                        let _ = tx.send(args);
                    }
                });
            }
            drop(tx);
            while let Some(args) = rx.recv().await {
                core.respond(
                    &sender,
                    Body::BroadcastAck {
                        request_id: request_id.clone(),
                        packet: first(args),
                    },
                );
            }
        });
        Ok(())
    }

    /// This node's broadcast with acks: remote clients' acks come as receivers too, one per
    /// client the other nodes count.
    pub(crate) async fn broadcast_with_ack(
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
        self.publish(Body::Broadcast {
            packet: decode_event(&packet)?,
            opts: wire_options(&opts),
            request_id: Some(id.clone()),
        });
        let mut receivers = self.local.broadcast_with_ack(packet, ack_id, opts).await?;
        if others == 0 {
            self.forget(&id);
            return Ok(receivers);
        }
        // Wait for every other node's client count, keeping acks that come first.
        let deadline = Instant::now() + timeout;
        let mut collector = AckCollector::new(id.clone(), others);
        let mut senders: Vec<oneshot::Sender<Vec<Value>>> = Vec::new();
        let mut early: Vec<Value> = Vec::new();
        while !collector.counts_complete() {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(body)) => match collector.accept(body) {
                    Some(AckEvent::Clients(n)) => {
                        for _ in 0..n {
                            let (tx, rx) = oneshot::channel();
                            senders.push(tx);
                            receivers.push(rx);
                        }
                    }
                    Some(AckEvent::Ack(value)) => early.push(value),
                    None => {}
                },
                _ => break,
            }
        }
        if !collector.counts_complete() {
            self.timed_out();
        }
        senders.reverse();
        for value in early {
            if let Some(tx) = senders.pop() {
                let _ = tx.send(vec![value]);
            }
        }
        if senders.is_empty() {
            self.forget(&id);
            return Ok(receivers);
        }
        let core = self.clone();
        tokio::spawn(async move {
            while !senders.is_empty() {
                match tokio::time::timeout_at(deadline, rx.recv()).await {
                    Ok(Some(body)) => {
                        if let Some(AckEvent::Ack(value)) = collector.accept(body)
                            && let Some(tx) = senders.pop()
                        {
                            let _ = tx.send(vec![value]);
                        }
                    }
                    _ => break,
                }
            }
            core.forget(&id);
        });
        Ok(receivers)
    }

    /// The addressed sockets of every node.
    pub(crate) async fn fetch_sockets(
        &self,
        opts: BroadcastOptions,
    ) -> AdapterResult<Vec<RemoteSocket>> {
        let mut sockets = self.local.local_sockets(&opts);
        if opts.flags.local {
            return Ok(sockets);
        }
        let others = self.other_nodes().await;
        if others == 0 {
            return Ok(sockets);
        }
        let timeout = opts
            .flags
            .timeout
            .unwrap_or(self.transport.requests_timeout());
        let (id, mut rx) = self.expect();
        self.publish(Body::FetchSockets {
            opts: wire_options(&opts),
            request_id: id.clone(),
        });
        let deadline = Instant::now() + timeout;
        let mut collector = FetchCollector::new(id.clone(), others);
        let mut complete = false;
        while !complete {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(body)) => complete = collector.accept(body) == Step::Complete,
                _ => break,
            }
        }
        self.forget(&id);
        if !complete {
            self.timed_out();
            let (received, expected) = collector.progress();
            return Err(Error::Timeout { received, expected }.into());
        }
        sockets.extend(
            collector
                .into_sockets()
                .into_iter()
                .map(|s| RemoteSocket::new(Sid::from(s.id.as_str()), s.handshake, s.rooms, s.data)),
        );
        Ok(sockets)
    }

    /// An event for the other nodes' server-side handlers.
    pub(crate) fn server_side_emit(&self, data: Vec<Value>) {
        self.publish(Body::ServerSideEmit {
            packet: data,
            request_id: None,
        });
    }

    /// An event for the other nodes' server-side handlers, and their answers.
    pub(crate) async fn server_side_emit_with_ack(
        &self,
        data: Vec<Value>,
        timeout: Duration,
    ) -> Result<Vec<Value>, wsio_server::AckError> {
        let others = self.other_nodes().await;
        if others == 0 {
            return Ok(Vec::new());
        }
        let (id, mut rx) = self.expect();
        self.publish(Body::ServerSideEmit {
            packet: data,
            request_id: Some(id.clone()),
        });
        let deadline = Instant::now() + timeout;
        let mut collector = ServerSideEmitCollector::new(id.clone(), others);
        let mut complete = false;
        while !complete {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(body)) => complete = collector.accept(body) == Step::Complete,
                _ => break,
            }
        }
        self.forget(&id);
        if !complete {
            self.timed_out();
            let (_, expected) = collector.progress();
            return Err(wsio_server::AckError::Incomplete {
                responses: collector.into_answers(),
                expected,
            });
        }
        Ok(collector.into_answers())
    }
}
