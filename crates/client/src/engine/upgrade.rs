//! The upgrade probe: a WebSocket joins the polling session and answers `2probe` with
//! `3probe`. Polling pauses before `2probe` goes out; the switch itself (`5`) happens once
//! the polling reader stopped, in [`Link::finish_upgrade`](super::Link::finish_upgrade).

use std::sync::Arc;

use event_proto::engine::Packet;
use wsio_ws::{MaybeTlsStream, WebSocket};

use super::{Pause, websocket};
use crate::error::{Error, Result};
use crate::state::Shared;

/// Opens a WebSocket for session `sid` and runs the probe exchange, within the connect
/// timeout. A refused or blocked WebSocket fails here and the session stays on polling.
///
/// Once the WebSocket is open, `pause` is held: the polling reader starts no new GET until the
/// caller learns the outcome (and stops or resumes it).
pub(crate) async fn probe(
    shared: Arc<Shared>,
    sid: String,
    pause: Pause,
) -> Result<WebSocket<MaybeTlsStream>> {
    let exchange = async {
        let mut ws = websocket::open(&shared, Some(&sid)).await?;
        pause.hold();
        ws.send(websocket::to_ws(&Packet::probe_ping())).await?;
        match websocket::recv(&mut ws).await? {
            p if p.is_probe_pong() => Ok(ws),
            _ => Err(Error::Protocol(event_proto::Error::InvalidPayload("probe"))),
        }
    };
    tokio::time::timeout(shared.config.connect_timeout, exchange).await?
}
