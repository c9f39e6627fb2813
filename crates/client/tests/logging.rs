//! What the client logs with `tracing`: connecting, the transport it got, the upgrade, a lost
//! connection, each reconnection attempt, and giving up.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use tracing_subscriber::fmt::MakeWriter;
use wsio_client::{Client, Reconnection};

/// Log lines written into memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    /// Waits until the log holds `needle`.
    async fn wait_for(&self, needle: &str) {
        tokio::time::timeout(WAIT, async {
            while !self.text().contains(needle) {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await
        .unwrap_or_else(|_| panic!("no {needle:?} in the log:\n{}", self.text()));
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

/// A subscriber at `debug` writing into `log`, for the current thread (the tests run on a
/// current-thread runtime, so the client's tasks log through it too).
fn capture(log: &Captured) -> tracing::subscriber::DefaultGuard {
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(log.clone())
        .finish();
    tracing::subscriber::set_default(subscriber)
}

#[tokio::test]
async fn a_session_logs_its_transport_and_the_upgrade() {
    let log = Captured::default();
    let _guard = capture(&log);
    let server = TestServer::start().await;
    let client = Client::builder(server.url()).connect().await.unwrap();
    log.wait_for("upgraded to websocket").await;
    let text = log.text();
    assert!(text.contains("connected"), "{text}");
    assert!(text.contains("transport=\"polling\""), "{text}");
    assert!(text.contains("namespace joined"), "{text}");
    assert!(
        text.contains(&format!("server={}", server.addr)),
        "the span names the server: {text}"
    );
    client.disconnect().await;
    server.stop().await;
}

#[tokio::test]
async fn each_reconnection_attempt_and_giving_up_are_logged() {
    // A port nothing listens on.
    let addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let log = Captured::default();
    let _guard = capture(&log);
    let _client = Client::builder(format!("http://{addr}"))
        .reconnection(Reconnection {
            max_attempts: Some(2),
            ..fast_reconnection()
        })
        .build()
        .unwrap();
    log.wait_for("reconnection attempts exhausted").await;
    let text = log.text();
    assert_eq!(
        text.matches("connection attempt failed").count(),
        3,
        "the first attempt and two reconnections: {text}"
    );
    assert_eq!(
        text.matches("reconnecting after a delay").count(),
        2,
        "{text}"
    );
}
