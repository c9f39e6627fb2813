//! The command line of `wsio`: subcommands, flags, their defaults and environment variables.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use wsio_cli::cluster::{AdapterKind, ClusterOptions};
use wsio_cli::serve::{AdminUi, ServeOptions};
use wsio_cli::tls::TlsFiles;
use wsio_server::Cors;

/// wsio: real-time web messaging — a Socket.IO server (Engine.IO v4, Socket.IO v5) with its
/// chat demo, an Engine.IO echo and a raw WebSocket echo.
#[derive(Debug, Parser)]
#[command(name = "wsio", version, about, long_about = None)]
pub struct Cli {
    /// What to run.
    #[command(subcommand)]
    pub command: Command,
    /// Logging: where the log goes and how much of it.
    #[command(flatten)]
    pub log: LogArgs,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Socket.IO server with a chat demo at / (Socket.IO at /socket.io/).
    Serve(Box<ServeArgs>),
    /// Engine.IO-only echo server at /engine.io/ (what the engine.io-protocol suite drives).
    EngineEcho(EngineEchoArgs),
    /// Raw WebSocket echo server (what the Autobahn suite drives), on port 9001 by default.
    Echo(EchoArgs),
    /// A self-signed ECDSA P-256 certificate valid for 13 days, for `serve --webtransport`,
    /// written as cert.pem and key.pem; prints the SHA-256 hash pages pin
    /// (`serverCertificateHashes`).
    #[cfg(feature = "webtransport")]
    Cert(CertArgs),
}

/// `wsio cert`.
#[cfg(feature = "webtransport")]
#[derive(Debug, Args)]
pub struct CertArgs {
    /// The folder to write cert.pem and key.pem into (created if needed).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The names the certificate is for: DNS names or IP addresses.
    #[arg(long = "name", value_name = "NAME", default_values_t = ["127.0.0.1".to_owned(), "localhost".to_owned(), "::1".to_owned()])]
    pub names: Vec<String>,
}

/// Where to listen.
#[derive(Debug, Args)]
#[command(next_help_heading = "Listening")]
pub struct Listen {
    /// Address to listen on.
    #[arg(long, env = "WSIO_HOST", default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub host: IpAddr,
    /// TCP port to listen on: 3000 by default, 9001 for `echo`; 0 picks a free one (the
    /// banner says which).
    #[arg(long, env = "WSIO_PORT")]
    pub port: Option<u16>,
    /// Connections the kernel may hold waiting to be accepted. When a burst of clients (a
    /// restart, a failover) overflows it, the extra connections wait for the client's SYN
    /// retry (1 s and more); the kernel caps it at `net.core.somaxconn` (4096 by default).
    #[arg(long, env = "WSIO_BACKLOG", default_value_t = 1024)]
    pub backlog: u32,
}

impl Listen {
    /// The socket address, on `default_port` when no port was given.
    pub fn addr(&self, default_port: u16) -> SocketAddr {
        SocketAddr::new(self.host, self.port.unwrap_or(default_port))
    }

    /// Where and how to listen, on `default_port` when no port was given.
    pub fn at(&self, default_port: u16) -> Bind {
        Bind {
            addr: self.addr(default_port),
            backlog: self.backlog,
        }
    }
}

/// A listening address and its accept backlog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bind {
    /// The address.
    pub addr: SocketAddr,
    /// The accept backlog.
    pub backlog: u32,
}

impl Bind {
    /// Binds and listens (with `SO_REUSEADDR`, so a restart finds the port free at once).
    /// Call within a tokio runtime.
    pub fn listen(&self) -> std::io::Result<tokio::net::TcpListener> {
        let socket = match self.addr {
            SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
            SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
        };
        socket.set_reuseaddr(true)?;
        socket.bind(self.addr)?;
        socket.listen(self.backlog)
    }
}

/// The port of `serve` and `engine-echo` when none is given.
pub const SERVE_PORT: u16 = 3000;
/// The port of `echo` when none is given.
pub const ECHO_PORT: u16 = 9001;

