//! The closed-loop echo driver shared by `ws-echo`, `sio-echo` and `sio-polling-echo`: N
//! connections, one message in flight on each, counted inside the window.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::args::Options;
use crate::conn;
use crate::phase::{self, MEASURE, Phase, STOP};
use crate::report::{self, Tally};

/// How long one round trip may take before the connection counts as stalled.
const ROUND_TRIP_TIMEOUT: Duration = Duration::from_secs(10);

/// One message out and its echo back over a connection `C`, checked.
pub trait Exchange<C>: Send + 'static {
    /// Sends the message on `conn` and waits for the matching echo; describes any mismatch.
    fn trip<'a>(&'a self, conn: &'a mut C) -> impl Future<Output = Result<(), String>> + Send + 'a;
}

/// Opens `options.conns` connections with `open`, gives connection `i` the exchange
/// `exchange(i)`, runs the window and returns the scenario's JSON line.
pub async fn run<C, O, OF, E>(
    options: &Options,
    scenario: &str,
    open: O,
    exchange: impl Fn(usize) -> E,
) -> String
where
    O: Fn(usize) -> OF,
    C: Send + 'static,
    OF: Future<Output = Result<C, String>> + Send + 'static,
    E: Exchange<C>,
{
    let (conns, failed, connect_error) = conn::open_many(options.conns, open).await;
    if conns.is_empty() {
        return report::failure(
            scenario,
            connect_error.as_deref().unwrap_or("no connection"),
        );
    }
    let phase = Arc::new(Phase::default());
    let tasks: Vec<_> = conns
        .into_iter()
        .enumerate()
        .map(|(index, ws)| tokio::spawn(echo_loop(ws, exchange(index), phase.clone())))
        .collect();
    let window = phase::run_window(&phase, options.warmup, options.seconds).await;
    let mut total = Tally::new();
    for task in tasks {
        match tokio::time::timeout(ROUND_TRIP_TIMEOUT + Duration::from_secs(1), task).await {
            Ok(Ok(tally)) => total.merge(tally),
            _ => total.error("a connection task did not finish".to_owned()),
        }
    }
    if failed > 0 {
        total.errors += failed as u64;
        total.first_error = total.first_error.or(connect_error);
    }
    let extra = json!({ "conns": options.conns, "size": options.size, "connect_failures": failed });
    report::throughput(scenario, &total, window.as_secs_f64(), options.size, extra)
}

/// Runs `exchange` over and over until the phase is [`STOP`], counting the round trips that
/// both start and end inside the window.
async fn echo_loop<C, E: Exchange<C>>(mut conn: C, exchange: E, phase: Arc<Phase>) -> Tally {
    let mut tally = Tally::new();
    while phase.get() != STOP {
        let counted = phase.get() == MEASURE;
        let sent = Instant::now();
        match tokio::time::timeout(ROUND_TRIP_TIMEOUT, exchange.trip(&mut conn)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                tally.error(e);
                break;
            }
            Err(_) => {
                tally.error("no echo within 10 s".to_owned());
                break;
            }
        }
        if counted && phase.get() == MEASURE {
            tally.msgs += 1;
            let _ = tally.latency.record(sent.elapsed().as_nanos() as u64);
        }
    }
    tally
}
