//! `wsio serve`: options and the run loop.

use std::future::Future;
use std::time::Duration;

use tokio::net::TcpListener;
use wsio_server::{Config, Cors, RecoveryConfig, Server};

/// Options of `wsio serve`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeOptions {
    /// Add the interop test contract (`join`, `rooms`, `/admin`, ...). Default off.
    pub test_events: bool,
    /// Heartbeat interval. Default 25 s.
    pub ping_interval: Duration,
    /// Heartbeat timeout. Default 20 s.
    pub ping_timeout: Duration,
    /// `maxPayload`, in bytes. Default 1,000,000; with `test_events` and no explicit value,
    /// 8 MiB (what the reference test server uses, so 1 MiB messages fit).
    pub max_payload: Option<usize>,
    /// Connection state recovery, keeping sessions this long. Default `None` (off).
    pub recovery: Option<Duration>,
    /// Where the server's figures are served in the Prometheus text format, such as
    /// `/metrics`. Default `None` (not served).
    pub metrics_path: Option<String>,
}

/// The `maxPayload` of the test contract when none is given.
pub const TEST_MAX_PAYLOAD: usize = 8 * 1024 * 1024;

impl Default for ServeOptions {
    fn default() -> Self {
        let config = Config::default();
        ServeOptions {
            test_events: false,
            ping_interval: config.ping_interval,
            ping_timeout: config.ping_timeout,
            max_payload: None,
            recovery: None,
            metrics_path: None,
        }
    }
}

/// The demo server for `options`.
pub fn server(options: &ServeOptions) -> Server {
    let io = Server::new(config(options));
    super::demo::install(&io, options.test_events);
    io
}

/// The server settings for `options`: their heartbeat and `maxPayload`, CORS for any origin.
pub fn config(options: &ServeOptions) -> Config {
    let config = Config {
        ping_interval: options.ping_interval,
        ping_timeout: options.ping_timeout,
        cors: Some(Cors::any()),
        connection_state_recovery: options.recovery.map(|duration| RecoveryConfig {
            max_disconnection_duration: duration,
            ..RecoveryConfig::default()
        }),
        ..Config::default()
    };
    let max_payload = match (options.max_payload, options.test_events) {
        (Some(bytes), _) => bytes,
        (None, true) => TEST_MAX_PAYLOAD,
        (None, false) => config.max_payload,
    };
    Config {
        max_payload,
        // A packet's attachments may use the whole payload.
        limits: event_proto::Limits {
            max_attachment_bytes: max_payload,
            ..config.limits
        },
        ..config
    }
}

/// Serves the demo (and its page at `/`, and `/healthz` for load balancers) on `listener`
/// until `stop` resolves.
pub async fn run(
    listener: TcpListener,
    options: &ServeOptions,
    stop: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let io = server(options);
    let metrics = options.metrics_path.clone().map(|path| (path, io.clone()));
    io.serve_with(listener, stop, move |req| match req.uri().path() {
        "/healthz" => super::page::healthy(),
        path if metrics.as_ref().is_some_and(|(at, _)| at == path) => {
            let text = metrics
                .as_ref()
                .map(|(_, io)| super::metrics::render(&io.stats()))
                .unwrap_or_default();
            super::page::metrics(text)
        }
        path => super::page::respond(path),
    })
    .await
}
