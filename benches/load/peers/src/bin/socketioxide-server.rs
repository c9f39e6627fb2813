//! Socket.IO server on socketioxide (over plain hyper 1) with the events of `wsio serve`:
//! `echo` (emit `echo` back with the argument, and ack with it when asked) and `broadcast`
//! (emit `bcast` with the argument to every other socket of the namespace). Default settings
//! (25 s / 20 s heartbeat). One argument per event, which is what the load generator sends.
//!
//! `--parser msgpack` switches to socketioxide's MessagePack parser (socket.io-msgpack-parser's
//! wire format); `--parser json`, the default, keeps the common one.
//!
//! `socketioxide-server [--host 127.0.0.1] [--port 3000] [--parser json|msgpack]`

use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use socketioxide::extract::{AckSender, Data, SocketRef};
use socketioxide::{ParserConfig, SocketIo};

#[tokio::main]
async fn main() {
    let builder = match peers::option("--parser").as_deref() {
        None | Some("json") => SocketIo::builder(),
        Some("msgpack") => SocketIo::builder().with_parser(ParserConfig::msgpack()),
        Some(other) => {
            eprintln!("socketioxide-server: unknown parser {other} (json or msgpack)");
            std::process::exit(2);
        }
    };
    let (service, io) = builder.build_svc();
    io.ns("/", async |socket: SocketRef| {
        socket.on(
            "echo",
            async |socket: SocketRef, Data::<Value>(data), ack: AckSender| {
                let _ = socket.emit("echo", &data);
                let _ = ack.send(&data);
            },
        );
        socket.on(
            "broadcast",
            async |socket: SocketRef, Data::<Value>(data)| {
                let _ = socket.broadcast().emit("bcast", &data).await;
            },
        );
    });
    peers::serve(3000, move |stream| {
        let service = service.clone();
        async move {
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades()
                .await;
        }
    })
    .await;
}
