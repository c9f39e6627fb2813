//! The demo namespaces of `wsio serve`, and the interop test contract of `--test-events`
//! (see `interop/README.md`).

use std::time::Duration;

use event_proto::Value;
use serde_json::json;
use wsio_server::{AckSender, ConnectError, DisconnectReason, Server, Socket};

/// The namespace of the test contract that needs an auth token (`--test-events`).
pub const TEST_ADMIN_NAMESPACE: &str = "/admin";

/// How long `request-ack` waits for the client's answer.
const REQUEST_ACK_TIMEOUT: Duration = Duration::from_secs(5);

/// Declares the demo namespaces on `io`: `/` with `echo`, `broadcast`, `chat` and the rooms
/// (`join`, `leave`, `to-room`); with `test_events`, also the rest of the interop contract
/// and the `/admin` namespace.
///
/// The chat logs at `info` who joins and leaves `/`, each `chat` message (its nick and text
/// for the page's `chat(nick, text)`, its text for `chat(text)`), each room joined or left
/// and each `to-room` message (its room, nick and text for the page's form): what a first
/// run of `wsio serve` shows as the
/// demo page is used. `echo` and `broadcast`, which the load benchmark sends as fast as it
/// can, log nothing of their own.
pub fn install(io: &Server, test_events: bool) {
    io.ns("/", move |socket: Socket| {
        tracing::info!(
            socket = %socket.id(),
            transport = ?socket.transport(),
            remote = %Remote(&socket),
            "joined /"
        );
        socket.on_disconnect(|socket: Socket, reason: DisconnectReason| {
            tracing::info!(socket = %socket.id(), %reason, "left /");
        });
        echo_events(&socket);
        room_events(&socket);
        socket.on(
            "chat",
            |socket: Socket, args: Vec<Value>, _ack: Option<AckSender>| async move {
                match args.as_slice() {
                    [Value::String(text)] => {
                        tracing::info!(socket = %socket.id(), text = %text, "chat message");
                    }
                    [Value::String(nick), Value::String(text)] => {
                        tracing::info!(socket = %socket.id(), nick = %nick, text = %text, "chat message");
                    }
                    _ => tracing::info!(socket = %socket.id(), args = args.len(), "chat message"),
                }
                let _ = socket.namespace().emit("chat", &args).await;
            },
        );
        if test_events {
            contract_events(&socket);
        }
    });
    if test_events {
        io.ns(TEST_ADMIN_NAMESPACE, |socket: Socket| echo_events(&socket))
            .middleware(|req| async move {
                match req.auth.get("token").and_then(Value::as_str) {
                    Some("secret") => Ok(()),
                    _ => {
                        Err(ConnectError::new("unauthorized")
                            .with_data(json!({"reason": "bad token"})))
                    }
                }
            });
    }
}

/// `echo`, `whoami` and `broadcast`.
fn echo_events(socket: &Socket) {
    socket.on(
        "whoami",
        |socket: Socket, _args: Vec<Value>, ack: Option<AckSender>| {
            if let Some(ack) = ack {
                let _ = ack.send(&(json!({
                    "id": socket.id().as_str(),
                    "namespace": socket.ns(),
                    "engineId": socket.engine_id().as_str(),
                    "transport": socket.transport(),
                }),));
            }
        },
    );
    socket.on(
        "echo",
        |socket: Socket, args: Vec<Value>, ack: Option<AckSender>| {
            let _ = socket.emit("echo", &args);
            if let Some(ack) = ack {
                let _ = ack.send(&args);
            }
        },
    );
    socket.on(
        "broadcast",
        |socket: Socket, args: Vec<Value>, _ack: Option<AckSender>| async move {
            let _ = socket.broadcast().emit("bcast", &args).await;
        },
    );
}

/// The first argument as a room name.
fn room(args: &[Value]) -> Option<String> {
    args.first().and_then(Value::as_str).map(str::to_owned)
}

