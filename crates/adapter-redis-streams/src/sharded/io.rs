//! The sharded adapter's Redis connections, shared by all namespaces of one server.
//!
//! * `SPUBLISH` and `PUBSUB SHARDNUMSUB` go through a redis-rs `ConnectionManager` (which
//!   reconnects by itself), publishes through the crate's write queue, in pipelines.
//! * One RESP3 connection holds the subscriptions: `SSUBSCRIBE` and `SUNSUBSCRIBE` are sent
//!   as commands, one channel each, and `smessage` pushes come back through a channel. One
//!   task owns it: it subscribes namespaces and rooms as they come, checks the connection
//!   with a `PING` (in RESP3 a subscribed connection answers it with a plain `PONG`), and
//!   after a loss reconnects at once (then, while that fails, with a doubling delay) and
//!   subscribes again to every namespace's channels and every room this server hosts.
//!   [`SubscriberStatus`] records it.

use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::Duration;

use bytes::Bytes;
use redis::aio::{ConnectionManager, MultiplexedConnection};
use redis::{AsyncConnectionConfig, IntoConnectionInfo, ProtocolVersion, PushInfo, PushKind};
use tokio::sync::{mpsc, oneshot};
use tracing::{debug, info, warn};
use wsio_adapter_redis::{SubscriberState, SubscriberStatus};
use wsio_server::{BoxFuture, Room};

use super::ShardedAdapterConfig;
use super::adapter::ShardedNs;
use crate::cluster::Transport;
use crate::error::Result;
use crate::io::{
    FIRST_RETRY, HEALTH_CHECK, Namespaces, Write, Writes, manager_config, subscribers, timed_out,
};
use crate::wire::{self, ClusterMessage};

/// A change the subscription task must look at.
pub(crate) enum Command {
    /// A namespace was created: subscribe to its main and private channels.
    Namespace(String),
    /// These rooms of namespace `nsp` may have gained their first or lost their last local
    /// member; `done` is dropped once their subscriptions match.
    Rooms {
        nsp: String,
        rooms: Vec<Room>,
        done: Option<oneshot::Sender<()>>,
    },
}

/// What every namespace's adapter of one server shares.
pub(crate) struct Shared {
    pub(crate) config: ShardedAdapterConfig,
    /// This server's node id: 16 hex digits, as Node's ClusterAdapter picks.
    pub(crate) uid: String,
    conn: ConnectionManager,
    writes: Writes,
    commands: mpsc::UnboundedSender<Command>,
    namespaces: Namespaces<ShardedNs>,
    /// The subscriber connection's state and reconnection count.
    pub(crate) status: SubscriberStatus,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("uid", &self.uid)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

type Subscriber = (MultiplexedConnection, mpsc::UnboundedReceiver<PushInfo>);

/// A RESP3 connection whose pushes arrive on the returned receiver.
async fn subscriber_connection(client: &redis::Client, timeout: Duration) -> Result<Subscriber> {
    let (tx, rx) = mpsc::unbounded_channel();
    let config = AsyncConnectionConfig::new()
        .set_connection_timeout(Some(timeout))
        .set_response_timeout(Some(timeout))
        .set_push_sender(tx);
    let conn = tokio::time::timeout(
        timeout,
        client.get_multiplexed_async_connection_with_config(&config),
    )
    .await
    .map_err(|_| timed_out())??;
    Ok((conn, rx))
}

impl Shared {
    /// Opens the connections (each must succeed once) and starts their tasks on the current
    /// tokio runtime.
    pub(crate) async fn connect(url: &str, config: ShardedAdapterConfig) -> Result<Arc<Shared>> {
        let client = redis::Client::open(url)?;
        let info = url.into_connection_info()?;
        let resp3 = info
            .redis_settings()
            .clone()
            .set_protocol(ProtocolVersion::RESP3);
        let sub_client = redis::Client::open(info.set_redis_settings(resp3))?;
        let conn = ConnectionManager::new_with_config(
            client,
            manager_config(
                config.command_timeout,
                config.command_timeout,
                config.max_reconnect_delay,
            ),
        )
        .await?;
        let first = subscriber_connection(&sub_client, config.command_timeout).await?;
        let writes = Writes::start(
            conn.clone(),
            config.write_queue,
            0,
            config.retry_after,
            config.command_timeout,
        );
        let (commands, commands_rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            uid: crate::random_hex(8),
            conn,
            writes,
            commands,
            namespaces: Namespaces::new(),
            status: SubscriberStatus::new(),
            config,
        });
        tokio::spawn(subscriptions(
            sub_client,
            first,
            Arc::downgrade(&shared),
            commands_rx,
            shared.status.clone(),
        ));
        info!(uid = %shared.uid, "redis sharded adapter connected");
        Ok(shared)
    }

