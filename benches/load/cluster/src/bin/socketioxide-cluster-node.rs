//! A socketioxide node of a Redis cluster: the `echo` and `broadcast` events of
//! `socketioxide-server` on socketioxide's own Redis adapter (`socketioxide-redis` with the
//! `redis` driver, RESP3), default settings, over plain hyper 1.
//!
//! `socketioxide-cluster-node [--host 127.0.0.1] [--port 3000] [--redis redis://127.0.0.1:6379]`

use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use socketioxide::SocketIo;
use socketioxide::adapter::Adapter;
use socketioxide::extract::{AckSender, Data, SocketRef};
use socketioxide_redis::drivers::redis::redis_client as redis;
use socketioxide_redis::{RedisAdapter, RedisAdapterCtr};

#[tokio::main]
async fn main() {
    let args = cluster::node_args();
    // The crate's drivers speak RESP3.
    let url = if args.redis.contains('?') {
        format!("{}&protocol=resp3", args.redis)
    } else {
        format!("{}?protocol=resp3", args.redis)
    };
    let client = redis::Client::open(url).unwrap_or_else(|e| cluster::fail("redis url", e));
    let adapter = RedisAdapterCtr::new_with_redis(&client)
        .await
        .unwrap_or_else(|e| cluster::fail("redis", e));
    let (service, io) = SocketIo::builder()
        .with_adapter::<RedisAdapter<_>>(adapter)
        .build_svc();
    if let Err(e) = io.ns("/", on_connect).await {
        cluster::fail("namespace", e);
    }
    let listener = cluster::listen(&args.address).await;
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let service = service.clone();
        tokio::spawn(async move {
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades()
                .await;
        });
    }
}

async fn on_connect<A: Adapter>(socket: SocketRef<A>) {
    socket.on(
        "echo",
        async |socket: SocketRef<A>, Data::<Value>(data), ack: AckSender<A>| {
            let _ = socket.emit("echo", &data);
            let _ = ack.send(&data);
        },
    );
    socket.on(
        "broadcast",
        async |socket: SocketRef<A>, Data::<Value>(data)| {
            let _ = socket.broadcast().emit("bcast", &data).await;
        },
    );
}
