//! A Redis Streams adapter for wsio-server, wire-compatible with Node's
//! `@socket.io/redis-streams-adapter` 0.3.1, so wsio servers and Node socket.io 4.8 servers
//! share one cluster, with connection state recovery across servers; and a sharded pub/sub
//! adapter ([`ShardedCluster`]), wire-compatible with Node's `createShardedAdapter`
//! (`@socket.io/redis-adapter` 8.3.0). Both speak the ClusterAdapter model ([`wire`]).
//!
//! Connect once per server with [`StreamsCluster::connect`] and hand its
//! [`factory`](StreamsCluster::factory) to [`Config::adapter`](wsio_server::Config::adapter):
//! every namespace then gets a [`StreamsAdapter`].
//!
//! ```no_run
//! use wsio_adapter_redis_streams::{StreamsAdapterConfig, StreamsCluster};
//! use wsio_server::{Config, RecoveryConfig, Server};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let cluster =
//!     StreamsCluster::connect("redis://127.0.0.1:6379", StreamsAdapterConfig::default()).await?;
//! let io = Server::new(Config {
//!     adapter: Some(cluster.factory()),
//!     // Sessions live in Redis: a client may recover on any server of the cluster.
//!     connection_state_recovery: Some(RecoveryConfig::default()),
//!     ..Config::default()
//! });
//! io.ns("/", |socket| {
//!     socket.on("chat", |socket: wsio_server::Socket, (text,): (String,), _ack| {
//!         tokio::spawn(async move {
//!             // Reaches the clients of every server, with the stream entry id as offset.
//!             let _ = socket.broadcast().emit("chat", &(text,)).await;
//!         });
//!     });
//! });
//! # Ok(())
//! # }
//! ```
//!
//! # What crosses servers
//!
//! Messages follow the ClusterAdapter model ([`wire`]):
//!
//! | operation | carrier |
//! |---|---|
//! | broadcasts, `sockets_join`, `sockets_leave`, `disconnect_sockets` | `XADD <stream> MAXLEN ~ <max_len> * uid <uid> nsp <nsp> type <n> data <JSON or base64 MessagePack>` |
//! | broadcasts with acks, `fetch_sockets`, server-side emits | `PUBLISH <prefix>#<nsp># <MessagePack>` |
//! | answers (client counts, acks, sockets, server-side answers) | `PUBLISH <prefix>#<nsp>#<asker uid># <MessagePack>` |
//! | `server_count` | `PUBSUB NUMSUB <prefix>#<nsp>#` |
//! | sessions | `SET <session_key_prefix><pid> base64(MessagePack {sid, pid, rooms, data}) PX <max disconnection>` |
//!
//! Each server reads each stream it uses with `XREAD BLOCK` on a connection of its own
//! (shared by every namespace of that stream), and subscribes on one pub/sub connection.
//!
//! # Offsets and ordering
//!
//! With connection state recovery on, the offset of every broadcast is its stream entry id,
//! on every server: a server delivers its own broadcast to its clients once `XADD` answered,
//! and another server's when it reads the entry. A direct `socket.emit` also goes into the
//! stream (addressed to the socket's own room, as Node's server does), so a client that
//! recovers elsewhere gets it too. Writes leave through one queue per server whose task sends
//! them in pipelines and delivers each in turn, so a socket's packets from this server keep
//! their order, direct emits and broadcasts alike. The price is latency: a direct emit
//! reaches the socket one Redis round trip later than with the in-memory adapter (about
//! 0.1 ms on loopback, a network round trip otherwise), and `socket.emit` returns at once
//! without waiting for it.
//!
//! `all_rooms` answers for this server alone: the model has no rooms request.
//!
//! # When Redis is away
//!
//! Local delivery never stops. A broadcast (or direct emit) whose write fails is delivered
//! to this server's clients without an offset, and other servers never see it; for
//! [`StreamsAdapterConfig::retry_after`] after a failure, writes skip Redis altogether, so
//! an outage costs one failed attempt, not one per message. Requests (fetching sockets,
//! server-side emits with acks, server count) answer for this server alone. Sessions can't
//! be saved or restored then: the client gets a fresh session. The connections come back by
//! themselves; the stream reader resumes from the last entry id it saw, so entries written
//! by other servers meanwhile are delivered late rather than lost (unless trimmed away), and
//! the pub/sub connection reconnects at once and subscribes again (pub/sub messages sent
//! meanwhile are lost). A write that fails because its connection broke is tried once more
//! on the new connection. [`StreamsCluster::subscriber_status`] and
//! [`ShardedCluster::subscriber_status`] tell whether the subscriber is connected and how
//! often it had to reconnect.
//!
//! # The sharded pub/sub adapter
//!
//! [`ShardedCluster::connect`] needs Redis 7 or later (a standalone server does sharded
//! pub/sub too). Per namespace `<nsp>`, with the default prefix:
//!
//! | operation | carrier |
//! |---|---|
//! | plain broadcast to exactly one room that has a channel ([`SubscriptionMode`]) | `SPUBLISH socket.io#<nsp>#<room># <payload>` |
//! | any other broadcast, broadcasts with acks, joins, leaves, disconnects, requests | `SPUBLISH socket.io#<nsp># <payload>` |
//! | answers | `SPUBLISH socket.io#<nsp>#<asker uid># <payload>` |
//! | `server_count` | `PUBSUB SHARDNUMSUB socket.io#<nsp>#` |
//!
//! The payload is JSON, or MessagePack when the message carries binary. Each server
//! `SSUBSCRIBE`s the main and its own channel of every namespace; in the dynamic modes also
//! the channel of each room when it gets its first member on this server (the join returns
//! once subscribed, at most [`ShardedAdapterConfig::command_timeout`] later), and
//! `SUNSUBSCRIBE`s when its last member leaves. A broadcast to one room thus reaches only
//! the servers hosting it. Connection state recovery works on one server only (see
//! [`ShardedAdapter`]): the sharded model has no offsets.
//!
//! When Redis is away, local delivery never stops: a broadcast reaches this server's clients
//! at once and the other servers never see it; for [`ShardedAdapterConfig::retry_after`]
//! after a failed publish, messages skip Redis altogether. Requests answer for this server
//! alone, and joins do not wait for subscriptions. The connections come back by themselves;
//! the subscriber connects again at once and subscribes to every namespace's channels and
//! every hosted room's channel (messages published meanwhile are lost, as with Node's
//! adapter).
//!
//! # Not supported
//!
//! * Sharded pub/sub for the Streams adapter (`useShardedPubSub`): its channel and encoding
//!   rules are in [`wire`], but the Streams adapter speaks plain pub/sub only.
//! * Heartbeats: like Node's adapters, node counts come from `PUBSUB NUMSUB` (Streams) or
//!   `PUBSUB SHARDNUMSUB` (sharded).
//! * Redis Cluster: the connections go to one server; sharded channels of several shards
//!   would need a cluster client.

