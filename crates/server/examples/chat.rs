//! A chat with nicknames and rooms, in the shape of Node's socket.io chat.
//!
//! Run it, then connect any Socket.IO client (socket.io-client, python-socketio, wsio-client)
//! to `http://127.0.0.1:3000`:
//!
//! ```text
//! cargo run -p wsio-server --example chat
//! ```
//!
//! A client emits `nick` ("ada") to choose its name, `join` ("lobby") to enter a room (every
//! member hears `joined` with the name and room), and `say` ("lobby", "hello") to speak in it
//! (every member hears `said` with the name, room and text). `rooms` (with an ack) answers the
//! rooms the socket is in, and `profile` (with an ack) answers
//! `{ nick, rooms: { count, names }, avatar }`, the avatar a binary attachment. Leaving is
//! announced as `left` to the rooms the socket was in.

use serde::{Deserialize, Serialize};
use wsio_server::{AckSender, Config, Server, Socket, Value, value};

/// The avatar every user has until they upload one: a placeholder (the PNG signature).
pub const AVATAR: &[u8] = b"\x89PNG\r\n\x1a\n";

/// What a socket keeps about its user.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct User {
    /// The name others see; `anonymous` until the client picks one.
    pub nick: String,
}

/// The user's name, or `anonymous`.
fn nick(socket: &Socket) -> String {
    socket
        .data::<User>()
        .map(|user| user.nick)
        .filter(|nick| !nick.is_empty())
        .unwrap_or_else(|| "anonymous".to_owned())
}

/// The rooms the socket is in, its own room left out, sorted.
async fn rooms_of(socket: &Socket) -> Vec<String> {
    let mut rooms: Vec<String> = socket
        .rooms()
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|room| room.as_str().to_owned())
        .filter(|room| room != socket.id().as_str())
        .collect();
    rooms.sort();
    rooms
}

/// The chat server: every handler is written the natural way, plain or `async`.
pub fn app() -> Server {
    let io = Server::new(Config::default());
    io.ns("/", |socket: Socket| {
        socket.on(
            "nick",
            |socket: Socket, (nick,): (String,), ack: Option<AckSender>| {
                let stored = socket.set_data(&User { nick }).is_ok();
                if let Some(ack) = ack {
                    let _ = ack.send(&(stored,));
                }
            },
        );
        socket.on(
            "join",
            |socket: Socket, (room,): (String,), _ack: Option<AckSender>| async move {
                if socket.join(room.as_str()).await.is_ok() {
                    let _ = socket
                        .within(room.as_str())
                        .emit("joined", &(nick(&socket), &room))
                        .await;
                }
            },
        );
        socket.on(
            "say",
            |socket: Socket, (room, text): (String, String), _ack: Option<AckSender>| async move {
                let said = socket
                    .within(room.as_str())
                    .emit("said", &(nick(&socket), &room, text))
                    .await;
                // A recipient that is gone or too slow does not fail a broadcast: what can
                // is encoding, or an adapter spanning several servers (its bus is down).
                if let Err(error) = said {
                    eprintln!("say in {room}: {error}");
                }
            },
        );
        socket.on(
            "rooms",
            |socket: Socket, _: (), ack: Option<AckSender>| async move {
                let Some(ack) = ack else { return };
                let _ = ack.send(&(rooms_of(&socket).await,));
            },
        );
        socket.on(
            "profile",
            |socket: Socket, _: (), ack: Option<AckSender>| async move {
                let Some(ack) = ack else { return };
                let rooms = rooms_of(&socket).await;
                // Nested objects, arrays and binary in one reply: `value!` builds it as written.
                let profile = value!({
                    "nick": nick(&socket),
                    "rooms": { "count": rooms.len(), "names": rooms.iter().collect::<Value>() },
                    "avatar": AVATAR,
                });
                let _ = ack.send(&(profile,));
            },
        );
        socket.on_disconnecting(|socket: Socket, _reason| async move {
            for room in socket.rooms().await.unwrap_or_default() {
                if room.as_str() != socket.id().as_str() {
                    let _ = socket
                        .to(room.as_str())
                        .emit("left", &(nick(&socket), room.as_str()))
                        .await;
                }
            }
        });
    });
    io
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    println!("chat on http://127.0.0.1:3000 (Socket.IO at /socket.io/); Ctrl-C stops it");
    app()
        .serve(listener, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
