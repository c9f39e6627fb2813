//! The server's figures in the Prometheus text format (feature `prometheus`): [`render`] writes
//! a [`ServerStats`] snapshot as a scrape, for an application to serve on a route of its own
//! (`wsio serve --metrics-path` serves the same).
//!
//! It is built with `prometheus-client`, the Prometheus project's own Rust client: its encoder
//! writes the exposition format, names, types, `_total` suffixes and escaping as Prometheus
//! reads them. Every call renders a fresh snapshot, so nothing is counted twice and no metric
//! state lives outside the server.

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use wsio_engine::{CloseReason, RefusalReason};

use crate::stats::{NamespaceStats, ServerStats};

/// Labels of one series.
type Labels = Vec<(&'static str, String)>;

/// A metric by namespace: its name, its help text, and its value in a namespace (`None`
/// where not known, and then not written).
type NsMetric = (
    &'static str,
    &'static str,
    fn(&NamespaceStats) -> Option<u64>,
);

/// The snapshot `stats` (from [`Server::stats`](crate::Server::stats)) in the Prometheus text
/// format (OpenMetrics flavour, ending `# EOF`), every metric name prefixed `wsio_`:
///
/// * gauges: `wsio_sessions{transport}` (live Engine.IO sessions), and by namespace
///   `wsio_sockets`, `wsio_rooms`, `wsio_acks_pending`;
/// * counters by namespace: `wsio_events_received_total`, `wsio_events_emitted_total`,
///   `wsio_broadcasts_total`, `wsio_acks_timed_out_total`, `wsio_middleware_refusals_total`,
///   and, for an adapter spanning several servers, `wsio_adapter_reconnects_total` and
///   `wsio_adapter_request_timeouts_total`;
/// * Engine.IO counters: `wsio_sessions_closed_total{reason}`,
///   `wsio_requests_refused_total{reason}`, `wsio_sessions_opened_total`,
///   `wsio_upgrades_total`, `wsio_websockets_over_http2_total`, `wsio_slow_consumers_total`,
///   `wsio_packets_received_total`, `wsio_received_bytes_total`, `wsio_packets_sent_total`,
///   `wsio_sent_bytes_total`, `wsio_volatile_dropped_total`, and
///   `wsio_unknown_namespace_refusals_total`.
///
/// Serve it as `application/openmetrics-text; version=1.0.0; charset=utf-8`. Rendering takes
/// a few microseconds per namespace, so a scrape every few seconds costs nothing noticeable.
///
/// A `/metrics` route in an axum application (`examples/axum.rs` serves one):
///
/// ```
/// use axum::extract::State;
/// use axum::http::header;
/// use axum::response::IntoResponse;
/// use axum::routing::get;
/// use wsio_server::{Config, Server, metrics};
///
/// async fn scrape(State(io): State<Server>) -> impl IntoResponse {
///     let text = metrics::render(&io.stats());
///     ([(header::CONTENT_TYPE, metrics::CONTENT_TYPE)], text)
/// }
///
/// let io = Server::new(Config::default());
/// io.ns("/", |_socket| {});
/// let app: axum::Router = axum::Router::new()
///     .route("/metrics", get(scrape))
///     .with_state(io.clone());
/// # drop(app);
///
/// let text = metrics::render(&io.stats());
/// assert!(text.contains("wsio_sockets{namespace=\"/\"} 0"));
/// assert!(text.contains("wsio_sessions_opened_total 0"));
/// assert!(text.ends_with("# EOF\n"));
/// ```
pub fn render(stats: &ServerStats) -> String {
    let engine = &stats.engine;
    let mut registry = Registry::with_prefix("wsio");

    let sessions = Family::<Labels, Gauge>::default();
    for (transport, count) in [
        ("polling", engine.sessions_polling),
        ("websocket", engine.sessions_websocket),
        ("webtransport", engine.sessions_webtransport),
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

    let namespaces = &stats.namespaces;
    let ns_gauges: [NsMetric; 3] = [
        (
            "sockets",
            "Sockets connected on this server, by namespace",
            |ns| u64::try_from(ns.sockets).ok(),
        ),
        (
            "rooms",
            "Rooms with at least one member on this server, by namespace (each socket's own room not counted)",
            |ns| ns.rooms.and_then(|rooms| u64::try_from(rooms).ok()),
        ),
        (
            "acks_pending",
            "Acknowledgements being waited for, by namespace",
            |ns| Some(ns.acks_pending),
        ),
    ];
    for (name, help, value) in ns_gauges {
        let family = Family::<Labels, Gauge>::default();
        for (labels, value) in by_namespace(namespaces, value) {
            family.get_or_create(&labels).set(gauge(value));
        }
        registry.register(name, help, family);
    }
    let ns_counters: [NsMetric; 7] = [
        (
            "events_received",
            "Socket.IO events received from clients, by namespace",
            |ns| Some(ns.events_received),
        ),
        (
            "events_emitted",
            "Socket.IO events emitted by this server, a broadcast counting once, by namespace",
            |ns| Some(ns.events_emitted),
        ),
        (
            "broadcasts",
            "Broadcasts sent from this server, by namespace",
            |ns| Some(ns.broadcasts),
        ),
        (
            "acks_timed_out",
            "Acknowledgements that did not come in time, by namespace",
            |ns| Some(ns.acks_timed_out),
        ),
        (
            "middleware_refusals",
            "Connections to a namespace refused by one of its middlewares",
            |ns| Some(ns.middleware_refusals),
        ),
        (
            "adapter_reconnects",
            "Reconnections of the cluster adapter's connection (Redis subscriber), by namespace.",
            |ns| ns.adapter_reconnects,
        ),
        (
            "adapter_request_timeouts",
            "Requests to the other servers of the cluster that timed out before every answer came, by namespace",
            |ns| ns.adapter_request_timeouts,
        ),
    ];
    for (name, help, value) in ns_counters {
        let family = Family::<Labels, Counter>::default();
        for (labels, value) in by_namespace(namespaces, value) {
            family.get_or_create(&labels).inc_by(value);
        }
        registry.register(name, help, family);
    }

    registry.register(
        "sessions_closed",
        "Engine.IO sessions closed, by reason",
        by_reason(CloseReason::ALL, CloseReason::as_str, |reason| {
            engine.closed(reason)
        }),
    );
    registry.register(
        "requests_refused",
        "Requests to the Engine.IO path answered with an error, by reason",
        by_reason(RefusalReason::ALL, RefusalReason::as_str, |reason| {
            engine.refused(reason)
        }),
    );

    for (name, help, value) in [
        (
            "sessions_opened",
            "Engine.IO sessions opened",
            engine.sessions_opened,
        ),
        (
            "upgrades",
            "Sessions moved from long-polling to WebSocket or WebTransport",
            engine.upgrades,
        ),
        (
            "websockets_over_http2",
            "WebSockets accepted as streams of HTTP/2 connections (RFC 8441)",
            engine.websockets_over_http2,
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
        (
            // Not by namespace: the names come from clients.
            "unknown_namespace_refusals",
            "Connections refused because no namespace has the name asked for",
            stats.unknown_namespace_refusals,
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

/// The `Content-Type` of what [`render`] writes (the OpenMetrics text format, which
/// Prometheus reads).
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

fn gauge(count: impl TryInto<i64>) -> i64 {
    count.try_into().unwrap_or(i64::MAX)
}

/// A counter family with one series per reason, labelled `reason`.
fn by_reason<R: Copy>(
    reasons: impl IntoIterator<Item = R>,
    name: fn(R) -> &'static str,
    count: impl Fn(R) -> u64,
) -> Family<Labels, Counter> {
    let family = Family::<Labels, Counter>::default();
    for reason in reasons {
        family
            .get_or_create(&vec![("reason", name(reason).to_owned())])
            .inc_by(count(reason));
    }
    family
}

/// The `namespace` label and `value` of each namespace for which `value` is known.
fn by_namespace(
    namespaces: &[NamespaceStats],
    value: fn(&NamespaceStats) -> Option<u64>,
) -> impl Iterator<Item = (Labels, u64)> + '_ {
    namespaces.iter().filter_map(move |ns| {
        let labels = vec![("namespace", ns.name.clone())];
        Some((labels, value(ns)?))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_figure_is_exposed_under_its_name() {
        let io = crate::Server::new(crate::Config::default());
        io.ns("/", |_socket| {});
        let text = render(&io.stats());
        for line in [
            "wsio_sessions{transport=\"polling\"} 0",
            "wsio_sessions{transport=\"websocket\"} 0",
            "wsio_sockets{namespace=\"/\"} 0",
            "wsio_sessions_closed_total{reason=\"ping timeout\"} 0",
            "wsio_sessions_opened_total 0",
            "wsio_requests_refused_total{reason=\"unknown sid\"} 0",
            "wsio_requests_refused_total{reason=\"payload too large\"} 0",
            "wsio_sent_bytes_total 0",
            "wsio_rooms{namespace=\"/\"} 0",
            "wsio_acks_pending{namespace=\"/\"} 0",
            "wsio_events_received_total{namespace=\"/\"} 0",
            "wsio_events_emitted_total{namespace=\"/\"} 0",
            "wsio_broadcasts_total{namespace=\"/\"} 0",
            "wsio_acks_timed_out_total{namespace=\"/\"} 0",
            "wsio_middleware_refusals_total{namespace=\"/\"} 0",
            "wsio_unknown_namespace_refusals_total 0",
        ] {
            assert!(text.lines().any(|l| l == line), "no {line:?} in\n{text}");
        }
        assert!(
            !text.contains("wsio_adapter_reconnects_total{"),
            "the in-memory adapter has no connection to count, so no series: {text}"
        );
        assert!(
            !text.contains("wsio_adapter_request_timeouts_total{"),
            "nor requests to other servers: {text}"
        );
        assert!(text.ends_with("# EOF\n"), "{text}");
    }

    #[test]
    fn a_cluster_adapter_s_figures_are_exposed_by_namespace() {
        let stats = ServerStats {
            namespaces: vec![NamespaceStats {
                name: "/chat".to_owned(),
                adapter_reconnects: Some(2),
                adapter_request_timeouts: Some(3),
                ..NamespaceStats::default()
            }],
            ..ServerStats::default()
        };
        let text = render(&stats);
        for line in [
            "wsio_adapter_reconnects_total{namespace=\"/chat\"} 2",
            "wsio_adapter_request_timeouts_total{namespace=\"/chat\"} 3",
        ] {
            assert!(text.lines().any(|l| l == line), "no {line:?} in\n{text}");
        }
    }
}