/// `join`, `leave` (acknowledged with `true`) and `to-room` (the rest of the arguments as
/// `room-message` to the room's members): the demo page's rooms.
fn room_events(socket: &Socket) {
    for (event, joining) in [("join", true), ("leave", false)] {
        socket.on(
            event,
            move |socket: Socket, args: Vec<Value>, ack: Option<AckSender>| async move {
                let Some(room) = room(&args) else { return };
                let action = if joining { "joined room" } else { "left room" };
                tracing::info!(socket = %socket.id(), room = %room, "{action}");
                let _ = if joining {
                    socket.join(room).await
                } else {
                    socket.leave(room).await
                };
                if let Some(ack) = ack {
                    let _ = ack.send(&(true,));
                }
            },
        );
    }
    socket.on(
        "to-room",
        |socket: Socket, args: Vec<Value>, _ack: Option<AckSender>| async move {
            let Some(room) = room(&args) else { return };
            let rest = args.get(1..).unwrap_or_default();
            match rest {
                // The page's form: nick, text, then the room again.
                [Value::String(nick), Value::String(text), ..] => tracing::info!(
                    socket = %socket.id(), room = %room, nick = %nick, text = %text, "room message"
                ),
                _ => tracing::info!(
                    socket = %socket.id(), room = %room, args = rest.len(), "room message"
                ),
            }
            let _ = socket.within(room).emit("room-message", rest).await;
        },
    );
}

/// The room whose members hear of every socket of `/` that disconnects.
const DISCONNECT_WATCHERS: &str = "disconnect-watchers";

/// `request-ack`, `disconnect-me`, `rooms`, `set-data`, `state`, `watch-disconnects`,
/// `room-size`.
fn contract_events(socket: &Socket) {
    socket.on_disconnect(|socket: Socket, reason: DisconnectReason| async move {
        let _ = socket
            .namespace()
            .to(DISCONNECT_WATCHERS)
            .emit("socket-left", &(socket.id().as_str(), reason.as_str()))
            .await;
    });
    socket.on(
        "watch-disconnects",
        |socket: Socket, _args: Vec<Value>, ack: Option<AckSender>| async move {
            let joined = socket.join(DISCONNECT_WATCHERS).await.is_ok();
            if let Some(ack) = ack {
                let _ = ack.send(&(joined,));
            }
        },
    );
    socket.on(
        "room-size",
        |socket: Socket, args: Vec<Value>, ack: Option<AckSender>| async move {
            let (Some(room), Some(ack)) = (room(&args), ack) else {
                return;
            };
            match socket.namespace().to(room).fetch_sockets().await {
                Ok(sockets) => {
                    let _ = ack.send(&(sockets.len(),));
                }
                Err(e) => {
                    let _ = ack.send(&(e.to_string(),));
                }
            }
        },
    );
    socket.on(
        "set-data",
        |socket: Socket, args: Vec<Value>, ack: Option<AckSender>| {
            let data = args.into_iter().next().unwrap_or(Value::Null);
            let stored = socket.set_data(&data).is_ok();
            if let Some(ack) = ack {
                let _ = ack.send(&(stored,));
            }
        },
    );
    socket.on(
        "state",
        |socket: Socket, _args: Vec<Value>, ack: Option<AckSender>| {
            if let Some(ack) = ack {
                let _ = ack.send(&(json!({
                    "id": socket.id().as_str(),
                    "recovered": socket.recovered(),
                    "data": socket.data::<serde_json::Value>().unwrap_or_default(),
                }),));
            }
        },
    );
    socket.on(
        "request-ack",
        |socket: Socket, _args: Vec<Value>, ack: Option<AckSender>| async move {
            let answer = socket
                .emit_with_ack::<_, Vec<Value>>(
                    "server-ack-request",
                    &("ping",),
                    REQUEST_ACK_TIMEOUT,
                )
                .await;
            if let Some(ack) = ack {
                let _ = match answer {
                    Ok(args) => ack.send(&args),
                    Err(_) => ack.send(&("timeout",)),
                };
            }
        },
    );
    socket.on(
        "disconnect-me",
        |socket: Socket, _args: Vec<Value>, _ack: Option<AckSender>| {
            let _ = socket.disconnect();
        },
    );
    socket.on(
        "rooms",
        |socket: Socket, _args: Vec<Value>, ack: Option<AckSender>| async move {
            let Some(ack) = ack else { return };
            let mut rooms = socket.rooms().await.unwrap_or_default();
            rooms.retain(|room| room.as_str() != socket.id().as_str());
            rooms.sort();
            let _ = ack.send(&(rooms,));
        },
    );
}

/// Where a socket connects from, for the log: its address, or `unknown`.
struct Remote<'a>(&'a Socket);

impl std::fmt::Display for Remote<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.handshake().remote_addr {
            Some(addr) => addr.fmt(f),
            None => f.write_str("unknown"),
        }
    }
}
