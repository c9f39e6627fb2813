//! A wsio node of a Redis cluster: the server of `wsio serve` (its `/` namespace with `echo`,
//! `broadcast` and `chat`, default heartbeat) with `wsio-adapter-redis`, so a `broadcast`
//! reaches the sockets of every node sharing the Redis server.
//!
//! `wsio-cluster-node [--host 127.0.0.1] [--port 3000] [--redis redis://127.0.0.1:6379]`

use wsio_adapter_redis::{RedisAdapterConfig, RedisCluster};
use wsio_cli::demo;
use wsio_server::{Config, Cors, Server};

#[tokio::main]
async fn main() {
    let args = cluster::node_args();
    let redis = RedisCluster::connect(&args.redis, RedisAdapterConfig::default())
        .await
        .unwrap_or_else(|e| cluster::fail("redis", e));
    let io = Server::new(Config {
        adapter: Some(redis.factory()),
        cors: Some(Cors::any()),
        ..Config::default()
    });
    demo::install(&io, false);
    let listener = cluster::listen(&args.address).await;
    if let Err(e) = io.serve(listener, std::future::pending()).await {
        cluster::fail("serve", e);
    }
}
