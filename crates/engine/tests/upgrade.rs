//! The polling → WebSocket upgrade over real HTTP: while it is in progress, polling GETs are
//! answered at once with a noop (a held one and one arriving later alike), so a client can
//! pause its polling whenever it learns of the probe; a failed upgrade leaves the session on
//! polling with its GETs held again.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::{Echo, http};
use tokio::task::JoinHandle;
use wsio_engine::{Engine, EngineConfig, Transport};
use wsio_ws::{MaybeTlsStream, Message as WsMessage, WebSocket};

/// Every wait that should end is bounded by this.
const WAIT: Duration = Duration::from_secs(5);
/// How soon a GET made during an upgrade must be answered.
const PROMPT: Duration = Duration::from_millis(300);

/// An engine whose pings never answer a held GET during a test.
async fn start(upgrade_timeout: Duration) -> (Engine<Echo>, SocketAddr) {
    common::start(EngineConfig {
        ping_interval: Duration::from_secs(60),
        upgrade_timeout,
        ..EngineConfig::default()
    })
    .await
}

/// A polling session: its id and its query string.
async fn open_polling(addr: SocketAddr) -> (String, String) {
    let (_, open) = http(addr, "GET", "EIO=4&transport=polling", "").await;
    let sid = open.split("\"sid\":\"").nth(1).unwrap()[..20].to_owned();
    let query = format!("EIO=4&transport=polling&sid={sid}");
    (sid, query)
}

/// A polling GET started in the background.
fn spawn_get(addr: SocketAddr, query: &str) -> JoinHandle<(u16, String)> {
    let query = query.to_owned();
    tokio::spawn(async move { http(addr, "GET", &query, "").await })
}

/// The answer of `get` if it comes within `within`.
async fn answered(get: &mut JoinHandle<(u16, String)>, within: Duration) -> Option<(u16, String)> {
    tokio::time::timeout(within, get)
        .await
        .ok()
        .map(|joined| joined.unwrap())
}

/// Opens the probing WebSocket of session `sid` and exchanges `2probe` / `3probe`.
async fn probe(addr: SocketAddr, sid: &str) -> WebSocket<MaybeTlsStream> {
    let url = format!("ws://{addr}/engine.io/?EIO=4&transport=websocket&sid={sid}");
    let mut ws = wsio_ws::connect(&url, wsio_ws::Config::default())
        .await
        .expect("websocket");
    ws.send("2probe").await.unwrap();
    let pong = tokio::time::timeout(WAIT, ws.recv()).await.unwrap();
    assert_eq!(pong.unwrap().unwrap(), WsMessage::Text("3probe".into()));
    ws
}

async fn wait_transport(engine: &Engine<Echo>, sid: &str, transport: Transport) {
    let deadline = Instant::now() + WAIT;
    while engine.session(sid).map(|s| s.transport()) != Some(transport) {
        assert!(
            Instant::now() < deadline,
            "the session never became {transport:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn every_get_during_an_upgrade_is_answered_with_a_noop_at_once() {
    let (engine, addr) = start(WAIT).await;
    for round in 0..20 {
        let (sid, query) = open_polling(addr).await;
        let mut held = spawn_get(addr, &query);
        assert_eq!(
            answered(&mut held, Duration::from_millis(100)).await,
            None,
            "round {round}: a GET with nothing to say is held"
        );
        let mut ws = probe(addr, &sid).await;
        assert_eq!(
            answered(&mut held, PROMPT).await,
            Some((200, "6".to_owned())),
            "round {round}: the probe releases the held GET"
        );
        // A client that learned of the probe only now already polls again.
        let mut late = spawn_get(addr, &query);
        assert_eq!(
            answered(&mut late, PROMPT).await,
            Some((200, "6".to_owned())),
            "round {round}: a GET arriving during the upgrade is released too"
        );
        ws.send("5").await.unwrap();
        wait_transport(&engine, &sid, Transport::WebSocket).await;
        ws.send("4hello").await.unwrap();
        let echo = tokio::time::timeout(WAIT, ws.recv()).await.unwrap();
        assert_eq!(echo.unwrap().unwrap(), WsMessage::Text("4hello".into()));
        assert_eq!(http(addr, "GET", &query, "").await.0, 400, "round {round}");
    }
}

#[tokio::test]
async fn a_timed_out_upgrade_leaves_gets_held_again() {
    let (engine, addr) = start(Duration::from_millis(300)).await;
    let (sid, query) = open_polling(addr).await;
    let mut held = spawn_get(addr, &query);
    let mut ws = probe(addr, &sid).await;
    assert_eq!(
        answered(&mut held, PROMPT).await,
        Some((200, "6".to_owned()))
    );
    // No `5`: the upgrade times out, the server closes the probing WebSocket.
    let closed = async { while let Some(Ok(_)) = ws.recv().await {} };
    tokio::time::timeout(WAIT, closed).await.unwrap();
    wait_transport(&engine, &sid, Transport::Polling).await;

    let mut next = spawn_get(addr, &query);
    assert_eq!(
        answered(&mut next, Duration::from_millis(300)).await,
        None,
        "back on polling, a GET with nothing to say is held"
    );
    assert_eq!(http(addr, "POST", &query, "4again").await.0, 200);
    assert_eq!(
        answered(&mut next, WAIT).await,
        Some((200, "4again".to_owned()))
    );
}
