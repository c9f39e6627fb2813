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
use std::sync::{Arc, Weak};

use event_proto::Message;
use tokio::net::TcpListener;
use wsio_engine::{
    BoxFuture, CloseReason, Cors, Engine, EngineConfig, Handler, Messages, Outgoing, Session,
    SessionHandler,
};

use crate::serve::ServeOptions;

/// The HTTP path of the echo server.
pub const PATH: &str = "/engine.io/";

/// The echo server's default settings: [`EngineConfig::default`] with the path [`PATH`] and
/// CORS for any origin.
pub fn config() -> EngineConfig {
    EngineConfig {
        path: PATH.to_owned(),
        cors: Some(Cors::any()),
        ..EngineConfig::default()
    }
}

/// The settings of `wsio engine-echo` for `options`: their heartbeat and `maxPayload`
/// (default 1,000,000; `test_events` plays no part), on top of [`config`].
pub fn config_for(options: &ServeOptions) -> EngineConfig {
    let defaults = config();
    EngineConfig {
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
    config: EngineConfig,
    stop: impl Future<Output = ()>,
) -> std::io::Result<()> {
    Engine::new(config, Echo).serve(listener, stop).await
}

/// The layer above the engine's sessions: each gets an echo.
#[derive(Debug, Clone, Copy, Default)]
pub struct Echo;

impl Handler for Echo {
    fn on_open(&self, session: &Arc<Session>) -> Arc<dyn SessionHandler> {
        // Without a Socket.IO layer there is no namespace to join: no connect timeout.
        session.confirm();
        Arc::new(SessionEcho {
            session: Arc::downgrade(session),
        })
    }
}

/// The echo of one session. It holds the session weakly: the session owns it.
struct SessionEcho {
    session: Weak<Session>,
}

impl SessionHandler for SessionEcho {
    fn on_message(&self, message: Message) -> BoxFuture<'_, ()> {
        if let Some(session) = self.session.upgrade() {
            // A full queue closes the session as a slow consumer; nothing more to do here.
            let _ = session.push(Outgoing::Messages(Messages::one(message)), false);
        }
        Box::pin(std::future::ready(()))
    }

    fn on_close(&self, _reason: CloseReason) {}
}
