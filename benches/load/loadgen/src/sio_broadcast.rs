//! `sio-broadcast`: N receiving sockets and a few senders in the main namespace. Each sender
//! emits `broadcast` with its id, a sequence number and a timestamp, then waits until every
//! receiver has counted that `bcast` (or 2 s) before the next: a closed loop, so the server's
//! fan-out rate is what is measured. Receivers record the end-to-end latency.
//!
//! `sio-broadcast-msgpack` is the same with every packet in MessagePack
//! (socket.io-msgpack-parser's wire format): one binary frame per packet.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use event_proto::Parser;
use event_proto::socket::Packet;
use serde_json::json;
use tokio::sync::Notify;
use wsio_ws::Message;

use crate::args::Options;
use crate::conn::{self, Ws};
use crate::phase::{self, MEASURE, Phase, STOP};
use crate::report::{self, Tally};
use crate::sio;
use crate::sio_echo_msgpack;

/// How the packets of the run are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wire {
    /// Socket.IO's default parser: text frames.
    Json,
    /// socket.io-msgpack-parser's format: binary frames.
    MsgPack,
}

impl Wire {
    /// The scenario's name in the result line.
    fn scenario(self) -> &'static str {
        match self {
            Wire::Json => "sio-broadcast",
            Wire::MsgPack => "sio-broadcast-msgpack",
        }
    }

    /// The `broadcast` event carrying `text`.
    fn broadcast(self, text: String) -> Message {
        match self {
            Wire::Json => Message::Text(format!(r#"42["broadcast","{text}"]"#).into()),
            Wire::MsgPack => {
                let packet = Packet::event("/", "broadcast", vec![text.into()]);
                match event_proto::MsgPackParser.encode(&packet).map(|e| e.head) {
                    Ok(event_proto::Message::Binary(bytes)) => Message::Binary(bytes),
                    other => panic!("the MessagePack parser made {other:?}"),
                }
            }
        }
    }
}

/// How long a sender waits for its broadcast to reach every receiver.
const FANOUT_TIMEOUT: Duration = Duration::from_secs(2);
/// How often idle tasks look at the phase.
const POLL: Duration = Duration::from_millis(100);
/// How often an idle receiver looks at the phase: seldom, so that tens of thousands of them
/// do not keep the load generator busy with timers.
pub const RECEIVER_POLL: Duration = Duration::from_secs(1);

/// The common clock of timestamps in payloads.
fn origin() -> Instant {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    *ORIGIN.get_or_init(Instant::now)
}

/// Deliveries per sender, and a wake-up for the sender when one broadcast has reached all.
pub struct Fanout {
    receivers: u64,
    delivered: Vec<AtomicU64>,
    complete: Vec<Notify>,
}

impl Fanout {
    /// The counters of `senders` senders broadcasting to `receivers` receivers.
    pub fn new(receivers: usize, senders: usize) -> Fanout {
        origin();
        Fanout {
            receivers: receivers as u64,
            delivered: (0..senders).map(|_| AtomicU64::new(0)).collect(),
            complete: (0..senders).map(|_| Notify::new()).collect(),
        }
    }

    /// Counts one received `bcast` of sender `id` stamped `stamp`, and its latency when inside
    /// the window; wakes the sender once its broadcast has reached every receiver.
    fn deliver(&self, id: usize, stamp: u64, phase: &Phase, tally: &mut Tally) {
        let Some(counter) = self.delivered.get(id) else {
            return;
        };
        let delivered = counter.fetch_add(1, Ordering::AcqRel) + 1;
        if delivered % self.receivers == 0 {
            self.complete[id].notify_one();
        }
        if phase.get() == MEASURE {
            tally.msgs += 1;
            let now = origin().elapsed().as_nanos() as u64;
            let _ = tally.latency.record(now.saturating_sub(stamp).max(1));
        }
    }

    /// [`Fanout::deliver`] for a JSON packet, which must be a `bcast` event.
    pub fn deliver_text(&self, text: &str, phase: &Phase, tally: &mut Tally) {
        match parse_bcast(text) {
            Some((id, stamp)) => self.deliver(id, stamp, phase, tally),
            None => tally.error(format!("unexpected packet {}", sio::clip(text))),
        }
    }
}

/// Runs the scenario and returns its JSON line.
pub async fn run(options: &Options, wire: Wire) -> String {
    run_on(options, 1, wire).await
}

/// Runs the scenario against `nodes` servers of one cluster, on `--port` and the ports after
/// it: connection `index` (receivers first, then senders) joins node `index % nodes`.
pub async fn run_on(options: &Options, nodes: usize, wire: Wire) -> String {
    let host = options.host.clone();
    let port = options.port;
    let total_conns = options.conns + options.senders;
    let (mut conns, failed, connect_error) = conn::open_many(total_conns, |index| {
        let host = host.clone();
        let port = port.saturating_add((index % nodes.max(1)) as u16);
        async move {
            match wire {
                Wire::Json => sio::open(&host, port, index).await,
                Wire::MsgPack => sio_echo_msgpack::open(&host, port, index).await,
            }
        }
    })
    .await;
    if conns.len() <= options.senders {
        return report::failure(
            wire.scenario(),
            connect_error.as_deref().unwrap_or("too few connections"),
        );
    }
    let senders = conns.split_off(conns.len() - options.senders);
    let connects = (failed, connect_error);
    let scenario = wire.scenario();
    drive(
        options,
        wire,
        scenario,
        conns,
        receive_loop,
        senders,
        connects,
    )
    .await
}

/// Opens `options.conns` receivers with `receiver` and `options.senders` senders with
/// `sender` (connection indexes after the receivers'), then [`drive`]s them with JSON packets.
pub async fn open_and_drive<R, RF, S, SF, F>(
    options: &Options,
    scenario: &str,
    receiver: impl Fn(String, u16, usize) -> RF,
    sender: impl Fn(String, u16, usize) -> SF,
    receive: impl Fn(R, Arc<Fanout>, Arc<Phase>) -> F,
) -> String
where
    R: Send + 'static,
    RF: Future<Output = Result<R, String>> + Send + 'static,
    S: Sender,
    SF: Future<Output = Result<S, String>> + Send + 'static,
    F: Future<Output = Tally> + Send + 'static,
{
    let (host, port) = (&options.host, options.port);
    let (receivers, failed, connect_error) =
        conn::open_many(options.conns, |index| receiver(host.clone(), port, index)).await;
    let first = options.conns;
    let (senders, failed_senders, sender_error) = conn::open_many(options.senders, |index| {
        sender(host.clone(), port, first + index)
    })
    .await;
    if receivers.is_empty() || senders.is_empty() {
        let error = connect_error.or(sender_error);
        return report::failure(scenario, error.as_deref().unwrap_or("no connection"));
    }
    let connects = (failed + failed_senders, connect_error.or(sender_error));
    drive(
        options,
        Wire::Json,
        scenario,
        receivers,
        receive,
        senders,
        connects,
    )
    .await
}

/// Runs the window with `senders` broadcasting to `receivers`, each driven by its own task
/// `receive`, gathers the tallies and returns the JSON line; `connects` are the failed
/// connects and the first one's error.
pub async fn drive<R, F, S>(
    options: &Options,
    wire: Wire,
    scenario: &str,
    receivers: Vec<R>,
    receive: impl Fn(R, Arc<Fanout>, Arc<Phase>) -> F,
    senders: Vec<S>,
    connects: (usize, Option<String>),
) -> String
where
    F: Future<Output = Tally> + Send + 'static,
    S: Sender,
{
    let fanout = Arc::new(Fanout::new(receivers.len(), senders.len()));
    let phase = Arc::new(Phase::default());
    let receivers: Vec<_> = receivers
        .into_iter()
        .map(|r| tokio::spawn(receive(r, fanout.clone(), phase.clone())))
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
                wire,
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
    let (failed, connect_error) = connects;
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
    report::throughput(scenario, &total, window.as_secs_f64(), options.size, extra)
}

/// A sender's connection: it emits `broadcast` events and reads what comes back to it.
pub trait Sender: Send + 'static {
    /// Emits `broadcast` with `text` as its argument, encoded as `wire` says.
    fn emit(&mut self, wire: Wire, text: String)
    -> impl Future<Output = Result<(), String>> + Send;
    /// Reads one message and drops it, answering an Engine.IO ping.
    fn skip_one(&mut self) -> impl Future<Output = Result<(), String>> + Send;
}

