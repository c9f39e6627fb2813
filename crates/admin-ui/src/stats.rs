//! `server_stats`: this server's figures, emitted into the admin namespace at a fixed
//! interval, with the Engine.IO activity since the previous emission (`aggregatedEvents`).

use std::time::{Duration, Instant, SystemTime};

use event_proto::Value;
use wsio_server::{EngineStats, Namespace, Server, ServerStats};

use crate::live::emit;
use crate::wire::{object, second_millis};

/// The Engine.IO close reasons, in the order of [`EngineStats::sessions_closed`].
const CLOSE_REASONS: [&str; 6] = [
    "transport close",
    "transport error",
    "ping timeout",
    "parse error",
    "forced close",
    "server shutting down",
];

/// Who this server is, in every `server_stats`.
#[derive(Debug, Clone)]
pub(crate) struct Identity {
    pub(crate) server_id: String,
    pub(crate) hostname: String,
    pub(crate) pid: u32,
}

/// Emits `server_stats` now and then every `interval`, forever.
pub(crate) async fn run(io: Server, admin: Namespace, identity: Identity, interval: Duration) {
    let started = Instant::now();
    let mut previous = EngineStats::default();
    let mut first = true;
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        let stats = io.stats();
        // The first emission reports no activity: what happened before is no news.
        if first {
            previous = stats.engine.clone();
            first = false;
        }
        let events = aggregated_events(&previous, &stats.engine, SystemTime::now());
        previous = stats.engine.clone();
        let uptime = started.elapsed().as_secs_f64();
        emit(
            &admin,
            "server_stats",
            &(server_stats(&identity, uptime, &stats, events),),
        )
        .await;
    }
}

/// The `server_stats` object.
fn server_stats(identity: &Identity, uptime: f64, stats: &ServerStats, events: Value) -> Value {
    let engine = &stats.engine;
    let namespaces = stats
        .namespaces
        .iter()
        .map(|ns| {
            object(vec![
                ("name", Value::from(ns.name.as_str())),
                ("socketsCount", Value::from(ns.sockets)),
            ])
        })
        .collect();
    object(vec![
        ("serverId", Value::from(identity.server_id.as_str())),
        ("hostname", Value::from(identity.hostname.as_str())),
        ("pid", Value::from(identity.pid)),
        ("uptime", Value::from(uptime)),
        // Every live session, whatever its transport (Node's `engine.clientsCount`).
        (
            "clientsCount",
            Value::from(
                engine.sessions_polling + engine.sessions_websocket + engine.sessions_webtransport,
            ),
        ),
        ("pollingClientsCount", Value::from(engine.sessions_polling)),
        ("aggregatedEvents", events),
        ("namespaces", Value::Array(namespaces)),
    ])
}

/// What the engine did between `before` and `now`, as the UI's aggregated events
/// (`{timestamp, type, subType?, count}`), stamped with the current second.
fn aggregated_events(before: &EngineStats, now: &EngineStats, at: SystemTime) -> Value {
    let timestamp = Value::from(second_millis(at));
    let mut events = Vec::new();
    let mut push = |kind: &str, sub_type: Option<&str>, count: u64| {
        if count == 0 {
            return;
        }
        let mut fields = vec![
            ("timestamp", timestamp.clone()),
            ("type", Value::from(kind)),
        ];
        if let Some(sub_type) = sub_type {
            fields.push(("subType", Value::from(sub_type)));
        }
        fields.push(("count", Value::from(count)));
        events.push(object(fields));
    };
    let delta = |a: u64, b: u64| b.saturating_sub(a);
    push(
        "rawConnection",
        None,
        delta(before.sessions_opened, now.sessions_opened),
    );
    for (i, reason) in CLOSE_REASONS.iter().enumerate() {
        let count = delta(before.sessions_closed[i], now.sessions_closed[i]);
        push("rawDisconnection", Some(reason), count);
    }
    push("packetsIn", None, delta(before.packets_in, now.packets_in));
    push(
        "packetsOut",
        None,
        delta(before.packets_out, now.packets_out),
    );
    push("bytesIn", None, delta(before.bytes_in, now.bytes_in));
    push("bytesOut", None, delta(before.bytes_out, now.bytes_out));
    Value::Array(events)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    #[test]
    fn clients_are_counted_on_every_transport_and_polling_ones_apart() {
        let identity = Identity {
            server_id: "s".into(),
            hostname: "h".into(),
            pid: 1,
        };
        let mut stats = ServerStats::default();
        stats.engine.sessions_polling = 1;
        stats.engine.sessions_websocket = 2;
        stats.engine.sessions_webtransport = 4;
        let value = server_stats(&identity, 0.0, &stats, Value::Array(Vec::new()));
        assert_eq!(value.get("clientsCount"), Some(&Value::from(7usize)));
        assert_eq!(value.get("pollingClientsCount"), Some(&Value::from(1usize)));
    }

    #[test]
    fn aggregated_events_are_the_differences_stamped_with_the_second() {
        let mut before = EngineStats::default();
        before.sessions_opened = 3;
        before.packets_in = 10;
        before.bytes_in = 100;
        let mut now = before.clone();
        now.sessions_opened = 5;
        now.sessions_closed[2] = 1;
        now.packets_in = 12;
        now.bytes_in = 130;
        let at = UNIX_EPOCH + Duration::from_millis(1_700_000_000_456);
        let events = aggregated_events(&before, &now, at);
        let expected = |kind: &str, sub: Option<&str>, count: u64| {
            let mut fields = vec![
                ("timestamp", Value::from(1_700_000_000_000u64)),
                ("type", Value::from(kind)),
            ];
            if let Some(sub) = sub {
                fields.push(("subType", Value::from(sub)));
            }
            fields.push(("count", Value::from(count)));
            object(fields)
        };
        assert_eq!(
            events,
            Value::Array(vec![
                expected("rawConnection", None, 2),
                expected("rawDisconnection", Some("ping timeout"), 1),
                expected("packetsIn", None, 2),
                expected("bytesIn", None, 30),
            ])
        );
    }
}
