//! WebSocket echo server on tokio-tungstenite with its default configuration (which gives
//! every connection a 128 KiB read buffer up front).
//!
//! `tokio-tungstenite-echo [--host 127.0.0.1] [--port 9001]`

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

#[tokio::main]
async fn main() {
    peers::serve(9001, echo).await;
}

/// Echoes text and binary messages until the peer closes or errs.
async fn echo(stream: TcpStream) {
    let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
        return;
    };
    while let Some(Ok(message)) = ws.next().await {
        if matches!(message, Message::Text(_) | Message::Binary(_))
            && ws.send(message).await.is_err()
        {
            break;
        }
    }
}
