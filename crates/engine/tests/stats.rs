//! `Engine::stats`: sessions by transport, opened and closed by reason, refused requests,
//! packets and bytes both ways, over real HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

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
struct Echo;

impl Handler for Echo {
    fn on_open(&self, session: &Arc<Session>) -> Arc<dyn SessionHandler> {
        session.confirm();
        Arc::new(EchoSession(Arc::downgrade(session)))
    }
}

struct EchoSession(Weak<Session>);

impl SessionHandler for EchoSession {
    fn on_message(&self, message: Message) -> BoxFuture<'_, ()> {
        if let Some(session) = self.0.upgrade() {
            let _ = session.push(Outgoing::Messages(Messages::one(message)), false);
        }
        Box::pin(std::future::ready(()))
    }

    fn on_close(&self, _reason: CloseReason) {}
}

async fn start() -> (Engine<Echo>, SocketAddr) {
    let engine = Engine::new(EngineConfig::default(), Echo);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let serving = engine.clone();
    tokio::spawn(async move { serving.serve(listener, std::future::pending()).await });
    (engine, addr)
}

/// One HTTP/1.1 request; the status and body.
async fn http(addr: SocketAddr, method: &str, query: &str, body: &str) -> (u16, String) {
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

#[tokio::test]
async fn the_counters_follow_a_polling_session_from_open_to_close() {
    let (engine, addr) = start().await;
    let (_, open) = http(addr, "GET", "EIO=4&transport=polling", "").await;
    let sid = open.split("\"sid\":\"").nth(1).unwrap()[..20].to_owned();
    let query = format!("EIO=4&transport=polling&sid={sid}");
    assert_eq!(http(addr, "POST", &query, "4hello").await.0, 200);
    assert_eq!(
        http(addr, "GET", &query, "").await,
        (200, "4hello".to_owned())
    );
    assert_eq!(
        http(addr, "GET", "EIO=3&transport=polling", "").await.0,
        400
    );

    let live = engine.stats();
    assert_eq!(live.sessions_polling, 1);
    assert_eq!(live.sessions_websocket, 0);
    assert_eq!(live.sessions_opened, 1);
    assert_eq!(live.requests_refused, 1);
    assert_eq!((live.packets_in, live.bytes_in), (1, 5));
    assert_eq!((live.packets_out, live.bytes_out), (1, 5));

    assert_eq!(http(addr, "POST", &query, "1").await.0, 200);
    let closed = engine.stats();
    assert_eq!(closed.sessions_polling, 0);
    assert_eq!(closed.closed(CloseReason::TransportClose), 1);
    assert_eq!(
        closed.packets_in, 2,
        "the close packet too; a closed session's traffic stays counted"
    );
    assert_eq!(closed.bytes_out, 5);
}

#[tokio::test]
async fn a_websocket_session_counts_as_one() {
    let (engine, addr) = start().await;
    let url = format!("ws://{addr}/engine.io/?EIO=4&transport=websocket");
    let mut ws = wsio_ws::connect(&url, wsio_ws::Config::default())
        .await
        .expect("websocket");
    let open = ws.recv().await.unwrap().unwrap();
    assert!(matches!(open, wsio_ws::Message::Text(ref t) if t.starts_with("0{")));
    ws.send("4hi").await.unwrap();
    assert_eq!(
        ws.recv().await.unwrap().unwrap(),
        wsio_ws::Message::Text("4hi".into())
    );
    let stats = engine.stats();
    assert_eq!((stats.sessions_websocket, stats.sessions_polling), (1, 0));
    assert_eq!((stats.packets_in, stats.bytes_in), (1, 2));
    assert_eq!(
        stats.packets_out, 1,
        "the echo; the open packet goes out with the handshake, not through the queue"
    );
}
