//! The `reconnect` example against the test server: connected, acked, the server stopped and
//! started again on the same port, the example back and acked again.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

#[path = "../examples/reconnect.rs"]
#[allow(dead_code)]
mod reconnect;

use std::sync::Arc;

use common::{Inbox, TestServer, fast_reconnection};

/// Waits for the first logged line that starts with `prefix`; the line.
async fn logged(log: &Inbox<String>, prefix: &str) -> String {
    loop {
        let line = log.next().await;
        if line.starts_with(prefix) {
            return line;
        }
    }
}

#[tokio::test]
async fn the_example_reconnects_after_a_server_restart() {
    let server = TestServer::start().await;
    let addr = server.addr;
    let lines = Inbox::new();
    let sink = lines.clone();
    let log: reconnect::Log = Arc::new(move |line| sink.push(line));
    let client = reconnect::connect(&server.url(), fast_reconnection(), log.clone())
        .await
        .expect("connects");
    assert_eq!(logged(&lines, "connected").await, "connected to /");
    reconnect::ping(&client, 1, &log).await;
    assert_eq!(logged(&lines, "ack").await, "ack 1: 1");

    server.stop().await;
    let disconnected = logged(&lines, "disconnected").await;
    assert!(
        disconnected.ends_with("(will reconnect: true)"),
        "{disconnected}"
    );
    assert_eq!(
        logged(&lines, "reconnection attempt").await,
        "reconnection attempt 1"
    );
    // Made while the server is away: sent once the client is back.
    let pending = {
        let (client, log) = (client.clone(), log.clone());
        tokio::spawn(async move { reconnect::ping(&client, 2, &log).await })
    };

    let server = TestServer::start_on(addr).await;
    assert!(
        logged(&lines, "reconnected after")
            .await
            .contains("attempt")
    );
    assert_eq!(logged(&lines, "connected").await, "connected to /");
    pending.await.unwrap();
    assert_eq!(logged(&lines, "ack").await, "ack 2: 2");
    client.disconnect().await;
    server.stop().await;
}
