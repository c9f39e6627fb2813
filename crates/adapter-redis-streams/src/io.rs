//! The Redis connections a server keeps, shared by all its namespaces.
//!
//! * Commands (`XADD`, `PUBLISH`, `PUBSUB NUMSUB`, sessions) go through a redis-rs
//!   `ConnectionManager`, which reconnects by itself.
//! * Every write goes through one bounded queue to one writer task, which sends what is
//!   queued as one pipeline and then runs each write's follow-up in queue order (for a
//!   broadcast: local delivery carrying the entry id as its offset). So this server's
//!   entries are delivered to its own clients in stream order, direct emits included.
//! * One reader task per stream runs `XREAD BLOCK` on a connection of its own, from the
//!   last entry id it has seen (from the stream's last entry when it starts, which `$`
//!   would race with), and hands every entry to its namespace.
//! * A write that fails because the connection broke is tried once more (the
//!   `ConnectionManager` has started reconnecting by then), within the command timeout; only
//!   the first failure of a series is.
//! * The pub/sub connection subscribes to `<prefix>#<nsp>#` and `<prefix>#<nsp>#<uid>#` for
//!   every namespace; after a loss it reconnects at once (then, while that fails, with a
//!   doubling delay) and subscribes again. [`SubscriberStatus`] records it.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError, RwLock, Weak};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::StreamExt;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::sync::{mpsc, oneshot};
use tracing::{debug, info, warn};
use wsio_adapter_redis::connection::{
    self, SubscriberState, SubscriberStatus, query_once_more, within,
};
use wsio_server::BoxFuture;

use crate::adapter::NsState;
use crate::cluster::Transport;
use crate::config::StreamsAdapterConfig;
use crate::error::Result;
use crate::wire::{self, ClusterMessage};

/// How often the pub/sub connection is checked with a `PING`.
pub(crate) const HEALTH_CHECK: Duration = Duration::from_secs(5);
/// Delay after the first failed attempt to reconnect (the first attempt after a loss is made
/// at once).
pub(crate) const FIRST_RETRY: Duration = Duration::from_millis(100);
/// Most writes sent in one pipeline.
const BATCH: usize = 64;

/// What to do once a write went to Redis (or failed to).
pub(crate) enum Then {
    /// Nothing.
    Nothing,
    /// Tell the caller whether it was written.
    Notify(oneshot::Sender<bool>),
    /// Deliver a broadcast to this server's sockets, with the entry id as offset when
    /// written; then tell the caller.
    Deliver {
        ns: Arc<NsState>,
        packet: event_proto::Encoded,
        opts: wsio_server::BroadcastOptions,
        done: Option<oneshot::Sender<()>>,
    },
}

impl Then {
    /// Runs the follow-up; `offset` is the new entry's id when there is one.
    pub(crate) fn run(self, written: bool, offset: Option<&str>) {
        match self {
            Then::Nothing => {}
            Then::Notify(tx) => {
                let _ = tx.send(written);
            }
            Then::Deliver {
                ns,
                packet,
                opts,
                done,
            } => {
                ns.deliver(packet, &opts, offset);
                if let Some(done) = done {
                    let _ = done.send(());
                }
            }
        }
    }
}

/// One queued write.
pub(crate) enum Write {
    /// `XADD <stream> MAXLEN ~ <n> * <fields>`.
    Entry {
        stream: String,
        fields: Vec<(&'static str, Vec<u8>)>,
        then: Then,
    },
    /// `PUBLISH` or `SPUBLISH` (`command`) `<channel> <payload>`.
    Publish {
        command: &'static str,
        channel: String,
        payload: Vec<u8>,
    },
}

impl Write {
    fn then(self) -> Then {
        match self {
            Write::Entry { then, .. } => then,
            Write::Publish { .. } => Then::Nothing,
        }
    }
}

/// The namespaces of one server, by name, held weakly (a dropped namespace is skipped).
pub(crate) struct Namespaces<T>(RwLock<HashMap<String, Weak<T>>>);

impl<T> Namespaces<T> {
    pub(crate) fn new() -> Namespaces<T> {
        Namespaces(RwLock::new(HashMap::new()))
    }

