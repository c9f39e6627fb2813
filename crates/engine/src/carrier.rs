//! What a session's own transport does once it carries the session, whatever it is (a
//! WebSocket, a WebTransport stream): the probe of an upgrade, the loop that reads packets and
//! drains the queue, and the finish that sends what is left before closing.

use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll};

use event_proto::engine::{Packet, UpgradeAction, UpgradeState};

use crate::close_reason::CloseReason;
use crate::outgoing::Outgoing;
use crate::read_wake::ReadWake;
use crate::session::{Queue, Session, Transport};

/// What the read side of a [`Carrier`] gave.
#[derive(Debug)]
pub(crate) enum Inbound {
    /// An Engine.IO packet.
    Packet(Packet),
    /// Something that is not a packet and asks for nothing (a WebSocket ping or pong).
    Other,
    /// The read side failed: the session closes for this reason (what is queued is still
    /// sent, as far as it goes).
    Failed(CloseReason),
    /// The peer went away: the session closes with `transport close`, nothing more is sent.
    End,
}

/// A transport that carries one session's packets both ways, one packet at a time.
pub(crate) trait Carrier: Send + 'static {
    /// Why a write failed (the session then closes with `transport error`).
    type Error: Send;
    /// The transport's name in logs.
    const NAME: &'static str;

    /// Polls the read side for the next inbound packet.
    fn poll_inbound(&mut self, cx: &mut Context<'_>) -> Poll<Inbound>;

    /// Queues one item's packets for the next flush (may write when buffers are full).
    fn feed(&mut self, item: &Outgoing) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Writes everything fed so far.
    fn flush(&mut self) -> impl Future<Output = Result<(), Self::Error>> + Send;

    /// Ends the transport, orderly, once the session is over.
    fn end(self) -> impl Future<Output = ()> + Send;
}

/// The next inbound packet of `carrier`.
async fn inbound<C: Carrier>(carrier: &mut C) -> Inbound {
    std::future::poll_fn(|cx| carrier.poll_inbound(cx)).await
}

/// The probe exchange of an upgrade over `carrier`: `2probe` → `3probe` (and, until the
/// switch, a noop for every poll), then `5`; true once the session moved from
/// [`Transport::Upgrading`] to `to`.
pub(crate) async fn probe<C: Carrier>(session: &Session, carrier: &mut C, to: Transport) -> bool {
    let mut state = UpgradeState::default();
    loop {
        let received = tokio::select! {
            received = inbound(carrier) => received,
            _ = session.closed() => return false,
        };
        let packet = match received {
            Inbound::Packet(packet) => packet,
            Inbound::Other => continue,
            Inbound::Failed(_) | Inbound::End => return false,
        };
        match state.on_packet(&packet) {
            UpgradeAction::Probe { reply, .. } => {
                let sent = match carrier.feed(&Outgoing::Packet(reply)).await {
                    Ok(()) => carrier.flush().await.is_ok(),
                    Err(_) => false,
                };
                if !sent {
                    return false;
                }
                session.pause_polling();
            }
            UpgradeAction::Switch => {
                tracing::debug!(sid = %session.sid(), transport = C::NAME, "upgraded");
                return session.switch_transport(Transport::Upgrading, to);
            }
            UpgradeAction::Abort => return false,
        }
    }
}

/// Hands the session to a task of its own for as long as it lives: the task that answered the
/// handshake or upgrade ends, and with it the request and handshake state it held, so that an
/// idle session keeps only what [`run`] needs.
pub(crate) fn carry<C: Carrier>(session: Arc<Session>, carrier: C) {
    let span = tracing::debug_span!("session", sid = %session.sid(), transport = C::NAME);
    tokio::spawn(tracing::Instrument::instrument(run(session, carrier), span));
}

/// What the session's task does next.
enum Next {
    /// The read side gave something.
    Received(Inbound),
    /// The queue gave an item, or `None` once the session closed and the queue is drained.
    Queued(Option<Outgoing>),
}

