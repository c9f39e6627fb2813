//! `wsio serve --metrics-path /metrics`: the server's [`ServerStats`] in the Prometheus text
//! format, built with `prometheus-client` (the Prometheus project's own Rust client: its
//! encoder writes the exposition format, names, types, `_total` suffixes and escaping as
//! Prometheus reads them, so none of that is written by hand here).
//!
//! Every scrape takes a fresh snapshot with [`Server::stats`](wsio_server::Server::stats),
//! so nothing is counted twice and no metric state lives outside the server. An application
//! of its own can do the same: call `stats()` where its metrics are collected.

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use wsio_engine::CloseReason;
use wsio_server::ServerStats;

/// Labels of one series.
type Labels = Vec<(&'static str, String)>;

/// The snapshot `stats` as Prometheus text, metric names prefixed `wsio_`.
pub fn render(stats: &ServerStats) -> String {
    let engine = &stats.engine;
    let mut registry = Registry::with_prefix("wsio");

    let sessions = Family::<Labels, Gauge>::default();
    for (transport, count) in [
        ("polling", engine.sessions_polling),
        ("websocket", engine.sessions_websocket),
    ] {
        sessions
            .get_or_create(&vec![("transport", transport.to_owned())])
            .set(gauge(count));
    }
    registry.register(
        "sessions",
        "Live Engine.IO sessions, by transport",
        sessions,
    );

    let sockets = Family::<Labels, Gauge>::default();
    for ns in &stats.namespaces {
        sockets
            .get_or_create(&vec![("namespace", ns.name.clone())])
            .set(gauge(ns.sockets));
    }
    registry.register(
        "sockets",
        "Sockets connected on this server, by namespace",
        sockets,
    );

    let closed = Family::<Labels, Counter>::default();
    for reason in [
        CloseReason::TransportClose,
        CloseReason::TransportError,
        CloseReason::PingTimeout,
        CloseReason::ParseError,
        CloseReason::ForcedClose,
        CloseReason::ServerShuttingDown,
    ] {
        closed
            .get_or_create(&vec![("reason", reason.as_str().to_owned())])
            .inc_by(engine.closed(reason));
    }
    registry.register(
        "sessions_closed",
        "Engine.IO sessions closed, by reason",
        closed,
    );

    for (name, help, value) in [
        (
            "sessions_opened",
            "Engine.IO sessions opened",
            engine.sessions_opened,
        ),
        (
            "upgrades",
            "Sessions moved from long-polling to WebSocket",
            engine.upgrades,
        ),
        (
            "requests_refused",
            "Requests to the Engine.IO path answered with an error",
            engine.requests_refused,
        ),
        (
            "slow_consumers",
            "Sessions closed because their outgoing queue was full",
            engine.slow_consumers,
        ),
        (
            "packets_received",
            "Engine.IO packets received",
            engine.packets_in,
        ),
        ("received_bytes", "Data bytes received", engine.bytes_in),
        (
            "packets_sent",
            "Engine.IO packets queued to be sent",
            engine.packets_out,
        ),
        (
            "sent_bytes",
            "Data bytes queued to be sent",
            engine.bytes_out,
        ),
        (
            "volatile_dropped",
            "Volatile packets dropped on a full queue",
            engine.volatile_dropped,
        ),
    ] {
        let counter = Counter::<u64>::default();
        counter.inc_by(value);
        registry.register(name, help, counter);
    }

    let mut text = String::new();
    // Writing into a String cannot fail.
    let _ = encode(&mut text, &registry);
    text
}

fn gauge(count: usize) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_figure_is_exposed_under_its_name() {
        let io = wsio_server::Server::new(wsio_server::Config::default());
        io.ns("/", |_socket| {});
        let text = render(&io.stats());
        for line in [
            "wsio_sessions{transport=\"polling\"} 0",
            "wsio_sessions{transport=\"websocket\"} 0",
            "wsio_sockets{namespace=\"/\"} 0",
            "wsio_sessions_closed_total{reason=\"ping timeout\"} 0",
            "wsio_sessions_opened_total 0",
            "wsio_sent_bytes_total 0",
        ] {
            assert!(text.lines().any(|l| l == line), "no {line:?} in\n{text}");
        }
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}
