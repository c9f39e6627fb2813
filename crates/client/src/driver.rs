//! The driver task: opens the connection, runs sessions, and reconnects with backoff until
//! the application disconnects or the attempts run out.

use std::sync::Arc;

use tokio::sync::mpsc;
use tracing::{debug, info, warn};

use crate::dispatch::{fire_connect_error, fire_disconnect};
use crate::engine;
use crate::reason::{ConnectError, DisconnectReason};
use crate::reconnect::Backoff;
use crate::session::{self, End};
use crate::socket::Socket;
use crate::state::{Kind, Outgoing, Shared};

/// Runs the client until it is closed.
pub(crate) async fn run(shared: Arc<Shared>, mut outbox: mpsc::Receiver<Outgoing>) {
    let mut shutdown = shared.shutdown.subscribe();
    let policy = shared.config.reconnection.clone();
    let mut backoff = Backoff::new(policy.clone());
    loop {
        if *shutdown.borrow() {
            break;
        }
        let attempt = backoff.attempts();
        debug!(attempt, transports = ?shared.config.transports, "connecting");
        if attempt > 0 {
            let callbacks = shared.lock().callbacks.reconnect_attempt.clone();
            callbacks.iter().for_each(|f| f(attempt));
        }
        let opening = tokio::time::timeout(shared.config.connect_timeout, engine::open(&shared));
        let opened = tokio::select! {
            opened = opening => opened,
            _ = shutdown.changed() => break,
        };
        match opened {
            Ok(Ok(link)) => {
                info!(
                    sid = link.sid(),
                    transport = link.kind.as_str(),
                    attempt,
                    "connected"
                );
                backoff.reset();
                if attempt > 0 {
                    let callbacks = shared.lock().callbacks.reconnect.clone();
                    callbacks.iter().for_each(|f| f(attempt));
                }
                match session::run(&shared, link, &mut outbox, &mut shutdown).await {
                    End::User => {
                        closed(
                            &shared,
                            DisconnectReason::IoClientDisconnect,
                            Vec::new(),
                            &mut outbox,
                        );
                        break;
                    }
                    End::Lost(reason, failed) => {
                        info!(reason = reason.as_str(), "connection lost");
                        closed(&shared, reason, failed, &mut outbox);
                    }
                }
            }
            Ok(Err(e)) => {
                info!(attempt, error = %e, "connection attempt failed");
                failed_attempt(&shared, e.to_string());
            }
            Err(_) => {
                info!(attempt, timeout = ?shared.config.connect_timeout, "connection attempt timed out");
                failed_attempt(&shared, "connection timed out".to_owned());
            }
        }
        if !policy.enabled {
            break;
        }
        if backoff.exhausted() {
            warn!(
                attempts = backoff.attempts(),
                "reconnection attempts exhausted; giving up"
            );
            let callbacks = shared.lock().callbacks.reconnect_failed.clone();
            callbacks.iter().for_each(|f| f());
            break;
        }
        let delay = backoff.next_delay();
        debug!(
            ?delay,
            attempt = backoff.attempts(),
            "reconnecting after a delay"
        );
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            _ = shutdown.changed() => break,
        }
    }
    debug!("client closed");
    {
        let mut state = shared.lock();
        state.closed = true;
        state.engine = None;
        for ns in state.namespaces.values_mut() {
            ns.connected = false;
            ns.buffer.clear();
            ns.early.clear();
            ns.acks.clear();
        }
    }
    shared.notify();
}

/// The connection ended: every joined namespace is left with `reason`, and the events that
/// were still queued for the transport go back to their namespace's buffer, oldest first.
fn closed(
    shared: &Arc<Shared>,
    reason: DisconnectReason,
    failed: Vec<Outgoing>,
    outbox: &mut mpsc::Receiver<Outgoing>,
) {
    let left: Vec<String> = {
        let mut state = shared.lock();
        state.engine = None;
        for ns in state.namespaces.values_mut() {
            // Replayed events whose join never completed: the next recovery replays them.
            ns.early.clear();
        }
        let left = state
            .namespaces
            .iter_mut()
            .filter(|(_, ns)| ns.connected)
            .map(|(name, ns)| {
                ns.connected = false;
                name.clone()
            })
            .collect();
        let pending = failed
            .into_iter()
            .chain(std::iter::from_fn(|| outbox.try_recv().ok()));
        for out in pending {
            if out.kind != Kind::Event {
                continue;
            }
            if let Some(ns) = state.namespaces.get_mut(out.ns.as_str())
                && ns.wanted
            {
                ns.buffer.push_back(out);
            }
        }
        left
    };
    shared.notify();
    for ns in left {
        let socket = Socket {
            shared: shared.clone(),
            ns: ns.as_str().into(),
        };
        fire_disconnect(&socket, reason);
    }
}

/// A connection attempt failed: every wanted namespace hears about it.
fn failed_attempt(shared: &Arc<Shared>, message: String) {
    let wanted = shared.lock().names(|ns| ns.wanted);
    let error = ConnectError {
        message,
        data: None,
    };
    for ns in wanted {
        let socket = Socket {
            shared: shared.clone(),
            ns: ns.as_str().into(),
        };
        fire_connect_error(&socket, &error);
    }
}
