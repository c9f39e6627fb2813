//! HTTP long-polling: the handshake GET, a reader task holding one GET open at a time, and a
//! writer task that POSTs queued packets in batches.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use event_proto::engine::{Handshake, Packet, PayloadBuilder, decode_payload};
use tokio::sync::mpsc;
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
        stop: link.poll_stop.clone(),
        tx,
    };
    tokio::spawn(reader.run())
}

struct Reader {
    conn: HttpConn,
    target: String,
    max: usize,
    timeout: Duration,
    stop: Arc<AtomicBool>,
    tx: mpsc::Sender<Result<Packet>>,
}

impl Reader {
    async fn run(mut self) {
        while !self.stop.load(Ordering::Acquire) {
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