    /// Routes the messages of namespace `name` to `ns` and subscribes to its channels.
    pub(crate) fn register(&self, name: &str, ns: &Arc<ShardedNs>) {
        self.namespaces.insert(name, ns);
        let _ = self.commands.send(Command::Namespace(name.to_owned()));
    }

    /// Has the subscriptions of `rooms` of namespace `nsp` checked; the receiver closes
    /// once they match (or the connection is away).
    pub(crate) fn rooms_changed(&self, nsp: &str, rooms: Vec<Room>) -> oneshot::Receiver<()> {
        let (done, rx) = oneshot::channel();
        let _ = self.commands.send(Command::Rooms {
            nsp: nsp.to_owned(),
            rooms,
            done: Some(done),
        });
        rx
    }

    fn namespace(&self, name: &str) -> Option<Arc<ShardedNs>> {
        self.namespaces.get(name)
    }

    fn namespace_names(&self) -> Vec<String> {
        self.namespaces.names()
    }

    fn publish_on(&self, channel: String, message: &ClusterMessage) {
        self.writes.send(Write::Publish {
            command: "SPUBLISH",
            channel,
            payload: message.to_sharded(),
        });
    }
}

impl Transport for Shared {
    fn uid(&self) -> &str {
        &self.uid
    }

    fn requests_timeout(&self) -> Duration {
        self.config.requests_timeout
    }

    /// `SPUBLISH` on the room channel of a plain broadcast to one room with a channel, the
    /// main channel otherwise; JSON, or MessagePack when binary must be kept.
    fn publish(&self, message: ClusterMessage) {
        let config = &self.config;
        let channel =
            wire::sharded_channel(&config.channel_prefix, &message, config.subscription_mode);
        self.publish_on(channel, &message);
    }

    /// `SPUBLISH <prefix>#<nsp>#<uid>#`.
    fn respond(&self, uid: &str, message: ClusterMessage) {
        let channel = wire::private_channel(&self.config.channel_prefix, &message.nsp, uid);
        self.publish_on(channel, &message);
    }

    /// `PUBSUB SHARDNUMSUB <prefix>#<nsp>#`.
    fn node_count<'a>(&'a self, nsp: &'a str) -> BoxFuture<'a, Result<usize>> {
        let channel = wire::public_channel(&self.config.channel_prefix, nsp);
        Box::pin(subscribers(
            self.conn.clone(),
            "SHARDNUMSUB",
            channel,
            self.config.command_timeout,
        ))
    }
}

/// What a subscribed channel carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Route {
    /// The namespace's main channel.
    Public,
    /// This node's own channel: answers to its requests.
    Private,
    /// A room's channel.
    Room,
}

/// The subscriptions of one live connection: channel → (namespace, route).
struct Subscriptions {
    conn: MultiplexedConnection,
    routes: HashMap<String, (String, Route)>,
}