/// Carries the session over `carrier` until either side closes it.
///
/// The read side is polled only when its own waker fired ([`ReadWake`]): a wake-up for a
/// queued packet goes straight to the queue. After a packet was received the queue is looked
/// at first, so that neither side can keep the other waiting.
///
/// Written as a function returning an `async move` block rather than as an `async fn`: an
/// `async fn` moves its arguments into locals of its body, and the future then keeps room for
/// the carrier twice (the argument and the local; about 900 bytes for a WebSocket), in the task
/// of every idle session. The block uses what it captured in place.
#[allow(
    clippy::manual_async_fn,
    reason = "an async fn would store the carrier twice"
)]
fn run<C: Carrier>(session: Arc<Session>, mut carrier: C) -> impl Future<Output = ()> + Send {
    async move {
        let mut queue = session.queue.lock().await;
        let (reads, read_waker) = ReadWake::new();
        let mut queue_first = false;
        loop {
            let next = std::future::poll_fn(|cx| {
                if queue_first
                    && let Poll::Ready(item) = session.poll_next_or_closed(&mut queue, cx)
                {
                    return Poll::Ready(Next::Queued(item));
                }
                if reads.take(cx.waker()) {
                    let mut read_cx = Context::from_waker(&read_waker);
                    if let Poll::Ready(received) = carrier.poll_inbound(&mut read_cx) {
                        // More may be buffered: look again next time.
                        reads.fire();
                        return Poll::Ready(Next::Received(received));
                    }
                }
                if queue_first {
                    return Poll::Pending;
                }
                session
                    .poll_next_or_closed(&mut queue, cx)
                    .map(Next::Queued)
            })
            .await;
            queue_first = matches!(next, Next::Received(_));
            match next {
                Next::Received(Inbound::Packet(packet)) => session.receive(packet).await,
                Next::Received(Inbound::Other) => {}
                Next::Received(Inbound::Failed(reason)) => session.close(reason),
                Next::Received(Inbound::End) => {
                    session.close(CloseReason::TransportClose);
                    return;
                }
                // Items first, then, once the session is closed and the queue drained, the end.
                Next::Queued(Some(item)) => {
                    if send_batch(&mut carrier, &session, item, &mut queue)
                        .await
                        .is_err()
                    {
                        session.close(CloseReason::TransportError);
                    }
                }
                Next::Queued(None) => {
                    // Boxed: the closing handshake's state (a timer among it) would otherwise
                    // make every idle session's task larger.
                    Box::pin(finish(&session, carrier, &mut queue)).await;
                    return;
                }
            }
        }
    }
}

/// Writes what is still queued, then closes the transport.
async fn finish<C: Carrier>(session: &Session, mut carrier: C, queue: &mut Queue) {
    while let Some(item) = session.try_next(queue) {
        if send_batch(&mut carrier, session, item, queue)
            .await
            .is_err()
        {
            break;
        }
    }
    carrier.end().await;
}

/// Most queued items one write carries, so that a busy queue cannot starve the reads.
const BATCH: usize = 64;

/// Writes `first` and whatever else is already queued (up to [`BATCH`] items) with one flush.
async fn send_batch<C: Carrier>(
    carrier: &mut C,
    session: &Session,
    first: Outgoing,
    queue: &mut Queue,
) -> Result<(), C::Error> {
    carrier.feed(&first).await?;
    for _ in 1..BATCH {
        let Some(item) = session.try_next(queue) else {
            break;
        };
        carrier.feed(&item).await?;
    }
    carrier.flush().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::RequestInfo;
    use std::time::Duration;

    /// A carrier as large as a WebSocket, that never reads or writes anything.
    struct Bulky(#[expect(dead_code, reason = "only its size matters")] [u8; 1024]);

    impl Carrier for Bulky {
        type Error = ();
        const NAME: &'static str = "bulky";

        fn poll_inbound(&mut self, _cx: &mut Context<'_>) -> Poll<Inbound> {
            Poll::Pending
        }

        async fn feed(&mut self, _item: &Outgoing) -> Result<(), ()> {
            Ok(())
        }

        async fn flush(&mut self) -> Result<(), ()> {
            Ok(())
        }

        async fn end(self) {}
    }

    #[test]
    fn the_session_task_holds_its_carrier_once() {
        let info =
            RequestInfo::detached(&http::HeaderMap::new(), &http::Uri::from_static("/"), None);
        let session = Arc::new(Session::new(
            info,
            Transport::WebSocket,
            Duration::from_secs(25),
            Duration::from_secs(20),
            16,
            std::sync::Weak::new(),
        ));
        let carrier = Bulky([0; 1024]);
        let task = run(session, carrier);
        let size = std::mem::size_of_val(&task);
        // The carrier, plus the loop's own state (a batch being written, a packet being
        // received), well under a second copy of the carrier.
        assert!(
            size < 2 * std::mem::size_of::<Bulky>(),
            "the session task takes {size} bytes for a carrier of {}",
            std::mem::size_of::<Bulky>()
        );
    }
}
