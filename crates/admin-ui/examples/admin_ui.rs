//! A wsio application monitored by the Socket.IO Admin UI.
//!
//! ```text
//! cargo run -p wsio-admin-ui --example admin_ui -- --auth admin:changeit
//! ```
//!
//! then open <https://admin.socket.io>, connect to `http://localhost:3000` with user `admin`
//! and password `changeit`, and connect a few clients to `/` (their `auth` may carry a
//! `name`, kept as the socket's data, and a `room` to join). The UI lists them, their rooms
//! and the server, and can make them join or leave rooms or disconnect them.
//!
//! Options:
//!
//! * `--port N` — where to listen on 127.0.0.1 (default 3000; 0 picks a free port).
//! * `--cors-origin ORIGIN` — the origin of the UI's page, repeatable (default
//!   `https://admin.socket.io`).
//! * `--auth USER:PASSWORD` — basic authentication; the password is hashed with bcrypt at
//!   start (`--bcrypt-cost N`, default 10). Without it, anyone may connect to `/admin`.
//! * `--server-id ID` — the server's name in the UI (default the host name).
//! * `--read-only` — the UI may look, not act.

use std::time::Duration;

use event_proto::Value;
use wsio_admin_ui::{AdminUiOptions, BasicAuth, Observer};
use wsio_server::{Config, Server, Socket};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut port = 3000u16;
    let mut origins = Vec::new();
    let mut auth = None;
    let mut cost = 10u32;
    let mut options = AdminUiOptions::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--port" => port = value()?.parse()?,
            "--cors-origin" => origins.push(value()?),
            "--auth" => auth = Some(value()?),
            "--bcrypt-cost" => cost = value()?.parse()?,
            "--server-id" => options.server_id = Some(value()?),
            "--read-only" => options.read_only = true,
            other => return Err(format!("unknown option {other}").into()),
        }
    }
    if origins.is_empty() {
        origins.push("https://admin.socket.io".to_owned());
    }
    if let Some(auth) = auth {
        let (username, password) = auth.split_once(':').ok_or("--auth wants USER:PASSWORD")?;
        options.auth = Some(BasicAuth {
            username: username.to_owned(),
            password_bcrypt_hash: bcrypt::hash(password, cost)?,
        });
    }

    let observer = Observer::new();
    let mut config = Config {
        cors: Some(wsio_admin_ui::cors(origins)),
        ..Config::default()
    };
    observer.install(&mut config);
    let io = Server::new(config);
    io.ns("/", |socket: Socket| async move {
        let auth = socket.auth().clone();
        if let Some(name) = auth.get("name").and_then(Value::as_str) {
            let _ = socket.set_data(&serde_json::json!({ "name": name }));
        }
        if let Some(room) = auth.get("room").and_then(Value::as_str) {
            let _ = socket.join(room).await;
        }
        socket.on(
            "chat",
            |socket: Socket, (text,): (String,), _ack| async move {
                let rooms = socket.rooms().await.unwrap_or_default();
                let _ = socket.within(rooms).emit("chat", &(text,)).await;
            },
        );
        let _ = socket.emit("welcome", &(socket.id().as_str(),));
    });
    wsio_admin_ui::instrument(
        &io,
        AdminUiOptions {
            observer: Some(observer),
            ..options
        },
    )?;

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on http://{}", listener.local_addr()?);
    io.serve(listener, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    // Let the last disconnects reach the UI.
    tokio::time::sleep(Duration::from_millis(100)).await;
    Ok(())
}