    /// Routes namespace `name` to `ns`.
    pub(crate) fn insert(&self, name: &str, ns: &Arc<T>) {
        self.0
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(name.to_owned(), Arc::downgrade(ns));
    }

    /// Namespace `name`, if it is still there.
    pub(crate) fn get(&self, name: &str) -> Option<Arc<T>> {
        self.0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(name)
            .and_then(Weak::upgrade)
    }

    /// Every registered name.
    pub(crate) fn names(&self) -> Vec<String> {
        self.0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .keys()
            .cloned()
            .collect()
    }
}

/// What every namespace's adapter of one server shares.
pub(crate) struct Shared {
    pub(crate) config: StreamsAdapterConfig,
    /// This server's node id: 16 hex digits, as Node's ClusterAdapter picks.
    pub(crate) uid: String,
    conn: ConnectionManager,
    client: redis::Client,
    runtime: tokio::runtime::Handle,
    writes: Writes,
    subscribe_tx: mpsc::UnboundedSender<String>,
    namespaces: Namespaces<NsState>,
    readers: Mutex<HashSet<String>>,
    /// The pub/sub connection's state and reconnection count.
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

/// A command connection's settings: connecting may take `connect`, a reply `response`,
/// and reconnection attempts are at most `max_delay` apart.
pub(crate) fn manager_config(
    connect: Duration,
    response: Duration,
    max_delay: Duration,
) -> ConnectionManagerConfig {
    ConnectionManagerConfig::new()
        .set_connection_timeout(Some(connect))
        .set_response_timeout(Some(response))
        .set_max_delay(max_delay)
}

pub(crate) use wsio_adapter_redis::connection::timed_out;

impl Shared {
    /// Opens the connections (each must succeed once) and starts their tasks on the current
    /// tokio runtime.
    pub(crate) async fn connect(url: &str, config: StreamsAdapterConfig) -> Result<Arc<Shared>> {
        let client = redis::Client::open(url)?;
        let conn = ConnectionManager::new_with_config(
            client.clone(),
            manager_config(
                config.command_timeout,
                config.command_timeout,
                config.max_reconnect_delay,
            ),
        )
        .await?;
        let pubsub = tokio::time::timeout(config.command_timeout, client.get_async_pubsub())
            .await
            .map_err(|_| timed_out())??;
        let writes = Writes::start(
            conn.clone(),
            config.write_queue,
            config.max_len,
            config.retry_after,
            config.command_timeout,
        );
        let (subscribe_tx, subscribe_rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            uid: crate::random_hex(8),
            conn: conn.clone(),
            client: client.clone(),
            runtime: tokio::runtime::Handle::current(),
            writes,
            subscribe_tx,
            namespaces: Namespaces::new(),
            readers: Mutex::new(HashSet::new()),
            status: SubscriberStatus::new(),
            config,
        });
        tokio::spawn(subscriber(
            client,
            pubsub,
            Arc::downgrade(&shared),
            subscribe_rx,
            shared.status.clone(),
        ));
        // The first stream's reader starts from its current end before this returns, so
        // nothing written after `connect` is missed.
        let first = wire::stream_name(&shared.config.stream_name, shared.config.stream_count, "/");
        shared.start_reader(&first).await?;
        info!(uid = %shared.uid, "redis streams adapter connected");
        Ok(shared)
    }

    /// Queues `write`; when the queue is full, runs its follow-up as a failed write.
    pub(crate) fn write(&self, write: Write) {
        self.writes.send(write);
    }

    /// A connection for one-off commands.
    pub(crate) fn conn(&self) -> ConnectionManager {
        self.conn.clone()
    }

    /// Routes the messages of namespace `name` to `ns`, subscribes to its channels and makes
    /// sure its stream is read.
    pub(crate) fn register(self: &Arc<Self>, name: &str, ns: &Arc<NsState>, stream: &str) {
        self.namespaces.insert(name, ns);
        let _ = self.subscribe_tx.send(name.to_owned());
        let started = self
            .readers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(stream);
        if !started {
            let shared = self.clone();
            let stream = stream.to_owned();
            self.runtime.spawn(async move {
                if let Err(e) = shared.start_reader(&stream).await {
                    warn!(error = %e, %stream, "redis stream reader not started");
                }
            });
        }
    }

