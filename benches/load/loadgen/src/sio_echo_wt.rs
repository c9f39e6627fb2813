//! `sio-echo` over WebTransport: N Socket.IO sessions, each on its own WebTransport session
//! (HTTP/3 over QUIC), one `42["echo","<payload>"]` in flight on each; the server's
//! `42["echo","<payload>"]` must come back unchanged.

use crate::args::Options;
use crate::echo::{self, Exchange};
use crate::sio::clip;
use crate::sio_echo::packet;
use crate::wt::Wt;

/// Runs the scenario and returns its JSON line.
pub async fn run(options: &Options) -> String {
    let host = options.host.clone();
    let port = options.port;
    let open = |index| {
        let host = host.clone();
        async move { Wt::open(&host, port, index).await }
    };
    echo::run(options, "sio-echo-wt", open, |index| {
        WtEcho(packet(index, options.size))
    })
    .await
}

/// An `echo` event over WebTransport, answered by an `echo` event with the same argument.
struct WtEcho(String);

impl Exchange<Wt> for WtEcho {
    async fn trip(&self, wt: &mut Wt) -> Result<(), String> {
        wt.send_text(&self.0).await?;
        let answer = wt.next_text().await?;
        if answer == self.0 {
            Ok(())
        } else {
            Err(format!("wrong echo: {}", clip(&answer)))
        }
    }
}
