//! `idle` and `sio-idle`: open N connections (WebSocket, or Socket.IO sockets in the main
//! namespace) and hold them, answering Engine.IO pings, while the runner reads the server's
//! memory before and after. `idle` with `--deflate` requires permessage-deflate and echoes
//! one `--size` message of `ws-deflate`'s on each connection before holding it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::sync::watch;

use crate::args::Options;
use crate::conn::{self, Ws};
use crate::wt::Wt;
use crate::{phase, sio, ws_deflate};

/// Runs the scenario and returns its JSON line.
pub async fn run(options: &Options, socket_io: bool) -> String {
    let scenario = if socket_io { "sio-idle" } else { "idle" };
    let host = options.host.clone();
    let port = options.port;
    let size = options.size;
    let deflate = options.deflate != conn::Deflate::Off;
    let open = |index| {
        let host = host.clone();
        async move {
            if socket_io {
                sio::open(&host, port, index).await
            } else if deflate {
                let mut ws = ws_deflate::open(&host, port, index).await?;
                ws_deflate::prime(&mut ws, index, size).await?;
                Ok(ws)
            } else {
                conn::open(&host, port, "/", index).await
            }
        }
    };
    hold_many(options, scenario, open, hold).await
}

/// `sio-idle` over WebTransport: Socket.IO sessions each on an HTTP/3 session of its own.
pub async fn run_webtransport(options: &Options) -> String {
    let host = options.host.clone();
    let port = options.port;
    let open = |index| {
        let host = host.clone();
        async move { Wt::open(&host, port, index).await }
    };
    hold_many(options, "sio-idle-wt", open, hold_wt).await
}

/// Opens `options.conns` connections with `open` and holds each with `hold` while the runner
/// reads the server's memory; the scenario's JSON line.
async fn hold_many<C, O, OF, H, HF>(options: &Options, scenario: &str, open: O, hold: H) -> String
where
    C: Send + 'static,
    O: Fn(usize) -> OF,
    OF: Future<Output = Result<C, String>> + Send + 'static,
    H: Fn(C, watch::Receiver<bool>, Arc<AtomicUsize>) -> HF,
    HF: Future<Output = ()> + Send + 'static,
{
    phase::sync_with_runner("start").await;
    let began = Instant::now();
    let (conns, failed, connect_error) = conn::open_many(options.conns, open).await;
    let connect_s = began.elapsed().as_secs_f64();
    let connected = conns.len();
    let (stop_tx, stop_rx) = watch::channel(false);
    let dropped = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = conns
        .into_iter()
        .map(|conn| tokio::spawn(hold(conn, stop_rx.clone(), dropped.clone())))
        .collect();
    // Let the server settle (buffers released, tasks parked) before its memory is read.
    tokio::time::sleep(Duration::from_secs_f64(options.seconds.min(5.0))).await;
    phase::sync_with_runner("end").await;
    let _ = stop_tx.send(true);
    for task in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
    }
    let dropped = dropped.load(Ordering::Relaxed);
    json!({
        "scenario": scenario,
        "conns": options.conns,
        "connected": connected,
        "dropped": dropped,
        "connect_s": connect_s,
        "errors": failed + dropped,
        "error": connect_error,
    })
    .to_string()
}

/// Holds `wt` open until `stop`, answering Engine.IO pings; counts it in `dropped` if the
/// server closes it first.
async fn hold_wt(mut wt: Wt, mut stop: watch::Receiver<bool>, dropped: Arc<AtomicUsize>) {
    tokio::select! {
        _ = stop.changed() => {}
        // Pings are answered inside; anything else, or an end, is the server dropping it.
        _ = wt.next_text() => {
            dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Holds `ws` open until `stop`, answering Engine.IO pings; counts it in `dropped` if the
/// server closes it first.
async fn hold(mut ws: Ws, mut stop: watch::Receiver<bool>, dropped: Arc<AtomicUsize>) {
    if sio::hold(&mut ws, &mut stop).await.is_err() {
        dropped.fetch_add(1, Ordering::Relaxed);
    }
}