impl Subscriptions {
    /// `SSUBSCRIBE`s the channels not yet subscribed, one per command, in one pipeline.
    async fn subscribe(&mut self, channels: Vec<(String, String, Route)>) -> Result<()> {
        let fresh: Vec<_> = channels
            .into_iter()
            .filter(|(channel, _, _)| !self.routes.contains_key(channel))
            .collect();
        if fresh.is_empty() {
            return Ok(());
        }
        let mut pipe = redis::pipe();
        for (channel, _, _) in &fresh {
            pipe.cmd("SSUBSCRIBE").arg(channel);
        }
        pipe.query_async::<redis::Value>(&mut self.conn).await?;
        for (channel, nsp, route) in fresh {
            self.routes.insert(channel, (nsp, route));
        }
        Ok(())
    }

    /// `SUNSUBSCRIBE`s room channel `channel`.
    async fn unsubscribe(&mut self, channel: &str) -> Result<()> {
        redis::cmd("SUNSUBSCRIBE")
            .arg(channel)
            .query_async::<redis::Value>(&mut self.conn)
            .await?;
        self.routes.remove(channel);
        Ok(())
    }

    /// Makes the room channels of `rooms` match: subscribed when the room has a channel in
    /// this mode and a member here, unsubscribed otherwise.
    async fn reconcile(&mut self, state: &Shared, nsp: &str, rooms: &[Room]) -> Result<()> {
        let Some(ns) = state.namespace(nsp) else {
            return Ok(());
        };
        let (prefix, mode) = (&state.config.channel_prefix, state.config.subscription_mode);
        let mut wanted = Vec::new();
        for room in rooms {
            let channel = wire::room_channel(prefix, nsp, room);
            let hosted = mode.has_room_channel(room) && ns.has_room(room);
            match self.routes.get(&channel) {
                None if hosted => wanted.push((channel, nsp.to_owned(), Route::Room)),
                Some((_, Route::Room)) if !hosted => self.unsubscribe(&channel).await?,
                _ => {}
            }
        }
        self.subscribe(wanted).await
    }
}

/// The main and private channels of namespace `nsp`.
fn namespace_channels(state: &Shared, nsp: &str) -> Vec<(String, String, Route)> {
    let prefix = &state.config.channel_prefix;
    vec![
        (
            wire::public_channel(prefix, nsp),
            nsp.to_owned(),
            Route::Public,
        ),
        (
            wire::private_channel(prefix, nsp, &state.uid),
            nsp.to_owned(),
            Route::Private,
        ),
    ]
}

/// Every channel this server should listen to now: each namespace's two, and the channel
/// of each room it hosts that has one in this mode.
fn all_channels(state: &Shared) -> Vec<(String, String, Route)> {
    let (prefix, mode) = (&state.config.channel_prefix, state.config.subscription_mode);
    let mut channels = Vec::new();
    for nsp in state.namespace_names() {
        channels.extend(namespace_channels(state, &nsp));
        if let Some(ns) = state.namespace(&nsp) {
            for room in ns.local_rooms() {
                if mode.has_room_channel(&room) {
                    channels.push((
                        wire::room_channel(prefix, &nsp, &room),
                        nsp.clone(),
                        Route::Room,
                    ));
                }
            }
        }
    }
    channels
}

/// Waits `delay`, answering joins at once: what they ask for is covered by the full
/// subscription made after reconnecting. False when the servers' state is gone.
async fn wait_away(commands: &mut mpsc::UnboundedReceiver<Command>, delay: Duration) -> bool {
    let sleep = tokio::time::sleep(delay);
    tokio::pin!(sleep);
    loop {
        tokio::select! {
            () = &mut sleep => return true,
            command = commands.recv() => {
                if command.is_none() {
                    return false;
                }
            }
        }
    }
}