/// The Engine.IO settings `serve` and `engine-echo` share.
#[derive(Debug, Args)]
#[command(next_help_heading = "Engine.IO")]
pub struct EngineArgs {
    /// Heartbeat: how often the server pings, in milliseconds.
    #[arg(
        long,
        env = "WSIO_PING_INTERVAL_MS",
        default_value_t = 25_000,
        value_name = "MS",
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub ping_interval_ms: u64,
    /// Heartbeat: how long a pong may take before the session is dropped, in milliseconds.
    #[arg(
        long,
        env = "WSIO_PING_TIMEOUT_MS",
        default_value_t = 20_000,
        value_name = "MS",
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub ping_timeout_ms: u64,
    /// Largest message or polling body accepted, in bytes (`maxHttpBufferSize`). Default
    /// 1,000,000; 8 MiB with --test-events.
    #[arg(long, env = "WSIO_MAX_PAYLOAD_BYTES", value_name = "BYTES", value_parser = positive_usize)]
    pub max_payload_bytes: Option<usize>,
}

/// `wsio serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Where to listen.
    #[command(flatten)]
    pub listen: Listen,
    /// Engine.IO settings.
    #[command(flatten)]
    pub engine: EngineArgs,
    /// Add the interop test contract (interop/README.md) to the demo.
    #[arg(
        long,
        env = "WSIO_TEST_EVENTS",
        conflicts_with = "protocol_suite",
        help_heading = "Application"
    )]
    pub test_events: bool,
    /// Serve the application of the official socket.io-protocol test suite instead of the
    /// demo (plain HTTP, one server, no page).
    #[arg(
        long,
        env = "WSIO_PROTOCOL_SUITE",
        help_heading = "Application",
        conflicts_with_all = ["tls_cert", "adapter", "redis", "client_js", "admin_ui"]
    )]
    pub protocol_suite: bool,
    /// Connection state recovery: keep a disconnected socket's session (id, rooms, missed
    /// events) this many milliseconds. Off when not given.
    #[arg(
        long,
        env = "WSIO_RECOVERY_MS",
        value_name = "MS",
        help_heading = "Socket.IO"
    )]
    pub recovery_ms: Option<u64>,
    /// Serve the server's figures (sessions, sockets per namespace, closes by reason,
    /// packets and bytes) in the Prometheus text format at this path, such as `/metrics`.
    /// Off when not given.
    #[arg(
        long,
        env = "WSIO_METRICS_PATH",
        value_name = "PATH",
        help_heading = "Metrics"
    )]
    pub metrics_path: Option<String>,
    /// Serve this socket.io-client browser bundle (`dist/socket.io.min.js` of the npm
    /// package) at /socket.io.min.js for the demo page, which otherwise loads it from
    /// jsDelivr: for networks without Internet access.
    #[arg(
        long,
        env = "WSIO_CLIENT_JS",
        value_name = "FILE",
        help_heading = "Application"
    )]
    pub client_js: Option<PathBuf>,
    /// Socket.IO settings an operator tunes.
    #[command(flatten)]
    pub socket_io: SocketIoArgs,
    /// TLS.
    #[command(flatten)]
    pub tls: TlsArgs,
    /// Also serve WebTransport (HTTP/3 over QUIC) on UDP, on the same address and port
    /// number as HTTPS, with the same certificate; polling handshakes then offer it as an
    /// upgrade. Needs --tls-cert and --tls-key; browsers accept a self-signed certificate
    /// only when the page pins its hash (`wsio cert` makes one).
    #[arg(
        long,
        env = "WSIO_WEBTRANSPORT",
        requires = "tls_cert",
        help_heading = "TLS"
    )]
    pub webtransport: bool,
    /// The cluster: the adapter and its Redis.
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// The Socket.IO Admin UI.
    #[command(flatten)]
    pub admin_ui: AdminUiArgs,
    /// Once SIGTERM or Ctrl-C came (new connections, health checks included, are refused,
    /// open ones closed, and every session is closed so its client reconnects elsewhere), how
    /// long to wait for
    /// the sessions' queues to be sent and their connections to close before exiting, in
    /// milliseconds.
    #[arg(
        long,
        env = "WSIO_DRAIN_TIMEOUT_MS",
        help_heading = "Shutdown",
        visible_alias = "drain-timeout",
        default_value_t = 10_000,
        value_name = "MS"
    )]
    pub drain_timeout_ms: u64,
}

