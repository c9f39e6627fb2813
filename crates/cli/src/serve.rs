//! `wsio serve`: options and the run loop.
//!
//! Behind a load balancer: `/healthz` answers 200 `ok` while the server takes clients. When
//! `stop` resolves (SIGTERM or Ctrl-C for the binary), the server drains: new Engine.IO
//! handshakes are refused, the listener is closed (new connections are refused, so
//! reconnecting clients go to another server and health checks fail), open HTTP/1.1
//! connections are closed once their request in flight is answered (an idle keep-alive one at
//! once), every session is closed with `server shutting down` after its queue is sent
//! (Socket.IO clients see a `transport close` disconnect and reconnect), and the run returns
//! once every connection is gone or [`ServeOptions::drain_timeout`] has passed. `/healthz`
//! answers 503 `draining` only to a request already in flight as the drain begins: a health
//! check learns of the drain from a refused or closed connection.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::net::TcpListener;
use wsio_admin_ui::{AdminUiOptions, BasicAuth, Observer};
use wsio_engine::{Endpoint, ServeConfig};
use wsio_server::{AdapterFactory, AnyParser, Config, Cors, RecoveryConfig, Server};

use crate::cluster::ClusterOptions;
use crate::tls::{CertStore, TlsFiles};

/// Options of `wsio serve`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeOptions {
    /// Add the interop test contract (`join`, `rooms`, `/admin`, ...). Default off.
    pub test_events: bool,
    /// The HTTP path of the Socket.IO endpoint. Default `/socket.io/`.
    pub path: String,
    /// Heartbeat interval. Default 25 s.
    pub ping_interval: Duration,
    /// Heartbeat timeout. Default 20 s.
    pub ping_timeout: Duration,
    /// `maxPayload`, in bytes. Default 1,000,000; with `test_events` and no explicit value,
    /// 8 MiB (what the reference test server uses, so 1 MiB messages fit).
    pub max_payload: Option<usize>,
    /// Packets that may wait for one session's transport before it is closed as a slow
    /// consumer. Default 1024.
    pub queue_capacity: usize,
    /// permessage-deflate on WebSocket transports. Default off.
    pub deflate: bool,
    /// With [`deflate`](Self::deflate), messages shorter than this many bytes go
    /// uncompressed. Default 64 (`Config::deflate_threshold`).
    pub deflate_threshold: usize,
    /// The Socket.IO parser. Default JSON.
    pub parser: AnyParser,
    /// Which origins browsers may reach the server from, and with which credentials.
    /// Default every origin, without credentials.
    pub cors: Cors,
    /// How long a client has to join a namespace once its session is open. Default 45 s.
    pub connect_timeout: Duration,
    /// How long a polling session may take to finish a WebSocket upgrade. Default 10 s.
    pub upgrade_timeout: Duration,
    /// How long a connection may take to send a request head (and, over TLS, its
    /// handshake). Default 10 s; `None`: no deadline.
    pub header_read_timeout: Option<Duration>,
    /// Connection state recovery, keeping sessions this long. Default `None` (off).
    pub recovery: Option<Duration>,
    /// Where the server's figures are served in the Prometheus text format, such as
    /// `/metrics`. Default `None` (not served).
    pub metrics_path: Option<String>,
    /// The socket.io-client browser bundle (`dist/socket.io.min.js`) the demo page loads
    /// from the server instead of jsDelivr. Default `None` (jsDelivr).
    pub client_js: Option<PathBuf>,
    /// HTTPS and `wss://` with this certificate and key. Default `None` (plain HTTP).
    pub tls: Option<TlsFiles>,
    /// Also serve the WebTransport transport (HTTP/3) on UDP, on the port number and address
    /// of the HTTPS listener, with the same certificate; needs [`tls`](Self::tls) and the
    /// `webtransport` feature. Default off.
    pub webtransport: bool,
    /// The adapter and its Redis settings. Default in memory.
    pub cluster: ClusterOptions,
    /// Once stopped, how long to wait for the sessions' queues to be sent and their
    /// connections to close. Default 10 s.
    pub drain_timeout: Duration,
    /// The Socket.IO Admin UI's protocol in its own namespace. Default `None` (off).
    pub admin_ui: Option<AdminUi>,
}

/// The Socket.IO Admin UI of `wsio serve` (`--admin-ui`), served by `wsio-admin-ui`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminUi {
    /// The admin namespace the UI joins. Default `/admin` (the UI's default too).
    pub namespace: String,
    /// Basic authentication; `None`: anyone may connect to the admin namespace.
    pub auth: Option<BasicAuth>,
    /// The UI may look, not act (emit, join, leave, disconnect).
    pub read_only: bool,
    /// This server's name in the UI. `None`: the host name.
    pub server_id: Option<String>,
}

impl Default for AdminUi {
    fn default() -> Self {
        AdminUi {
            namespace: AdminUiOptions::default().namespace,
            auth: None,
            read_only: false,
            server_id: None,
        }
    }
}

