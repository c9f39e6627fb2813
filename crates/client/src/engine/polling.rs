//! HTTP long-polling: the handshake GET, a reader task holding one GET open at a time, and a
//! writer task that POSTs queued packets in batches.

use std::sync::Arc;
use std::time::Duration;

use event_proto::engine::{Handshake, Packet, PayloadBuilder, decode_payload};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::{INBOUND_QUEUE, Link, Out, POST_QUEUE};
use crate::error::{Error, Result};
use crate::http::HttpConn;
use crate::state::Shared;
use event_proto::engine::Transport;

/// Largest answer to a POST (the server says `ok`).
const MAX_POST_ANSWER: usize = 1024;

/// Opens a session over polling: the handshake GET, then the reader and writer tasks.
pub(crate) async fn open(shared: &Arc<Shared>) -> Result<Link> {
    let mut conn = new_conn(shared);
    let max = shared.config.limits.max_payload;
    let target = target(shared, None);
    let body = conn.get(&target, max).await?;
    let mut packets = decode_payload(body, max)?.into_iter();
    let handshake = match packets.next() {
        Some(open) => Handshake::from_packet(&open)?,
        None => return Err(Error::Protocol(event_proto::Error::InvalidHandshake)),
    };
    let mut link = Link::new(shared, handshake, Transport::Polling);
    let (tx, rx) = mpsc::channel(INBOUND_QUEUE);
    for packet in packets {
        // The channel is fresh and larger than any sensible first answer; extra packets in
        // a hostile one are dropped rather than buffered.
        let _ = tx.try_send(Ok(packet));
    }
    link.inbound = rx;
    link.reader = Some(spawn_reader_on(&link, conn, tx.clone()));
    link.out = spawn_writer(&link, &tx);
    Ok(link)
}

fn new_conn(shared: &Shared) -> HttpConn {
    HttpConn::new(
        shared.url.clone(),
        shared.tls.clone(),
        shared.headers.clone(),
    )
}

fn target(shared: &Shared, sid: Option<&str>) -> String {
    shared
        .url
        .target(&shared.config.path, "polling", sid, &shared.config.query)
}

/// How long one GET may stay open: the server answers within its ping interval.
fn poll_timeout(handshake: &Handshake) -> Duration {
    Duration::from_millis(
        handshake
            .ping_interval
            .saturating_add(handshake.ping_timeout),
    ) + Duration::from_secs(5)
}

/// Whether the polling reader may start its next GET.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gate {
    /// Polling as usual.
    Open,
    /// An upgrade probe waits for its answer: no new GET until it is known.
    Held,
    /// The upgrade goes ahead: the reader ends once its GET in flight ended.
    Shut,
}

/// Pauses the polling reader for an upgrade. [`hold`](Self::hold) before the probe is sent:
/// the GET in flight goes on (the server answers it when the probe arrives) but no new one
/// starts, so the server never holds a GET the upgrade has to wait for, whichever of the
/// probe's answer and that GET's answer arrives first. Then [`stop`](Self::stop) to switch
/// once the reader ended, or [`resume`](Self::resume) to poll on.
#[derive(Debug, Clone)]
pub(crate) struct Pause(Arc<watch::Sender<Gate>>);

impl Pause {
    pub(super) fn new() -> Pause {
        Pause(Arc::new(watch::Sender::new(Gate::Open)))
    }

    /// No new GET starts until [`resume`](Self::resume) or [`stop`](Self::stop).
    pub(crate) fn hold(&self) {
        self.move_from(Gate::Open, Gate::Held);
    }

    /// Polling goes on (the probe failed).
    pub(crate) fn resume(&self) {
        self.move_from(Gate::Held, Gate::Open);
    }

    /// The reader ends after its GET in flight, if any: the inbound channel then ends.
    pub(crate) fn stop(&self) {
        self.0.send_replace(Gate::Shut);
    }