    /// Starts the reader of `stream` once, from the stream's last entry.
    async fn start_reader(self: &Arc<Self>, stream: &str) -> Result<()> {
        if !self
            .readers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(stream.to_owned())
        {
            return Ok(());
        }
        let last = self.last_entry_id(stream).await.unwrap_or_else(|e| {
            warn!(error = %e, "redis: stream end unknown; reading from new entries");
            "$".to_owned()
        });
        let response = self.config.block_time + self.config.command_timeout;
        let conn = ConnectionManager::new_with_config(
            self.client.clone(),
            manager_config(
                self.config.command_timeout,
                response,
                self.config.max_reconnect_delay,
            ),
        )
        .await?;
        tokio::spawn(reader(conn, Arc::downgrade(self), stream.to_owned(), last));
        Ok(())
    }

    /// The id of the last entry of `stream`, `0-0` when it is empty.
    async fn last_entry_id(&self, stream: &str) -> Result<String> {
        let mut conn = self.conn.clone();
        let mut cmd = redis::cmd("XREVRANGE");
        cmd.arg(stream).arg("+").arg("-").arg("COUNT").arg(1);
        let query = cmd.query_async::<redis::Value>(&mut conn);
        let reply = tokio::time::timeout(self.config.command_timeout, query)
            .await
            .map_err(|_| timed_out())??;
        Ok(parse_entries(&reply)
            .into_iter()
            .next()
            .map_or_else(|| "0-0".to_owned(), |(id, _)| id))
    }

    fn namespace(&self, name: &str) -> Option<Arc<NsState>> {
        self.namespaces.get(name)
    }

    fn namespace_names(&self) -> Vec<String> {
        self.namespaces.names()
    }
}

impl Transport for Shared {
    fn uid(&self) -> &str {
        &self.uid
    }

    fn requests_timeout(&self) -> Duration {
        self.config.requests_timeout
    }

    /// `PUBLISH <prefix>#<nsp># <MessagePack>`.
    fn publish(&self, message: ClusterMessage) {
        let channel = wire::public_channel(&self.config.channel_prefix, &message.nsp);
        self.write(Write::Publish {
            command: "PUBLISH",
            channel,
            payload: message.to_msgpack(),
        });
    }

    /// `PUBLISH <prefix>#<nsp>#<uid># <MessagePack>`.
    fn respond(&self, uid: &str, message: ClusterMessage) {
        let channel = wire::private_channel(&self.config.channel_prefix, &message.nsp, uid);
        self.write(Write::Publish {
            command: "PUBLISH",
            channel,
            payload: message.to_msgpack(),
        });
    }

    /// `PUBSUB NUMSUB <prefix>#<nsp>#`.
    fn node_count<'a>(&'a self, nsp: &'a str) -> BoxFuture<'a, Result<usize>> {
        let channel = wire::public_channel(&self.config.channel_prefix, nsp);
        Box::pin(subscribers(
            self.conn.clone(),
            "NUMSUB",
            channel,
            self.config.command_timeout,
        ))
    }
}

/// `PUBSUB <kind> <channel>`: how many connections listen to `channel` (`kind` is
/// `NUMSUB` or `SHARDNUMSUB`).
pub(crate) async fn subscribers(
    mut conn: ConnectionManager,
    kind: &str,
    channel: String,
    timeout: Duration,
) -> Result<usize> {
    let mut cmd = redis::cmd("PUBSUB");
    cmd.arg(kind).arg(&channel);
    // Tried once more on a broken connection: the first request after Redis came back
    // would otherwise answer for this server alone.
    let reply: redis::Value = query_once_more(&mut conn, &cmd, timeout, true).await?;
    // `[channel, count]`, or a map `{channel: count}` on a RESP3 connection.
    let count = match &reply {
        redis::Value::Array(items) => items.get(1),
        redis::Value::Map(pairs) => pairs.first().map(|(_, count)| count),
        _ => None,
    };
    Ok(match count {
        Some(redis::Value::Int(n)) => usize::try_from(*n).unwrap_or(0),
        _ => 0,
    })
}

/// The queue in front of the writer task of one server.
pub(crate) struct Writes(mpsc::Sender<Write>);

impl Writes {
    /// Starts the writer on `conn` behind a queue of `capacity` writes; `max_len` trims
    /// streams; `retry_after` is how long writes skip Redis after a failure, `timeout` how
    /// long the second try of a write whose connection broke may wait.
    pub(crate) fn start(
        conn: ConnectionManager,
        capacity: usize,
        max_len: usize,
        retry_after: Duration,
        timeout: Duration,
    ) -> Writes {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        tokio::spawn(writer(conn, rx, max_len, retry_after, timeout));
        Writes(tx)
    }

