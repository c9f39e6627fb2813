//! The two Redis connections a server keeps, shared by all its namespaces.
//!
//! * The publisher is a redis-rs `ConnectionManager`, which reconnects by itself. Messages
//!   go through a bounded queue (`publish_queue` messages) to one task that publishes them in
//!   order; the caller never waits for Redis, so local delivery goes on. A message that
//!   cannot be published is kept and tried again, waiting from 100 ms doubling up to the
//!   maximum reconnect delay between tries, until it goes out; the messages after it wait in
//!   the queue, and while the queue is full further messages are dropped at once with a
//!   warning. An outage logs one warning when it starts and one line when publishing
//!   resumes, with how many messages waited. Before the backlog goes out, the publisher waits
//!   until the other servers have subscribed again: every namespace's request channel counts
//!   as many subscribers (`PUBSUB NUMSUB`, one per node) as were last seen before the outage
//!   (by the reply of a publish every node receives, or by a node count), or twice the
//!   maximum reconnect delay plus the command timeout have passed since Redis answered
//!   again. A message Redis refuses with an error reply is dropped with a warning; one that
//!   timed out, or whose reply was lost with its connection, may go out twice. `PUBSUB
//!   NUMSUB` (the node count every request starts with) is tried once more on a new
//!   connection when the first one broke.
//! * The subscriber is a dedicated RESP2 pub/sub connection driven by one task. For each
//!   namespace it holds PSUBSCRIBE `<key>#<nsp>#*` and SUBSCRIBE on the request, response and
//!   specific-response channels: one subscription to the request channel per server, which
//!   is how nodes count each other (`PUBSUB NUMSUB`). When the connection drops, or stops
//!   answering the periodic `PING`, the task reconnects at once (then, while that fails, with
//!   a doubling delay) and subscribes to every namespace again; [`SubscriberStatus`] records
//!   it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock, Weak};
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use redis::aio::{ConnectionManager, ConnectionManagerConfig, PubSubSink};
use tokio::sync::mpsc;
use tracing::{debug, info, warn};

use crate::adapter::NsState;
use crate::config::RedisAdapterConfig;
use crate::connection::{self, SubscriberState, SubscriberStatus, query_once_more, within};
use crate::error::Result;
use crate::wire::channel;

/// How often the subscriber connection is checked with a `PING`.
const HEALTH_CHECK: Duration = Duration::from_secs(5);
/// Delay after the first failed attempt to reconnect the subscriber (the first attempt is
/// made at once).
const FIRST_RETRY: Duration = Duration::from_millis(100);

/// What every namespace's adapter of one server shares.
pub(crate) struct Shared {
    pub(crate) config: RedisAdapterConfig,
    /// This server's node id: six characters of `A-Za-z0-9-_`, as Node's nodes pick.
    pub(crate) uid: String,
    conn: ConnectionManager,
    publish_tx: mpsc::Sender<Outgoing>,
    subscribe_tx: mpsc::UnboundedSender<String>,
    namespaces: RwLock<HashMap<String, Weak<NsState>>>,
    /// The nodes last counted on each namespace's request channel.
    nodes: Nodes,
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

impl Shared {
    /// Opens both connections (each must succeed once) and starts their tasks on the
    /// current tokio runtime.
    pub(crate) async fn connect(url: &str, config: RedisAdapterConfig) -> Result<Arc<Shared>> {
        let client = redis::Client::open(url)?;
        let manager_config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(config.command_timeout))
            .set_response_timeout(Some(config.command_timeout))
            .set_max_delay(config.max_reconnect_delay);
        let conn = ConnectionManager::new_with_config(client.clone(), manager_config).await?;
        let pubsub = within(config.command_timeout, client.get_async_pubsub()).await?;
        let (publish_tx, publish_rx) = mpsc::channel(config.publish_queue.max(1));
        let (subscribe_tx, subscribe_rx) = mpsc::unbounded_channel();
        let nodes = Nodes::default();
        let shared = Arc::new(Shared {
            uid: crate::random_id(),
            conn: conn.clone(),
            publish_tx,
            subscribe_tx,
            namespaces: RwLock::new(HashMap::new()),
            nodes: nodes.clone(),
            status: SubscriberStatus::new(),
            config,
        });
        tokio::spawn(publisher(
            conn,
            publish_rx,
            nodes,
            shared.config.command_timeout,
            shared.config.max_reconnect_delay,
        ));
        tokio::spawn(subscriber(
            client,
            pubsub,
            Arc::downgrade(&shared),
            subscribe_rx,
            shared.status.clone(),
        ));
        info!(uid = %shared.uid, "redis adapter connected");
        Ok(shared)
    }

    /// Queues `payload` for `channel`; drops it with a warning when the queue is full.
    /// `nodes` is the request channel of the namespace when every node of it receives
    /// `channel` (so the publish reply counts the nodes), `None` for one node's own channel.
    pub(crate) fn publish(&self, channel: String, payload: Vec<u8>, nodes: Option<String>) {
        let message = Outgoing {
            channel,
            payload,
            nodes,
        };
        if let Err(mpsc::error::TrySendError::Full(message)) = self.publish_tx.try_send(message) {
            warn!(channel = %message.channel, "redis publish queue full: message dropped");
        }
    }

