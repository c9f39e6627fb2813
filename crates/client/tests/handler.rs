//! Handlers: plain and `async` ones, and the order rule: the part of a handler before its
//! first pending `.await` runs at once, in arrival order; the rest runs concurrently.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Inbox, TestServer, WAIT};
use wsio_client::{Client, Transports};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn async_handlers_start_in_arrival_order_and_finish_concurrently() {
    const EVENTS: usize = 1_000;
    let server = TestServer::start().await;
    let started = Arc::new(Mutex::new(Vec::new()));
    let finished = Inbox::new();
    let (s, f) = (started.clone(), finished.clone());
    let client = Client::builder(server.url())
        .transports(Transports::WebSocket)
        .on("echo", move |socket, (n,): (usize,), _ack| {
            let (started, finished) = (s.clone(), f.clone());
            async move {
                // Before the first wait: runs at once, in arrival order, and its emit leaves
                // in that order too.
                started.lock().unwrap().push(n);
                let _ = socket.emit("ack-order", &(n,));
                tokio::time::sleep(Duration::from_millis(100)).await;
                finished.push(n);
            }
        })
        .connect()
        .await
        .expect("connect");
    let began = Instant::now();
    for n in 0..EVENTS {
        client.emit("echo", &(n,)).unwrap();
    }
    let mut done = Vec::new();
    for _ in 0..EVENTS {
        done.push(finished.next().await);
    }
    let elapsed = began.elapsed();
    assert_eq!(
        *started.lock().unwrap(),
        (0..EVENTS).collect::<Vec<_>>(),
        "the parts before the first wait ran in arrival order"
    );
    done.sort_unstable();
    assert_eq!(done, (0..EVENTS).collect::<Vec<_>>());
    assert!(
        elapsed < WAIT / 2,
        "1,000 handlers waiting 100 ms each overlapped ({elapsed:?})"
    );
    client.disconnect().await;
    server.stop().await;
}

#[tokio::test]
async fn connect_and_disconnect_handlers_may_be_async() {
    let server = TestServer::start().await;
    let events = Inbox::new();
    let (c, d) = (events.clone(), events.clone());
    let client = Client::builder(server.url())
        .on_connect(move |socket| {
            let c = c.clone();
            async move {
                tokio::task::yield_now().await;
                c.push(format!("connect {}", socket.ns()));
            }
        })
        .on_disconnect(move |_socket, reason| {
            let d = d.clone();
            async move {
                tokio::task::yield_now().await;
                d.push(format!("disconnect {reason}"));
            }
        })
        .connect()
        .await
        .expect("connect");
    assert_eq!(events.next().await, "connect /");
    client.disconnect().await;
    assert_eq!(events.next().await, "disconnect io client disconnect");
    server.stop().await;
}

#[tokio::test]
async fn events_whose_arguments_do_not_fit_go_to_the_rejected_event_hook() {
    let server = TestServer::start().await;
    let seen = Inbox::new();
    let (handled, rejected) = (seen.clone(), seen.clone());
    let client = Client::builder(server.url())
        .transports(Transports::WebSocket)
        .on("echo", move |_socket, (n,): (u32,), _ack| {
            handled.push(format!("echo {n}"));
        })
        .connect()
        .await
        .expect("connect");
    client
        .main()
        .on_rejected_event(move |socket, event, error| {
            rejected.push(format!("rejected {event} on {}: {error}", socket.ns()));
        });
    // The server's `echo` sends the same arguments back: a string does not fit `(u32,)`.
    client.emit("echo", &("seven",)).unwrap();
    client.emit("echo", &(7,)).unwrap();
    let first = seen.next().await;
    assert!(first.starts_with("rejected echo on /: "), "{first}");
    assert!(
        first.contains("seven"),
        "the error names the value: {first}"
    );
    assert_eq!(
        first,
        r#"rejected echo on /: event "echo": argument 1: expected u32, got the string "seven""#
    );
    assert_eq!(seen.next().await, "echo 7");
    assert!(seen.quiet(Duration::from_millis(100)).await);
    client.disconnect().await;
    server.stop().await;
}
