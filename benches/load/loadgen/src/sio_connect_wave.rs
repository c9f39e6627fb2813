//! `sio-connect-wave` and `sio-upgrade-wave`: what a server meets after a restart or a
//! failover. All `--conns` clients start connecting at the same instant, each joins the main
//! namespace as in the storms ([`Join::open`]: over the websocket transport, or on
//! long-polling and upgraded), and every one of them stays connected.
//!
//! The clients are spawned first and wait; `start` lets the runner read the server's counters,
//! then every client begins at once. A failed connect is tried again after
//! [`BACKOFF`](crate::sio_connect_storm::BACKOFF), as a client library would, and is counted
//! as a retry; a client that has not joined [`GIVE_UP`] after the wave began stops trying and
//! counts one error. A join's latency runs from the wave's start to its `40{...}` (or, with
//! the upgrade, to its `5`), retries and the wait for the load generator included. Once every
//! client has joined or given up, `end` lets the runner read the server's CPU time: the window
//! is the wave itself. The clients then stay connected (answering pings) for `--seconds` (at
//! most 2 s) and `settled` asks the runner for the server's memory while it still holds all of
//! them; after that they leave (`41` and a close) and the result line follows. A client the
//! server drops while held, or that cannot leave cleanly, counts one error.

use std::time::{Duration, Instant};

use serde_json::json;
use tokio::sync::{mpsc, watch};

use crate::args::Options;
use crate::phase;
use crate::report::{self, Tally};
use crate::sio;
use crate::sio_connect_storm::{self, BACKOFF, Join};

/// How long after the wave's start a client keeps trying to join.
pub const GIVE_UP: Duration = Duration::from_secs(30);

/// How one client's join went.
#[derive(Debug)]
struct Attempts {
    /// The time from the wave's start to the join, or the last attempt's error.
    joined: Result<Duration, String>,
    /// Failed attempts before the last one.
    retries: u64,
    /// The first failed attempt's error.
    retry_error: Option<String>,
}

/// Runs the wave and returns its JSON line.
pub async fn run(options: &Options, join: Join) -> String {
    let scenario = match join {
        Join::WebSocket => "sio-connect-wave",
        Join::Upgrade => "sio-upgrade-wave",
    };
    let (go, _) = watch::channel(None::<Instant>);
    let (stop, _) = watch::channel(false);
    let (report_tx, mut report_rx) = mpsc::unbounded_channel();
    let tasks: Vec<_> = (0..options.conns)
        .map(|index| {
            tokio::spawn(client(
                join,
                options.host.clone(),
                options.port,
                index,
                go.subscribe(),
                stop.subscribe(),
                report_tx.clone(),
            ))
        })
        .collect();
    drop(report_tx);
    phase::sync_with_runner("start").await;
    let began = Instant::now();
    go.send_replace(Some(began));
    let mut tally = Tally::new();
    let (mut last, mut retries, mut retry_error) = (None, 0, None);
    // Every client reports once, after it has joined or given up.
    while let Some(attempts) = report_rx.recv().await {
        let Attempts {
            joined,
            retries: tried,
            retry_error: why,
        } = attempts;
        retries += tried;
        if retry_error.is_none() {
            retry_error = why;
        }
        match joined {
            Ok(after) => {
                tally.msgs += 1;
                let _ = tally.latency.record(after.as_nanos() as u64);
                last = last.max(Some(after));
            }
            Err(e) => tally.error(e),
        }
    }
    phase::sync_with_runner("end").await;
    let window = last.unwrap_or_else(|| began.elapsed());
    tokio::time::sleep(Duration::from_secs_f64(options.seconds.min(2.0))).await;
    phase::sync_with_runner("settled").await;
    stop.send_replace(true);
    for task in tasks {
        // Leaving takes a close handshake, bounded by the close timeout.
        match tokio::time::timeout(Duration::from_secs(30), task).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(e))) => tally.error(e),
            _ => tally.error("a client task did not finish".to_owned()),
        }
    }
    let extra = json!({
        "conns": options.conns,
        "joined": tally.msgs,
        "all_joined_ms": window.as_secs_f64() * 1e3,
        "retries": retries,
        "retry_error": retry_error,
    });
    report::throughput(scenario, &tally, window.as_secs_f64(), 0, extra)
}

/// One client: waits for the wave, joins (trying again after failures until [`GIVE_UP`]),
/// reports, holds its socket until `stop`, then leaves.
async fn client(
    join: Join,
    host: String,
    port: u16,
    index: usize,
    mut go: watch::Receiver<Option<Instant>>,
    mut stop: watch::Receiver<bool>,
    report: mpsc::UnboundedSender<Attempts>,
) -> Result<(), String> {
    let Ok(began) = go.wait_for(Option::is_some).await.map(|began| *began) else {
        return Ok(());
    };
    let began = began.unwrap_or_else(Instant::now);
    let (mut retries, mut retry_error) = (0, None);
    let opened = loop {
        match join.open(&host, port, index).await {
            Ok(ws) => break Ok((ws, began.elapsed())),
            Err(e) if began.elapsed() < GIVE_UP => {
                retries += 1;
                retry_error.get_or_insert(e);
                tokio::time::sleep(BACKOFF).await;
            }
            Err(e) => break Err(e),
        }
    };
    let _ = report.send(Attempts {
        joined: opened
            .as_ref()
            .map(|(_, after)| *after)
            .map_err(Clone::clone),
        retries,
        retry_error,
    });
    // The runner's `end` waits for every client's report, not for its end.
    drop(report);
    let Ok((mut ws, _)) = opened else {
        return Ok(());
    };
    sio::hold(&mut ws, &mut stop)
        .await
        .map_err(|e| format!("held socket: {e}"))?;
    sio_connect_storm::leave(ws).await
}