/// The Socket.IO endpoint's settings of `wsio serve`.
#[derive(Debug, Args)]
#[command(next_help_heading = "Socket.IO")]
pub struct SocketIoArgs {
    /// The HTTP path of the Socket.IO endpoint (the clients' `path` option; the demo page
    /// follows it).
    #[arg(long, env = "WSIO_PATH", default_value = "/socket.io/", value_parser = endpoint_path)]
    pub path: String,
    /// Packets that may wait for one client's transport; when full, the client is
    /// disconnected as a slow consumer (volatile packets are dropped instead).
    #[arg(long, env = "WSIO_QUEUE_CAPACITY", default_value_t = 1024, value_name = "PACKETS", value_parser = positive_usize)]
    pub queue_capacity: usize,
    /// Compress WebSocket messages (permessage-deflate) when the client offers it, without
    /// context takeover: each message on its own, so an idle connection keeps no compressor
    /// (about 2 KiB instead of 300 KiB) for a slightly lower ratio. Off by default.
    #[arg(long, env = "WSIO_DEFLATE")]
    pub deflate: bool,
    /// With --deflate, messages shorter than this many bytes are sent uncompressed: a short
    /// message costs a compressor pass and saves little or nothing. Higher: less CPU on
    /// chatty small events, more bytes sent; lower: the reverse.
    #[arg(
        long,
        env = "WSIO_DEFLATE_THRESHOLD_BYTES",
        default_value_t = ServeOptions::default().deflate_threshold,
        value_name = "BYTES"
    )]
    pub deflate_threshold_bytes: usize,
    /// The Socket.IO packet parser: `json` (what every client speaks by default) or
    /// `msgpack` (for clients built with `socket.io-msgpack-parser` or python-socketio's
    /// `serializer='msgpack'`; every client must then use it).
    #[arg(
        long,
        env = "WSIO_PARSER",
        default_value = "json",
        value_name = "json|msgpack"
    )]
    pub parser: wsio_server::AnyParser,
    /// An origin browsers may reach the server from, such as `https://app.example.com`;
    /// repeat the flag or separate origins with commas. Default: every origin (the request's
    /// Origin is echoed back).
    #[arg(long = "cors-origin", env = "WSIO_CORS_ORIGINS", value_name = "ORIGIN", value_delimiter = ',', value_parser = origin)]
    pub cors_origins: Vec<String>,
    /// Let browsers send cookies and HTTP authentication cross-origin
    /// (`Access-Control-Allow-Credentials: true`). Off by default.
    #[arg(long, env = "WSIO_CORS_CREDENTIALS")]
    pub cors_credentials: bool,
    /// How long a client has, once its Engine.IO session is open, to join a namespace, in
    /// milliseconds.
    #[arg(long, env = "WSIO_CONNECT_TIMEOUT_MS", default_value_t = 45_000, value_name = "MS", value_parser = clap::value_parser!(u64).range(1..))]
    pub connect_timeout_ms: u64,
    /// How long a polling client may take to finish its upgrade to WebSocket, in
    /// milliseconds.
    #[arg(long, env = "WSIO_UPGRADE_TIMEOUT_MS", default_value_t = 10_000, value_name = "MS", value_parser = clap::value_parser!(u64).range(1..))]
    pub upgrade_timeout_ms: u64,
    /// How long a connection may take to send a request head (from its accept, and after
    /// each response while it stays idle) and, over TLS, to finish its handshake, in
    /// milliseconds; 0: no deadline.
    #[arg(
        long,
        env = "WSIO_HEADER_READ_TIMEOUT_MS",
        default_value_t = 10_000,
        value_name = "MS"
    )]
    pub header_read_timeout_ms: u64,
}

/// TLS of `wsio serve`.
#[derive(Debug, Args)]
#[command(next_help_heading = "TLS")]
pub struct TlsArgs {
    /// Serve HTTPS and wss:// with this certificate chain, a PEM file with the server's
    /// certificate first; HTTP/2 or HTTP/1.1, as the client picks by ALPN (the server offers
    /// h2, then http/1.1). Needs --tls-key. Read at start-up and again on SIGHUP. Off (plain
    /// HTTP) when not given.
    #[arg(long, env = "WSIO_TLS_CERT", value_name = "PEM", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert, a PEM file (PKCS#8, PKCS#1 or SEC1).
    #[arg(long, env = "WSIO_TLS_KEY", value_name = "PEM", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
}