    fn move_from(&self, from: Gate, to: Gate) {
        self.0.send_if_modified(|gate| {
            let moves = *gate == from;
            if moves {
                *gate = to;
            }
            moves
        });
    }
}

/// A reader on a new connection.
pub(super) fn spawn_reader(link: &Link, tx: mpsc::Sender<Result<Packet>>) -> JoinHandle<()> {
    spawn_reader_on(link, new_conn(&link.shared), tx)
}

fn spawn_reader_on(
    link: &Link,
    conn: HttpConn,
    tx: mpsc::Sender<Result<Packet>>,
) -> JoinHandle<()> {
    let reader = Reader {
        conn,
        target: target(&link.shared, Some(link.sid())),
        max: link.shared.config.limits.max_payload,
        timeout: poll_timeout(&link.handshake),
        gate: link.pause.0.subscribe(),
        tx,
    };
    tokio::spawn(reader.run())
}

struct Reader {
    conn: HttpConn,
    target: String,
    max: usize,
    timeout: Duration,
    gate: watch::Receiver<Gate>,
    tx: mpsc::Sender<Result<Packet>>,
}

impl Reader {
    async fn run(mut self) {
        while self.may_poll().await {
            let packets = match tokio::time::timeout(self.timeout, self.poll()).await {
                Ok(Ok(packets)) => packets,
                Ok(Err(e)) => return self.fail(e).await,
                Err(_) => return self.fail(Error::Timeout).await,
            };
            for packet in packets {
                if self.tx.send(Ok(packet)).await.is_err() {
                    return;
                }
            }
        }
    }

    /// Waits while an upgrade probe is unanswered; true to start the next GET.
    async fn may_poll(&mut self) -> bool {
        match self.gate.wait_for(|gate| *gate != Gate::Held).await {
            Ok(gate) => *gate == Gate::Open,
            Err(_) => false,
        }
    }

    async fn poll(&mut self) -> Result<Vec<Packet>> {
        let body = self.conn.get(&self.target, self.max).await?;
        Ok(decode_payload(body, self.max)?)
    }

    async fn fail(self, error: Error) {
        let _ = self.tx.send(Err(error)).await;
    }
}

/// The writer task; it reports a failed POST on the inbound channel while that is open.
pub(super) fn spawn_writer(link: &Link, inbound: &mpsc::Sender<Result<Packet>>) -> Out {
    let (tx, rx) = mpsc::channel(POST_QUEUE);
    let writer = Writer {
        conn: new_conn(&link.shared),
        target: target(&link.shared, Some(link.sid())),
        max: usize::try_from(link.handshake.max_payload).unwrap_or(usize::MAX),
        timeout: link.shared.config.connect_timeout,
        rx,
        errors: inbound.downgrade(),
    };
    Out::Polling {
        tx,
        task: tokio::spawn(writer.run()),
    }
}

struct Writer {
    conn: HttpConn,
    target: String,
    max: usize,
    timeout: Duration,
    rx: mpsc::Receiver<Packet>,
    errors: mpsc::WeakSender<Result<Packet>>,
}

impl Writer {
    async fn run(mut self) {
        let mut carry = None;
        loop {
            let first = match carry.take() {
                Some(packet) => packet,
                None => match self.rx.recv().await {
                    Some(packet) => packet,
                    None => return,
                },
            };
            let mut body = PayloadBuilder::new(self.max);
            body.push(&first);
            while let Ok(packet) = self.rx.try_recv() {
                if !body.try_push(&packet) {
                    carry = Some(packet);
                    break;
                }
            }
            let body = body.finish();
            let sent = tokio::time::timeout(
                self.timeout,
                self.conn.post(&self.target, &body, MAX_POST_ANSWER),
            )
            .await;
            let error = match sent {
                Ok(Ok(_)) => continue,
                Ok(Err(e)) => e,
                Err(_) => Error::Timeout,
            };
            if let Some(errors) = self.errors.upgrade() {
                let _ = errors.send(Err(error)).await;
            }
            return;
        }
    }
}
