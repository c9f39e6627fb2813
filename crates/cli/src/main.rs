//! `wsio`: the command-line server.
//!
//! ```text
//! wsio echo [--host 127.0.0.1] [--port 9001]   raw WebSocket echo server
//! wsio engine-echo [--host 127.0.0.1] [--port 3000]
//!            [--ping-interval-ms N] [--ping-timeout-ms N] [--max-payload-bytes N]   Engine.IO echo server at /engine.io/
//! wsio serve [--host 127.0.0.1] [--port 3000] [--test-events | --protocol-suite]
//!            [--ping-interval-ms N] [--ping-timeout-ms N] [--max-payload-bytes N]
//!            [--recovery-ms N]   Socket.IO server with a chat demo
//! ```
//!
//! `--test-events` adds the interop test contract (`interop/README.md`) to the demo;
//! `--recovery-ms N` turns connection state recovery on, keeping sessions for N ms;
//! `--protocol-suite` serves the application of the official socket.io-protocol test suite
//! instead of the demo.

use std::future::Future;
use std::process::ExitCode;
use std::time::Duration;

use wsio_cli::serve::ServeOptions;

const USAGE: &str = "usage: wsio echo [--host 127.0.0.1] [--port 9001]
       wsio engine-echo [--host 127.0.0.1] [--port 3000] [--ping-interval-ms N] [--ping-timeout-ms N] [--max-payload-bytes N]
       wsio serve [--host 127.0.0.1] [--port 3000] [--test-events | --protocol-suite] [--ping-interval-ms N] [--ping-timeout-ms N] [--max-payload-bytes N] [--recovery-ms N]";

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
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest = args.get(1..).unwrap_or_default();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    match args.first().map(String::as_str) {
        Some("echo") => match parse_address(rest, 9001) {
            Ok(addr) => run_echo(&addr),
            Err(message) => usage_error(&message),
        },
        Some("engine-echo") => match parse_serve(rest) {
            Ok((addr, options, false)) if !options.test_events => run_engine_echo(&addr, &options),
            Ok(_) => usage_error("engine-echo has no --test-events or --protocol-suite"),
            Err(message) => usage_error(&message),
        },
        Some("serve") => match parse_serve(rest) {
            Ok((addr, options, false)) => run_serve(&addr, &options),
            Ok((addr, options, true)) => run_suite(&addr, &options),
            Err(message) => usage_error(&message),
        },
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// Prints `message` and the usage; exit status 2.
fn usage_error(message: &str) -> ExitCode {
    eprintln!("wsio: {message}\n{USAGE}");
    ExitCode::from(2)
}

/// Reads `--host` and `--port` into an address string.
fn parse_address(args: &[String], default_port: u16) -> Result<String, String> {
    let mut host = "127.0.0.1".to_owned();
    let mut port = default_port;
    let mut iter = args.iter();
    while let Some(flag) = iter.next() {
        let value = iter.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--host" => host = value.clone(),
            "--port" => port = value.parse().map_err(|_| format!("bad port {value}"))?,
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    })
}

/// Reads the options of `wsio serve`: its flags, then `--host`/`--port`. The flag is true
/// for `--protocol-suite`.
fn parse_serve(args: &[String]) -> Result<(String, ServeOptions, bool), String> {
    let mut options = ServeOptions::default();
    let mut protocol_suite = false;
    let mut rest = Vec::new();
    let mut iter = args.iter();
    while let Some(flag) = iter.next() {
        match flag.as_str() {
            "--test-events" => options.test_events = true,
            "--protocol-suite" => protocol_suite = true,
            "--max-payload-bytes" => {
                let value = iter.next().ok_or_else(|| format!("{flag} needs a value"))?;
                let bytes = value.parse().map_err(|_| format!("bad {flag} {value}"))?;
                options.max_payload = Some(bytes);
            }
            "--recovery-ms" => {
                let value = iter.next().ok_or_else(|| format!("{flag} needs a value"))?;
                let ms: u64 = value.parse().map_err(|_| format!("bad {flag} {value}"))?;
                options.recovery = Some(Duration::from_millis(ms));
            }
            "--ping-interval-ms" | "--ping-timeout-ms" => {
                let value = iter.next().ok_or_else(|| format!("{flag} needs a value"))?;
                let ms: u64 = value.parse().map_err(|_| format!("bad {flag} {value}"))?;
                let duration = Duration::from_millis(ms);
                if flag == "--ping-interval-ms" {
                    options.ping_interval = duration;
                } else {
                    options.ping_timeout = duration;
                }
            }
            _ => {
                rest.push(flag.clone());
                if let Some(value) = iter.next() {
                    rest.push(value.clone());
                }
            }
        }
    }
    if protocol_suite && options.test_events {
        return Err("--test-events and --protocol-suite exclude each other".to_owned());
    }
    Ok((parse_address(&rest, 3000)?, options, protocol_suite))
}

fn run_serve(addr: &str, options: &ServeOptions) -> ExitCode {
    run_listener(
        addr,
        "wsio serve listening on http://{}/ (Socket.IO at /socket.io/)",
        |listener, stop| async move { wsio_cli::serve::run(listener, options, stop).await },
    )
}

fn run_suite(addr: &str, options: &ServeOptions) -> ExitCode {
    run_listener(
        addr,
        "wsio serve --protocol-suite listening on http://{}/ (Socket.IO at /socket.io/)",
        |listener, stop| async move { wsio_cli::suite::run(listener, options, stop).await },
    )
}

fn run_engine_echo(addr: &str, options: &ServeOptions) -> ExitCode {
    let config = wsio_cli::engine_echo::config_for(options);
    run_listener(
        addr,
        "wsio engine-echo listening on http://{}/ (Engine.IO at /engine.io/)",
        |listener, stop| wsio_cli::engine_echo::serve(listener, config, stop),
    )
}

fn run_echo(addr: &str) -> ExitCode {
    run_listener(addr, "wsio echo listening on ws://{}/", |listener, stop| {
        wsio_cli::ws_echo::serve(listener, stop)
    })
}

/// Starts a runtime, binds `addr`, prints `banner` (its `{}` replaced by the bound address)
/// and runs `serve` until Ctrl-C.
fn run_listener<'a, F, Fut>(addr: &str, banner: &str, serve: F) -> ExitCode
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
        let listener = match tokio::net::TcpListener::bind(addr).await {
            Ok(listener) => listener,
            Err(e) => {
                eprintln!("wsio: cannot listen on {addr}: {e}");
                return ExitCode::FAILURE;
            }
        };
        let local = listener
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default();
        println!("{}", banner.replace("{}", &local));
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
