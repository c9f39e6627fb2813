//! `sio-polling-broadcast`: `sio-broadcast` with its N receivers on the HTTP long-polling
//! transport only (no upgrade). Each receiver keeps one `GET` waiting; the server answers it
//! with every packet it holds for the session, separated by 0x1e, and each `bcast` among them
//! counts as one delivery. The few senders are WebSocket clients, as in `sio-broadcast`.

use std::sync::Arc;

use crate::args::Options;
use crate::conn;
use crate::phase::{Phase, STOP};
use crate::polling::Session;
use crate::report::{self, Tally};
use crate::sio;
use crate::sio_broadcast::{self, Fanout, RECEIVER_POLL, Wire};

/// The scenario's name in the result line.
const SCENARIO: &str = "sio-polling-broadcast";

/// Runs the scenario and returns its JSON line.
pub async fn run(options: &Options) -> String {
    let host = options.host.clone();
    let port = options.port;
    let (receivers, failed, connect_error) = conn::open_many(options.conns, |index| {
        let host = host.clone();
        async move { Session::open(&host, port, index).await }
    })
    .await;
    let first = options.conns;
    let (senders, failed_senders, sender_error) = conn::open_many(options.senders, |index| {
        let host = host.clone();
        async move { sio::open(&host, port, first + index).await }
    })
    .await;
    if receivers.is_empty() || senders.is_empty() {
        let error = connect_error.or(sender_error);
        return report::failure(SCENARIO, error.as_deref().unwrap_or("no connection"));
    }
    let connects = (failed + failed_senders, connect_error.or(sender_error));
    let wire = Wire::Json;
    sio_broadcast::drive(
        options,
        wire,
        SCENARIO,
        receivers,
        receive_loop,
        senders,
        connects,
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
