//! Two wsio servers sharing one Redis server through the Redis adapter: a broadcast made on
//! one server reaches the clients of both.
//!
//! ```text
//! redis-server --port 6379 &
//! cargo run -p wsio-adapter-redis --example cluster -- redis://127.0.0.1:6379
//! ```
//!
//! The Redis URL is the first argument, else `WSIO_REDIS_URL`, else
//! `redis://127.0.0.1:6379`. Node `a` listens on `127.0.0.1:3001`, node `b` on
//! `127.0.0.1:3002`. A wsio client connects to each; the client of `a` emits `chat`
//! ("hello from a") and the example prints what the client of `b` heard:
//!
//! ```text
//! the client of b heard `chat` relayed by a: hello from a
//! ```
//!
//! Both nodes then keep serving until Ctrl-C: a `chat` (text) emitted by any Socket.IO
//! client to either port reaches the clients of both nodes as `chat` with the name of the
//! node that relayed it and the text, and is acknowledged with `true` once published.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::sync::mpsc;
use wsio_adapter_redis::{RedisAdapterConfig, RedisCluster};
use wsio_client::Client;
use wsio_server::{AckSender, Config, Server, Socket};

/// Any error of the example.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Starts node `name` on `addr`, a member of the cluster of the Redis server at `redis_url`:
/// `chat` is emitted to every socket of `/` on every node. Returns the server and the
/// address it listens on.
pub async fn start_node(
    name: &'static str,
    redis_url: &str,
    addr: &str,
) -> Result<(Server, SocketAddr), BoxError> {
    let cluster = RedisCluster::connect(redis_url, RedisAdapterConfig::default()).await?;
    let io = Server::new(Config {
        adapter: Some(cluster.factory()),
        ..Config::default()
    });
    io.ns("/", move |socket: Socket| {
        socket.on(
            "chat",
            move |socket: Socket, (text,): (String,), ack: Option<AckSender>| async move {
                // Every socket of the namespace, on this node and through Redis on the others.
                let sent = socket.namespace().emit("chat", &(name, &text)).await;
                if let Some(ack) = ack {
                    let _ = ack.send(&(sent.is_ok(),));
                }
            },
        );
    });
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let serving = io.clone();
    tokio::spawn(async move { serving.serve(listener, std::future::pending()).await });
    Ok((io, local))
}

/// Waits until `io` counts `nodes` servers in its cluster: each node subscribes to Redis in
/// the background, and a broadcast made before that does not reach it.
pub async fn until_nodes(io: &Server, nodes: usize) -> Result<(), BoxError> {
    let ns = io.of("/").ok_or("namespace / is not declared")?;
    for _ in 0..250 {
        if ns.server_count().await? >= nodes {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Err(format!("the cluster never counted {nodes} servers").into())
}

/// Connects a client to each node; the client of `a` emits `chat` with `text`. Returns what
/// the client of `b` heard: the relaying node's name and the text.
pub async fn chat_across(
    a: SocketAddr,
    b: SocketAddr,
    text: &str,
) -> Result<(String, String), BoxError> {
    let (heard_tx, mut heard) = mpsc::unbounded_channel();
    let on_b = Client::builder(format!("http://{b}"))
        .on(
            "chat",
            move |_socket, (node, text): (String, String), _ack| {
                let _ = heard_tx.send((node, text));
            },
        )
        .connect()
        .await?;
    let on_a = Client::builder(format!("http://{a}")).connect().await?;
    let timeout = Duration::from_secs(5);
    let (published,): (bool,) = on_a.emit_with_ack("chat", &(text,), timeout).await?;
    if !published {
        return Err("node a could not publish the broadcast".into());
    }
    let got = tokio::time::timeout(timeout, heard.recv()).await?;
    on_a.disconnect().await;
    on_b.disconnect().await;
    got.ok_or_else(|| "the client of b stopped".into())
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let redis_url = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("WSIO_REDIS_URL").ok())
        .filter(|url| !url.is_empty())
        .unwrap_or_else(|| "redis://127.0.0.1:6379".to_owned());
    let (io_a, a) = start_node("a", &redis_url, "127.0.0.1:3001").await?;
    let (io_b, b) = start_node("b", &redis_url, "127.0.0.1:3002").await?;
    until_nodes(&io_a, 2).await?;
    until_nodes(&io_b, 2).await?;
    println!("node a on http://{a}, node b on http://{b}, sharing {redis_url}");
    let (node, text) = chat_across(a, b, "hello from a").await?;
    println!("the client of b heard `chat` relayed by {node}: {text}");
    println!("both nodes keep serving; Ctrl-C stops them");
    std::future::pending::<()>().await;
    Ok(())
}
