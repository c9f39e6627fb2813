//! `wsio serve` as a load balancer sees it: `/healthz` answers while it accepts connections,
//! the demo page at `/`, 404 elsewhere.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod binary;

use binary::{get, request, serve, stop};

#[test]
fn healthz_the_page_and_unknown_paths() {
    let (child, port) = serve(&["--backlog", "2048"]);
    let health = get(port, "/healthz");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(health.ends_with("\r\n\r\nok"), "{health}");
    assert!(get(port, "/").starts_with("HTTP/1.1 200"));
    assert!(get(port, "/nowhere").starts_with("HTTP/1.1 404"));
    stop(child);
}

/// The value of the series `series` (name and labels, as written) in a scrape.
fn value(scrape: &str, series: &str) -> u64 {
    scrape
        .lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {series} in\n{scrape}"))
}

#[test]
fn metrics_follow_a_client_session() {
    let (child, port) = serve(&["--metrics-path", "/metrics"]);
    let open = get(port, "/socket.io/?EIO=4&transport=polling");
    let sid = open.split("\"sid\":\"").nth(1).expect("sid")[..20].to_owned();
    let session = format!("/socket.io/?EIO=4&transport=polling&sid={sid}");
    assert!(request(port, "POST", &session, "40").starts_with("HTTP/1.1 200"));
    // The CONNECT reply waits in the session's queue; take it.
    assert!(get(port, &session).contains("40{"));
    assert!(get(port, "/socket.io/?EIO=3&transport=polling").contains("\"code\":5"));

    let scrape = get(port, "/metrics");
    assert!(scrape.starts_with("HTTP/1.1 200"), "{scrape}");
    assert_eq!(value(&scrape, "wsio_sessions{transport=\"polling\"}"), 1);
    assert_eq!(value(&scrape, "wsio_sockets{namespace=\"/\"}"), 1);
    assert_eq!(value(&scrape, "wsio_sessions_opened_total"), 1);
    assert_eq!(value(&scrape, "wsio_requests_refused_total"), 1);
    assert_eq!(value(&scrape, "wsio_packets_received_total"), 1);
    assert_eq!(value(&scrape, "wsio_packets_sent_total"), 1);

    assert!(request(port, "POST", &session, "1").starts_with("HTTP/1.1 200"));
    let scrape = get(port, "/metrics");
    assert_eq!(value(&scrape, "wsio_sessions{transport=\"polling\"}"), 0);
    assert_eq!(value(&scrape, "wsio_sockets{namespace=\"/\"}"), 0);
    assert_eq!(
        value(
            &scrape,
            "wsio_sessions_closed_total{reason=\"transport close\"}"
        ),
        1
    );
    stop(child);
}

#[test]
fn without_the_flag_there_are_no_metrics() {
    let (child, port) = serve(&[]);
    assert!(get(port, "/metrics").starts_with("HTTP/1.1 404"));
    stop(child);
}