    /// Queues `write`; when the queue is full, runs its follow-up as a failed write.
    pub(crate) fn send(&self, write: Write) {
        if let Err(
            mpsc::error::TrySendError::Full(write) | mpsc::error::TrySendError::Closed(write),
        ) = self.0.try_send(write)
        {
            warn!("redis write queue full: delivered locally only");
            write.then().run(false, None);
        }
    }
}

/// Sends queued writes in order, in pipelines of up to [`BATCH`], then runs their
/// follow-ups in the same order. After a failure, writes skip Redis for `retry_after`.
///
/// A pipeline that fails because the connection broke (not one that timed out, which Redis
/// may still carry out) is sent once more, on the connection the `ConnectionManager` opens
/// on such an error, waiting for it up to `timeout`; only the first failure of a series is
/// tried again, so an outage costs one wait.
async fn writer(
    mut conn: ConnectionManager,
    mut rx: mpsc::Receiver<Write>,
    max_len: usize,
    retry_after: Duration,
    timeout: Duration,
) {
    let mut down_until: Option<Instant> = None;
    let mut batch = Vec::with_capacity(BATCH);
    while rx.recv_many(&mut batch, BATCH).await > 0 {
        if down_until.is_some_and(|until| Instant::now() < until) {
            for write in batch.drain(..) {
                write.then().run(false, None);
            }
            continue;
        }
        let mut pipe = redis::pipe();
        for write in &batch {
            match write {
                Write::Entry { stream, fields, .. } => {
                    let cmd = pipe
                        .cmd("XADD")
                        .arg(stream)
                        .arg("MAXLEN")
                        .arg("~")
                        .arg(max_len)
                        .arg("*");
                    for (name, value) in fields {
                        cmd.arg(*name).arg(value.as_slice());
                    }
                }
                Write::Publish {
                    command,
                    channel,
                    payload,
                } => {
                    pipe.cmd(command).arg(channel).arg(payload.as_slice());
                }
            }
        }
        let mut sent = pipe.query_async::<Vec<redis::Value>>(&mut conn).await;
        if down_until.is_none()
            && sent
                .as_ref()
                .is_err_and(redis::RedisError::is_connection_dropped)
        {
            debug!(
                writes = batch.len(),
                "redis write failed on a broken connection; trying once more"
            );
            sent = within(timeout, pipe.query_async(&mut conn)).await;
        }
        match sent {
            Ok(replies) => {
                down_until = None;
                for (write, reply) in batch.drain(..).zip(
                    replies
                        .into_iter()
                        .chain(std::iter::repeat(redis::Value::Nil)),
                ) {
                    let id = match &reply {
                        redis::Value::BulkString(b) => {
                            Some(String::from_utf8_lossy(b).into_owned())
                        }
                        redis::Value::SimpleString(s) => Some(s.clone()),
                        _ => None,
                    };
                    write.then().run(true, id.as_deref());
                }
            }
            Err(e) => {
                warn!(error = %e, writes = batch.len(), "redis write failed: delivered locally only");
                down_until = Some(Instant::now() + retry_after);
                for write in batch.drain(..) {
                    write.then().run(false, None);
                }
            }
        }
    }
}

/// Reads `stream` from after `last` until the servers' state is dropped, handing each entry
/// to its namespace; retries with a doubling delay while Redis is away, from the last id
/// seen.
async fn reader(
    mut conn: ConnectionManager,
    shared: Weak<Shared>,
    stream: String,
    mut last: String,
) {
    let mut delay = FIRST_RETRY;
    let mut failing = false;
    loop {
        let Some(state) = shared.upgrade() else {
            return;
        };
        let (count, block, max_delay, max_len) = (
            state.config.read_count.max(1),
            state.config.block_time,
            state.config.max_reconnect_delay,
            state.config.max_message_bytes,
        );
        drop(state);
        let reply = redis::cmd("XREAD")
            .arg("COUNT")
            .arg(count)
            .arg("BLOCK")
            .arg(u64::try_from(block.as_millis()).unwrap_or(u64::MAX))
            .arg("STREAMS")
            .arg(&stream)
            .arg(&last)
            .query_async::<redis::Value>(&mut conn)
            .await;
        let reply = match reply {
            Ok(reply) => reply,
            Err(e) => {
                if !failing {
                    warn!(error = %e, %stream, "redis stream read failed; retrying");
                    failing = true;
                }
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(max_delay);
                continue;
            }
        };
        if std::mem::take(&mut failing) {
            info!(%stream, from = %last, "redis stream reading again");
        }
        delay = FIRST_RETRY;
        let Some(state) = shared.upgrade() else {
            return;
        };
        for (_name, entries) in parse_streams(&reply) {
            for (id, fields) in entries {
                last.clone_from(&id);
                match ClusterMessage::from_entry(&fields, max_len) {
                    Ok(message) => {
                        if let Some(ns) = state.namespace(&message.nsp) {
                            ns.on_message(message, Some(&id)).await;
                        }
                    }
                    Err(e) => debug!(error = %e, %id, "undecodable stream entry ignored"),
                }
            }
        }
    }
}

type Entry = (String, Vec<(Vec<u8>, Vec<u8>)>);

/// `[[stream, [[id, [field, value, ...]], ...]], ...]` (or a RESP3 map of streams).
fn parse_streams(reply: &redis::Value) -> Vec<(String, Vec<Entry>)> {
    let pairs: Vec<(&redis::Value, &redis::Value)> = match reply {
        redis::Value::Array(items) => items
            .iter()
            .filter_map(|item| match item {
                redis::Value::Array(pair) if pair.len() == 2 => Some((&pair[0], &pair[1])),
                _ => None,
            })
            .collect(),
        redis::Value::Map(items) => items.iter().map(|(k, v)| (k, v)).collect(),
        _ => Vec::new(),
    };
    pairs
        .into_iter()
        .map(|(name, entries)| (text(name).unwrap_or_default(), parse_entries(entries)))
        .collect()
}

/// `[[id, [field, value, ...]], ...]`, as XRANGE and XREVRANGE answer.
pub(crate) fn parse_entries(reply: &redis::Value) -> Vec<Entry> {
    let redis::Value::Array(items) = reply else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| {
            let redis::Value::Array(pair) = item else {
                return None;
            };
            let id = text(pair.first()?)?;
            let fields = match pair.get(1) {
                Some(redis::Value::Array(flat)) => flat
                    .chunks_exact(2)
                    .filter_map(|kv| Some((bytes(&kv[0])?, bytes(&kv[1])?)))
                    .collect(),
                Some(redis::Value::Map(map)) => map
                    .iter()
                    .filter_map(|(k, v)| Some((bytes(k)?, bytes(v)?)))
                    .collect(),
                _ => Vec::new(),
            };
            Some((id, fields))
        })
        .collect()
}

