//! The TCP accept loop of the server (and of other servers built on tokio).

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};

/// Hands each connection accepted on `listener` to `on_accept` until `stop` resolves.
///
/// A failed accept (out of file descriptors and the like) backs off for 50 ms and keeps
/// serving rather than ending the server.
pub async fn accept_until(
    listener: &TcpListener,
    stop: impl Future<Output = ()>,
    mut on_accept: impl FnMut(TcpStream, SocketAddr),
) {
    tokio::pin!(stop);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, peer)) => on_accept(tcp, peer),
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            },
            () = &mut stop => return,
        }
    }
}
