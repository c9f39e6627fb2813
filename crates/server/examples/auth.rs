//! Authentication in a connect middleware: the client sends a token in its `auth` payload,
//! the middleware checks it, refuses the connection with a `ConnectError` (and data) when it
//! is wrong, and otherwise stores the user in the socket's data before any handler runs.
//!
//! ```text
//! cargo run -p wsio-server --example auth
//! ```
//!
//! With socket.io-client: `io("http://127.0.0.1:3000", { auth: { token: "token-ada" } })`
//! connects as `ada`, and `socket.emitWithAck("whoami")` answers `{ user: "ada" }`;
//! `auth: { token: "nope" }` gets `connect_error` with the message `unauthorized` and
//! `data.reason` `unknown token`.

use serde::{Deserialize, Serialize};
use serde_json::json;
use wsio_server::{AckSender, Config, ConnectError, Server, Socket};

/// Who the socket belongs to, set by the middleware.
#[derive(Debug, Serialize, Deserialize)]
pub struct Session {
    /// The user the token named.
    pub user: String,
}

/// The user a token stands for. A real server asks its session store or checks a signature.
fn verify(token: &str) -> Option<String> {
    token.strip_prefix("token-").map(str::to_owned)
}

/// The server: only sockets with a valid token reach the connection handler.
pub fn app() -> Server {
    let io = Server::new(Config::default());
    io.ns("/", |socket: Socket| {
        socket.on("whoami", |socket: Socket, _: (), ack: Option<AckSender>| {
            if let (Some(ack), Some(session)) = (ack, socket.data::<Session>()) {
                let _ = ack.send(&(json!({ "user": session.user }),));
            }
        });
    })
    .middleware(|req| async move {
        let token = req.auth.get("token").and_then(|t| t.as_str()).unwrap_or("");
        match verify(token) {
            Some(user) => {
                req.set_data(&Session { user })
                    .map_err(|_| ConnectError::new("internal error"))?;
                Ok(())
            }
            None => {
                Err(ConnectError::new("unauthorized")
                    .with_data(json!({ "reason": "unknown token" })))
            }
        }
    });
    io
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    println!("auth example on http://127.0.0.1:3000; Ctrl-C stops it");
    app()
        .serve(listener, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
