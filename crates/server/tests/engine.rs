//! Engine.IO over TCP: handshake, errors, polling, websocket, upgrade, heartbeat, limits.

mod common;

use std::time::Duration;

use common::*;
use wsio_server::{Config, Server};
use wsio_ws::Message;

#[tokio::test]
async fn polling_handshake_announces_the_session() {
    let io = Server::new(Config::default());
    let addr = start(&io).await;
    let session = Polling::open(addr).await;
    assert_eq!(session.sid.len(), 20);
    assert_eq!(session.open["upgrades"], serde_json::json!(["websocket"]));
    assert_eq!(session.open["pingInterval"], 25000);
    assert_eq!(session.open["pingTimeout"], 20000);
    assert_eq!(session.open["maxPayload"], 1_000_000);
    assert_eq!(io.session_count(), 1);
}

#[tokio::test]
async fn request_errors_match_the_reference() {
    let addr = start(&demo()).await;
    let cases = [
        ("GET", "EIO=4&transport=polling&sid=nope", 400, 1),
        ("GET", "EIO=4&transport=carrier-pigeon", 400, 0),
        ("GET", "EIO=3&transport=polling", 400, 5),
        ("GET", "transport=polling", 400, 5),
        ("POST", "EIO=4&transport=polling", 400, 2),
    ];
    for (method, query, status, code) in cases {
        let (got, body) = http(addr, method, query, b"").await;
        assert_eq!(got, status, "{query}");
        let json: serde_json::Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(json["code"], code, "{query}");
    }
    let (_, body) = http(addr, "GET", "EIO=4&transport=polling&sid=x", b"").await;
    assert_eq!(text(&body), r#"{"code":1,"message":"Session ID unknown"}"#);
}

#[tokio::test]
async fn allow_request_refuses_with_403() {
    let config = Config {
        allow_request: Some(std::sync::Arc::new(
            |parts: &http::request::Parts| match parts.headers.get("x-token") {
                Some(_) => Ok(()),
                None => Err("no token".to_owned()),
            },
        )),
        ..Config::default()
    };
    let addr = start(&Server::new(config)).await;
    let (status, body) = http(addr, "GET", "EIO=4&transport=polling", b"").await;
    assert_eq!(status, 403);
    assert_eq!(text(&body), r#"{"code":4,"message":"no token"}"#);
}

#[tokio::test]
async fn a_second_pending_get_closes_the_session() {
    let io = demo();
    let addr = start(&io).await;
    let session = Polling::open(addr).await;
    let pending = session.pending_get().await;
    let (status, _) = session.get().await;
    assert_eq!(status, 400);
    assert_eq!(pending.await.expect("first get"), (200, "1".to_owned()));
    eventually(|| io.session_count() == 0).await;
}

#[tokio::test]
async fn oversized_post_is_refused_and_closes_the_session() {
    let io = Server::new(Config {
        max_payload: 100,
        ..Config::default()
    });
    let addr = start(&io).await;
    let session = Polling::open(addr).await;
    assert_eq!(session.open["maxPayload"], 100);
    let status = session.post(&[b'4'; 200]).await;
    assert_eq!(status, 413);
    eventually(|| io.session_count() == 0).await;
    let (status, _) = session.get().await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn oversized_websocket_message_closes_the_session() {
    let io = Server::new(Config {
        max_payload: 100,
        ..Config::default()
    });
    let addr = start(&io).await;
    let mut ws = ws(addr, None).await;
    let _open = next_text(&mut ws).await;
    assert_eq!(io.session_count(), 1);
    ws.send("4".repeat(500)).await.expect("send");
    eventually(|| io.session_count() == 0).await;
}

#[tokio::test]
async fn missing_pongs_end_the_session() {
    let io = Server::new(Config {
        ping_interval: Duration::from_millis(50),
        ping_timeout: Duration::from_millis(50),
        ..Config::default()
    });
    let addr = start(&io).await;
    let session = Polling::open(addr).await;
    let (status, body) = session.get().await;
    assert_eq!((status, body.as_str()), (200, "2"));
    session.post(b"3").await;
    assert_eq!(io.session_count(), 1, "a pong keeps it alive");
    // No more pongs: the session ends, and so do its tasks.
    eventually(|| io.session_count() == 0).await;
    let mut ws = ws(addr, None).await;
    let _open = next_text(&mut ws).await;
    eventually(|| io.session_count() == 0).await;
}

#[tokio::test]
async fn direct_websocket_session() {
    let io = demo();
    let addr = start(&io).await;
    let mut ws = ws(addr, None).await;
    let open = next_text(&mut ws).await;
    let json: serde_json::Value = serde_json::from_str(&open[1..]).expect("json");
    assert_eq!(json["upgrades"], serde_json::json!([]));
    ws.send("40").await.expect("send");
    assert!(next_text(&mut ws).await.starts_with("40{\"sid\":"));
    ws.send(r#"42["echo","hi"]"#).await.expect("send");
    assert_eq!(next_text(&mut ws).await, r#"42["echo","hi"]"#);
    ws.close(wsio_ws::CloseCode::NORMAL, "").await.ok();
    eventually(|| io.session_count() == 0).await;
}

#[tokio::test]
async fn upgrade_from_polling_to_websocket() {
    let io = demo();
    let addr = start(&io).await;
    let session = Polling::open(addr).await;
    assert_eq!(session.post(b"40").await, 200);
    assert!(session.get_data().await.starts_with("40{"));
    let query = session.query();
    let pending = tokio::spawn(async move { http(addr, "GET", &query, b"").await });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut ws = ws(addr, Some(&session.sid)).await;
    ws.send("2probe").await.expect("probe");
    assert_eq!(next_text(&mut ws).await, "3probe");
    let (status, body) = pending.await.expect("pending get");
    assert_eq!((status, text(&body)), (200, "6".to_owned()));
    ws.send("5").await.expect("upgrade");
    ws.send(r#"42["echo","over ws"]"#).await.expect("send");
    assert_eq!(next_text(&mut ws).await, r#"42["echo","over ws"]"#);
    let (status, _) = session.get().await;
    assert_eq!(status, 400, "polling is over");
    assert_eq!(io.session_count(), 1);
}

#[tokio::test]
async fn an_unfinished_upgrade_leaves_polling_working() {
    let io = Server::new(Config {
        upgrade_timeout: Duration::from_millis(100),
        ..Config::default()
    });
    io.ns("/", |_| {});
    let addr = start(&io).await;
    let session = Polling::open(addr).await;
    let mut ws = ws(addr, Some(&session.sid)).await;
    ws.send("2probe").await.expect("probe");
    assert_eq!(next_text(&mut ws).await, "3probe");
    // Never send `5`: the probe WebSocket is closed after the upgrade timeout.
    let end = tokio::time::timeout(Duration::from_secs(2), async {
        while let Some(Ok(m)) = ws.recv().await {
            if matches!(m, Message::Close(_)) {
                break;
            }
        }
    })
    .await;
    assert!(end.is_ok());
    assert_eq!(session.post(b"40").await, 200);
    assert!(session.get_data().await.starts_with("40{"));
}

#[tokio::test]
async fn cors_preflight_and_headers() {
    let io = Server::new(Config {
        cors: Some(wsio_server::Cors {
            origins: vec!["https://app.example".into()],
            credentials: true,
        }),
        ..Config::default()
    });
    let addr = start(&io).await;
    let mut tcp = tokio::net::TcpStream::connect(addr).await.expect("tcp");
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    tcp.write_all(
        b"OPTIONS /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\nOrigin: https://app.example\r\nConnection: close\r\n\r\n",
    )
    .await
    .expect("write");
    let mut raw = String::new();
    tcp.read_to_string(&mut raw).await.expect("read");
    let lower = raw.to_ascii_lowercase();
    assert!(lower.starts_with("http/1.1 204"), "{raw}");
    assert!(lower.contains("access-control-allow-origin: https://app.example"));
    assert!(lower.contains("access-control-allow-credentials: true"));
}
