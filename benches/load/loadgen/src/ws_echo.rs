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
        let payload = &self.0;
        ws.send(Message::Binary(payload.clone()))
            .await
            .map_err(|e| format!("send: {e}"))?;
        loop {
            match ws.recv().await {
                Some(Ok(Message::Binary(echo))) if echo == *payload => return Ok(()),
                Some(Ok(Message::Binary(echo))) => {
                    return Err(format!(
                        "wrong echo: {} bytes, expected {}",
                        echo.len(),
                        payload.len()
                    ));
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
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
}
