//! `wsio serve`: options and the run loop.

use std::future::Future;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::{Config, Server};

/// Options of `wsio serve`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeOptions {
    /// Add the interop test contract (`join`, `rooms`, `/admin`, ...). Default off.
    pub test_events: bool,
    /// Heartbeat interval. Default 25 s.
    pub ping_interval: Duration,
    /// Heartbeat timeout. Default 20 s.
    pub ping_timeout: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        let config = Config::default();
        ServeOptions {
            test_events: false,
            ping_interval: config.ping_interval,
            ping_timeout: config.ping_timeout,
        }
    }
}

/// The demo server for `options`.
pub fn server(options: &ServeOptions) -> Server {
    let config = Config {
        ping_interval: options.ping_interval,
        ping_timeout: options.ping_timeout,
        cors: Some(crate::Cors::any()),
        ..Config::default()
    };
    let io = Server::new(config);
    super::demo::install(&io, options.test_events);
    io
}

/// Serves the demo (and its page at `/`) on `listener` until `stop` resolves.
pub async fn run(
    listener: TcpListener,
    options: &ServeOptions,
    stop: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let io = server(options);
    io.serve_with(listener, stop, |req| super::page::respond(req.uri().path()))
        .await
}