/// The cluster settings of `wsio serve`.
#[derive(Debug, Args)]
#[command(next_help_heading = "Cluster")]
pub struct ClusterArgs {
    /// How the servers of a cluster reach each other's clients: `local` (one server),
    /// `redis` (pub/sub, as @socket.io/redis-adapter), `redis-sharded` (Redis 7 sharded
    /// pub/sub, as its createShardedAdapter) or `redis-streams` (as
    /// @socket.io/redis-streams-adapter, with --recovery-ms across servers).
    #[arg(long, env = "WSIO_ADAPTER", value_enum, default_value_t = AdapterKind::Local)]
    pub adapter: AdapterKind,
    /// The Redis server of the Redis adapters, `redis://[user:password@]host:port[/db]`.
    #[arg(
        long,
        env = "WSIO_REDIS",
        value_name = "URL",
        required_if_eq_any = [("adapter", "redis"), ("adapter", "redis-sharded"), ("adapter", "redis-streams")]
    )]
    pub redis: Option<String>,
    /// Prefix of the Redis channels (and of the stream's name); the same on every server of
    /// the cluster, Node ones included.
    #[arg(long, env = "WSIO_REDIS_KEY_PREFIX", default_value = "socket.io", value_name = "PREFIX", value_parser = clap::builder::NonEmptyStringValueParser::new())]
    pub redis_key_prefix: String,
    /// How long requests to the other servers (fetching sockets, server-side emits with
    /// acks) wait for their answers, in milliseconds.
    #[arg(
        long,
        env = "WSIO_REDIS_REQUEST_TIMEOUT_MS",
        visible_alias = "redis-request-timeout",
        default_value_t = 5_000,
        value_name = "MS",
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub redis_request_timeout_ms: u64,
}

/// The Socket.IO Admin UI of `wsio serve`.
#[derive(Debug, Args)]
#[command(next_help_heading = "Admin UI")]
pub struct AdminUiArgs {
    /// Serve the protocol of the Socket.IO Admin UI (npm `@socket.io/admin-ui` 0.5; the UI
    /// hosted at admin.socket.io, or the package's `ui/dist`) in --admin-ui-namespace: the
    /// UI lists the server, its sockets and rooms, and can make sockets join, leave or
    /// disconnect. Its page polls with credentials: add --cors-origin with the UI's origin
    /// and --cors-credentials. Off by default.
    #[arg(long, env = "WSIO_ADMIN_UI")]
    pub admin_ui: bool,
    /// The Admin UI's namespace (the UI's default too).
    #[arg(
        long,
        env = "WSIO_ADMIN_UI_NAMESPACE",
        default_value = "/admin",
        value_name = "NS",
        value_parser = namespace,
        requires = "admin_ui"
    )]
    pub admin_ui_namespace: String,
    /// Basic authentication of the Admin UI: the user name, a colon, and the bcrypt hash of
    /// the password (`$2a$`, `$2b$` or `$2y$`, as `htpasswd -bnBC 10 "" PASSWORD` prints
    /// it). Without it, anyone may connect to the Admin UI's namespace.
    #[arg(
        long,
        env = "WSIO_ADMIN_UI_AUTH",
        value_name = "USER:BCRYPT_HASH",
        value_parser = basic_auth,
        requires = "admin_ui"
    )]
    pub admin_ui_auth: Option<wsio_admin_ui::BasicAuth>,
    /// The Admin UI may look, not act: it hides its actions (emit, join, leave,
    /// disconnect) and the server ignores them.
    #[arg(long, env = "WSIO_ADMIN_UI_READ_ONLY", requires = "admin_ui")]
    pub admin_ui_read_only: bool,
    /// This server's name in the Admin UI, distinct for each server of a cluster. Default:
    /// the host name.
    #[arg(
        long,
        env = "WSIO_ADMIN_UI_SERVER_ID",
        value_name = "ID",
        requires = "admin_ui"
    )]
    pub admin_ui_server_id: Option<String>,
}

impl AdminUiArgs {
    /// The Admin UI's settings, `None` when it is off.
    pub fn options(&self) -> Option<AdminUi> {
        self.admin_ui.then(|| AdminUi {
            namespace: self.admin_ui_namespace.clone(),
            auth: self.admin_ui_auth.clone(),
            read_only: self.admin_ui_read_only,
            server_id: self.admin_ui_server_id.clone(),
        })
    }
}

/// A namespace: begins with `/`, no query.
fn namespace(text: &str) -> Result<String, String> {
    if !text.starts_with('/') || text.contains(['?', '#', ' ']) {
        return Err("a namespace such as /admin: begins with /, without ? or #".to_owned());
    }
    Ok(text.to_owned())
}

/// `USER:BCRYPT_HASH`, the hash checked to be a bcrypt hash.
fn basic_auth(text: &str) -> Result<wsio_admin_ui::BasicAuth, String> {
    let (username, hash) = text
        .split_once(':')
        .filter(|(username, _)| !username.is_empty())
        .ok_or("USER:BCRYPT_HASH, such as admin:$2b$10$... (the user name, a colon, the hash)")?;
    hash.parse::<bcrypt::HashParts>().map_err(|e| {
        format!("not a bcrypt hash after the user name ({e}); htpasswd -bnBC 10 \"\" PASSWORD prints one")
    })?;
    Ok(wsio_admin_ui::BasicAuth {
        username: username.to_owned(),
        password_bcrypt_hash: hash.to_owned(),
    })
}

