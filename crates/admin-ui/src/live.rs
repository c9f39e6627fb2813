//! The live events of development mode: what the observed adapters report, turned into the
//! admin namespace's `room_joined`, `room_left`, `socket_connected`, `socket_updated`,
//! `socket_disconnected`, `event_received` and `event_sent`.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use event_proto::Value;
use tokio::sync::mpsc;
use wsio_server::engine::Sid;
use wsio_server::{DisconnectReason, Namespace, RemoteSocket, Server, Socket};

use crate::observer::Report;
use crate::wire::{describe_socket, iso8601, object, store_admin_data, user_data};

/// A socket of this server the UI was told about, watched for changes of transport and data
/// (its data without `_admin`).
struct Tracked {
    socket: Socket,
    transport: &'static str,
    data: Value,
}

/// Turns reports into admin events until every sender is gone. Every `poll` it also looks
/// for sockets whose transport (an upgrade to WebSocket) or data changed.
pub(crate) async fn run(
    io: Server,
    admin: Namespace,
    mut reports: mpsc::Receiver<Report>,
    tx: mpsc::WeakSender<Report>,
    poll: Duration,
) {
    let mut tracked: HashMap<(Arc<str>, Sid), Tracked> = HashMap::new();
    let mut ticker = tokio::time::interval(poll);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            report = reports.recv() => match report {
                Some(report) => handle(&io, &admin, &tx, &mut tracked, report).await,
                None => return,
            },
            _ = ticker.tick() => poll_changes(&admin, &mut tracked).await,
        }
    }
}

async fn handle(
    io: &Server,
    admin: &Namespace,
    tx: &mpsc::WeakSender<Report>,
    tracked: &mut HashMap<(Arc<str>, Sid), Tracked>,
    report: Report,
) {
    match report {
        Report::Joined {
            ns,
            sid,
            rooms,
            connected,
            at,
        } => {
            let date = iso8601(at);
            for room in &rooms {
                emit(admin, "room_joined", &(&*ns, room, sid.as_str(), &date)).await;
            }
            if !connected {
                return;
            }
            let Some(remote) = find_local(io, &ns, &sid).await else {
                return;
            };
            let Some(socket) = remote.local().cloned() else {
                return;
            };
            store_admin_data(&socket);
            let description = describe_socket(&remote, &ns, Some(&rooms));
            emit(admin, "socket_connected", &(description, &date)).await;
            watch_disconnect(&socket, &ns, tx);
            if *ns != *admin.name() {
                watch_events(&socket, &ns, tx);
            }
            tracked.insert(
                (ns, sid),
                Tracked {
                    transport: socket.transport().as_str(),
                    data: user_data(&socket.data_value()),
                    socket,
                },
            );
        }
        Report::Left { ns, sid, rooms, at } => {
            let date = iso8601(at);
            for room in &rooms {
                emit(admin, "room_left", &(&*ns, room, sid.as_str(), &date)).await;
            }
        }
        Report::Sent { ns, sid, data, at } => {
            let args = (&*ns, sid.as_str(), Value::Array(data), iso8601(at));
            emit(admin, "event_sent", &args).await;
        }
        Report::Received { ns, sid, data, at } => {
            let args = (&*ns, sid.as_str(), Value::Array(data), iso8601(at));
            emit(admin, "event_received", &args).await;
        }
        Report::Disconnected {
            ns,
            sid,
            reason,
            at,
        } => {
            let args = (&*ns, sid.as_str(), reason, iso8601(at));
            emit(admin, "socket_disconnected", &args).await;
            tracked.remove(&(ns, sid));
        }
    }
}

/// Reports `socket`'s departure, with its reason, once: from its disconnect hook, or at once
/// when it left before the hook was in place.
fn watch_disconnect(socket: &Socket, ns: &Arc<str>, tx: &mpsc::WeakSender<Report>) {
    let reported = Arc::new(AtomicBool::new(false));
    let send = {
        let (ns, sid, tx, reported) = (ns.clone(), socket.id().clone(), tx.clone(), reported);
        move |reason: DisconnectReason| {
            if reported.swap(true, Ordering::AcqRel) {
                return;
            }
            let Some(tx) = tx.upgrade() else { return };
            let report = Report::Disconnected {
                ns,
                sid,
                reason: reason.as_str(),
                at: SystemTime::now(),
            };
            if let Err(e) = tx.try_send(report) {
                tracing::debug!(error = %e, "admin UI report dropped");
            }
        }
    };
    let hook = send.clone();
    socket.on_disconnect(move |_socket: Socket, reason: DisconnectReason| hook(reason));
    if !socket.connected() {
        send(DisconnectReason::TransportClose);
    }
}

/// Reports every event `socket` sends, through a catch-all listener added next to the
/// application's own (`Socket::on_any` adds, it does not replace).
fn watch_events(socket: &Socket, ns: &Arc<str>, tx: &mpsc::WeakSender<Report>) {
    let (ns, tx) = (ns.clone(), tx.clone());
    socket.on_any(move |socket: Socket, event: String, args: Vec<Value>| {
        let Some(tx) = tx.upgrade() else { return };
        let mut data = Vec::with_capacity(args.len() + 1);
        data.push(Value::from(event));
        data.extend(args);
        let report = Report::Received {
            ns: ns.clone(),
            sid: socket.id().clone(),
            data,
            at: SystemTime::now(),
        };
        if let Err(e) = tx.try_send(report) {
            tracing::debug!(error = %e, "admin UI report dropped");
        }
    });
}

/// Socket `sid` of namespace `ns` on this server. Its adapter reports the socket's first
/// join just before the namespace registers it, so the lookup waits a little for that.
async fn find_local(io: &Server, ns: &str, sid: &Sid) -> Option<RemoteSocket> {
    let namespace = io.of(ns)?;
    for attempt in 0..50 {
        if let Ok(found) = namespace.local().to(sid).fetch_sockets().await
            && let Some(remote) = found.into_iter().find(|r| r.local().is_some())
        {
            return Some(remote);
        }
        if attempt < 10 {
            tokio::task::yield_now().await;
        } else {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
    None
}

/// Emits `socket_updated` for every watched socket whose transport or data changed, and
/// keeps `_admin` in each one's data current (the application may have replaced the data).
/// Sockets that left are forgotten here too, in case their departure report was dropped.
async fn poll_changes(admin: &Namespace, tracked: &mut HashMap<(Arc<str>, Sid), Tracked>) {
    tracked.retain(|_, watched| watched.socket.connected());
    let mut updates = Vec::new();
    for ((ns, sid), watched) in tracked.iter_mut() {
        store_admin_data(&watched.socket);
        let transport = watched.socket.transport().as_str();
        if transport != watched.transport {
            watched.transport = transport;
            updates.push(object(vec![
                ("id", Value::from(sid.as_str())),
                ("nsp", Value::from(&**ns)),
                ("transport", Value::from(transport)),
            ]));
        }
        let data = user_data(&watched.socket.data_value());
        if data != watched.data {
            updates.push(object(vec![
                ("id", Value::from(sid.as_str())),
                ("nsp", Value::from(&**ns)),
                ("data", data.clone()),
            ]));
            watched.data = data;
        }
    }
    for update in updates {
        emit(admin, "socket_updated", &(update,)).await;
    }
}

/// Emits `event` with `args` to every admin socket of the cluster.
pub(crate) async fn emit<T: serde::Serialize + ?Sized>(admin: &Namespace, event: &str, args: &T) {
    if let Err(e) = admin.emit(event, args).await {
        tracing::debug!(event, error = %e, "admin UI emit failed");
    }
}
