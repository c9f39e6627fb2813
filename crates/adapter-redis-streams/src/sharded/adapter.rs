//! [`ShardedAdapter`]: one namespace's adapter on sharded pub/sub.

use std::sync::Arc;
use std::time::Duration;

use event_proto::{Encoded, Value};
use tracing::debug;
use wsio_adapter_redis::convert::{encode_for_clients, local_options, wire_options};
use wsio_server::adapter::{
    AckReceiver, Recipient, RemoteSocket, RestoredSession, SessionState, decode_event,
};
use wsio_server::engine::Sid;
use wsio_server::{Adapter, BoxFuture, BroadcastOptions, LocalAdapter, Room};

use super::io::Shared;
use crate::cluster::Core;
use crate::wire::{Body, ClusterMessage, WireOptions};

type AdapterResult<T> = std::result::Result<T, wsio_server::AdapterError>;

/// The sharded pub/sub adapter of one namespace: local delivery through the wrapped
/// [`LocalAdapter`], `SPUBLISH`/`SSUBSCRIBE` with the other nodes.
///
/// Made by [`ShardedCluster::factory`](crate::ShardedCluster::factory) for each namespace.
/// Connection state recovery, when configured, is this server's alone (as with the
/// in-memory adapter): sessions and missed packets are kept here, broadcasts from other
/// servers included, and a client recovers only on the server it left.
#[derive(Debug)]
pub struct ShardedAdapter {
    ns: Arc<ShardedNs>,
}

/// A namespace's state, shared with the task that feeds it messages.
#[derive(Debug)]
pub(crate) struct ShardedNs {
    core: Arc<Core>,
    shared: Arc<Shared>,
}

impl ShardedAdapter {
    pub(crate) fn new(name: &str, local: LocalAdapter, shared: Arc<Shared>) -> ShardedAdapter {
        let ns = Arc::new(ShardedNs {
            core: Arc::new(Core::new(name, local, shared.clone())),
            shared: shared.clone(),
        });
        shared.register(name, &ns);
        ShardedAdapter { ns }
    }

    /// The node id this server uses on the wire.
    pub fn uid(&self) -> &str {
        &self.ns.shared.uid
    }
}

impl ShardedNs {
    fn local(&self) -> &LocalAdapter {
        &self.core.local
    }

    /// Whether `room` has a member on this server.
    pub(crate) fn has_room(&self, room: &str) -> bool {
        self.local().has_room(room)
    }

    /// The rooms with members on this server.
    pub(crate) fn local_rooms(&self) -> Vec<Room> {
        self.local().local_rooms()
    }

    /// An answer to one of this node's requests.
    pub(crate) fn on_response(&self, body: Body) {
        self.core.on_response(body);
    }

    /// Another node's message, from the main channel or a room channel.
    pub(crate) async fn on_message(&self, message: ClusterMessage) {
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
                    // Through the local adapter's broadcast: kept for local recovery when on.
                    Ok(encoded) => {
                        let _ = self.local().broadcast(encoded, local_options(&opts)).await;
                    }
                    Err(e) => debug!(error = %e, "remote broadcast not deliverable"),
                }
            }
            body @ (Body::SocketsJoin { .. } | Body::SocketsLeave { .. }) => {
                let rooms = match &body {
                    Body::SocketsJoin { rooms, .. } | Body::SocketsLeave { rooms, .. } => {
                        self.with_channels(rooms)
                    }
                    _ => Vec::new(),
                };
                self.core.handle(message.uid, body).await;
                // Not awaited: this runs on the task that makes the subscriptions.
                self.rooms_changed(rooms);
            }
            body => self.core.handle(message.uid, body).await,
        }
    }

    /// Those of `rooms` that have a channel of their own in the configured mode.
    fn with_channels(&self, rooms: &[Room]) -> Vec<Room> {
        let mode = self.shared.config.subscription_mode;
        rooms
            .iter()
            .filter(|room| mode.has_room_channel(room))
            .cloned()
            .collect()
    }

    /// Has the subscriptions of `rooms` checked, without waiting.
    fn rooms_changed(&self, rooms: Vec<Room>) {
        if !rooms.is_empty() {
            drop(self.shared.rooms_changed(&self.core.name, rooms));
        }
    }

    /// Has the subscriptions of `rooms` checked and waits until they match, at most one
    /// command timeout (not at all while Redis is away).
    async fn rooms_joined(&self, rooms: Vec<Room>) {
        if rooms.is_empty() {
            return;
        }
        let done = self.shared.rooms_changed(&self.core.name, rooms);
        let _ = tokio::time::timeout(self.shared.config.command_timeout, done).await;
    }

    /// Publishes the body `make` builds from the wire form of `opts`, unless `opts` says
    /// this server only.
    fn announce(&self, opts: &BroadcastOptions, make: impl FnOnce(WireOptions) -> Body) {
        if !opts.flags.local {
            self.core.publish(make(wire_options(opts)));
        }
    }

    async fn broadcast(&self, packet: Encoded, opts: BroadcastOptions) -> AdapterResult<()> {
        if !opts.flags.local {
            let body = Body::Broadcast {
                packet: decode_event(&packet)?,
                opts: wire_options(&opts),
                request_id: None,
            };
            self.core.publish(body);
        }
        self.local().broadcast(packet, opts).await
    }
}

