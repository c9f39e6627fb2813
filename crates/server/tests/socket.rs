//! Sockets: events whose arguments do not fit the handler's type.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};

use common::{next_text, start, ws_joined};
use wsio_server::{Config, Server, Socket};

/// Appends what it is given to a shared buffer.
struct Appender(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Appender {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn arguments_that_do_not_fit_are_logged_at_debug_and_the_event_dropped() {
    let log = Arc::new(Mutex::new(Vec::<u8>::new()));
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer({
            let log = log.clone();
            move || Appender(log.clone())
        })
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let io = Server::new(Config::default());
    io.ns("/", |socket: Socket| {
        socket.on("double", |socket: Socket, (n,): (u32,), _ack| {
            let _ = socket.emit("doubled", &(n * 2,));
        });
    });
    let addr = start(&io).await;
    let (mut ws, _) = ws_joined(addr).await;
    ws.send(r#"42["double","two"]"#).await.unwrap();
    ws.send(r#"42["double",2]"#).await.unwrap();
    assert_eq!(next_text(&mut ws).await, r#"42["doubled",4]"#);
    let text = String::from_utf8_lossy(&log.lock().unwrap()).into_owned();
    assert!(
        text.contains("event arguments do not fit the handler's type: event dropped"),
        "{text}"
    );
    assert!(text.contains("event=\"double\""), "{text}");
}
