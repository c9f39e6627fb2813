//! `wsio`: the command-line server. `wsio --help` and `wsio <command> --help` list every
//! flag with its default and environment variable.
//!
//! ```text
//! wsio serve [--host 127.0.0.1] [--port 3000] [--test-events | --protocol-suite]
//!            [--ping-interval-ms N] [--ping-timeout-ms N] [--max-payload-bytes N]
//!            [--recovery-ms N]                      Socket.IO server with a chat demo
//! wsio engine-echo [--host 127.0.0.1] [--port 3000] [--ping-interval-ms N] ...
//!                                                   Engine.IO echo server at /engine.io/
//! wsio echo [--host 127.0.0.1] [--port 9001]        raw WebSocket echo server
//! global: [--log FILTER] [--log-format human|json]  (or WSIO_LOG / RUST_LOG, WSIO_LOG_FORMAT)
//! ```
//!
//! `--test-events` adds the interop test contract (`interop/README.md`) to the demo;
//! `--recovery-ms N` turns connection state recovery on, keeping sessions for N ms;
//! `--protocol-suite` serves the application of the official socket.io-protocol test suite
//! instead of the demo. The log goes to standard error; the banner with the bound address to
//! standard output.

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
        Command::Echo(listen) => run_echo(&listen.at(ECHO_PORT)),
    }
}

fn run_serve(addr: &Bind, options: &ServeOptions) -> ExitCode {
    run_listener(
        addr,
        "wsio serve listening on http://{}/ (Socket.IO at /socket.io/)",
        |listener, stop| async move { wsio_cli::serve::run(listener, options, stop).await },
    )
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

fn run_echo(addr: &Bind) -> ExitCode {
    run_listener(addr, "wsio echo listening on ws://{}/", |listener, stop| {
        wsio_cli::ws_echo::serve(listener, stop)
    })
}

/// Starts a runtime, binds `addr`, prints `banner` (its `{}` replaced by the bound address)
/// and runs `serve` until Ctrl-C.
fn run_listener<'a, F, Fut>(bind: &Bind, banner: &str, serve: F) -> ExitCode
where
    F: FnOnce(tokio::net::TcpListener, std::pin::Pin<Box<dyn Future<Output = ()> + 'a>>) -> Fut,
    Fut: Future<Output = std::io::Result<()>> + 'a,
{
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("wsio: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let addr = bind.addr;
        let listener = match bind.listen() {
            Ok(listener) => listener,
            Err(e) => {
                tracing::error!(%addr, error = %e, "cannot listen");
                eprintln!("wsio: cannot listen on {addr}: {e}");
                return ExitCode::FAILURE;
            }
        };
        let local = listener
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default();
        println!("{}", banner.replace("{}", &local));
        tracing::info!(address = %local, "listening");
        let stop = Box::pin(async {
            let _ = tokio::signal::ctrl_c().await;
        });
        match serve(listener, stop).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("wsio: {e}");
                ExitCode::FAILURE
            }
        }
    })
}
