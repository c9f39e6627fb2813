//! The load generator of `cargo xtask bench-load`.
//!
//! ```text
//! loadgen SCENARIO [--host 127.0.0.1] [--port P] [--conns N] [--size BYTES]
//!                  [--seconds S] [--warmup S] [--senders K]
//! ```
//!
//! Scenarios: `ws-echo`, `idle`, `sio-echo`, `sio-echo-msgpack` (`sio-echo` with the
//! MessagePack parser), `sio-idle`, `sio-broadcast`, `sio-broadcast-msgpack` (with the
//! MessagePack parser),
//! `sio-cluster-broadcast` (`sio-broadcast` over two nodes on `--port` and `--port + 1`),
//! `sio-polling-echo` (`sio-echo` over HTTP long-polling), `sio-polling-broadcast`
//! (`sio-broadcast` to receivers on long-polling), `sio-connect-storm` (clients connecting,
//! joining and leaving in a loop; a third marker, `settled`, follows `end` once the storm is
//! over), `sio-upgrade-storm` (the same, each client opening on long-polling and upgrading to
//! WebSocket as socket.io-client does), `sio-connect-wave` and `sio-upgrade-wave` (every client
//! connecting and joining at the same instant, one way or the other, and staying connected;
//! `settled` follows `end` while they are still held) and `ws-deflate` (`ws-echo` of JSON-like text with
//! permessage-deflate; `--deflate takeover|no-takeover` picks the offer, which `idle` takes
//! too), `sio-echo-wt`, `sio-broadcast-wt` and `sio-idle-wt` (`sio-echo`, `sio-broadcast`'s
//! receivers and `sio-idle` over WebTransport: each socket on an HTTP/3 session of its own). `--http 2` runs them over HTTP/2: each WebSocket as the one extended
//! CONNECT stream (RFC 8441) of its own h2c connection, each polling session on one h2c
//! connection instead of two HTTP/1.1 ones. Each one talks to the
//! runner over stdin/stdout: it prints `start` when its measurement window opens and `end` when
//! it closes, and waits for one line on stdin after each, so that the runner can read the
//! server's CPU time and memory at exactly those moments. Then it prints one JSON line with the
//! result; failures (refused connections, wrong echoes, timeouts) are counted and described in
//! that line rather than aborting the run.

mod args;
mod conn;
mod echo;
mod idle;
mod phase;
mod polling;
mod report;
mod sio;
mod sio_broadcast;
mod sio_broadcast_wt;
mod sio_connect_storm;
mod sio_connect_wave;
mod sio_echo;
mod sio_echo_msgpack;
mod sio_echo_wt;
mod sio_polling_broadcast;
mod sio_polling_echo;
mod sio_upgrade_storm;
mod ws_deflate;
mod ws_echo;
mod wt;

use std::process::ExitCode;

use sio_broadcast::Wire;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let options = match args::Options::parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("loadgen: {message}\n{}", args::USAGE);
            return ExitCode::from(2);
        }
    };
    conn::set_via(options.via);
    conn::set_deflate(options.deflate);
    let line = match options.scenario.as_str() {
        "ws-echo" => ws_echo::run(&options).await,
        "ws-deflate" => ws_deflate::run(&options).await,
        "idle" => idle::run(&options, false).await,
        "sio-idle" => idle::run(&options, true).await,
        "sio-idle-wt" => idle::run_webtransport(&options).await,
        "sio-echo" => sio_echo::run(&options).await,
        "sio-echo-msgpack" => sio_echo_msgpack::run(&options).await,
        "sio-echo-wt" => sio_echo_wt::run(&options).await,
        "sio-broadcast-wt" => sio_broadcast_wt::run(&options).await,
        "sio-broadcast" => sio_broadcast::run(&options, Wire::Json).await,
        "sio-broadcast-msgpack" => sio_broadcast::run(&options, Wire::MsgPack).await,
        "sio-polling-echo" => sio_polling_echo::run(&options).await,
        "sio-polling-broadcast" => sio_polling_broadcast::run(&options).await,
        "sio-connect-storm" => {
            sio_connect_storm::run(&options, sio_connect_storm::Join::WebSocket).await
        }
        "sio-upgrade-storm" => {
            sio_connect_storm::run(&options, sio_connect_storm::Join::Upgrade).await
        }
        "sio-connect-wave" => {
            sio_connect_wave::run(&options, sio_connect_storm::Join::WebSocket).await
        }
        "sio-upgrade-wave" => {
            sio_connect_wave::run(&options, sio_connect_storm::Join::Upgrade).await
        }
        // Two nodes of a cluster, on --port and --port + 1.
        "sio-cluster-broadcast" => sio_broadcast::run_on(&options, 2, Wire::Json).await,
        other => {
            eprintln!("loadgen: unknown scenario {other}\n{}", args::USAGE);
            return ExitCode::from(2);
        }
    };
    println!("{line}");
    ExitCode::SUCCESS
}
