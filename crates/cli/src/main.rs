//! `wsio`: the command-line server. `wsio --help` and `wsio <command> --help` list every
//! flag with its default and environment variable.
//!
//! ```text
//! wsio serve [--host 127.0.0.1] [--port 3000] [--test-events | --protocol-suite]
//!            [--path /socket.io/] [--ping-interval-ms N] [--ping-timeout-ms N]
//!            [--max-payload-bytes N] [--queue-capacity N] [--deflate]
//!            [--deflate-threshold-bytes N]
//!            [--cors-origin ORIGIN]... [--cors-credentials] [--connect-timeout-ms N]
//!            [--upgrade-timeout-ms N] [--header-read-timeout-ms N] [--recovery-ms N]
//!            [--metrics-path PATH] [--client-js FILE] [--tls-cert PEM --tls-key PEM
//!            [--webtransport]]
//!            [--adapter local|redis|redis-sharded|redis-streams] [--redis URL]
//!            [--redis-key-prefix P] [--redis-request-timeout-ms N]
//!            [--admin-ui [--admin-ui-namespace NS] [--admin-ui-auth USER:BCRYPT_HASH]
//!            [--admin-ui-read-only] [--admin-ui-server-id ID]]
//!            [--drain-timeout-ms N]                 Socket.IO server with a chat demo
//! wsio engine-echo [--host 127.0.0.1] [--port 3000] [--ping-interval-ms N] ...
//!                                                   Engine.IO echo server at /engine.io/
//! wsio echo [--host 127.0.0.1] [--port 9001] [--h2] raw WebSocket echo server (--h2: also
//!                                                   HTTP/2, RFC 8441 extended CONNECT)
//! wsio cert --out DIR [--name NAME]...               a 13-day self-signed ECDSA P-256
//!                                                   certificate for WebTransport, and its
//!                                                   SHA-256 hash
//! global: [--log FILTER] [--log-format human|json]  (or WSIO_LOG / RUST_LOG, WSIO_LOG_FORMAT)
//! ```
//!
//! `--test-events` adds the interop test contract (`interop/README.md`) to the demo;
//! `--recovery-ms N` turns connection state recovery on, keeping sessions for N ms;
//! `--protocol-suite` serves the application of the official socket.io-protocol test suite
//! instead of the demo. `--tls-cert`/`--tls-key` serve HTTPS and `wss://` (the files are read
//! again on SIGHUP); `--adapter` joins a Redis cluster. On SIGTERM or Ctrl-C, `serve` drains:
//! the listener closes (health checks at `/healthz` then fail), every session is closed so
//! its client reconnects elsewhere, and the process exits 0 once the connections are gone (at most
//! `--drain-timeout-ms`). The log goes to standard error; the banner with the bound address
//! (printed once the certificate is read and Redis reached) to standard output.

mod args;
mod logging;

use std::future::Future;
use std::process::ExitCode;

use clap::Parser;
use wsio_cli::serve::ServeOptions;

use crate::args::{Bind, Cli, Command, ECHO_PORT, SERVE_PORT};

/// With the default `jemalloc` feature, the binary allocates with jemalloc: glibc's malloc
/// keeps the fragments a burst of connections leaves (RSS stayed near its peak after the
/// clients left), jemalloc gives them back (docs/benchmarks.md, "Memory after a burst").
#[cfg(feature = "jemalloc")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's settings, read once at start-up: a background thread returns pages that have
/// been free for a second (`dirty_decay_ms`), at once when they are only reusable
/// (`muzzy_decay_ms`), so the memory of connections that left goes back to the system within
/// seconds and without work on the threads serving requests. `_RJEM_MALLOC_CONF` in the
/// environment overrides them.
#[cfg(feature = "jemalloc")]
#[unsafe(export_name = "_rjem_malloc_conf")]
static JEMALLOC_CONF: &[u8; 60] = b"background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0\0";

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(message) = logging::init(&cli.log) {
        eprintln!("wsio: {message}");
        return ExitCode::from(2);
    }
    match &cli.command {
        Command::Serve(serve) if serve.protocol_suite => {
            run_suite(&serve.listen.at(SERVE_PORT), &serve.options())
        }
        Command::Serve(serve) => run_serve(&serve.listen.at(SERVE_PORT), &serve.options()),
        Command::EngineEcho(echo) => {
            run_engine_echo(&echo.listen.at(SERVE_PORT), &echo.engine.options())
        }
        Command::Echo(echo) => run_echo(&echo.listen.at(ECHO_PORT), echo.options()),
        #[cfg(feature = "webtransport")]
        Command::Cert(cert) => run_cert(cert),
    }
}

