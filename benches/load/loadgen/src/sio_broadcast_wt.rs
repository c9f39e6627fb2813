//! `sio-broadcast-wt`: `sio-broadcast` with its N receivers on WebTransport, each on an HTTP/3
//! session of its own; every `bcast` packet read from a receiver's stream is one delivery. The
//! few senders are WebTransport clients too (the server speaks TLS on TCP).

use std::sync::Arc;

use crate::args::Options;
use crate::conn;
use crate::phase::{Phase, STOP};
use crate::report::{self, Tally};
use crate::sio_broadcast::{self, Fanout, RECEIVER_POLL, Sender, Wire};
use crate::wt::Wt;

/// The scenario's name in the result line.
const SCENARIO: &str = "sio-broadcast-wt";

/// Runs the scenario and returns its JSON line.
pub async fn run(options: &Options) -> String {
    let host = options.host.clone();
    let port = options.port;
    let (receivers, failed, connect_error) = conn::open_many(options.conns, |index| {
        let host = host.clone();
        async move { Wt::open(&host, port, index).await }
    })
    .await;
    let first = options.conns;
    let (senders, failed_senders, sender_error) = conn::open_many(options.senders, |index| {
        let host = host.clone();
        async move { Wt::open(&host, port, first + index).await }
    })
    .await;
    if receivers.is_empty() || senders.is_empty() {
        let error = connect_error.or(sender_error);
        return report::failure(SCENARIO, error.as_deref().unwrap_or("no connection"));
    }
    let connects = (failed + failed_senders, connect_error.or(sender_error));
    sio_broadcast::drive(
        options,
        Wire::Json,
        SCENARIO,
        receivers,
        receive_loop,
        senders,
        connects,
    )
    .await
}

/// Reads `bcast` packets until [`STOP`] (pings are answered while reading). The read under
/// way is kept across the looks at the phase, so no packet is lost half-read.
async fn receive_loop(mut wt: Wt, fanout: Arc<Fanout>, phase: Arc<Phase>) -> Tally {
    let mut tally = Tally::new();
    while phase.get() != STOP {
        let text = {
            let next = wt.next_text();
            tokio::pin!(next);
            loop {
                match tokio::time::timeout(RECEIVER_POLL, &mut next).await {
                    Ok(text) => break Some(text),
                    Err(_) if phase.get() == STOP => break None,
                    Err(_) => {}
                }
            }
        };
        match text {
            None => break,
            Some(Ok(text)) => fanout.deliver_text(&text, &phase, &mut tally),
            Some(Err(e)) => {
                tally.error(e);
                break;
            }
        }
    }
    tally
}

impl Sender for Wt {
    async fn emit(&mut self, _wire: Wire, text: String) -> Result<(), String> {
        self.send_text(&format!(r#"42["broadcast","{text}"]"#))
            .await
    }

    async fn skip_one(&mut self) -> Result<(), String> {
        self.next_text().await.map(drop)
    }
}
