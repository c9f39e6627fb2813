//! `wsio serve --protocol-suite`: the application that the official Socket.IO protocol test
//! suite (`test-suite/` of socket.io-protocol) expects from the server it drives.
//!
//! * `/` and `/custom`: every new socket is sent `auth` with the CONNECT payload (`{}` when
//!   the client sent none), e.g. `42["auth",{"token":"123"}]`, `42/custom,["auth",{}]`.
//! * `/`: `message` is answered with `message-back` and the same arguments (binary
//!   attachments included); `message-with-ack` is acknowledged with its arguments.
//! * A client has one second to join a namespace once its session is open.

use std::future::Future;
use std::time::Duration;

use event_proto::Value;
use tokio::net::TcpListener;
use wsio_server::{AckSender, Config, Server, Socket};

use super::serve::ServeOptions;

/// How long a session may stay without a namespace (the suite's reference server uses 1 s).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// The protocol-suite server for `options` (their heartbeat and `maxPayload`; `test_events`
/// plays no part).
pub fn server(options: &ServeOptions) -> Server {
    let io = Server::new(Config {
        connect_timeout: CONNECT_TIMEOUT,
        ..super::serve::config(options)
    });
    install(&io);
    io
}

/// Declares the namespaces `/` and `/custom` with the suite's handlers on `io`.
pub fn install(io: &Server) {
    io.ns("/", |socket: Socket| {
        send_auth(&socket);
        socket.on(
            "message",
            |socket: Socket, args: Vec<Value>, _ack: Option<AckSender>| {
                let _ = socket.emit("message-back", &args);
            },
        );
        socket.on(
            "message-with-ack",
            |_socket: Socket, args: Vec<Value>, ack: Option<AckSender>| {
                if let Some(ack) = ack {
                    let _ = ack.send(&args);
                }
            },
        );
    });
    io.ns("/custom", |socket: Socket| send_auth(&socket));
}

/// Emits `auth` with the socket's CONNECT payload.
fn send_auth(socket: &Socket) {
    let _ = socket.emit("auth", &(socket.auth(),));
}

/// Serves the protocol-suite application on `listener` until `stop` resolves.
pub async fn run(
    listener: TcpListener,
    options: &ServeOptions,
    stop: impl Future<Output = ()>,
) -> std::io::Result<()> {
    server(options).serve(listener, stop).await
}