    /// How many servers listen to namespace `nsp`'s requests (this one included).
    pub(crate) async fn node_count(&self, nsp: &str) -> Result<usize> {
        let request = channel::request(&self.config.key, nsp);
        let mut cmd = redis::cmd("PUBSUB");
        cmd.arg("NUMSUB").arg(&request);
        let reply: (String, usize) = query_once_more(
            &mut self.conn.clone(),
            &cmd,
            self.config.command_timeout,
            true,
        )
        .await?;
        self.nodes.seen(request, reply.1);
        Ok(reply.1)
    }

    /// Routes the messages of namespace `ns` to it and subscribes to its channels.
    pub(crate) fn register(&self, name: &str, ns: &Arc<NsState>) {
        self.namespaces
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(name.to_owned(), Arc::downgrade(ns));
        let _ = self.subscribe_tx.send(name.to_owned());
    }

    fn namespace(&self, name: &str) -> Option<Arc<NsState>> {
        self.namespaces
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(name)
            .and_then(Weak::upgrade)
    }

    fn namespace_names(&self) -> Vec<String> {
        self.namespaces
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .keys()
            .cloned()
            .collect()
    }
}

/// The nodes last counted on each namespace's request channel (by `PUBSUB NUMSUB` or by
/// the reply of a publish every node receives), shared by the adapters and the publisher.
#[derive(Clone, Debug, Default)]
struct Nodes(Arc<Mutex<HashMap<String, usize>>>);

impl Nodes {
    fn seen(&self, request: String, count: usize) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(request, count);
    }

    fn counts(&self) -> HashMap<String, usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// A message waiting to be published.
struct Outgoing {
    channel: String,
    payload: Vec<u8>,
    /// The request channel of the message's namespace when every node of the namespace
    /// receives `channel`.
    nodes: Option<String>,
}

/// Publishes queued messages in order until every sender is gone.
///
/// A message that fails is kept and tried again until it goes out, from [`FIRST_RETRY`]
/// doubling up to `max_delay` between tries (a publish that fails because the connection
/// broke is first tried once more at once on the new one, [`query_once_more`]). After such
/// an outage, [`until_nodes_are_back`] holds the backlog until the other servers listen
/// again. It gives up only when every sender is gone.
async fn publisher(
    mut conn: ConnectionManager,
    mut rx: mpsc::Receiver<Outgoing>,
    nodes: Nodes,
    timeout: Duration,
    max_delay: Duration,
) {
    while let Some(message) = rx.recv().await {
        let mut publish = redis::cmd("PUBLISH");
        publish.arg(&message.channel).arg(&message.payload);
        let mut sent = query_once_more::<usize>(&mut conn, &publish, timeout, true).await;
        if sent.as_ref().is_err_and(redis_away) {
            if let Err(e) = &sent {
                warn!(channel = %message.channel, error = %e, "redis publish failed: messages wait until Redis is back");
            }
            let before = nodes.counts();
            let mut delay = FIRST_RETRY;
            while sent.as_ref().is_err_and(redis_away) {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(max_delay);
                if rx.is_closed() {
                    warn!(
                        waiting = rx.len() + 1,
                        "redis publisher stopped: messages dropped"
                    );
                    return;
                }
                if until_nodes_are_back(&mut conn, &before, timeout, max_delay).await {
                    sent = within(timeout, publish.query_async(&mut conn)).await;
                }
            }
            info!(waited = rx.len() + 1, "redis publishing resumed");
        }
        match (sent, message.nodes) {
            (Ok(reached), Some(request)) => {
                nodes.seen(request, reached);
            }
            (Ok(_), None) => {}
            (Err(e), _) => {
                warn!(channel = %message.channel, error = %e, "redis refused a publish: message dropped");
            }
        }
    }
}

/// Whether `error` says Redis is away (or not ready yet), so the command is worth trying
/// again, rather than that Redis refused the command itself.
fn redis_away(error: &redis::RedisError) -> bool {
    error
        .code()
        .is_none_or(|code| matches!(code, "LOADING" | "BUSY" | "TRYAGAIN" | "MASTERDOWN"))
}

/// Whether Redis answers and the namespaces' request channels count at least as many
/// subscribers as `before` says (or do not within twice `max_delay` plus `timeout`); `false`
/// when Redis does not answer.
async fn until_nodes_are_back(
    conn: &mut ConnectionManager,
    before: &HashMap<String, usize>,
    timeout: Duration,
    max_delay: Duration,
) -> bool {
    let mut numsub = redis::cmd("PUBSUB");
    numsub.arg("NUMSUB").arg(before.keys().collect::<Vec<_>>());
    let grace = max_delay * 2 + timeout;
    let answering = tokio::time::Instant::now();
    loop {
        let Ok(counts) = within(timeout, numsub.query_async::<HashMap<String, usize>>(conn)).await
        else {
            return false;
        };
        let missing = counts
            .iter()
            .filter(|&(channel, count)| before.get(channel).is_some_and(|b| count < b))
            .count();
        if missing == 0 {
            return true;
        }
        if answering.elapsed() >= grace {
            warn!(
                namespaces = missing,
                "redis: fewer subscribers than before the outage; publishing anyway"
            );
            return true;
        }
        tokio::time::sleep(FIRST_RETRY).await;
    }
}

