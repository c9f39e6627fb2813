//! `wsio`: the command-line server.
//!
//! ```text
//! wsio echo [--host 127.0.0.1] [--port 9001]   raw WebSocket echo server
//! ```

use std::process::ExitCode;

const USAGE: &str = "usage: wsio echo [--host 127.0.0.1] [--port 9001]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("echo") => match parse_address(&args[1..], 9001) {
            Ok(addr) => run_echo(&addr),
            Err(message) => {
                eprintln!("wsio: {message}\n{USAGE}");
                ExitCode::from(2)
            }
        },
        Some("-h" | "--help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
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

fn run_echo(addr: &str) -> ExitCode {
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
        println!("wsio echo listening on ws://{local}/");
        let stop = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        match wsio_server::echo::serve(listener, stop).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("wsio: {e}");
                ExitCode::FAILURE
            }
        }
    })
}
