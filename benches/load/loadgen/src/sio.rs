//! The client side of Engine.IO v4 and Socket.IO v5 over the websocket transport, by hand:
//! just what the scenarios need.

use tokio::sync::watch;
use wsio_ws::Message;

use crate::conn::{self, Ws};

/// The Engine.IO endpoint with the websocket transport and no polling.
pub const TARGET: &str = "/socket.io/?EIO=4&transport=websocket";

/// Opens connection `index` and joins the main namespace: reads the `0{...}` open packet,
/// sends `40`, reads `40{"sid":...}`.
pub async fn open(host: &str, port: u16, index: usize) -> Result<Ws, String> {
    let mut ws = conn::open(host, port, TARGET, index).await?;
    let open = next_text(&mut ws).await?;
    if !open.starts_with("0{") {
        return Err(format!(
            "expected the Engine.IO open packet, got {}",
            clip(&open)
        ));
    }
    ws.send("40").await.map_err(|e| format!("send 40: {e}"))?;
    let connect = next_text(&mut ws).await?;
    if !connect.starts_with("40") {
        return Err(format!(
            "expected the namespace connect packet, got {}",
            clip(&connect)
        ));
    }
    Ok(ws)
}

/// The next text message that is not an Engine.IO ping (pings are answered with `3`).
pub async fn next_text(ws: &mut Ws) -> Result<String, String> {
    for _ in 0..1_000_000 {
        match ws.recv().await {
            Some(Ok(Message::Text(text))) if text.as_str() == "2" => {
                ws.send("3").await.map_err(|e| format!("send pong: {e}"))?;
            }
            Some(Ok(Message::Text(text))) => return Ok(text.as_str().to_owned()),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            Some(Ok(other)) => {
                return Err(format!(
                    "unexpected message {}",
                    clip(&format!("{other:?}"))
                ));
            }
            Some(Err(e)) => return Err(format!("receive: {e}")),
            None => return Err("connection closed by the server".to_owned()),
        }
    }
    Err("no text message in a million frames".to_owned())
}

/// Holds `ws` open until `stop` turns true, answering Engine.IO pings (`2` with `3`); an
/// error if the server closes it, or anything fails, first.
pub async fn hold(ws: &mut Ws, stop: &mut watch::Receiver<bool>) -> Result<(), String> {
    loop {
        tokio::select! {
            // A dropped sender counts as a stop too.
            _ = async { stop.wait_for(|stop| *stop).await.is_ok() } => return Ok(()),
            message = ws.recv() => match message {
                Some(Ok(Message::Text(text))) if text.as_str() == "2" => {
                    ws.send("3").await.map_err(|e| format!("send pong: {e}"))?;
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(format!("receive: {e}")),
                None => return Err("connection closed by the server".to_owned()),
            },
        }
    }
}

/// `size` letters that differ per socket `index` (no JSON escapes).
pub fn payload(index: usize, size: usize) -> String {
    (0..size)
        .map(|i| (b'a' + ((i + index) % 26) as u8) as char)
        .collect()
}

/// The first 80 characters of `text`, for error messages.
pub fn clip(text: &str) -> String {
    text.chars().take(80).collect()
}
