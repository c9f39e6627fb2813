//! `sio-polling-broadcast`: `sio-broadcast` with its N receivers on the HTTP long-polling
//! transport only (no upgrade). Each receiver keeps one `GET` waiting; the server answers it
//! with every packet it holds for the session, separated by 0x1e, and each `bcast` among them
//! counts as one delivery. The few senders are WebSocket clients, as in `sio-broadcast`.

use std::sync::Arc;

use crate::args::Options;
use crate::phase::{Phase, STOP};
use crate::polling::Session;
use crate::report::Tally;
use crate::sio;
use crate::sio_broadcast::{self, Fanout, RECEIVER_POLL};

/// The scenario's name in the result line.
const SCENARIO: &str = "sio-polling-broadcast";

/// Runs the scenario and returns its JSON line.
pub async fn run(options: &Options) -> String {
    sio_broadcast::open_and_drive(
        options,
        SCENARIO,
        |host, port, index| async move { Session::open(&host, port, index).await },
        |host, port, index| async move { sio::open(&host, port, index).await },
        receive_loop,
    )
    .await
}

/// Polls until [`STOP`], counting every `bcast` of every body and answering pings. The `GET`
/// under way is kept across the looks at the phase, so none is abandoned before the end.
async fn receive_loop(mut session: Session, fanout: Arc<Fanout>, phase: Arc<Phase>) -> Tally {
    let mut tally = Tally::new();
    while phase.get() != STOP {
        let packets = {
            let poll = session.poll();
            tokio::pin!(poll);
            loop {
                match tokio::time::timeout(RECEIVER_POLL, &mut poll).await {
                    Ok(packets) => break Some(packets),
                    Err(_) if phase.get() == STOP => break None,
                    Err(_) => {}
                }
            }
        };
        let packets = match packets {
            None => break,
            Some(Ok(packets)) => packets,
            Some(Err(e)) => {
                tally.error(e);
                break;
            }
        };
        let mut pings = 0;
        for packet in &packets {
            match packet.as_str() {
                "2" => pings += 1,
                "6" => {}
                text => fanout.deliver_text(text, &phase, &mut tally),
            }
        }
        if let Err(e) = session.pong(pings).await {
            tally.error(e);
            break;
        }
    }
    tally
}
