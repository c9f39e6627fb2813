//! `wsio serve` as a load balancer sees it: `/healthz` answers while it accepts connections,
//! the demo page at `/`, 404 elsewhere; and as Prometheus scrapes it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod binary;

use std::time::{Duration, Instant};

use binary::{get, request, serve, stop};
use tokio::sync::mpsc;
use wsio_client::{AckSender, Client, Transports, Value};

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
    assert_eq!(
        value(
            &scrape,
            "wsio_requests_refused_total{reason=\"unsupported protocol version\"}"
        ),
        1
    );
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

/// Scrapes until `series` reads `want` (5 s at most); returns the last scrape.
fn scrape_until(port: u16, series: &str, want: u64) -> String {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let scrape = get(port, "/metrics");
        if value(&scrape, series) == want || Instant::now() > deadline {
            assert_eq!(value(&scrape, series), want, "{series} in\n{scrape}");
            return scrape;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_the_events_rooms_acks_and_refusals_of_real_clients() {
    let (child, port) = serve(&["--metrics-path", "/metrics", "--test-events"]);
    let url = format!("http://127.0.0.1:{port}");
    let (heard_tx, mut heard) = mpsc::unbounded_channel();
    let (asked_tx, mut asked) = mpsc::unbounded_channel::<AckSender>();
    let speaker = Client::builder(url.as_str())
        .transports(Transports::WebSocket)
        .on(
            "server-ack-request",
            move |_socket, _args: Vec<Value>, ack: Option<AckSender>| {
                let _ = asked_tx.send(ack.expect("asks for an ack"));
            },
        )
        .connect()
        .await
        .expect("connects");
    let listener = Client::builder(url.as_str())
        .transports(Transports::WebSocket)
        .on("chat", move |_socket, (text,): (String,), _ack| {
            let _ = heard_tx.send(text);
        })
        .connect()
        .await
        .expect("connects");
    let ack_wait = Duration::from_secs(5);
    for client in [&speaker, &listener] {
        let (joined,): (bool,) = client
            .emit_with_ack("join", &("lobby",), ack_wait)
            .await
            .expect("joins");
        assert!(joined);
    }
    speaker.emit("chat", &("hello",)).expect("chat");
    let text = tokio::time::timeout(ack_wait, heard.recv()).await;
    assert_eq!(text.expect("in time").as_deref(), Some("hello"));

    let scrape = get(port, "/metrics");
    assert_eq!(value(&scrape, "wsio_rooms{namespace=\"/\"}"), 1);
    assert_eq!(
        value(&scrape, "wsio_events_received_total{namespace=\"/\"}"),
        3
    );
    assert_eq!(
        value(&scrape, "wsio_events_emitted_total{namespace=\"/\"}"),
        1
    );
    assert_eq!(value(&scrape, "wsio_broadcasts_total{namespace=\"/\"}"), 1);
    assert_eq!(value(&scrape, "wsio_acks_pending{namespace=\"/\"}"), 0);
    assert!(
        !scrape.contains("wsio_adapter_reconnects_total{"),
        "{scrape}"
    );

    // The server asks the speaker for an acknowledgement: pending until it answers.
    let asking = tokio::spawn({
        let speaker = speaker.clone();
        async move {
            speaker
                .emit_with_ack::<_, Vec<Value>>("request-ack", &(), ack_wait)
                .await
        }
    });
    let ack = tokio::time::timeout(ack_wait, asked.recv()).await;
    let ack = ack.expect("in time").expect("asked");
    scrape_until(port, "wsio_acks_pending{namespace=\"/\"}", 1);
    ack.send(&("pong",)).expect("answer");
    let answer = asking.await.expect("task").expect("acknowledged");
    assert_eq!(answer, vec![Value::from("pong")]);
    let scrape = scrape_until(port, "wsio_acks_pending{namespace=\"/\"}", 0);
    assert_eq!(
        value(&scrape, "wsio_acks_timed_out_total{namespace=\"/\"}"),
        0
    );
    assert_eq!(
        value(&scrape, "wsio_events_emitted_total{namespace=\"/\"}"),
        2
    );

    // Refused joins: the middleware of /admin, and a namespace nobody declared.
    let open = get(port, "/socket.io/?EIO=4&transport=polling");
    let sid = open.split("\"sid\":\"").nth(1).expect("sid")[..20].to_owned();
    let session = format!("/socket.io/?EIO=4&transport=polling&sid={sid}");
    let bad_token = r#"40/admin,{"token":"wrong"}"#;
    assert!(request(port, "POST", &session, bad_token).starts_with("HTTP/1.1 200"));
    assert!(request(port, "POST", &session, "40/nowhere,").starts_with("HTTP/1.1 200"));
    let scrape = scrape_until(port, "wsio_unknown_namespace_refusals_total", 1);
    assert_eq!(
        value(
            &scrape,
            "wsio_middleware_refusals_total{namespace=\"/admin\"}"
        ),
        1
    );
    assert_eq!(
        value(&scrape, "wsio_middleware_refusals_total{namespace=\"/\"}"),
        0
    );

    speaker.disconnect().await;
    listener.disconnect().await;
    scrape_until(port, "wsio_rooms{namespace=\"/\"}", 0);
    stop(child);
}

#[test]
fn without_the_flag_there_are_no_metrics() {
    let (child, port) = serve(&[]);
    assert!(get(port, "/metrics").starts_with("HTTP/1.1 404"));
    stop(child);
}