/// The `maxPayload` of the test contract when none is given.
pub const TEST_MAX_PAYLOAD: usize = 8 * 1024 * 1024;

/// The drain timeout when none is given.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

impl Default for ServeOptions {
    fn default() -> Self {
        let config = Config::default();
        ServeOptions {
            test_events: false,
            path: config.path,
            ping_interval: config.ping_interval,
            ping_timeout: config.ping_timeout,
            max_payload: None,
            queue_capacity: config.queue_capacity,
            deflate: false,
            deflate_threshold: config.deflate_threshold,
            parser: AnyParser::Json,
            cors: Cors::any(),
            connect_timeout: config.connect_timeout,
            upgrade_timeout: config.upgrade_timeout,
            header_read_timeout: config.header_read_timeout,
            recovery: None,
            metrics_path: None,
            client_js: None,
            tls: None,
            webtransport: false,
            cluster: ClusterOptions::default(),
            drain_timeout: DRAIN_TIMEOUT,
            admin_ui: None,
        }
    }
}

/// The demo server for `options`.
pub fn server(options: &ServeOptions) -> Server {
    let io = Server::new(config(options));
    super::demo::install(&io, options.test_events);
    io
}

/// The server settings for `options` (in-memory adapter, every handshake allowed).
pub fn config(options: &ServeOptions) -> Config {
    let config = Config {
        path: options.path.clone(),
        ping_interval: options.ping_interval,
        ping_timeout: options.ping_timeout,
        queue_capacity: options.queue_capacity,
        deflate: options.deflate.then_some(wsio_ws::Config::LEAN_DEFLATE),
        deflate_threshold: options.deflate_threshold,
        parser: options.parser,
        cors: Some(options.cors.clone()),
        connect_timeout: options.connect_timeout,
        upgrade_timeout: options.upgrade_timeout,
        header_read_timeout: options.header_read_timeout,
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

/// Whether the server takes clients: false once it drains.
#[derive(Debug, Clone, Default)]
struct Readiness(Arc<AtomicBool>);

impl Readiness {
    fn draining(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    fn drain(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// What can fail before the server takes clients, done: the certificate read (and watched
/// for `SIGHUP`), the adapter connected. [`Prepared::run`] then serves.
pub struct Prepared {
    options: ServeOptions,
    adapter: Option<AdapterFactory>,
    tls: Option<Arc<rustls::ServerConfig>>,
    client_js: Option<bytes::Bytes>,
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared")
            .field("options", &self.options)
            .field("adapter", &self.adapter.is_some())
            .field("tls", &self.tls.is_some())
            .finish()
    }
}

/// Reads the certificate of `options` (reading it again on each `SIGHUP`) and connects their
/// adapter to Redis. Fails with what went wrong: a file, a key, Redis out of reach.
pub async fn prepare(options: &ServeOptions) -> std::io::Result<Prepared> {
    let failed = |message: String| std::io::Error::other(message);
    if options.webtransport && options.tls.is_none() {
        return Err(failed(
            "--webtransport needs --tls-cert and --tls-key: WebTransport runs over TLS 1.3 only"
                .to_owned(),
        ));
    }
    if let Some(admin_ui) = &options.admin_ui
        && options.test_events
        && admin_ui.namespace == super::demo::TEST_ADMIN_NAMESPACE
    {
        return Err(failed(format!(
            "--admin-ui: {} is the test contract's namespace with --test-events; \
             give the Admin UI another with --admin-ui-namespace",
            super::demo::TEST_ADMIN_NAMESPACE
        )));
    }
    if options.webtransport && !cfg!(feature = "webtransport") {
        return Err(failed(
            "--webtransport: this wsio was built without the webtransport feature".to_owned(),
        ));
    }
    let tls = match &options.tls {
        Some(files) => {
            let store = CertStore::load(files.clone()).map_err(failed)?;
            crate::tls::reload_on_sighup(store.clone())?;
            Some(store.server_config().map_err(failed)?)
        }
        None => None,
    };
    let client_js = match &options.client_js {
        Some(file) => Some(
            std::fs::read(file)
                .map_err(|e| failed(format!("--client-js {}: {e}", file.display())))?
                .into(),
        ),
        None => None,
    };
    let adapter = options.cluster.connect().await.map_err(failed)?;
    Ok(Prepared {
        options: options.clone(),
        adapter,
        tls,
        client_js,
    })
}

/// Serves the demo (and its page at `/`, and `/healthz` for load balancers) on `listener`
/// until `stop` resolves, then drains (see the module's documentation).
pub async fn run(
    listener: TcpListener,
    options: &ServeOptions,
    stop: impl Future<Output = ()>,
) -> std::io::Result<()> {
    prepare(options).await?.run(listener, stop).await
}

impl Prepared {
    /// True when serving HTTPS.
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// True when serving WebTransport too.
    pub fn is_webtransport(&self) -> bool {
        self.options.webtransport && self.tls.is_some()
    }

    /// Serves on `listener` until `stop` resolves, then drains (see the module's
    /// documentation).
    pub async fn run(
        self,
        listener: TcpListener,
        stop: impl Future<Output = ()>,
    ) -> std::io::Result<()> {
        let Prepared {
            options,
            adapter,
            tls,
            client_js,
        } = self;
        let page = super::page::Page::new(&options.path, client_js);
        let readiness = Readiness::default();
        let refusing = readiness.clone();
        let mut config = Config {
            adapter,
            allow_request: Some(Arc::new(move |_request| {
                if refusing.draining() {
                    Err("server shutting down".to_owned())
                } else {
                    Ok(())
                }
            })),
            ..config(&options)
        };
        let observer = options.admin_ui.as_ref().map(|_| Observer::new());
        if let Some(observer) = &observer {
            observer.install(&mut config);
        }
        let io = Server::new(config);
        super::demo::install(&io, options.test_events);
        if let Some(admin_ui) = &options.admin_ui {
            instrument(&io, admin_ui, observer, &options.cors)?;
        }
        let metrics = options.metrics_path.clone().map(|path| (path, io.clone()));
        let probed = readiness.clone();
        let mut serving = ServeConfig::new()
            .drain_timeout(options.drain_timeout)
            .fallback(move |req| match req.uri().path() {
                "/healthz" if probed.draining() => super::page::draining(),
                "/healthz" => super::page::healthy(),
                path if metrics.as_ref().is_some_and(|(at, _)| at == path) => {
                    let text = metrics
                        .as_ref()
                        .map(|(_, io)| super::metrics::render(&io.stats()))
                        .unwrap_or_default();
                    super::page::metrics(text)
                }
                path => page.respond(path),
            });
        #[cfg(feature = "webtransport")]
        let webtransport = match (&tls, options.webtransport) {
            (Some(tls), true) => Some(webtransport(&io, &listener, tls.clone())?),
            _ => None,
        };
        if let Some(tls) = tls {
            serving = serving.tls(tls);
        }
        let started = std::sync::OnceLock::new();
        let draining = async {
            stop.await;
            readiness.drain();
            let _ = started.set(Instant::now());
            tracing::info!(
                sessions = io.session_count(),
                drain_timeout_ms = millis(options.drain_timeout),
                "draining: new connections are refused, sessions are closing"
            );
        };
        io.engine().serve_using(listener, draining, serving).await?;
        #[cfg(feature = "webtransport")]
        if let Some((stop, task)) = webtransport {
            let _ = stop.send(());
            let _ = task.await;
        }
        if let Some(started) = started.get() {
            let took = started.elapsed();
            if took >= options.drain_timeout {
                tracing::warn!(
                    took_ms = millis(took),
                    "drain timed out with connections still open"
                );
            } else {
                tracing::info!(took_ms = millis(took), "drained");
            }
        }
        Ok(())
    }
}

/// Serves the Admin UI's protocol on `io` in `admin_ui`'s namespace, its live events
/// reported by `observer`; warns when `cors` keeps the UI's page from polling.
fn instrument(
    io: &Server,
    admin_ui: &AdminUi,
    observer: Option<Observer>,
    cors: &Cors,
) -> std::io::Result<()> {
    wsio_admin_ui::instrument(
        io,
        AdminUiOptions {
            namespace: admin_ui.namespace.clone(),
            auth: admin_ui.auth.clone(),
            read_only: admin_ui.read_only,
            server_id: admin_ui.server_id.clone(),
            observer,
            ..AdminUiOptions::default()
        },
    )
    .map_err(|e| std::io::Error::other(format!("--admin-ui: {e}")))?;
    if !cors.credentials {
        tracing::warn!(
            "admin UI: its page polls with credentials, which CORS refuses without \
             --cors-credentials (and --cors-origin with the UI's origin); \
             otherwise choose WebSocket only in the UI"
        );
    }
    tracing::info!(
        namespace = %admin_ui.namespace,
        auth = admin_ui.auth.is_some(),
        read_only = admin_ui.read_only,
        "serving the Socket.IO Admin UI's protocol"
    );
    Ok(())
}

/// The WebTransport endpoint of `io` on UDP, at the address and port of `listener`, until
/// the sender it returns is used (or dropped).
#[cfg(feature = "webtransport")]
fn webtransport(
    io: &Server,
    listener: &TcpListener,
    tls: Arc<rustls::ServerConfig>,
) -> std::io::Result<(
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
)> {
    let addr = listener.local_addr()?;
    let socket = std::net::UdpSocket::bind(addr)
        .map_err(|e| std::io::Error::new(e.kind(), format!("--webtransport: UDP {addr}: {e}")))?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let engine = io.engine().clone();
    let task = tokio::spawn(async move {
        let stopped = async {
            let _ = stopped.await;
        };
        engine.serve_webtransport(socket, tls, stopped).await
    });
    tracing::info!(%addr, "serving WebTransport (HTTP/3) on UDP");
    Ok((stop, task))
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
