//! An Engine.IO-only echo server, behind `wsio engine-echo`: every message a client sends,
//! text or binary, comes back unchanged over its session.
//!
//! It serves Engine.IO v4 at `/engine.io/` (both transports, the upgrade, heartbeats,
//! `maxPayload`, CORS for any origin) with no Socket.IO layer above: the server the official
//! engine.io-protocol test suite drives. Requests outside the path get 404.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! wsio_cli::engine_echo::serve(listener, wsio_cli::engine_echo::config(), async {
//!     let _ = tokio::signal::ctrl_c().await;
//! })
//! .await
//! # }
//! ```

use std::future::Future;

use tokio::net::TcpListener;
use wsio_server::{Config, Cors};

use crate::serve::ServeOptions;

/// The HTTP path of the echo server.
pub const PATH: &str = "/engine.io/";

/// The echo server's default settings: [`Config::default`] with the path [`PATH`] and CORS
/// for any origin.
pub fn config() -> Config {
    Config {
        path: PATH.to_owned(),
        cors: Some(Cors::any()),
        ..Config::default()
    }
}

/// The settings of `wsio engine-echo` for `options`: their heartbeat and `maxPayload`
/// (default 1,000,000; `test_events` plays no part), on top of [`config`].
pub fn config_for(options: &ServeOptions) -> Config {
    let defaults = config();
    Config {
        ping_interval: options.ping_interval,
        ping_timeout: options.ping_timeout,
        max_payload: options.max_payload.unwrap_or(defaults.max_payload),
        ..defaults
    }
}

/// Serves the echo on `listener` with `config` (heartbeat, `maxPayload`, path, CORS) until
/// `stop` resolves; then every session is closed.
pub async fn serve(
    listener: TcpListener,
    config: Config,
    stop: impl Future<Output = ()>,
) -> std::io::Result<()> {
    wsio_server::engine::serve_echo(listener, config, stop).await
}
