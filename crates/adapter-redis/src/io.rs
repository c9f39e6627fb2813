//! The two Redis connections a server keeps, shared by all its namespaces.
//!
//! * The publisher is a redis-rs `ConnectionManager`, which reconnects by itself. Messages
//!   go through a bounded queue to one task that publishes them in order. A publish that fails
//!   because the connection broke is tried once more (the manager has started reconnecting
//!   by then), within the command timeout; while Redis stays away publishing fails (each
//!   failure logs a `tracing` warning, and only the first of a series is tried again) and the
//!   message is dropped, and when the queue is full the message is dropped at once. The caller
//!   never waits for Redis, so local delivery goes on. `PUBSUB NUMSUB` (the node count every
//!   request starts with) is tried once more the same way.
//! * The subscriber is a dedicated RESP2 pub/sub connection driven by one task. For each
//!   namespace it holds PSUBSCRIBE `<key>#<nsp>#*` and SUBSCRIBE on the request, response and
//!   specific-response channels: one subscription to the request channel per server, which
//!   is how nodes count each other (`PUBSUB NUMSUB`). When the connection drops, or stops
//!   answering the periodic `PING`, the task reconnects at once (then, while that fails, with
//!   a doubling delay) and subscribes to every namespace again; [`SubscriberStatus`] records
//!   it.

use std::collections::HashMap;
use std::sync::{Arc, RwLock, Weak};
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
    publish_tx: mpsc::Sender<(String, Vec<u8>)>,
    subscribe_tx: mpsc::UnboundedSender<String>,
    namespaces: RwLock<HashMap<String, Weak<NsState>>>,
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
        let shared = Arc::new(Shared {
            uid: crate::random_id(),
            conn: conn.clone(),
            publish_tx,
            subscribe_tx,
            namespaces: RwLock::new(HashMap::new()),
            status: SubscriberStatus::new(),
            config,
        });
        tokio::spawn(publisher(conn, publish_rx, shared.config.command_timeout));
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
    pub(crate) fn publish(&self, channel: String, payload: Vec<u8>) {
        if let Err(mpsc::error::TrySendError::Full((channel, _))) =
            self.publish_tx.try_send((channel, payload))
        {
            warn!(%channel, "redis publish queue full: message dropped");
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

/// Publishes queued messages in order until every sender is gone.
///
/// A publish that fails because the connection broke is tried once more on the new one,
/// waiting for it up to `timeout` ([`query_once_more`]); only the first failure of a series
/// is, so an outage costs one wait, not one per message.
async fn publisher(
    mut conn: ConnectionManager,
    mut rx: mpsc::Receiver<(String, Vec<u8>)>,
    timeout: Duration,
) {
    let mut healthy = true;
    while let Some((channel, payload)) = rx.recv().await {
        let mut publish = redis::cmd("PUBLISH");
        publish.arg(&channel).arg(payload);
        let sent = query_once_more::<()>(&mut conn, &publish, timeout, healthy).await;
        healthy = sent.is_ok();
        if let Err(e) = sent {
            warn!(%channel, error = %e, "redis publish failed: message dropped");
        }
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
