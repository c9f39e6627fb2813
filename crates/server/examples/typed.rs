//! Typed events: handlers take serde structs as their arguments, answer with serde structs
//! in their acks, and broadcast serde structs.
//!
//! ```text
//! cargo run -p wsio-server --example typed
//! ```
//!
//! With socket.io-client connected to `http://127.0.0.1:3000`:
//!
//! * `emitWithAck("join", "rust")` answers `true`.
//! * `emitWithAck("post", { room: "rust", text: "hi" })` answers a receipt
//!   `{ id: 1, at: <ms since 1970> }`, and every other member of `rust` hears `message` with
//!   `{ id: 1, room: "rust", text: "hi" }`.
//! * A `post` whose payload does not deserialize into a `Message` (say `{ room: "rust" }`)
//!   is dropped before the handler runs: nothing is broadcast and the ack never comes (the
//!   server logs it with `tracing` at debug level).
//! * `try-post` takes the same payload as JSON and deserializes it in the handler, so it
//!   can answer either `{ ok: <receipt> }` or `{ error: "missing field `text`" }`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use wsio_server::{AckSender, Config, Server, Socket};

/// What a client posts.
#[derive(Debug, Deserialize)]
pub struct Message {
    /// The room it is for.
    pub room: String,
    /// What it says.
    pub text: String,
}

/// The ack of a post: the message's number and when the server took it.
#[derive(Debug, Serialize)]
pub struct Receipt {
    /// The message's number on this server, from 1.
    pub id: u64,
    /// Milliseconds since 1970-01-01 UTC.
    pub at: u64,
}

/// What the other members of the room hear.
#[derive(Debug, Serialize)]
pub struct Posted {
    /// The message's number, as in its receipt.
    pub id: u64,
    /// The room.
    pub room: String,
    /// The text.
    pub text: String,
}

/// The ack of `try-post`: `{ "ok": <receipt> }` or `{ "error": <why> }`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Posted.
    Ok(Receipt),
    /// Not posted.
    Error(String),
}

/// Any error a handler meets, whatever the operation.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Numbers the message, sends it to the room's other members, and returns its receipt.
async fn post(socket: &Socket, next_id: &AtomicU64, message: Message) -> Result<Receipt, BoxError> {
    let id = next_id.fetch_add(1, Ordering::Relaxed);
    let at = u64::try_from(SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis())?;
    let posted = Posted {
        id,
        room: message.room,
        text: message.text,
    };
    socket
        .to(posted.room.as_str())
        .emit("message", &(&posted,))
        .await?;
    Ok(Receipt { id, at })
}

/// The server: `join`, `post` (typed arguments) and `try-post` (checked in the handler).
pub fn app() -> Server {
    let io = Server::new(Config::default());
    let next_id = Arc::new(AtomicU64::new(1));
    io.ns("/", move |socket: Socket| {
        socket.on(
            "join",
            |socket: Socket, (room,): (String,), ack: Option<AckSender>| async move {
                let joined = socket.join(room.as_str()).await.is_ok();
                if let Some(ack) = ack {
                    let _ = ack.send(&(joined,));
                }
            },
        );
        let ids = next_id.clone();
        // The arguments deserialize into `(Message,)` before the handler runs; a payload
        // that does not fit never reaches it.
        socket.on(
            "post",
            move |socket: Socket, (message,): (Message,), ack: Option<AckSender>| {
                let ids = ids.clone();
                async move {
                    match post(&socket, &ids, message).await {
                        Ok(receipt) => {
                            if let Some(ack) = ack {
                                let _ = ack.send(&(receipt,));
                            }
                        }
                        Err(e) => tracing::warn!(error = %e, "post failed"),
                    }
                }
            },
        );
        let ids = next_id.clone();
        // Any JSON fits `serde_json::Value`: the handler deserializes it and reports why not.
        socket.on(
            "try-post",
            move |socket: Socket, (payload,): (serde_json::Value,), ack: Option<AckSender>| {
                let ids = ids.clone();
                async move {
                    let outcome = match serde_json::from_value::<Message>(payload) {
                        Ok(message) => match post(&socket, &ids, message).await {
                            Ok(receipt) => Outcome::Ok(receipt),
                            Err(e) => Outcome::Error(e.to_string()),
                        },
                        Err(e) => Outcome::Error(e.to_string()),
                    };
                    if let Some(ack) = ack {
                        let _ = ack.send(&(outcome,));
                    }
                }
            },
        );
    });
    io
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    // Debug level shows why a payload was dropped.
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .init();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    println!("typed events on http://127.0.0.1:3000 (Socket.IO at /socket.io/); Ctrl-C stops it");
    app()
        .serve(listener, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
