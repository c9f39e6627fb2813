//! `sio-broadcast`: N receiving sockets and a few senders in the main namespace. Each sender
//! emits `broadcast` with its id, a sequence number and a timestamp, then waits until every
//! receiver has counted that `bcast` (or 2 s) before the next: a closed loop, so the server's
//! fan-out rate is what is measured. Receivers record the end-to-end latency.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::sync::Notify;
use wsio_ws::Message;

use crate::args::Options;
use crate::conn::{self, Ws};
use crate::phase::{self, MEASURE, Phase, STOP};
use crate::report::{self, Tally};
use crate::sio;

/// How long a sender waits for its broadcast to reach every receiver.
const FANOUT_TIMEOUT: Duration = Duration::from_secs(2);
/// How often idle tasks look at the phase.
const POLL: Duration = Duration::from_millis(100);
/// How often an idle receiver looks at the phase: seldom, so that tens of thousands of them
/// do not keep the load generator busy with timers.
const RECEIVER_POLL: Duration = Duration::from_secs(1);

/// The common clock of timestamps in payloads.
fn origin() -> Instant {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    *ORIGIN.get_or_init(Instant::now)
}

/// Deliveries per sender, and a wake-up for the sender when one broadcast has reached all.
struct Fanout {
    receivers: u64,
    delivered: Vec<AtomicU64>,
    complete: Vec<Notify>,
}

/// Runs the scenario and returns its JSON line.
pub async fn run(options: &Options) -> String {
    run_on(options, 1).await
}

/// Runs the scenario against `nodes` servers of one cluster, on `--port` and the ports after
/// it: connection `index` (receivers first, then senders) joins node `index % nodes`.
pub async fn run_on(options: &Options, nodes: usize) -> String {
    origin();
    let host = options.host.clone();
    let port = options.port;
    let total_conns = options.conns + options.senders;
    let (mut conns, failed, connect_error) = conn::open_many(total_conns, |index| {
        let host = host.clone();
        let port = port.saturating_add((index % nodes.max(1)) as u16);
        async move { sio::open(&host, port, index).await }
    })
    .await;
    if conns.len() <= options.senders {
        return report::failure(
            "sio-broadcast",
            connect_error.as_deref().unwrap_or("too few connections"),
        );
    }
    let senders = conns.split_off(conns.len() - options.senders);
    let fanout = Arc::new(Fanout {
        receivers: conns.len() as u64,
        delivered: (0..senders.len()).map(|_| AtomicU64::new(0)).collect(),
        complete: (0..senders.len()).map(|_| Notify::new()).collect(),
    });
    let phase = Arc::new(Phase::default());
    let receivers: Vec<_> = conns
        .into_iter()
        .map(|ws| tokio::spawn(receive_loop(ws, fanout.clone(), phase.clone())))
        .collect();
    let senders: Vec<_> = senders
        .into_iter()
        .enumerate()
        .map(|(id, ws)| {
            tokio::spawn(send_loop(
                ws,
                id,
                options.size,
                Duration::from_millis(options.interval_ms),
                fanout.clone(),
                phase.clone(),
            ))
        })
        .collect();
    let window = phase::run_window(&phase, options.warmup, options.seconds).await;
    let mut total = Tally::new();
    let mut timeouts = 0;
    let mut broadcasts = 0;
    for task in senders {
        match tokio::time::timeout(FANOUT_TIMEOUT + Duration::from_secs(1), task).await {
            Ok(Ok((sent, stalled, tally))) => {
                broadcasts += sent;
                timeouts += stalled;
                total.errors += tally.errors;
                total.first_error = total.first_error.or(tally.first_error);
            }
            _ => total.error("a sender task did not finish".to_owned()),
        }
    }
    for task in receivers {
        match tokio::time::timeout(Duration::from_secs(2), task).await {
            Ok(Ok(tally)) => total.merge(tally),
            _ => total.error("a receiver task did not finish".to_owned()),
        }
    }
    if failed > 0 {
        total.errors += failed as u64;
        total.first_error = total.first_error.or(connect_error);
    }
    let extra = json!({
        "conns": fanout.receivers,
        "senders": options.senders,
        "size": options.size,
        "broadcasts": broadcasts,
        "fanout_timeouts": timeouts,
        "connect_failures": failed,
    });
    report::throughput(
        "sio-broadcast",
        &total,
        window.as_secs_f64(),
        options.size,
        extra,
    )
}

