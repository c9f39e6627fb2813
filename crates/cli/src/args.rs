//! The command line of `wsio`: subcommands, flags, their defaults and environment variables.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use wsio_cli::serve::ServeOptions;

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
    Serve(ServeArgs),
    /// Engine.IO-only echo server at /engine.io/ (what the engine.io-protocol suite drives).
    EngineEcho(EngineEchoArgs),
    /// Raw WebSocket echo server (what the Autobahn suite drives), on port 9001 by default.
    Echo(Listen),
}

/// Where to listen.
#[derive(Debug, Args)]
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
pub struct EngineArgs {
    /// Heartbeat: how often the server pings, in milliseconds.
    #[arg(
        long,
        env = "WSIO_PING_INTERVAL_MS",
        default_value_t = 25_000,
        value_name = "MS"
    )]
    pub ping_interval_ms: u64,
    /// Heartbeat: how long a pong may take before the session is dropped, in milliseconds.
    #[arg(
        long,
        env = "WSIO_PING_TIMEOUT_MS",
        default_value_t = 20_000,
        value_name = "MS"
    )]
    pub ping_timeout_ms: u64,
    /// Largest message or polling body accepted, in bytes (`maxHttpBufferSize`). Default
    /// 1,000,000; 8 MiB with --test-events.
    #[arg(long, env = "WSIO_MAX_PAYLOAD_BYTES", value_name = "BYTES")]
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
    #[arg(long, env = "WSIO_TEST_EVENTS", conflicts_with = "protocol_suite")]
    pub test_events: bool,
    /// Serve the application of the official socket.io-protocol test suite instead of the
    /// demo.
    #[arg(long, env = "WSIO_PROTOCOL_SUITE")]
    pub protocol_suite: bool,
    /// Connection state recovery: keep a disconnected socket's session (id, rooms, missed
    /// events) this many milliseconds. Off when not given.
    #[arg(long, env = "WSIO_RECOVERY_MS", value_name = "MS")]
    pub recovery_ms: Option<u64>,
    /// Serve the server's figures (sessions, sockets per namespace, closes by reason,
    /// packets and bytes) in the Prometheus text format at this path, such as `/metrics`.
    /// Off when not given.
    #[arg(long, env = "WSIO_METRICS_PATH", value_name = "PATH")]
    pub metrics_path: Option<String>,
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
        ServeOptions {
            test_events: self.test_events,
            recovery: self.recovery_ms.map(Duration::from_millis),
            metrics_path: self.metrics_path.clone(),
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

    #[test]
    fn each_subcommand_has_its_default_port() {
        let Command::Echo(echo) = parse(&["echo"]).expect("parses").command else {
            panic!("not echo")
        };
        assert_eq!(echo.addr(ECHO_PORT).port(), 9001);
        let Command::Echo(echo) = parse(&["echo", "--backlog", "4096"])
            .expect("parses")
            .command
        else {
            panic!("not echo")
        };
        assert_eq!(echo.at(ECHO_PORT).backlog, 4096);
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
