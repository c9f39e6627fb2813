//! Opening TCP and WebSocket connections from spread-out loopback source addresses.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::Semaphore;
use wsio_ws::{Config, WebSocket, WsUrl};

/// A client connection.
pub type Ws = WebSocket<TcpStream>;

/// How long one connection (TCP + handshake) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections being opened at once.
pub const CONNECT_CONCURRENCY: usize = 64;

/// The client's settings: no permessage-deflate offer (no peer here negotiates it), 64 KiB
/// reads so that the client spends as few system calls as it can on large messages.
fn config() -> Config {
    Config {
        deflate: None,
        read_chunk: 64 * 1024,
        max_write_buffer: 1 << 20,
        ..Config::default()
    }
}

/// The loopback source address of connection `index`: 200 addresses per run, in a /16 chosen
/// by the process id so that back-to-back runs do not meet each other's TIME_WAIT ports. Each
/// address has its own ephemeral ports, so 10,000s of connections never exhaust them.
fn source(index: usize) -> Ipv4Addr {
    let run = (std::process::id() % 250) as u8 + 1;
    Ipv4Addr::new(127, run, 0, 2 + (index % 200) as u8)
}

/// Opens TCP connection `index` to `host:port` from its loopback source address, with
/// TCP_NODELAY set. Errors are described, never raised.
pub async fn tcp(host: &str, port: u16, index: usize) -> Result<TcpStream, String> {
    let ip: Ipv4Addr = host
        .parse()
        .map_err(|_| format!("{host} is not an IPv4 address"))?;
    let socket = TcpSocket::new_v4().map_err(|e| format!("socket: {e}"))?;
    socket
        .bind(SocketAddr::V4(SocketAddrV4::new(source(index), 0)))
        .map_err(|e| format!("bind {}: {e}", source(index)))?;
    let tcp = socket
        .connect(SocketAddr::V4(SocketAddrV4::new(ip, port)))
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let _ = tcp.set_nodelay(true);
    Ok(tcp)
}

/// Opens connection `index` to `host:port` and performs the WebSocket handshake for `target`
/// (a path with query). Errors are described, never raised.
pub async fn open(host: &str, port: u16, target: &str, index: usize) -> Result<Ws, String> {
    let attempt = async {
        let tcp = tcp(host, port, index).await?;
        let url =
            WsUrl::parse(&format!("ws://{host}:{port}{target}")).map_err(|e| e.to_string())?;
        wsio_ws::connect_on(tcp, &url, config(), &[])
            .await
            .map_err(|e| format!("handshake: {e}"))
    };
    tokio::time::timeout(CONNECT_TIMEOUT, attempt)
        .await
        .unwrap_or_else(|_| Err("connect timed out".to_owned()))
}

/// Opens `count` connections with at most [`CONNECT_CONCURRENCY`] handshakes in flight, each
/// prepared by `setup` (for Socket.IO: the Engine.IO and namespace handshakes; for
/// long-polling: a pair of HTTP connections and the handshakes over them). Returns the
/// connections that succeeded and the failures' count and first message.
pub async fn open_many<T, F, Fut>(count: usize, setup: F) -> (Vec<T>, usize, Option<String>)
where
    T: Send + 'static,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = Result<T, String>> + Send + 'static,
{
    let gate = Arc::new(Semaphore::new(CONNECT_CONCURRENCY));
    let mut tasks = Vec::with_capacity(count);
    for index in 0..count {
        let gate = gate.clone();
        let attempt = setup(index);
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire_owned().await;
            attempt.await
        }));
    }
    let mut open = Vec::with_capacity(count);
    let mut failed = 0;
    let mut first_error = None;
    for task in tasks {
        match task.await {
            Ok(Ok(ws)) => open.push(ws),
            Ok(Err(e)) => {
                failed += 1;
                first_error.get_or_insert(e);
            }
            Err(e) => {
                failed += 1;
                first_error.get_or_insert(format!("task: {e}"));
            }
        }
    }
    (open, failed, first_error)
}
