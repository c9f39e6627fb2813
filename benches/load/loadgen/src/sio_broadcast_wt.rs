//! `sio-broadcast-wt`: `sio-broadcast` with its N receivers on WebTransport, each on an HTTP/3
//! session of its own; every `bcast` packet read from a receiver's stream is one delivery. The
//! few senders are WebTransport clients too (the server speaks TLS on TCP).

use std::sync::Arc;

use crate::args::Options;
use crate::phase::{Phase, STOP};
use crate::report::Tally;
use crate::sio_broadcast::{self, Fanout, RECEIVER_POLL, Sender, Wire};
use crate::wt::Wt;

/// The scenario's name in the result line.
const SCENARIO: &str = "sio-broadcast-wt";

/// Runs the scenario and returns its JSON line.
pub async fn run(options: &Options) -> String {
    let open = |host: String, port, index| async move { Wt::open(&host, port, index).await };
    sio_broadcast::open_and_drive(options, SCENARIO, open, open, receive_loop).await
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
