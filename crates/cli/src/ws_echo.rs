//! A raw WebSocket echo server: every text or binary message goes back unchanged.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use wsio_engine::accept_until;
use wsio_ws::{CloseCode, Config, Limits, Message};

use crate::shutdown::{self, Signal};

/// The echo server's configuration: large limits, so every Autobahn case fits, and
/// permessage-deflate accepted with defaults.
pub fn config() -> Config {
    Config {
        limits: Limits {
            max_frame_size: 16 << 20,
            max_message_size: 16 << 20,
            max_fragments: 1 << 17,
        },
        ..Config::default()
    }
}

/// Serves the echo protocol on `listener` until `stop` resolves; then every connection is
/// closed with 1001 (going away) and the function returns once they are done (or after a
/// grace period of 5 s).
pub async fn serve(
    listener: TcpListener,
    stop: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let (trigger, signal) = shutdown::channel();
    accept_until(&listener, stop, |tcp, peer| {
        tokio::spawn(connection(tcp, peer, signal.clone()));
    })
    .await;
    trigger.trip();
    drop(signal);
    let _ = tokio::time::timeout(Duration::from_secs(5), trigger.all_done()).await;
    Ok(())
}

/// One connection: handshake, then echo until either side closes.
async fn connection(tcp: TcpStream, _peer: SocketAddr, mut stop: Signal) {
    let _ = tcp.set_nodelay(true);
    let Ok(mut ws) = wsio_ws::accept(tcp, config()).await else {
        return;
    };
    loop {
        tokio::select! {
            received = ws.recv() => match received {
                Some(Ok(message @ (Message::Text(_) | Message::Binary(_)))) => {
                    if ws.send(message).await.is_err() {
                        return;
                    }
                }
                // Control messages are answered by the connection itself; after an error, keep
                // polling so the close frame goes out before the transport is shut down.
                Some(Ok(_) | Err(_)) => {}
                None => return,
            },
            () = stop.tripped() => {
                let _ = ws.close(CloseCode::GOING_AWAY, "server shutting down").await;
                return;
            }
        }
    }
}
