//! The upgrade probe: a WebSocket or a WebTransport stream joins the polling session and
//! answers `2probe` with `3probe`. Polling pauses before `2probe` goes out; the switch itself
//! (`5`) happens once the polling reader stopped, in
//! [`Link::finish_upgrade`](super::Link::finish_upgrade).

use std::sync::Arc;

use event_proto::engine::{Packet, Transport};

use super::{Pause, Probed, websocket};
use crate::error::{Error, Result};
use crate::state::Shared;

/// Opens `transport` (WebSocket or WebTransport) for session `sid` and runs the probe
/// exchange, within the connect timeout. A refused or blocked transport fails here and the
/// session stays on polling.
///
/// Once the transport is open, `pause` is held: the polling reader starts no new GET until the
/// caller learns the outcome (and stops or resumes it).
pub(crate) async fn probe(
    shared: Arc<Shared>,
    sid: String,
    pause: Pause,
    transport: Transport,
) -> Result<Probed> {
    let exchange = async {
        match transport {
            #[cfg(feature = "webtransport")]
            Transport::WebTransport => {
                let mut stream = super::webtransport::open(&shared, Some(&sid)).await?;
                pause.hold();
                stream.send(&Packet::probe_ping()).await?;
                expect_probe_pong(stream.recv().await?)?;
                Ok(Probed::WebTransport(Box::new(stream)))
            }
            _ => {
                let mut ws = websocket::open(&shared, Some(&sid)).await?;
                pause.hold();
                ws.send(websocket::to_ws(&Packet::probe_ping())).await?;
                expect_probe_pong(websocket::recv(&mut ws).await?)?;
                Ok(Probed::WebSocket(Box::new(ws)))
            }
        }
    };
    tokio::time::timeout(shared.config.connect_timeout, exchange).await?
}

fn expect_probe_pong(packet: Packet) -> Result<()> {
    if packet.is_probe_pong() {
        Ok(())
    } else {
        Err(Error::Protocol(event_proto::Error::InvalidPayload("probe")))
    }
}
