//! Two wsio servers on the MessagePack parser sharing a Redis server (`WSIO_REDIS_URL`,
//! which `cargo xtask test` sets) through the classic adapter: packets that come from the
//! other server reach MessagePack clients as MessagePack. Without it the test passes after
//! printing a notice.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../adapter-redis-streams/tests/common/mod.rs"]
mod common;
mod msgpack_cluster;

use std::time::Duration;

use common::redis_url;
use msgpack_cluster::msgpack_crosses_the_cluster;
use wsio_adapter_redis::{RedisAdapterConfig, RedisCluster};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn msgpack_servers_share_broadcasts_rooms_fetches_and_answers() {
    let Some(url) = redis_url() else { return };
    let config = RedisAdapterConfig {
        key: format!("wsio-test-msgpack-{}", std::process::id()),
        requests_timeout: Duration::from_secs(2),
        ..RedisAdapterConfig::default()
    };
    let a = RedisCluster::connect(&url, config.clone())
        .await
        .expect("connects");
    let b = RedisCluster::connect(&url, config).await.expect("connects");
    msgpack_crosses_the_cluster(a.factory(), b.factory()).await;
}
