//! The sharded pub/sub adapter, wire-compatible with Node's `createShardedAdapter`
//! (`@socket.io/redis-adapter` 8.3.0): the ClusterAdapter model ([`crate::wire`]) over
//! Redis 7 `SPUBLISH`/`SSUBSCRIBE`.

mod adapter;
mod config;
mod io;

use std::sync::Arc;

pub use adapter::ShardedAdapter;
pub use config::ShardedAdapterConfig;
use wsio_adapter_redis::SubscriberStatus;
use wsio_server::{Adapter, AdapterContext, AdapterFactory};

use crate::error::Result;

/// One server's membership in a sharded pub/sub cluster: its Redis connections (one for
/// commands, one RESP3 connection for the subscriptions; shared by all namespaces) and its
/// node id.
///
/// ```no_run
/// use wsio_adapter_redis_streams::{ShardedAdapterConfig, ShardedCluster, SubscriptionMode};
/// use wsio_server::{Config, Server};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let config = ShardedAdapterConfig {
///     subscription_mode: SubscriptionMode::Dynamic,
///     ..ShardedAdapterConfig::default()
/// };
/// // Redis 7 or later; a standalone server does sharded pub/sub too.
/// let cluster = ShardedCluster::connect("redis://127.0.0.1:6379", config).await?;
/// let io = Server::new(Config {
///     adapter: Some(cluster.factory()),
///     ..Config::default()
/// });
/// io.ns("/", |socket| {
///     socket.on("join", |socket: wsio_server::Socket, (room,): (String,), _ack| {
///         tokio::spawn(async move {
///             // The first member of `room` on this server subscribes to its channel.
///             let _ = socket.join([room.clone()]).await;
///             // Published on `socket.io#/#<room>#`: only servers hosting the room get it.
///             let _ = socket.to([room]).emit("joined", &()).await;
///         });
///     });
/// });
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct ShardedCluster {
    shared: Arc<io::Shared>,
}

impl ShardedCluster {
    /// Connects to the Redis server at `url` (`redis://[user:password@]host:port[/db]`;
    /// the subscriptions use RESP3 whatever the URL says). Must run inside a tokio runtime,
    /// which then drives the connections.
    ///
    /// Fails when Redis cannot be reached now; once connected, losses are repaired in the
    /// background.
    pub async fn connect(url: &str, config: ShardedAdapterConfig) -> Result<ShardedCluster> {
        Ok(ShardedCluster {
            shared: io::Shared::connect(url, config).await?,
        })
    }

    /// The factory for [`Config::adapter`](wsio_server::Config::adapter): a
    /// [`ShardedAdapter`] for every namespace.
    pub fn factory(&self) -> AdapterFactory {
        let shared = self.shared.clone();
        Arc::new(move |ctx: &AdapterContext| -> Arc<dyn Adapter> {
            Arc::new(ShardedAdapter::new(
                ctx.name(),
                ctx.local_adapter(),
                shared.clone(),
            ))
        })
    }

    /// This server's node id on the wire (16 hex digits).
    pub fn uid(&self) -> &str {
        &self.shared.uid
    }

    /// The settings in use.
    pub fn config(&self) -> &ShardedAdapterConfig {
        &self.shared.config
    }

    /// The status of this server's subscriber connection (the RESP3 one holding the
    /// `SSUBSCRIBE`s): whether it is connected and how many times it was replaced after a
    /// loss. Cheap to read; see [`SubscriberStatus`].
    pub fn subscriber_status(&self) -> SubscriberStatus {
        self.shared.status.clone()
    }
}
