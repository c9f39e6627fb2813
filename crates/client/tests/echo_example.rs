//! The `echo` example against the test server: it prints the `echo` event, then the ack, as
//! its top comment shows.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

#[path = "../examples/echo.rs"]
#[allow(dead_code)]
mod echo;

use std::sync::Arc;
use std::time::Duration;

use common::{Inbox, TestServer};

#[tokio::test]
async fn the_example_prints_the_echo_event_then_the_ack() {
    let server = TestServer::start().await;
    let lines = Inbox::new();
    let sink = lines.clone();
    echo::run(&server.url(), Arc::new(move |line| sink.push(line)))
        .await
        .expect("runs");
    assert_eq!(
        lines.next().await,
        r#"echo event: ["hello from wsio-client"]"#
    );
    let ack = lines.next().await;
    assert!(
        [
            r#"ack over polling: ["hello from wsio-client"]"#,
            r#"ack over websocket: ["hello from wsio-client"]"#,
        ]
        .contains(&ack.as_str()),
        "{ack}"
    );
    assert!(lines.quiet(Duration::from_millis(100)).await);
    server.stop().await;
}
