//! An axum application with Socket.IO mounted beside its own routes by
//! [`SocketIoLayer`]: requests under `/socket.io/` go to the Socket.IO server, every other
//! request to the axum router.
//!
//! ```text
//! cargo run -p wsio-server --features prometheus --example axum
//! ```
//!
//! * `GET /` answers a small HTML page.
//! * `GET /api/health` answers JSON: `{"status":"ok","sessions":0}` (the live Engine.IO
//!   sessions).
//! * `GET /metrics` answers the server's figures in the Prometheus text format
//!   ([`wsio_server::metrics::render`], feature `prometheus`).
//! * `POST /api/announce` with a text body emits `announcement` (the text) to every socket,
//!   and answers 204.
//! * A Socket.IO client connected to `http://127.0.0.1:3000` that emits `ping` ("hello")
//!   with an ack gets `"pong", "hello"` back.
//!
//! `axum::serve` has no deadline for request heads; behind no proxy that sets one, serve the
//! router with hyper's builder instead, as the [`SocketIoLayer`] documentation shows.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};
use wsio_server::{AckSender, Config, Server, Socket, SocketIoLayer, metrics};

/// The Socket.IO side: `ping` is acknowledged with `"pong"` and its arguments.
pub fn io() -> Server {
    let io = Server::new(Config::default());
    io.ns("/", |socket: Socket| {
        socket.on(
            "ping",
            |_socket: Socket, args: Vec<Value>, ack: Option<AckSender>| {
                if let Some(ack) = ack {
                    let mut answer = vec![json!("pong")];
                    answer.extend(args);
                    let _ = ack.send(&answer);
                }
            },
        );
    });
    io
}

/// The application: its own routes, with `io` as their state, and Socket.IO in front.
pub fn app(io: Server) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/api/health", get(health))
        .route("/metrics", get(scrape))
        .route("/api/announce", post(announce))
        .with_state(io.clone())
        .layer(SocketIoLayer::new(io))
}

async fn page() -> Html<&'static str> {
    Html("<!doctype html><title>wsio + axum</title><p>Socket.IO listens at /socket.io/</p>")
}

async fn health(State(io): State<Server>) -> Json<Value> {
    Json(json!({ "status": "ok", "sessions": io.session_count() }))
}

/// A Prometheus scrape: a fresh snapshot of the server's figures.
async fn scrape(State(io): State<Server>) -> impl IntoResponse {
    let text = metrics::render(&io.stats());
    ([(header::CONTENT_TYPE, metrics::CONTENT_TYPE)], text)
}

/// Emits the body to every socket of `/`; a failure answers 500 with its message.
async fn announce(
    State(io): State<Server>,
    text: String,
) -> Result<StatusCode, (StatusCode, String)> {
    io.emit("announcement", &(text,))
        .await
        .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    Ok(StatusCode::NO_CONTENT)
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    println!("axum + Socket.IO on http://127.0.0.1:3000 (Socket.IO at /socket.io/)");
    axum::serve(listener, app(io())).await
}
