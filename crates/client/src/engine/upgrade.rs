//! The upgrade probe: a WebSocket joins the polling session and answers `2probe` with
//! `3probe`. The switch itself (`5`) happens once the polling reader stopped, in
//! [`Link::finish_upgrade`](super::Link::finish_upgrade).

use std::sync::Arc;

use event_proto::engine::Packet;
use wsio_ws::{MaybeTlsStream, WebSocket};

use super::websocket;
use crate::error::{Error, Result};
use crate::state::Shared;

/// Opens a WebSocket for session `sid` and runs the probe exchange, within the connect
/// timeout. A refused or blocked WebSocket fails here and the session stays on polling.
pub(crate) async fn probe(shared: Arc<Shared>, sid: String) -> Result<WebSocket<MaybeTlsStream>> {
    let exchange = async {
        let mut ws = websocket::open(&shared, Some(&sid)).await?;
        ws.send(websocket::to_ws(&Packet::probe_ping())).await?;
        match websocket::recv(&mut ws).await? {
            p if p.is_probe_pong() => Ok(ws),
            _ => Err(Error::Protocol(event_proto::Error::InvalidPayload("probe"))),
        }
    };
    tokio::time::timeout(shared.config.connect_timeout, exchange).await?
}