/// Writes the certificate and prints where, and its hash.
#[cfg(feature = "webtransport")]
fn run_cert(args: &args::CertArgs) -> ExitCode {
    match wsio_cli::cert::generate(&args.out, &args.names) {
        Ok(made) => {
            println!(
                "wrote {} and {} (ECDSA P-256, self-signed, valid 13 days)",
                made.cert.display(),
                made.key.display()
            );
            println!("sha-256 hex: {}", made.hex());
            println!("sha-256 base64: {}", made.base64());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("wsio cert: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run_serve(bind: &Bind, options: &ServeOptions) -> ExitCode {
    let Some(runtime) = runtime() else {
        return ExitCode::FAILURE;
    };
    runtime.block_on(async {
        let Some(listener) = listen(bind) else {
            return ExitCode::FAILURE;
        };
        // The certificate and Redis first: the banner means the server takes clients.
        let prepared = match wsio_cli::serve::prepare(options).await {
            Ok(prepared) => prepared,
            Err(e) => {
                tracing::error!(error = %e, "cannot start");
                eprintln!("wsio: {e}");
                return ExitCode::FAILURE;
            }
        };
        let scheme = if prepared.is_tls() { "https" } else { "http" };
        let webtransport = if prepared.is_webtransport() {
            ", WebTransport on the same UDP port"
        } else {
            ""
        };
        announce(
            &listener,
            &format!(
                "wsio serve listening on {scheme}://{{}}/ (Socket.IO at {}{webtransport})",
                options.path
            ),
        );
        exit_code(prepared.run(listener, Box::pin(shutdown_signal())).await)
    })
}

fn run_suite(addr: &Bind, options: &ServeOptions) -> ExitCode {
    run_listener(
        addr,
        "wsio serve --protocol-suite listening on http://{}/ (Socket.IO at /socket.io/)",
        |listener, stop| async move { wsio_cli::suite::run(listener, options, stop).await },
    )
}

fn run_engine_echo(addr: &Bind, options: &ServeOptions) -> ExitCode {
    let config = wsio_cli::engine_echo::config_for(options);
    run_listener(
        addr,
        "wsio engine-echo listening on http://{}/ (Engine.IO at /engine.io/)",
        |listener, stop| wsio_cli::engine_echo::serve(listener, config, stop),
    )
}

fn run_echo(addr: &Bind, options: wsio_cli::ws_echo::EchoOptions) -> ExitCode {
    let banner = if options.h2 {
        "wsio echo listening on ws://{}/ (HTTP/1.1 upgrade and HTTP/2 extended CONNECT)"
    } else {
        "wsio echo listening on ws://{}/"
    };
    run_listener(addr, banner, |listener, stop| {
        wsio_cli::ws_echo::serve_with(listener, options, stop)
    })
}

/// Starts a runtime, binds `addr`, prints `banner` (its `{}` replaced by the bound address)
/// and runs `serve` until SIGTERM or Ctrl-C.
fn run_listener<'a, F, Fut>(bind: &Bind, banner: &str, serve: F) -> ExitCode
where
    F: FnOnce(tokio::net::TcpListener, std::pin::Pin<Box<dyn Future<Output = ()> + 'a>>) -> Fut,
    Fut: Future<Output = std::io::Result<()>> + 'a,
{
    let Some(runtime) = runtime() else {
        return ExitCode::FAILURE;
    };
    runtime.block_on(async {
        let Some(listener) = listen(bind) else {
            return ExitCode::FAILURE;
        };
        announce(&listener, banner);
        exit_code(serve(listener, Box::pin(shutdown_signal())).await)
    })
}

/// A multi-threaded tokio runtime, or `None` after saying why not.
fn runtime() -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Runtime::new() {
        Ok(rt) => Some(rt),
        Err(e) => {
            eprintln!("wsio: cannot start the runtime: {e}");
            None
        }
    }
}

/// Binds and listens on `bind`, or `None` after saying why not. Call within the runtime.
fn listen(bind: &Bind) -> Option<tokio::net::TcpListener> {
    let addr = bind.addr;
    match bind.listen() {
        Ok(listener) => Some(listener),
        Err(e) => {
            tracing::error!(%addr, error = %e, "cannot listen");
            eprintln!("wsio: cannot listen on {addr}: {e}");
            None
        }
    }
}

/// Prints `banner`, its `{}` replaced by the address `listener` is bound to.
fn announce(listener: &tokio::net::TcpListener, banner: &str) {
    let local = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    println!("{}", banner.replace("{}", &local));
    tracing::info!(address = %local, "listening");
}

/// Exit 0 when the server stopped as asked, 1 after saying what failed.
fn exit_code(result: std::io::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wsio: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Resolves on Ctrl-C (SIGINT) or, on Unix, SIGTERM (what orchestrators send to stop a
/// process), saying which.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => tracing::info!(signal = "SIGINT", "stopping"),
                    _ = terminate.recv() => tracing::info!(signal = "SIGTERM", "stopping"),
                }
                return;
            }
            Err(e) => tracing::warn!(error = %e, "SIGTERM cannot be watched; Ctrl-C only"),
        }
    }
    let _ = tokio::signal::ctrl_c().await;
    tracing::info!(signal = "SIGINT", "stopping");
}
