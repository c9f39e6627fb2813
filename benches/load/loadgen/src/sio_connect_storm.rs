//! `sio-connect-storm`: a reconnection storm. K clients each connect over the websocket
//! transport and join the main namespace ([`sio::open`]), then leave at once (`41`, then a
//! WebSocket close whose answer they wait for) and connect again, over and over.
//!
//! A connect counts when it completes inside the window (whenever it began), so that the
//! connects under way when the window opens make up for those under way when it closes; its
//! latency runs from the TCP connect to the namespace's `40{...}`. After `end` the clients
//! stop, the server is left alone for a while (`--seconds`, at most 2 s), and `settled` asks
//! the runner to read the server's memory once the storm is over.
//!
//! `sio-upgrade-storm` is the same with every connect opening on long-polling and upgrading
//! to WebSocket ([`sio_upgrade_storm::open`]); it counts once the upgrade is done.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use wsio_ws::CloseCode;

use crate::args::Options;
use crate::conn::Ws;
use crate::phase::{self, MEASURE, Phase, STOP};
use crate::report::{self, Tally};
use crate::{sio, sio_upgrade_storm};

/// How a client connects and joins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Join {
    /// Over the websocket transport from the start (`sio-connect-storm`).
    WebSocket,
    /// On long-polling, then upgraded to WebSocket (`sio-upgrade-storm`).
    Upgrade,
}

impl Join {
    /// The scenario's name in the result line.
    fn scenario(self) -> &'static str {
        match self {
            Join::WebSocket => "sio-connect-storm",
            Join::Upgrade => "sio-upgrade-storm",
        }
    }

    /// Connects client `index` and joins the main namespace.
    pub async fn open(self, host: &str, port: u16, index: usize) -> Result<Ws, String> {
        match self {
            Join::WebSocket => sio::open(host, port, index).await,
            Join::Upgrade => sio_upgrade_storm::open(host, port, index).await,
        }
    }
}

/// How long a client waits after a failed connect before it tries again.
pub const BACKOFF: Duration = Duration::from_millis(50);

/// Runs the scenario and returns its JSON line.
pub async fn run(options: &Options, join: Join) -> String {
    let phase = Arc::new(Phase::default());
    // Every connect takes the next index, and so the next loopback source address.
    let next = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..options.conns)
        .map(|_| {
            let host = options.host.clone();
            tokio::spawn(storm(join, host, options.port, next.clone(), phase.clone()))
        })
        .collect();
    tokio::time::sleep(Duration::from_secs_f64(options.warmup)).await;
    phase::sync_with_runner("start").await;
    phase.set(MEASURE);
    let opened = Instant::now();
    tokio::time::sleep(Duration::from_secs_f64(options.seconds)).await;
    phase::sync_with_runner("end").await;
    let window = opened.elapsed();
    phase.set(STOP);
    let mut total = Tally::new();
    for task in tasks {
        // A client finishes its connect (10 s at most) and its close (the close timeout).
        match tokio::time::timeout(Duration::from_secs(30), task).await {
            Ok(Ok(tally)) => total.merge(tally),
            _ => total.error("a client task did not finish".to_owned()),
        }
    }
    tokio::time::sleep(Duration::from_secs_f64(options.seconds.min(2.0))).await;
    phase::sync_with_runner("settled").await;
    let extra = json!({
        "conns": options.conns,
        "connects": total.msgs,
        "attempts": next.load(Ordering::Relaxed),
    });
    report::throughput(join.scenario(), &total, window.as_secs_f64(), 0, extra)
}

/// One client: connects, joins, leaves and again until [`STOP`], counting the connects that
/// complete inside the window.
async fn storm(
    join: Join,
    host: String,
    port: u16,
    next: Arc<AtomicUsize>,
    phase: Arc<Phase>,
) -> Tally {
    let mut tally = Tally::new();
    while phase.get() != STOP {
        let index = next.fetch_add(1, Ordering::Relaxed);
        let began = Instant::now();
        match join.open(&host, port, index).await {
            Ok(ws) => {
                if phase.get() == MEASURE {
                    tally.msgs += 1;
                    let _ = tally.latency.record(began.elapsed().as_nanos() as u64);
                }
                if let Err(e) = leave(ws).await
                    && phase.get() == MEASURE
                {
                    tally.error(e);
                }
            }
            Err(e) => {
                if phase.get() != STOP {
                    tally.error(e);
                }
                tokio::time::sleep(BACKOFF).await;
            }
        }
    }
    tally
}

/// Leaves the namespace (`41`) and closes the WebSocket, waiting for the server's close.
pub async fn leave(mut ws: Ws) -> Result<(), String> {
    ws.send("41").await.map_err(|e| format!("send 41: {e}"))?;
    ws.close(CloseCode::NORMAL, "")
        .await
        .map_err(|e| format!("close: {e}"))
}