/// Emits `broadcast` and waits for its fan-out, until [`STOP`]. Returns the broadcasts sent
/// inside the window, the waits that timed out, and errors.
async fn send_loop(
    mut ws: Ws,
    id: usize,
    size: usize,
    interval: Duration,
    fanout: Arc<Fanout>,
    phase: Arc<Phase>,
) -> (u64, u64, Tally) {
    let mut tally = Tally::new();
    let (mut sent, mut stalled) = (0, 0);
    let mut next = tokio::time::Instant::now();
    for seq in 0u64.. {
        if phase.get() == STOP {
            break;
        }
        if !interval.is_zero() {
            // Paced: one broadcast per interval, answering pings while waiting.
            while tokio::time::Instant::now() < next && phase.get() != STOP {
                tokio::select! {
                    _ = tokio::time::sleep_until(next.min(tokio::time::Instant::now() + POLL)) => {}
                    message = ws.recv() => if let Err(e) = answer_ping(&mut ws, message).await {
                        tally.error(e);
                        return (sent, stalled, tally);
                    },
                }
            }
            next += interval;
        }
        let target = fanout.delivered[id].load(Ordering::Acquire) + fanout.receivers;
        let stamp = origin().elapsed().as_nanos();
        let head = format!("{id}:{seq}:{stamp}:");
        let pad = "x".repeat(size.saturating_sub(head.len()));
        if let Err(e) = ws.send(format!(r#"42["broadcast","{head}{pad}"]"#)).await {
            tally.error(format!("send: {e}"));
            break;
        }
        if phase.get() == MEASURE {
            sent += 1;
        }
        let deadline = tokio::time::Instant::now() + FANOUT_TIMEOUT;
        while fanout.delivered[id].load(Ordering::Acquire) < target {
            tokio::select! {
                _ = fanout.complete[id].notified() => {}
                _ = tokio::time::sleep_until(deadline) => {
                    stalled += 1;
                    break;
                }
                _ = tokio::time::sleep(POLL) => if phase.get() == STOP {
                    break;
                },
                message = ws.recv() => if let Err(e) = answer_ping(&mut ws, message).await {
                    tally.error(e);
                    return (sent, stalled, tally);
                },
            }
        }
    }
    (sent, stalled, tally)
}

/// Counts `bcast` packets (and their latency inside the window) until [`STOP`].
async fn receive_loop(mut ws: Ws, fanout: Arc<Fanout>, phase: Arc<Phase>) -> Tally {
    let mut tally = Tally::new();
    while phase.get() != STOP {
        let message = match tokio::time::timeout(RECEIVER_POLL, ws.recv()).await {
            Ok(message) => message,
            Err(_) => continue,
        };
        let text = match message {
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(_)) => continue,
            Some(Err(e)) => {
                tally.error(format!("receive: {e}"));
                break;
            }
            None => {
                tally.error("connection closed by the server".to_owned());
                break;
            }
        };
        if text.as_str() == "2" {
            if ws.send("3").await.is_err() {
                tally.error("send pong failed".to_owned());
                break;
            }
            continue;
        }
        let Some((id, stamp)) = parse_bcast(text.as_str()) else {
            tally.error(format!("unexpected packet {}", sio::clip(text.as_str())));
            continue;
        };
        let Some(counter) = fanout.delivered.get(id) else {
            continue;
        };
        let delivered = counter.fetch_add(1, Ordering::AcqRel) + 1;
        if delivered % fanout.receivers == 0 {
            fanout.complete[id].notify_one();
        }
        if phase.get() == MEASURE {
            tally.msgs += 1;
            let now = origin().elapsed().as_nanos() as u64;
            let _ = tally.latency.record(now.saturating_sub(stamp).max(1));
        }
    }
    tally
}

/// The sender id and timestamp of `42["bcast","id:seq:stamp:pad"]`.
fn parse_bcast(text: &str) -> Option<(usize, u64)> {
    let body = text.strip_prefix(r#"42["bcast",""#)?;
    let mut fields = body.split(':');
    let id = fields.next()?.parse().ok()?;
    let _seq = fields.next()?;
    let stamp = fields.next()?.parse().ok()?;
    Some((id, stamp))
}

/// A sender's own inbound traffic: pings are answered, other senders' `bcast`s dropped.
async fn answer_ping(
    ws: &mut Ws,
    message: Option<Result<Message, wsio_ws::Error>>,
) -> Result<(), String> {
    match message {
        Some(Ok(Message::Text(text))) if text.as_str() == "2" => {
            ws.send("3").await.map_err(|e| format!("send pong: {e}"))
        }
        Some(Ok(_)) => Ok(()),
        Some(Err(e)) => Err(format!("receive: {e}")),
        None => Err("connection closed by the server".to_owned()),
    }
}