impl Sender for Ws {
    async fn emit(&mut self, wire: Wire, text: String) -> Result<(), String> {
        self.send(wire.broadcast(text))
            .await
            .map_err(|e| format!("send: {e}"))
    }

    async fn skip_one(&mut self) -> Result<(), String> {
        let message = self.recv().await;
        answer_ping(self, message).await
    }
}

/// Emits `broadcast` and waits for its fan-out, until [`STOP`]. Returns the broadcasts sent
/// inside the window, the waits that timed out, and errors.
async fn send_loop<S: Sender>(
    mut ws: S,
    id: usize,
    size: usize,
    interval: Duration,
    fanout: Arc<Fanout>,
    phase: Arc<Phase>,
    wire: Wire,
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
                    skipped = ws.skip_one() => if let Err(e) = skipped {
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
        if let Err(e) = ws.emit(wire, format!("{head}{pad}")).await {
            tally.error(e);
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
                skipped = ws.skip_one() => if let Err(e) = skipped {
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
        match message {
            Some(Ok(Message::Text(text))) if text.as_str() == "2" => {
                if ws.send("3").await.is_err() {
                    tally.error("send pong failed".to_owned());
                    break;
                }
            }
            Some(Ok(Message::Text(text))) => fanout.deliver_text(text.as_str(), &phase, &mut tally),
            Some(Ok(Message::Binary(bytes))) => match parse_bcast_msgpack(&bytes) {
                Some((id, stamp)) => fanout.deliver(id, stamp, &phase, &mut tally),
                None => tally.error(format!(
                    "unexpected packet {}",
                    sio::clip(&format!("{bytes:?}"))
                )),
            },
            Some(Ok(_)) => {}
            Some(Err(e)) => {
                tally.error(format!("receive: {e}"));
                break;
            }
            None => {
                tally.error("connection closed by the server".to_owned());
                break;
            }
        }
    }
    tally
}

/// The sender id and timestamp of `42["bcast","id:seq:stamp:pad"]`.
fn parse_bcast(text: &str) -> Option<(usize, u64)> {
    parse_fields(text.strip_prefix(r#"42["bcast",""#)?)
}

/// The sender id and timestamp at the start of `id:seq:stamp:...`.
fn parse_fields(body: &str) -> Option<(usize, u64)> {
    let mut fields = body.split(':');
    let id = fields.next()?.parse().ok()?;
    let _seq = fields.next()?;
    let stamp = fields.next()?.parse().ok()?;
    Some((id, stamp))
}

/// The sender id and timestamp of a MessagePack `bcast` event: its data is the array
/// `["bcast", "id:seq:stamp:pad"]` (`92 a5 "bcast"` then a `str`), wherever the server puts
/// the `data` key among the packet's others. A scan, not a full decode: the load generator
/// reads hundreds of thousands of these a second on one core.
fn parse_bcast_msgpack(bytes: &Bytes) -> Option<(usize, u64)> {
    const NAME: &[u8] = b"\x92\xa5bcast";
    let at = bytes.windows(NAME.len()).position(|w| w == NAME)? + NAME.len();
    let rest = bytes.get(at..)?;
    let (len, body) = match *rest.first()? {
        marker @ 0xa0..=0xbf => (usize::from(marker & 0x1f), rest.get(1..)?),
        0xd9 => (usize::from(*rest.get(1)?), rest.get(2..)?),
        0xda => (
            usize::from(u16::from_be_bytes([*rest.get(1)?, *rest.get(2)?])),
            rest.get(3..)?,
        ),
        _ => return None,
    };
    parse_fields(std::str::from_utf8(body.get(..len)?).ok()?)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A `bcast` event carrying `text`, in MessagePack.
    fn bcast_msgpack(text: String) -> Bytes {
        let packet = Packet::event("/", "bcast", vec![text.into()]);
        match event_proto::MsgPackParser.encode(&packet).map(|e| e.head) {
            Ok(event_proto::Message::Binary(bytes)) => bytes,
            other => panic!("not one binary message: {other:?}"),
        }
    }

    #[test]
    fn reads_bcast_events_in_either_wire_format() {
        let text = "3:17:123456:xxxx".to_owned();
        assert_eq!(
            parse_bcast(&format!(r#"42["bcast","{text}"]"#)),
            Some((3, 123_456))
        );
        assert_eq!(
            parse_bcast_msgpack(&bcast_msgpack(text)),
            Some((3, 123_456))
        );
        let long = format!("4:1:99:{}", "x".repeat(300));
        assert_eq!(parse_bcast_msgpack(&bcast_msgpack(long)), Some((4, 99)));
        let cut = Bytes::from_static(b"\x92\xa5bcast\x01");
        assert_eq!(parse_bcast_msgpack(&cut), None);
    }
}