/// A number of at least 1.
fn positive_usize(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("must be at least 1".to_owned()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

/// An endpoint path: begins with `/`, no query; given a trailing `/` when it has none.
fn endpoint_path(text: &str) -> Result<String, String> {
    if !text.starts_with('/') || text.contains(['?', '#', ' ']) {
        return Err("a path such as /socket.io/: begins with /, without ? or #".to_owned());
    }
    Ok(if text.ends_with('/') {
        text.to_owned()
    } else {
        format!("{text}/")
    })
}

/// A browser origin: `http://` or `https://`, a host, maybe a port, nothing after.
fn origin(text: &str) -> Result<String, String> {
    let host = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"));
    match host {
        Some(host) if !host.is_empty() && !host.contains(['/', '?', '#', ' ', '*']) => {
            Ok(text.to_owned())
        }
        _ => Err(
            "an origin such as https://app.example.com (scheme and host, maybe a port, no path)"
                .to_owned(),
        ),
    }
}

/// `wsio echo`.
#[derive(Debug, Args)]
pub struct EchoArgs {
    /// Where to listen.
    #[command(flatten)]
    pub listen: Listen,
    /// Also speak HTTP/2 on the same port: a connection opening with the HTTP/2 preface (h2c,
    /// prior knowledge) is served as HTTP/2, and each extended CONNECT with `:protocol
    /// websocket` (RFC 8441) is a WebSocket on its stream, echoed like the HTTP/1.1 ones (which
    /// keep working). Off by default: HTTP/1.1 upgrades only.
    #[arg(long, env = "WSIO_H2")]
    pub h2: bool,
}

impl EchoArgs {
    /// The echo server's options.
    pub fn options(&self) -> wsio_cli::ws_echo::EchoOptions {
        wsio_cli::ws_echo::EchoOptions { h2: self.h2 }
    }
}

/// `wsio engine-echo`.
#[derive(Debug, Args)]
pub struct EngineEchoArgs {
    /// Where to listen.
    #[command(flatten)]
    pub listen: Listen,
    /// Engine.IO settings.
    #[command(flatten)]
    pub engine: EngineArgs,
}

impl ServeArgs {
    /// The application's options.
    pub fn options(&self) -> ServeOptions {
        let socket_io = &self.socket_io;
        ServeOptions {
            test_events: self.test_events,
            path: socket_io.path.clone(),
            queue_capacity: socket_io.queue_capacity,
            deflate: socket_io.deflate,
            deflate_threshold: socket_io.deflate_threshold_bytes,
            parser: socket_io.parser,
            cors: Cors {
                origins: socket_io.cors_origins.clone(),
                credentials: socket_io.cors_credentials,
            },
            connect_timeout: Duration::from_millis(socket_io.connect_timeout_ms),
            upgrade_timeout: Duration::from_millis(socket_io.upgrade_timeout_ms),
            header_read_timeout: (socket_io.header_read_timeout_ms > 0)
                .then(|| Duration::from_millis(socket_io.header_read_timeout_ms)),
            recovery: self.recovery_ms.map(Duration::from_millis),
            metrics_path: self.metrics_path.clone(),
            client_js: self.client_js.clone(),
            tls: self
                .tls
                .tls_cert
                .clone()
                .zip(self.tls.tls_key.clone())
                .map(|(cert, key)| TlsFiles { cert, key }),
            webtransport: self.webtransport,
            cluster: ClusterOptions {
                adapter: self.cluster.adapter,
                redis_url: self.cluster.redis.clone(),
                key_prefix: self.cluster.redis_key_prefix.clone(),
                request_timeout: Duration::from_millis(self.cluster.redis_request_timeout_ms),
            },
            drain_timeout: Duration::from_millis(self.drain_timeout_ms),
            admin_ui: self.admin_ui.options(),
            ..self.engine.options()
        }
    }
}

impl EngineArgs {
    /// The heartbeat and payload settings as the applications take them.
    pub fn options(&self) -> ServeOptions {
        ServeOptions {
            ping_interval: Duration::from_millis(self.ping_interval_ms),
            ping_timeout: Duration::from_millis(self.ping_timeout_ms),
            max_payload: self.max_payload_bytes,
            ..ServeOptions::default()
        }
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// One human-readable line per event, colored on a terminal.
    Human,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Logging flags, global to every subcommand.
#[derive(Debug, Args)]
#[command(next_help_heading = "Logging")]
pub struct LogArgs {
    /// What to log, as a tracing filter: a level (`error`, `warn`, `info`, `debug`, `trace`)
    /// or per-target directives such as `info,wsio_engine=debug`. Without it, `RUST_LOG`,
    /// else `info`.
    #[arg(long, global = true, env = "WSIO_LOG", value_name = "FILTER")]
    pub log: Option<String>,
    /// How log lines look.
    #[arg(long, global = true, env = "WSIO_LOG_FORMAT", value_enum, default_value_t = LogFormat::Human)]
    pub log_format: LogFormat,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("wsio").chain(args.iter().copied()))
    }

    #[test]
    fn the_cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn serve_takes_its_flags_and_defaults() {
        let cli = parse(&[
            "serve",
            "--port",
            "0",
            "--test-events",
            "--ping-interval-ms",
            "300",
            "--recovery-ms",
            "2000",
            "--log",
            "debug",
        ])
        .expect("parses");
        let Command::Serve(serve) = cli.command else {
            panic!("not serve")
        };
        assert_eq!(
            serve.listen.addr(SERVE_PORT),
            "127.0.0.1:0".parse().expect("addr")
        );
        let options = serve.options();
        assert!(options.test_events);
        assert_eq!(options.ping_interval, Duration::from_millis(300));
        assert_eq!(options.ping_timeout, Duration::from_secs(20));
        assert_eq!(options.recovery, Some(Duration::from_secs(2)));
        assert_eq!(cli.log.log.as_deref(), Some("debug"));
        assert_eq!(cli.log.log_format, LogFormat::Human);
    }

    fn serve_args(args: &[&str]) -> ServeArgs {
        let mut all = vec!["serve"];
        all.extend_from_slice(args);
        match parse(&all).expect("parses").command {
            Command::Serve(serve) => *serve,
            _ => panic!("not serve"),
        }
    }

    #[test]
    fn serve_defaults_match_the_server_defaults() {
        let options = serve_args(&[]).options();
        assert_eq!(options, ServeOptions::default());
        assert_eq!(options.path, "/socket.io/");
        assert_eq!(options.queue_capacity, 1024);
        assert_eq!(options.deflate_threshold, 64);
        assert_eq!(
            wsio_cli::serve::config(&options).deflate_threshold,
            wsio_server::Config::default().deflate_threshold
        );
        assert_eq!(options.cors, Cors::any());
        assert_eq!(options.connect_timeout, Duration::from_secs(45));
        assert_eq!(options.header_read_timeout, Some(Duration::from_secs(10)));
        assert_eq!(options.drain_timeout, Duration::from_secs(10));
        assert_eq!(options.cluster.adapter, AdapterKind::Local);
        assert_eq!(options.cluster.key_prefix, "socket.io");
        assert_eq!(options.tls, None);
        assert!(!options.webtransport, "WebTransport is off by default");
    }

    #[test]
    fn serve_takes_the_operator_flags() {
        let options = serve_args(&[
            "--path",
            "/rt",
            "--queue-capacity",
            "64",
            "--deflate",
            "--deflate-threshold-bytes",
            "256",
            "--parser",
            "msgpack",
            "--cors-origin",
            "https://a.example,https://b.example:8443",
            "--cors-origin",
            "http://c.example",
            "--cors-credentials",
            "--connect-timeout-ms",
            "5000",
            "--upgrade-timeout-ms",
            "3000",
            "--header-read-timeout-ms",
            "0",
            "--max-payload-bytes",
            "4096",
            "--drain-timeout",
            "2500",
            "--tls-cert",
            "cert.pem",
            "--tls-key",
            "key.pem",
            "--adapter",
            "redis-streams",
            "--redis",
            "redis://127.0.0.1:6379/2",
            "--redis-key-prefix",
            "chat",
            "--redis-request-timeout",
            "750",
        ])
        .options();
        assert_eq!(options.path, "/rt/");
        assert_eq!(options.queue_capacity, 64);
        assert!(options.deflate);
        assert_eq!(options.deflate_threshold, 256);
        assert_eq!(options.parser, wsio_server::AnyParser::MsgPack);
        assert_eq!(
            options.cors,
            Cors {
                origins: vec![
                    "https://a.example".to_owned(),
                    "https://b.example:8443".to_owned(),
                    "http://c.example".to_owned(),
                ],
                credentials: true,
            }
        );
        assert_eq!(options.connect_timeout, Duration::from_secs(5));
        assert_eq!(options.upgrade_timeout, Duration::from_secs(3));
        assert_eq!(options.header_read_timeout, None);
        assert_eq!(options.max_payload, Some(4096));
        assert_eq!(options.drain_timeout, Duration::from_millis(2500));
        assert_eq!(
            options.tls,
            Some(TlsFiles {
                cert: "cert.pem".into(),
                key: "key.pem".into(),
            })
        );
        assert_eq!(options.cluster.adapter, AdapterKind::RedisStreams);
        assert_eq!(
            options.cluster.redis_url.as_deref(),
            Some("redis://127.0.0.1:6379/2")
        );
        assert_eq!(options.cluster.key_prefix, "chat");
        assert_eq!(options.cluster.request_timeout, Duration::from_millis(750));

        let config = wsio_cli::serve::config(&options);
        assert_eq!(config.path, "/rt/");
        assert_eq!(config.queue_capacity, 64);
        assert!(config.deflate.is_some());
        assert_eq!(config.deflate_threshold, 256);
        assert_eq!(config.parser, wsio_server::AnyParser::MsgPack);
        assert_eq!(config.cors, Some(options.cors.clone()));
        assert_eq!(config.connect_timeout, Duration::from_secs(5));
        assert_eq!(config.upgrade_timeout, Duration::from_secs(3));
        assert_eq!(config.header_read_timeout, None);
        assert_eq!(config.max_payload, 4096);
    }

    #[test]
    fn serve_takes_the_admin_ui_flags() {
        assert_eq!(serve_args(&[]).options().admin_ui, None, "off by default");
        assert_eq!(
            serve_args(&["--admin-ui"]).options().admin_ui,
            Some(AdminUi {
                namespace: "/admin".to_owned(),
                auth: None,
                read_only: false,
                server_id: None,
            })
        );
        let hash = "$2a$04$ic2kK0HpIeQw5.5I2GIcXuVgfwxrouFe5fLZ0KeeDvSHzAqmlIYEi";
        let auth = format!("admin:{hash}");
        let options = serve_args(&[
            "--admin-ui",
            "--admin-ui-namespace",
            "/ops",
            "--admin-ui-auth",
            &auth,
            "--admin-ui-read-only",
            "--admin-ui-server-id",
            "eu-1",
        ])
        .options();
        assert_eq!(
            options.admin_ui,
            Some(AdminUi {
                namespace: "/ops".to_owned(),
                auth: Some(wsio_admin_ui::BasicAuth {
                    username: "admin".to_owned(),
                    password_bcrypt_hash: hash.to_owned(),
                }),
                read_only: true,
                server_id: Some("eu-1".to_owned()),
            })
        );
    }

    #[test]
    fn every_serve_flag_sits_under_the_heading_of_what_it_sets() {
        use clap::CommandFactory;
        let mut cli = Cli::command();
        // Global flags (--log) reach the subcommands when the command is built.
        cli.build();
        let serve = cli.find_subcommand("serve").expect("serve");
        let heading = |id: &str| {
            serve
                .get_arguments()
                .find(|arg| arg.get_id() == id)
                .unwrap_or_else(|| panic!("no argument {id}"))
                .get_help_heading()
                .map(str::to_owned)
        };
        for (id, expected) in [
            ("port", "Listening"),
            ("ping_interval_ms", "Engine.IO"),
            ("test_events", "Application"),
            ("recovery_ms", "Socket.IO"),
            ("cors_origins", "Socket.IO"),
            ("log", "Logging"),
            ("metrics_path", "Metrics"),
            ("webtransport", "TLS"),
            ("redis", "Cluster"),
            ("admin_ui_auth", "Admin UI"),
            ("drain_timeout_ms", "Shutdown"),
        ] {
            assert_eq!(heading(id).as_deref(), Some(expected), "--{id}");
        }
        let untitled: Vec<_> = serve
            .get_arguments()
            .filter(|arg| arg.get_help_heading().is_none() && arg.get_id() != "help")
            .map(|arg| arg.get_id().to_string())
            .collect();
        assert!(untitled.is_empty(), "flags without a heading: {untitled:?}");
    }

    #[test]
    fn the_tls_help_names_both_http_versions() {
        use clap::CommandFactory;
        let cli = Cli::command();
        let serve = cli.find_subcommand("serve").expect("serve");
        let help = serve
            .get_arguments()
            .find(|arg| arg.get_id() == "tls_cert")
            .and_then(|arg| arg.get_help())
            .expect("--tls-cert has help")
            .to_string();
        assert!(
            help.contains("HTTP/2 or HTTP/1.1") && help.contains("ALPN"),
            "{help}"
        );
    }

    #[test]
    fn bad_operator_values_say_what_is_wrong() {
        let refused = |args: &[&str], expected: &str| {
            let mut all = vec!["serve"];
            all.extend_from_slice(args);
            let error = parse(&all).expect_err("refused").to_string();
            assert!(error.contains(expected), "{args:?}: {error}");
        };
        refused(&["--queue-capacity", "0"], "at least 1");
        refused(&["--queue-capacity", "many"], "--queue-capacity");
        refused(&["--max-payload-bytes", "0"], "at least 1");
        refused(&["--path", "socket.io"], "begins with /");
        refused(&["--path", "/a?b"], "without ? or #");
        refused(&["--cors-origin", "example.com"], "an origin such as");
        refused(&["--cors-origin", "https://example.com/app"], "no path");
        refused(&["--cors-origin", "*"], "an origin such as");
        refused(&["--ping-interval-ms", "0"], "--ping-interval-ms");
        refused(&["--connect-timeout-ms", "0"], "--connect-timeout-ms");
        refused(&["--drain-timeout-ms", "soon"], "soon");
        refused(&["--adapter", "kafka"], "kafka");
        refused(&["--parser", "cbor"], "known: json, msgpack");
        refused(&["--adapter", "redis"], "--redis <URL>");
        refused(&["--adapter", "redis-sharded"], "--redis <URL>");
        refused(
            &["--redis-request-timeout-ms", "0"],
            "--redis-request-timeout-ms",
        );
        refused(&["--redis-key-prefix", ""], "--redis-key-prefix");
        refused(&["--tls-cert", "cert.pem"], "--tls-key");
        refused(&["--tls-key", "key.pem"], "--tls-cert");
        refused(&["--webtransport"], "--tls-cert");
        refused(
            &["--admin-ui", "--admin-ui-auth", "admin:changeit"],
            "not a bcrypt hash",
        );
        refused(
            &["--admin-ui", "--admin-ui-auth", "admin"],
            "USER:BCRYPT_HASH",
        );
        refused(
            &["--admin-ui", "--admin-ui-auth", ":$2a$04$abc"],
            "USER:BCRYPT_HASH",
        );
        refused(
            &["--admin-ui", "--admin-ui-namespace", "ops"],
            "begins with /",
        );
        refused(&["--admin-ui-read-only"], "--admin-ui");
        refused(&["--admin-ui-server-id", "eu-1"], "--admin-ui");
        refused(&["--protocol-suite", "--admin-ui"], "cannot be used with");
        refused(
            &[
                "--protocol-suite",
                "--tls-cert",
                "c.pem",
                "--tls-key",
                "k.pem",
            ],
            "cannot be used with",
        );
        refused(
            &["--protocol-suite", "--adapter", "redis"],
            "cannot be used with",
        );
    }

    #[test]
    fn each_subcommand_has_its_default_port() {
        let Command::Echo(echo) = parse(&["echo"]).expect("parses").command else {
            panic!("not echo")
        };
        assert_eq!(echo.listen.addr(ECHO_PORT).port(), 9001);
        assert!(!echo.options().h2, "HTTP/2 is off by default");
        let Command::Echo(echo) = parse(&["echo", "--backlog", "4096", "--h2"])
            .expect("parses")
            .command
        else {
            panic!("not echo")
        };
        assert_eq!(echo.listen.at(ECHO_PORT).backlog, 4096);
        assert!(echo.options().h2);
        let Command::EngineEcho(engine) = parse(&["engine-echo"]).expect("parses").command else {
            panic!("not engine-echo")
        };
        assert_eq!(engine.listen.addr(SERVE_PORT).port(), 3000);
    }

    #[test]
    fn bad_values_are_refused_with_what_was_wrong() {
        let error = parse(&["serve", "--port", "70000"]).expect_err("refused");
        assert!(error.to_string().contains("--port"), "{error}");
        let error = parse(&["serve", "--ping-interval-ms", "soon"]).expect_err("refused");
        assert!(error.to_string().contains("soon"), "{error}");
        let error = parse(&["serve", "--test-events", "--protocol-suite"]).expect_err("refused");
        assert!(error.to_string().contains("cannot be used with"), "{error}");
        let error = parse(&["serve", "--log-format", "xml"]).expect_err("refused");
        assert!(error.to_string().contains("xml"), "{error}");
        assert!(parse(&["bogus"]).is_err());
        assert!(parse(&[]).is_err(), "a subcommand is required");
    }
}
