//! Test helpers: an echoing engine on 127.0.0.1 and one-shot HTTP requests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::{Arc, Weak};
use std::time::Duration;

use event_proto::Message;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use wsio_engine::{
    BoxFuture, CloseReason, Engine, EngineConfig, Handler, Messages, Outgoing, Session,
    SessionHandler,
};

/// Echoes every message back on its session.
pub struct Echo;

impl Handler for Echo {
    fn on_open(&self, session: &Arc<Session>) -> Arc<dyn SessionHandler> {
        session.confirm();
        Arc::new(EchoSession(Arc::downgrade(session)))
    }
}

pub struct EchoSession(Weak<Session>);

impl SessionHandler for EchoSession {
    fn on_message(&self, message: Message) -> BoxFuture<'_, ()> {
        if let Some(session) = self.0.upgrade() {
            let _ = session.push(Outgoing::Messages(Messages::one(message)), false);
        }
        Box::pin(std::future::ready(()))
    }

    fn on_close(&self, _reason: CloseReason) {}
}

/// An echoing engine served on 127.0.0.1 under `config`.
pub async fn start(config: EngineConfig) -> (Engine<Echo>, SocketAddr) {
    let engine = Engine::new(config, Echo);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let serving = engine.clone();
    tokio::spawn(async move { serving.serve(listener, std::future::pending()).await });
    (engine, addr)
}

/// One HTTP/1.1 request on a connection of its own; the status and body.
pub async fn http(addr: SocketAddr, method: &str, query: &str, body: &str) -> (u16, String) {
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "{method} /engine.io/?{query} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
         Content-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(5), tcp.read_to_string(&mut answer))
        .await
        .unwrap()
        .unwrap();
    let status = answer[9..12].parse().unwrap();
    let body = answer
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    (status, body)
}

/// Opens a long-polling session with a handshake GET: its sid.
pub async fn polling_handshake(addr: SocketAddr) -> String {
    let (status, open) = http(addr, "GET", "EIO=4&transport=polling", "").await;
    assert_eq!(status, 200, "{open}");
    open.split("\"sid\":\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned()
}
