//! A Redis adapter for wsio-server, wire-compatible with Node's `@socket.io/redis-adapter`
//! 8.3 (and what `@socket.io/redis-emitter` 5.1 publishes), so wsio servers and Node
//! socket.io 4.8 servers share one cluster.
//!
//! Connect once per server with [`RedisCluster::connect`] and hand its
//! [`factory`](RedisCluster::factory) to [`Config::adapter`](wsio_server::Config::adapter):
//! every namespace then gets a [`RedisAdapter`] that delivers to this server's sockets itself
//! and reaches the others through Redis.
//!
//! ```no_run
//! use wsio_adapter_redis::{RedisAdapterConfig, RedisCluster};
//! use wsio_server::{Config, Server};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let cluster = RedisCluster::connect("redis://127.0.0.1:6379", RedisAdapterConfig::default()).await?;
//! let io = Server::new(Config {
//!     adapter: Some(cluster.factory()),
//!     ..Config::default()
//! });
//! io.ns("/", |socket| {
//!     socket.on("chat", |socket: wsio_server::Socket, (text,): (String,), _ack| {
//!         tokio::spawn(async move {
//!             // Reaches the clients of every server of the cluster, Node ones included.
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
//! | operation | on the wire |
//! |---|---|
//! | broadcasts (`to`, `except`, `volatile`) | MessagePack `[uid, {type: 2, data, nsp}, {rooms, except, flags}]` on `socket.io#<nsp>#` or `socket.io#<nsp>#<room>#` |
//! | broadcasts with acks | request 7 (MessagePack), then one client count (8, JSON) per node and one ack (9, MessagePack) per client |
//! | `fetch_sockets` | request 5, one answer per node with `{id, handshake, rooms, data}` |
//! | `sockets_join` / `sockets_leave` / `disconnect_sockets` | requests 2 / 3 / 4, applied by every node |
//! | server-side emits, with or without ack | request 6; answered once per node when acked |
//! | `all_rooms` | request 1 |
//! | `server_count` | `PUBSUB NUMSUB socket.io-request#<nsp>#` |
//!
//! Requests other than broadcasts with acks are JSON, as Node sends them, so binary values in
//! server-side emits and in `socket.data` arrive as `{"type":"Buffer","data":[...]}`.
//! Broadcasts keep binary: a node receiving one encodes it for its clients as a BINARY_EVENT
//! with attachments.
//!
//! # When Redis is away
//!
//! Local delivery never stops. A broadcast made while Redis is unreachable is delivered to
//! this server's sockets and its remote publication waits, in order, in a bounded queue
//! ([`RedisAdapterConfig::publish_queue`]; when it is full further messages are dropped with
//! a `tracing` warning); requests (fetching sockets, rooms, server-side emits with acks,
//! server count) answer for this server alone, with a warning. Both connections come back by
//! themselves: the publisher is redis-rs' `ConnectionManager`, retried from 100 ms doubling
//! up to [`RedisAdapterConfig::max_reconnect_delay`], and once Redis answers the queued
//! messages go out when the other servers have subscribed again (or after twice that delay
//! plus [`RedisAdapterConfig::command_timeout`]); the subscriber reconnects at
//! once, then with a doubling delay (up to [`RedisAdapterConfig::max_reconnect_delay`]), and
//! subscribes to every namespace's channels again. Messages published by other nodes while
//! this one was cut off are lost, as with Node's adapter (Redis pub/sub keeps nothing).
//! [`RedisCluster::subscriber_status`] tells whether the subscriber is connected and how often
//! it had to reconnect.
//!
//! # Not supported
//!
//! * Connection state recovery: the classic protocol keeps no packets (Node's adapter does
//!   not support it either).
//! * Redis Cluster (`NUMSUB` summed over masters) and sharded pub/sub (`createShardedAdapter`).
//!
//! # Why redis-rs
//!
//! The [`redis`](https://docs.rs/redis) crate is the most used and maintained Rust client. Its
//! `ConnectionManager` reconnects on its own, and its dedicated RESP2 pub/sub connection splits
//! into a sink (to subscribe) and a stream (to read), which is what one subscriber connection
//! shared by every namespace needs. Only its `tokio-comp` and `connection-manager` features are
//! used.

mod adapter;
mod config;
pub mod connection;
pub mod convert;
mod error;
mod io;
mod pending;
pub mod wire;

use std::sync::Arc;

pub use adapter::RedisAdapter;
pub use config::RedisAdapterConfig;
pub use connection::{SubscriberState, SubscriberStatus};
pub use error::{Error, Result};
pub use pending::PendingRequests;
use wsio_server::{Adapter, AdapterContext, AdapterFactory};

/// One server's membership in a Redis cluster: its two Redis connections (a publisher and a
/// subscriber, shared by all namespaces) and its node id.
#[derive(Debug, Clone)]
pub struct RedisCluster {
    shared: Arc<io::Shared>,
}

impl RedisCluster {
    /// Connects to the Redis server at `url` (`redis://[user:password@]host:port[/db]`).
    /// Must run inside a tokio runtime, which then drives both connections.
    ///
    /// Fails when Redis cannot be reached now; once connected, losses are repaired in the
    /// background.
    pub async fn connect(url: &str, config: RedisAdapterConfig) -> Result<RedisCluster> {
        Ok(RedisCluster {
            shared: io::Shared::connect(url, config).await?,
        })
    }

    /// The factory for [`Config::adapter`](wsio_server::Config::adapter): a [`RedisAdapter`]
    /// for every namespace, subscribed to that namespace's channels.
    pub fn factory(&self) -> AdapterFactory {
        let shared = self.shared.clone();
        Arc::new(move |ctx: &AdapterContext| -> Arc<dyn Adapter> {
            Arc::new(RedisAdapter::new(
                ctx.name(),
                ctx.local_adapter(),
                shared.clone(),
            ))
        })
    }

    /// This server's node id on the wire (six characters of `A-Za-z0-9-_`).
    pub fn uid(&self) -> &str {
        &self.shared.uid
    }

    /// The settings in use.
    pub fn config(&self) -> &RedisAdapterConfig {
        &self.shared.config
    }

    /// The status of this server's subscriber connection: whether it is connected and how
    /// many times it was replaced after a loss. Cheap to read; see [`SubscriberStatus`].
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// # let cluster = wsio_adapter_redis::RedisCluster::connect(
    /// #     "redis://127.0.0.1:6379",
    /// #     wsio_adapter_redis::RedisAdapterConfig::default(),
    /// # )
    /// # .await?;
    /// let status = cluster.subscriber_status();
    /// println!("{:?} after {} reconnections", status.state(), status.reconnects());
    /// # Ok(())
    /// # }
    /// ```
    pub fn subscriber_status(&self) -> SubscriberStatus {
        self.shared.status.clone()
    }
}

/// Six random characters of `A-Za-z0-9-_`, the form of Node's node and request ids.
pub(crate) fn random_id() -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut bytes = [0u8; 6];
    if getrandom::fill(&mut bytes).is_err() {
        // No system randomness: fall back on the clock, which still varies between calls.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        bytes = [
            nanos as u8,
            (nanos >> 6) as u8,
            (nanos >> 12) as u8,
            (nanos >> 18) as u8,
            (nanos >> 24) as u8,
            (nanos >> 30) as u8,
        ];
    }
    bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(b & 63)]))
        .collect()
}
