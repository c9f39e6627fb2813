//! `ws-echo`: N connections, one binary message in flight on each, every echo checked byte
//! for byte.

use bytes::Bytes;
use wsio_ws::Message;

use crate::args::Options;
use crate::conn::{self, Ws};
use crate::echo::{self, Exchange};

/// Runs the scenario and returns its JSON line.
pub async fn run(options: &Options) -> String {
    let host = options.host.clone();
    let port = options.port;
    let open = |index| {
        let host = host.clone();
        async move { conn::open(&host, port, "/", index).await }
    };
    echo::run(options, "ws-echo", open, |index| {
        BinaryEcho(payload(index, options.size))
    })
    .await
}

/// The payload of connection `index`: `size` bytes of a pattern that differs per connection.
fn payload(index: usize, size: usize) -> Bytes {
    (0..size)
        .map(|i| (i.wrapping_mul(31).wrapping_add(index * 7) % 251) as u8)
        .collect::<Vec<u8>>()
        .into()
}

/// A binary message, echoed unchanged.
struct BinaryEcho(Bytes);

impl Exchange<Ws> for BinaryEcho {
    async fn trip(&self, ws: &mut Ws) -> Result<(), String> {
        let message = Message::Binary(self.0.clone());
        ws.send(message.clone())
            .await
            .map_err(|e| format!("send: {e}"))?;
        await_echo(ws, &message).await
    }
}

/// Waits for the echo of `sent` on `ws`, skipping pings and pongs; describes a wrong one.
pub async fn await_echo(ws: &mut Ws, sent: &Message) -> Result<(), String> {
    loop {
        match ws.recv().await {
            Some(Ok(echo)) if echo == *sent => return Ok(()),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            Some(Ok(Message::Binary(echo))) => return Err(wrong(echo.len(), sent)),
            Some(Ok(Message::Text(echo))) => return Err(wrong(echo.len(), sent)),
            Some(Ok(other)) => {
                return Err(format!(
                    "unexpected message: {}",
                    crate::sio::clip(&format!("{other:?}"))
                ));
            }
            Some(Err(e)) => return Err(format!("receive: {e}")),
            None => return Err("connection closed by the server".to_owned()),
        }
    }
}

/// The description of an echo of `len` bytes that is not `sent`.
fn wrong(len: usize, sent: &Message) -> String {
    let expected = match sent {
        Message::Binary(payload) => payload.len(),
        Message::Text(text) => text.len(),
        _ => 0,
    };
    format!("wrong echo: {len} bytes, expected a message of {expected}")
}
