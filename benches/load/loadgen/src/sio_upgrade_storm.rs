//! The connect of `sio-upgrade-storm`: a client joins as socket.io-client does by default,
//! on long-polling first ([`polling::join`]: the Engine.IO handshake, `40` and the namespace's
//! `40{...}` over HTTP), then upgrades the session to WebSocket: a WebSocket with the
//! session's id, the probe (`2probe`, answered `3probe`) and `5`, after which the session's
//! packets go over the WebSocket. [`sio_connect_storm`](crate::sio_connect_storm) then leaves
//! and connects again.

use crate::conn::{self, Ws};
use crate::polling;
use crate::sio::{self, clip};

/// Joins on long-polling and upgrades; the WebSocket of the upgraded session.
pub async fn open(host: &str, port: u16, index: usize) -> Result<Ws, String> {
    let sid = polling::join(host, port, index).await?;
    let target = format!("{}&sid={sid}", sio::TARGET);
    let mut ws = conn::open(host, port, &target, index).await?;
    ws.send("2probe")
        .await
        .map_err(|e| format!("send 2probe: {e}"))?;
    let probe = sio::next_text(&mut ws).await?;
    if probe != "3probe" {
        return Err(format!("expected 3probe, got {}", clip(&probe)));
    }
    ws.send("5").await.map_err(|e| format!("send 5: {e}"))?;
    Ok(ws)
}