mod adapter;
mod cluster;
mod config;
mod error;
mod io;
mod sharded;
pub mod wire;

use std::sync::Arc;

pub use adapter::StreamsAdapter;
pub use config::StreamsAdapterConfig;
pub use error::{Error, Result};
pub use sharded::{ShardedAdapter, ShardedAdapterConfig, ShardedCluster};
pub use wire::SubscriptionMode;
pub use wsio_adapter_redis::{SubscriberState, SubscriberStatus};
use wsio_server::{Adapter, AdapterContext, AdapterFactory};

/// One server's membership in a Redis Streams cluster: its Redis connections (commands,
/// stream readers, pub/sub; shared by all namespaces) and its node id.
#[derive(Debug, Clone)]
pub struct StreamsCluster {
    shared: Arc<io::Shared>,
}

impl StreamsCluster {
    /// Connects to the Redis server at `url` (`redis://[user:password@]host:port[/db]`).
    /// Must run inside a tokio runtime, which then drives the connections.
    ///
    /// Fails when Redis cannot be reached now; once connected, losses are repaired in the
    /// background. Entries written after this returns are read by this server.
    pub async fn connect(url: &str, config: StreamsAdapterConfig) -> Result<StreamsCluster> {
        Ok(StreamsCluster {
            shared: io::Shared::connect(url, config).await?,
        })
    }

    /// The factory for [`Config::adapter`](wsio_server::Config::adapter): a
    /// [`StreamsAdapter`] for every namespace.
    pub fn factory(&self) -> AdapterFactory {
        let shared = self.shared.clone();
        Arc::new(move |ctx: &AdapterContext| -> Arc<dyn Adapter> {
            Arc::new(StreamsAdapter::new(
                ctx.name(),
                ctx.local_adapter(),
                ctx.recovery(),
                shared.clone(),
            ))
        })
    }

    /// This server's node id on the wire (16 hex digits).
    pub fn uid(&self) -> &str {
        &self.shared.uid
    }

    /// The settings in use.
    pub fn config(&self) -> &StreamsAdapterConfig {
        &self.shared.config
    }

    /// The status of this server's pub/sub connection (requests and answers travel on it;
    /// stream entries do not): whether it is connected and how many times it was replaced
    /// after a loss. Cheap to read; see [`SubscriberStatus`].
    ///
    /// ```no_run
    /// use wsio_adapter_redis_streams::{StreamsAdapterConfig, StreamsCluster, SubscriberState};
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let cluster =
    ///     StreamsCluster::connect("redis://127.0.0.1:6379", StreamsAdapterConfig::default()).await?;
    /// let status = cluster.subscriber_status();
    /// assert_eq!(status.state(), SubscriberState::Connected);
    /// println!("{} reconnections so far", status.reconnects());
    /// # Ok(())
    /// # }
    /// ```
    pub fn subscriber_status(&self) -> SubscriberStatus {
        self.shared.status.clone()
    }
}

/// `bytes` random bytes as lowercase hex, the form of Node's ClusterAdapter ids.
pub(crate) fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    if getrandom::fill(&mut buf).is_err() {
        // No system randomness: the clock still varies between calls.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        for (i, b) in buf.iter_mut().enumerate() {
            *b = (nanos >> ((i % 16) * 8)) as u8;
        }
    }
    buf.iter().map(|b| format!("{b:02x}")).collect()
}
