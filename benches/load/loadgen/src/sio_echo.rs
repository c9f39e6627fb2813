//! `sio-echo`: N Socket.IO sockets, one `42["echo","<payload>"]` in flight on each; the
//! server's `42["echo","<payload>"]` must come back unchanged.

use crate::args::Options;
use crate::conn::Ws;
use crate::echo::{self, Exchange};
use crate::sio;

/// Runs the scenario and returns its JSON line.
pub async fn run(options: &Options) -> String {
    let host = options.host.clone();
    let port = options.port;
    let open = |index| {
        let host = host.clone();
        async move { sio::open(&host, port, index).await }
    };
    echo::run(options, "sio-echo", open, |index| {
        SioEcho(packet(index, options.size))
    })
    .await
}

/// `42["echo","<payload>"]` with `size` letters that differ per socket (no JSON escapes, so
/// the server's re-encoding is byte-identical).
pub fn packet(index: usize, size: usize) -> String {
    format!(r#"42["echo","{}"]"#, sio::payload(index, size))
}

/// An `echo` event, answered by an `echo` event with the same argument.
struct SioEcho(String);

impl Exchange<Ws> for SioEcho {
    async fn trip(&self, ws: &mut Ws) -> Result<(), String> {
        ws.send(self.0.clone())
            .await
            .map_err(|e| format!("send: {e}"))?;
        let answer = sio::next_text(ws).await?;
        if answer == self.0 {
            Ok(())
        } else {
            Err(format!("wrong echo: {}", sio::clip(&answer)))
        }
    }
}