/// Drives the subscriber connection: dispatches messages, follows namespaces and rooms,
/// reconnects and subscribes again after a loss, and keeps `status` up to date. Ends when
/// the servers' state is dropped.
///
/// After a loss the first attempt to reconnect is made at once; only failed attempts wait,
/// from [`FIRST_RETRY`] doubling up to the configured maximum.
async fn subscriptions(
    client: redis::Client,
    first: Subscriber,
    shared: Weak<Shared>,
    mut commands: mpsc::UnboundedReceiver<Command>,
    status: SubscriberStatus,
) {
    let mut next = Some(first);
    let mut delay = FIRST_RETRY;
    loop {
        let Some(state) = shared.upgrade() else {
            return;
        };
        let timeout = state.config.command_timeout;
        let max_delay = state.config.max_reconnect_delay;
        let (conn, mut pushes) = match next.take() {
            Some(connection) => connection,
            None => match subscriber_connection(&client, timeout).await {
                Ok(connection) => connection,
                Err(_) => {
                    drop(state);
                    if !wait_away(&mut commands, delay).await {
                        return;
                    }
                    delay = (delay * 2).min(max_delay);
                    continue;
                }
            },
        };
        // Commands sent so far are covered by subscribing to everything now; their joins
        // are answered once that is done.
        let mut waiting = Vec::new();
        while let Ok(command) = commands.try_recv() {
            if let Command::Rooms { done, .. } = command {
                waiting.extend(done);
            }
        }
        let mut subs = Subscriptions {
            conn,
            routes: HashMap::new(),
        };
        if let Err(e) = subs.subscribe(all_channels(&state)).await {
            warn!(error = %e, "redis ssubscribe failed");
            drop(state);
            if !wait_away(&mut commands, delay).await {
                return;
            }
            delay = (delay * 2).min(max_delay);
            continue;
        }
        if status.state() == SubscriberState::Reconnecting {
            info!(
                channels = subs.routes.len(),
                "redis sharded subscriptions restored"
            );
        }
        status.subscribed();
        drop(waiting);
        delay = FIRST_RETRY;
        drop(state);
        let mut check = tokio::time::interval(HEALTH_CHECK);
        check.tick().await;
        loop {
            tokio::select! {
                push = pushes.recv() => {
                    let Some(push) = push else { break };
                    match push.kind {
                        PushKind::SMessage => {
                            let Some(state) = shared.upgrade() else { return };
                            dispatch(&state, &subs.routes, push.data).await;
                        }
                        PushKind::Disconnection => break,
                        _ => {}
                    }
                }
                command = commands.recv() => {
                    let Some(command) = command else { return };
                    let Some(state) = shared.upgrade() else { return };
                    let result = match command {
                        Command::Namespace(nsp) => subs.subscribe(namespace_channels(&state, &nsp)).await,
                        Command::Rooms { nsp, rooms, done } => {
                            let result = subs.reconcile(&state, &nsp, &rooms).await;
                            drop(done);
                            result
                        }
                    };
                    if let Err(e) = result {
                        warn!(error = %e, "redis (un)subscribe failed");
                        break;
                    }
                }
                _ = check.tick() => {
                    let ping = redis::cmd("PING");
                    let ping = ping.query_async::<redis::Value>(&mut subs.conn);
                    if !matches!(tokio::time::timeout(timeout, ping).await, Ok(Ok(_))) {
                        break;
                    }
                }
            }
        }
        warn!("redis sharded pub/sub connection lost; reconnecting");
        status.lost();
    }
}

/// Hands an `smessage` push (`[channel, payload]`) to its namespace.
async fn dispatch(
    state: &Shared,
    routes: &HashMap<String, (String, Route)>,
    data: Vec<redis::Value>,
) {
    let [channel, payload] = data.as_slice() else {
        return;
    };
    let (redis::Value::BulkString(channel), redis::Value::BulkString(payload)) = (channel, payload)
    else {
        return;
    };
    let Some((nsp, route)) = std::str::from_utf8(channel)
        .ok()
        .and_then(|channel| routes.get(channel))
    else {
        return;
    };
    let Some(ns) = state.namespace(nsp) else {
        return;
    };
    let payload = Bytes::copy_from_slice(payload);
    match ClusterMessage::decode(&payload, state.config.max_message_bytes) {
        Ok(message) if *route == Route::Private => ns.on_response(message.body),
        Ok(message) => ns.on_message(message).await,
        Err(e) => debug!(error = %e, "undecodable redis message ignored"),
    }
}
