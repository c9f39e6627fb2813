//! One connected session: heartbeat, received packets, outgoing packets, the transport
//! upgrade and the clean shutdown, until the connection ends.

use std::sync::Arc;
use std::time::Instant;

use event_proto::Parser;
use event_proto::engine::{Action, Role, Session, Transport};
use event_proto::socket::Packet;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::dispatch::{Dispatch, fire_connect_error};
use crate::engine::{Link, Probed, upgrade};
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

type Probe = JoinHandle<Result<Probed>>;

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
    let mut upgrades = link.upgrades().into_iter();
    let mut probe = Probing(None);
    probe.next(shared, &link, &mut upgrades);
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
                    Some(transport) => {
                        link.finish_upgrade(transport).await;
                        tracing::info!(sid = link.sid(), "upgraded to {}", link.kind.as_str());
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
            (transport, result) = probe.finished() => match result {
                Ok(Ok(ready)) => {
                    link.stop_polling_reader();
                    probed = Some(ready);
                }
                Ok(Err(e)) => {
                    tracing::info!(error = %e, "{} upgrade failed; staying on polling", transport.as_str());
                    link.resume_polling();
                    probe.next(shared, &link, &mut upgrades);
                }
                Err(e) => {
                    tracing::debug!(error = %e, "{} upgrade probe ended early; staying on polling", transport.as_str());
                    link.resume_polling();
                    probe.next(shared, &link, &mut upgrades);
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

/// The upgrade probe task and the transport it probes, if one runs; aborted when the
/// session ends first.
struct Probing(Option<(Transport, Probe)>);

impl Probing {
    /// Starts the probe of the next transport of `upgrades`, if any is left.
    fn next(
        &mut self,
        shared: &Arc<Shared>,
        link: &Link,
        upgrades: &mut impl Iterator<Item = Transport>,
    ) {
        self.0 = upgrades.next().map(|transport| {
            let sid = link.sid().to_owned();
            let probe = upgrade::probe(shared.clone(), sid, link.polling_pause(), transport);
            (transport, tokio::spawn(probe))
        });
    }

    /// Awaits the task if there is one (then forgets it), else never resolves.
    async fn finished(&mut self) -> (Transport, Result<Result<Probed>, tokio::task::JoinError>) {
        let result = match &mut self.0 {
            Some((transport, task)) => (*transport, task.await),
            None => std::future::pending().await,
        };
        self.0 = None;
        result
    }
}

impl Drop for Probing {
    fn drop(&mut self) {
        if let Some((_, task)) = self.0.take() {
            task.abort();
        }
    }
}
