//! `sio-polling-echo`: N Socket.IO sessions on the HTTP long-polling transport only (no
//! upgrade), one `42["echo","<payload>"]` in flight on each: `POST`ed while a `GET` waits for
//! the server's `42["echo","<payload>"]`, which must come back unchanged.

use crate::args::Options;
use crate::echo::{self, Exchange};
use crate::polling::Session;
use crate::sio_echo::packet;

/// Runs the scenario and returns its JSON line.
pub async fn run(options: &Options) -> String {
    let host = options.host.clone();
    let port = options.port;
    let open = |index| {
        let host = host.clone();
        async move { Session::open(&host, port, index).await }
    };
    echo::run(options, "sio-polling-echo", open, |index| {
        PollingEcho(packet(index, options.size))
    })
    .await
}

/// An `echo` event over long-polling, answered by an `echo` event with the same argument.
struct PollingEcho(String);

impl Exchange<Session> for PollingEcho {
    async fn trip(&self, session: &mut Session) -> Result<(), String> {
        session.echo(&self.0).await
    }
}