fn bytes(value: &redis::Value) -> Option<Vec<u8>> {
    match value {
        redis::Value::BulkString(b) => Some(b.clone()),
        redis::Value::SimpleString(s) => Some(s.clone().into_bytes()),
        _ => None,
    }
}

fn text(value: &redis::Value) -> Option<String> {
    bytes(value).map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// What a subscribed channel carries.
#[derive(Clone, Copy, Debug)]
enum Route {
    Public,
    Private,
}

/// Drives the pub/sub connection: dispatches messages, subscribes new namespaces,
/// reconnects and subscribes again after a loss, and keeps `status` up to date. Ends when
/// the servers' state is dropped.
///
/// After a loss the first attempt to reconnect is made at once; only failed attempts wait,
/// from [`FIRST_RETRY`] doubling up to the configured maximum.
async fn subscriber(
    client: redis::Client,
    first: redis::aio::PubSub,
    shared: Weak<Shared>,
    mut subscribe_rx: mpsc::UnboundedReceiver<String>,
    status: SubscriberStatus,
) {
    let mut connection = Some(first);
    let mut delay = FIRST_RETRY;
    loop {
        let Some(state) = shared.upgrade() else {
            return;
        };
        let timeout = state.config.command_timeout;
        let max_delay = state.config.max_reconnect_delay;
        let pubsub = match connection.take() {
            Some(pubsub) => pubsub,
            None => match tokio::time::timeout(timeout, client.get_async_pubsub()).await {
                Ok(Ok(pubsub)) => pubsub,
                _ => {
                    drop(state);
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(max_delay);
                    continue;
                }
            },
        };
        let (mut sink, mut stream) = pubsub.split();
        let mut routes: HashMap<String, (String, Route)> = HashMap::new();
        let mut healthy = true;
        // Namespaces registered from here on are covered by the loop below.
        while subscribe_rx.try_recv().is_ok() {}
        for nsp in state.namespace_names() {
            let channels = channels(&state, &nsp);
            if let Err(e) = sink.subscribe(&[&channels[0].0, &channels[1].0]).await {
                warn!(error = %e, "redis subscribe failed");
                healthy = false;
                break;
            }
            routes.extend(channels.map(|(channel, route)| (channel, (nsp.clone(), route))));
        }
        if !healthy {
            drop(state);
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(max_delay);
            continue;
        }
        if status.state() == SubscriberState::Reconnecting {
            info!("redis pub/sub connection reconnected and subscribed");
        }
        status.subscribed();
        delay = FIRST_RETRY;
        drop(state);
        let mut check = tokio::time::interval(HEALTH_CHECK);
        check.tick().await;
        loop {
            tokio::select! {
                message = stream.next() => {
                    let Some(message) = message else { break };
                    let Some(state) = shared.upgrade() else { return };
                    let Some((nsp, route)) = routes.get(message.get_channel_name()) else { continue };
                    let Some(ns) = state.namespace(nsp) else { continue };
                    let payload = Bytes::copy_from_slice(message.get_payload_bytes());
                    match ClusterMessage::decode(&payload, state.config.max_message_bytes) {
                        Ok(message) => match route {
                            Route::Private => ns.on_response(message.body),
                            Route::Public => ns.on_message(message, None).await,
                        },
                        Err(e) => debug!(error = %e, "undecodable redis message ignored"),
                    }
                }
                name = subscribe_rx.recv() => {
                    let Some(name) = name else { return };
                    let Some(state) = shared.upgrade() else { return };
                    if routes.values().any(|(nsp, _)| *nsp == name) {
                        continue;
                    }
                    let channels = channels(&state, &name);
                    if let Err(e) = sink.subscribe(&[&channels[0].0, &channels[1].0]).await {
                        warn!(error = %e, nsp = %name, "redis subscribe failed");
                        break;
                    }
                    routes.extend(channels.map(|(channel, route)| (channel, (name.clone(), route))));
                }
                _ = check.tick() => {
                    if !connection::ping(&mut sink, timeout).await {
                        warn!("redis pub/sub connection does not answer PING");
                        break;
                    }
                }
            }
        }
        warn!("redis pub/sub connection lost; reconnecting");
        status.lost();
    }
}

fn channels(state: &Shared, nsp: &str) -> [(String, Route); 2] {
    let prefix = &state.config.channel_prefix;
    [
        (wire::public_channel(prefix, nsp), Route::Public),
        (
            wire::private_channel(prefix, nsp, &state.uid),
            Route::Private,
        ),
    ]
}