impl Adapter for ShardedAdapter {
    fn add_all(&self, sid: Sid, rooms: Vec<Room>) -> BoxFuture<'_, AdapterResult<()>> {
        Box::pin(async move {
            let watched = self.ns.with_channels(&rooms);
            self.ns.local().add_all(sid, rooms).await?;
            self.ns.rooms_joined(watched).await;
            Ok(())
        })
    }

    fn del(&self, sid: Sid, rooms: Vec<Room>) -> BoxFuture<'_, AdapterResult<()>> {
        Box::pin(async move {
            let watched = self.ns.with_channels(&rooms);
            self.ns.local().del(sid, rooms).await?;
            self.ns.rooms_changed(watched);
            Ok(())
        })
    }

    fn del_all(&self, sid: Sid) -> BoxFuture<'_, AdapterResult<()>> {
        Box::pin(async move {
            let rooms = match self.ns.shared.config.subscription_mode {
                crate::SubscriptionMode::Static => Vec::new(),
                _ => self.ns.local().socket_rooms(sid.clone()).await?,
            };
            self.ns.local().del_all(sid).await?;
            self.ns.rooms_changed(self.ns.with_channels(&rooms));
            Ok(())
        })
    }

    fn socket_rooms(&self, sid: Sid) -> BoxFuture<'_, AdapterResult<Vec<Room>>> {
        self.ns.local().socket_rooms(sid)
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
            self.ns.announce(&opts, |opts| Body::SocketsJoin {
                opts,
                rooms: rooms.clone(),
            });
            let watched = self.ns.with_channels(&rooms);
            self.ns.local().add_sockets(opts, rooms).await?;
            self.ns.rooms_joined(watched).await;
            Ok(())
        })
    }

    fn del_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<'_, AdapterResult<()>> {
        Box::pin(async move {
            self.ns.announce(&opts, |opts| Body::SocketsLeave {
                opts,
                rooms: rooms.clone(),
            });
            let watched = self.ns.with_channels(&rooms);
            self.ns.local().del_sockets(opts, rooms).await?;
            self.ns.rooms_changed(watched);
            Ok(())
        })
    }

    fn disconnect_sockets(
        &self,
        opts: BroadcastOptions,
        close: bool,
    ) -> BoxFuture<'_, AdapterResult<()>> {
        Box::pin(async move {
            self.ns
                .announce(&opts, |opts| Body::DisconnectSockets { opts, close });
            // Each socket leaves its rooms through `del_all` above.
            self.ns.local().disconnect_sockets(opts, close).await
        })
    }

    fn emit_direct(
        &self,
        socket: &dyn Recipient,
        packet: Encoded,
    ) -> Result<(), wsio_server::EmitError> {
        self.ns.local().emit_direct(socket, packet)
    }

    fn local_room_count(&self) -> Option<usize> {
        self.ns.local().local_room_count()
    }

    fn reconnects(&self) -> Option<u64> {
        Some(self.ns.shared.status.reconnects())
    }

    fn request_timeouts(&self) -> Option<u64> {
        Some(self.ns.core.request_timeouts())
    }

    fn all_rooms(&self) -> BoxFuture<'_, AdapterResult<Vec<Room>>> {
        // The ClusterAdapter model has no rooms request: this server's rooms, as Node's.
        self.ns.local().all_rooms()
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
        self.ns.local().persist_session(session)
    }

    fn restore_session(
        &self,
        pid: String,
        offset: String,
    ) -> BoxFuture<'_, AdapterResult<Option<RestoredSession>>> {
        self.ns.local().restore_session(pid, offset)
    }
}