/// What a subscribed channel carries.
#[derive(Clone, Copy, Debug)]
enum Route {
    Broadcast,
    Request,
    Response,
}

/// The channels of namespace `nsp`, subscribed on `sink`; records where their messages go.
async fn subscribe_namespace(
    sink: &mut PubSubSink,
    shared: &Shared,
    nsp: &str,
    routes: &mut HashMap<String, (String, Route)>,
) -> redis::RedisResult<()> {
    let key = &shared.config.key;
    let pattern = channel::broadcast_pattern(key, nsp);
    let request = channel::request(key, nsp);
    let response = channel::response(key, nsp);
    let specific = channel::specific_response(key, nsp, &shared.uid);
    sink.psubscribe(&pattern).await?;
    sink.subscribe(&[&request, &response, &specific]).await?;
    routes.insert(pattern, (nsp.to_owned(), Route::Broadcast));
    routes.insert(request, (nsp.to_owned(), Route::Request));
    routes.insert(response, (nsp.to_owned(), Route::Response));
    routes.insert(specific, (nsp.to_owned(), Route::Response));
    debug!(nsp, "redis subscriptions in place");
    Ok(())
}

/// Drives the subscriber connection: dispatches messages, subscribes new namespaces,
/// reconnects and resubscribes after a loss, and keeps `status` up to date. Ends when the
/// servers' state is dropped.
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
        let (timeout, max_delay) = (
            state.config.command_timeout,
            state.config.max_reconnect_delay,
        );
        let pubsub = match connection.take() {
            Some(pubsub) => Some(pubsub),
            None => within(timeout, client.get_async_pubsub())
                .await
                .inspect_err(|e| debug!(error = %e, "redis subscriber reconnect failed"))
                .ok(),
        };
        let Some(pubsub) = pubsub else {
            drop(state);
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(max_delay);
            continue;
        };
        let (mut sink, mut stream) = pubsub.split();
        let mut routes = HashMap::new();
        let mut healthy = true;
        // Namespaces registered from here on are covered by the loop below, or come through
        // `subscribe_rx` once it is done (a namespace is listed before it is sent).
        while subscribe_rx.try_recv().is_ok() {}
        for nsp in state.namespace_names() {
            if let Err(e) = subscribe_namespace(&mut sink, &state, &nsp, &mut routes).await {
                warn!(error = %e, "redis subscribe failed");
                healthy = false;
                break;
            }
        }
        if !healthy {
            drop(state);
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(max_delay);
            continue;
        }
        if status.state() == SubscriberState::Reconnecting {
            info!("redis subscriber reconnected and resubscribed");
        }
        status.subscribed();
        delay = FIRST_RETRY;
        let shared_weak = Arc::downgrade(&state);
        drop(state);
        let mut check = tokio::time::interval(HEALTH_CHECK);
        check.tick().await;
        loop {
            tokio::select! {
                message = stream.next() => {
                    let Some(message) = message else { break };
                    let Some(state) = shared_weak.upgrade() else { return };
                    dispatch(&state, &routes, message).await;
                }
                name = subscribe_rx.recv() => {
                    let Some(name) = name else { return };
                    let Some(state) = shared_weak.upgrade() else { return };
                    if routes.values().any(|(nsp, _)| *nsp == name) {
                        continue;
                    }
                    if let Err(e) = subscribe_namespace(&mut sink, &state, &name, &mut routes).await {
                        warn!(error = %e, nsp = %name, "redis subscribe failed");
                        break;
                    }
                }
                _ = check.tick() => {
                    if !connection::ping(&mut sink, timeout).await {
                        warn!("redis subscriber connection does not answer PING");
                        break;
                    }
                }
            }
        }
        warn!("redis subscriber connection lost; reconnecting");
        status.lost();
    }
}

async fn dispatch(state: &Shared, routes: &HashMap<String, (String, Route)>, message: redis::Msg) {
    let route = if message.from_pattern() {
        message
            .get_pattern::<String>()
            .ok()
            .and_then(|pattern| routes.get(&pattern))
    } else {
        routes.get(message.get_channel_name())
    };
    let Some((nsp, route)) = route else {
        return;
    };
    let Some(ns) = state.namespace(nsp) else {
        return;
    };
    let payload = Bytes::copy_from_slice(message.get_payload_bytes());
    match route {
        Route::Broadcast => ns.on_broadcast(message.get_channel_name(), payload).await,
        Route::Request => ns.on_request(payload).await,
        Route::Response => ns.on_response(payload),
    }
}
