//! One connected session: heartbeat, received packets, outgoing packets, the transport
//! upgrade and the clean shutdown, until the connection ends.

use std::sync::Arc;
use std::time::Instant;

use event_proto::Parser;
use event_proto::engine::{Action, Role, Session};
use event_proto::socket::Packet;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use wsio_ws::{MaybeTlsStream, WebSocket};

use crate::dispatch::{Dispatch, fire_connect_error};
use crate::engine::{Link, upgrade};
use crate::error::{Error, Result};
use crate::reason::{ConnectError, DisconnectReason};
use crate::socket::Socket;
use crate::state::{EngineInfo, Outgoing, Shared};

/// How a session ended.
pub(crate) enum End {
    /// The application disconnected the client.
    User,
    /// The connection was lost; an outgoing packet whose sending failed comes back to be
    /// buffered again.
    Lost(DisconnectReason, Vec<Outgoing>),
}

type Probe = JoinHandle<Result<WebSocket<MaybeTlsStream>>>;

/// Runs the session on `link` until it ends.
pub(crate) async fn run(
    shared: &Arc<Shared>,
    mut link: Link,
    outbox: &mut mpsc::Receiver<Outgoing>,
    shutdown: &mut watch::Receiver<bool>,
) -> End {
    let mut heartbeat = Session::from_handshake(Role::Client, &link.handshake, Instant::now());
    let mut dispatch = Dispatch::new(shared.clone());
    for ns in opened(shared, &link) {
        match shared.connect_packet(&ns) {
            Ok(out) => {
                if let Err(end) = send(&mut link, out).await {
                    return end;
                }
            }
            Err(e) => {
                let socket = Socket {
                    shared: shared.clone(),
                    ns: ns.as_str().into(),
                };
                let error = ConnectError {
                    message: e.to_string(),
                    data: None,
                };
                fire_connect_error(&socket, &error);
            }
        }
    }
    let mut probe = Probing(link.wants_upgrade().then(|| {
        let probe = upgrade::probe(shared.clone(), link.sid().to_owned(), link.polling_pause());
        tokio::spawn(probe)
    }));
    let mut probed = None;
    loop {
        if *shutdown.borrow() {
            close(shared, link, outbox).await;
            return End::User;
        }
        let deadline = heartbeat.poll_timeout().unwrap_or_else(Instant::now);
        tokio::select! {
            biased;
            _ = shutdown.changed() => {}
            item = link.inbound.recv() => match item {
                Some(Ok(packet)) => match heartbeat.handle_packet(Instant::now(), packet) {
                    Some(Action::Send(reply)) if link.send(reply.clone()).await.is_err() => {
                        return End::Lost(DisconnectReason::TransportError, Vec::new());
                    }
                    Some(Action::Deliver(message)) => {
                        let buffered = match dispatch.on_message(message) {
                            Ok(buffered) => buffered,
                            Err(reason) => return End::Lost(reason, Vec::new()),
                        };
                        if let Err(end) = send_all(&mut link, buffered).await {
                            return end;
                        }
                    }
                    Some(Action::Close(_)) => {
                        return End::Lost(DisconnectReason::TransportClose, Vec::new());
                    }
                    Some(Action::Send(_)) | None => {}
                },
                Some(Err(e)) => return End::Lost(reason_of(&e), Vec::new()),
                None => match probed.take() {
                    Some(ws) => {
                        link.finish_upgrade(ws).await;
                        tracing::info!(sid = link.sid(), "upgraded to websocket");
                        set_transport(shared, &link);
                    }
                    None => return End::Lost(DisconnectReason::TransportClose, Vec::new()),
                },
            },
            out = outbox.recv() => match out {
                Some(out) => {
                    if let Err(end) = send(&mut link, out).await {
                        return end;
                    }
                }
                None => return End::User,
            },
            result = probe.finished() => match result {
                Ok(Ok(ws)) => {
                    link.stop_polling_reader();
                    probed = Some(ws);
                }
                Ok(Err(e)) => {
                    tracing::info!(error = %e, "websocket upgrade failed; staying on polling");
                    link.resume_polling();
                }
                Err(e) => {
                    tracing::debug!(error = %e, "websocket upgrade probe ended early; staying on polling");
                    link.resume_polling();
                }
            },
            () = tokio::time::sleep_until(deadline.into()) => {
                if let Some(Action::Close(_)) = heartbeat.handle_timeout(Instant::now()) {
                    tracing::warn!("the server's pings stopped; leaving the connection");
                    return End::Lost(DisconnectReason::PingTimeout, Vec::new());
                }
            }
        }
    }
}

/// Sends every packet of `out`; on failure the connection is lost and `out` comes back.
async fn send(link: &mut Link, out: Outgoing) -> Result<(), End> {
    send_all(link, vec![out]).await
}

/// Sends `outs` in order; on failure the unsent ones (the failed one first) come back.
async fn send_all(link: &mut Link, outs: Vec<Outgoing>) -> Result<(), End> {
    let mut outs = outs.into_iter();
    while let Some(out) = outs.next() {
        for packet in &out.packets {
            if link.send(packet.clone()).await.is_err() {
                let unsent = std::iter::once(out).chain(outs).collect();
                return Err(End::Lost(DisconnectReason::TransportError, unsent));
            }
        }
    }
    Ok(())
}

/// Records the open session; returns the namespaces to join.
fn opened(shared: &Shared, link: &Link) -> Vec<String> {
    let wanted = {
        let mut state = shared.lock();
        state.engine = Some(EngineInfo {
            sid: link.sid().to_owned(),
            transport: link.kind,
        });
        state.names(|ns| ns.wanted)
    };
    shared.notify();
    wanted
}

fn set_transport(shared: &Shared, link: &Link) {
    if let Some(engine) = shared.lock().engine.as_mut() {
        engine.transport = link.kind;
    }
    shared.notify();
}

/// The clean shutdown: queued emits, a `DISCONNECT` per joined namespace, then the
/// transport's close.
async fn close(shared: &Shared, mut link: Link, outbox: &mut mpsc::Receiver<Outgoing>) {
    while let Ok(out) = outbox.try_recv() {
        if send(&mut link, out).await.is_err() {
            return;
        }
    }
    let joined = shared.lock().names(|ns| ns.connected);
    for ns in joined {
        if let Ok(encoded) = shared
            .config
            .parser
            .encode(&Packet::disconnect(ns.as_str()))
        {
            for packet in encoded.engine_packets() {
                if link.send(packet).await.is_err() {
                    return;
                }
            }
        }
    }
    link.close().await;
}

fn reason_of(error: &Error) -> DisconnectReason {
    match error {
        Error::Protocol(_) => DisconnectReason::ParseError,
        Error::TransportClosed => DisconnectReason::TransportClose,
        _ => DisconnectReason::TransportError,
    }
}

/// The upgrade probe task, if one runs; aborted when the session ends first.
struct Probing(Option<Probe>);

impl Probing {
    /// Awaits the task if there is one (then forgets it), else never resolves.
    async fn finished(
        &mut self,
    ) -> Result<Result<WebSocket<MaybeTlsStream>>, tokio::task::JoinError> {
        let result = match &mut self.0 {
            Some(task) => task.await,
            None => std::future::pending().await,
        };
        self.0 = None;
        result
    }
}

impl Drop for Probing {
    fn drop(&mut self) {
        if let Some(task) = self.0.take() {
            task.abort();
        }
    }
}
