//! The examples, run in-process against raw Engine.IO clients: what their top comments promise
//! is what they do.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

#[path = "../examples/auth.rs"]
#[allow(dead_code)]
mod auth;
#[path = "../examples/axum.rs"]
#[allow(dead_code)]
#[cfg(all(feature = "tower", feature = "prometheus"))]
mod axum_app;
#[path = "../examples/chat.rs"]
#[allow(dead_code)]
mod chat;
#[path = "../examples/typed.rs"]
#[allow(dead_code)]
mod typed;

use common::*;

/// Waits for the next Socket.IO event (`42[...]`) on `ws`, skipping pings; its JSON array.
async fn event(ws: &mut Ws) -> serde_json::Value {
    loop {
        let text = next_text(ws).await;
        if let Some(json) = text.strip_prefix("42") {
            return serde_json::from_str(json).expect("event json");
        }
    }
}

/// Waits for the answer to ack `id` (`43<id>[...]`); its JSON array.
async fn ack(ws: &mut Ws, id: u32) -> serde_json::Value {
    let prefix = format!("43{id}");
    loop {
        let text = next_text(ws).await;
        if let Some(json) = text.strip_prefix(&prefix) {
            return serde_json::from_str(json).expect("ack json");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_nicknames_rooms_and_leaving() {
    let addr = start(&chat::app()).await;
    let (mut ada, _) = ws_joined(addr).await;
    let (mut bob, _) = ws_joined(addr).await;
    ada.send(r#"421["nick","ada"]"#).await.unwrap();
    assert_eq!(ack(&mut ada, 1).await, serde_json::json!([true]));
    ada.send(r#"42["join","lobby"]"#).await.unwrap();
    assert_eq!(
        event(&mut ada).await,
        serde_json::json!(["joined", "ada", "lobby"])
    );
    bob.send(r#"42["join","lobby"]"#).await.unwrap();
    assert_eq!(
        event(&mut bob).await,
        serde_json::json!(["joined", "anonymous", "lobby"])
    );
    assert_eq!(
        event(&mut ada).await,
        serde_json::json!(["joined", "anonymous", "lobby"])
    );
    ada.send(r#"42["say","lobby","hello"]"#).await.unwrap();
    let said = serde_json::json!(["said", "ada", "lobby", "hello"]);
    assert_eq!(event(&mut ada).await, said);
    assert_eq!(event(&mut bob).await, said);
    ada.send(r#"422["rooms"]"#).await.unwrap();
    assert_eq!(ack(&mut ada, 2).await, serde_json::json!([["lobby"]]));
    ada.send(r#"423["profile"]"#).await.unwrap();
    let profile = next_text(&mut ada).await;
    let profile: serde_json::Value =
        serde_json::from_str(profile.strip_prefix("461-3").expect(&profile)).unwrap();
    assert_eq!(
        profile,
        serde_json::json!([{
            "nick": "ada",
            "rooms": { "count": 1, "names": ["lobby"] },
            "avatar": { "_placeholder": true, "num": 0 },
        }])
    );
    match next(&mut ada).await {
        wsio_ws::Message::Binary(avatar) => assert_eq!(&avatar[..], chat::AVATAR),
        other => panic!("expected the avatar, got {other:?}"),
    }
    drop(ada);
    assert_eq!(
        event(&mut bob).await,
        serde_json::json!(["left", "ada", "lobby"])
    );
}

#[tokio::test]
async fn auth_admits_a_good_token_and_refuses_a_bad_one() {
    let addr = start(&auth::app()).await;
    let (mut ada, reply, _) = join_with_auth(addr, r#"{"token":"token-ada"}"#).await;
    assert!(reply["sid"].is_string(), "{reply}");
    ada.send(r#"421["whoami"]"#).await.unwrap();
    assert_eq!(
        ack(&mut ada, 1).await,
        serde_json::json!([{ "user": "ada" }])
    );

    let mut intruder = ws(addr, None).await;
    assert!(next_text(&mut intruder).await.starts_with('0'));
    intruder.send(r#"40{"token":"nope"}"#).await.unwrap();
    let refused = next_text(&mut intruder).await;
    let error: serde_json::Value =
        serde_json::from_str(refused.strip_prefix("44").expect(&refused)).unwrap();
    assert_eq!(error["message"], "unauthorized");
    assert_eq!(error["data"]["reason"], "unknown token");
}

#[cfg(all(feature = "tower", feature = "prometheus"))]
#[tokio::test]
async fn axum_routes_answer_beside_socket_io() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum_app::app(axum_app::io());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let (status, page) = http_at(addr, "/", "GET", "", b"").await;
    assert_eq!(status, 200);
    assert!(text(&page).contains("/socket.io/"), "{}", text(&page));
    let (status, health) = http_at(addr, "/api/health", "GET", "", b"").await;
    assert_eq!(status, 200);
    let health: serde_json::Value = serde_json::from_slice(&health).unwrap();
    assert_eq!(health, serde_json::json!({ "status": "ok", "sessions": 0 }));

    let (mut ws, _) = ws_joined(addr).await;
    ws.send(r#"421["ping","hello"]"#).await.unwrap();
    assert_eq!(ack(&mut ws, 1).await, serde_json::json!(["pong", "hello"]));
    let (_, health) = http_at(addr, "/api/health", "GET", "", b"").await;
    let health: serde_json::Value = serde_json::from_slice(&health).unwrap();
    assert_eq!(health["sessions"], 1);
    let (status, _) = http_at(addr, "/api/announce", "POST", "", b"news").await;
    assert_eq!(status, 204);
    assert_eq!(
        event(&mut ws).await,
        serde_json::json!(["announcement", "news"])
    );

    let (status, scrape) = http_at(addr, "/metrics", "GET", "", b"").await;
    assert_eq!(status, 200);
    let scrape = text(&scrape);
    for line in [
        "wsio_sessions_opened_total 1",
        "wsio_sockets{namespace=\"/\"} 1",
        "wsio_events_received_total{namespace=\"/\"} 1",
        "wsio_broadcasts_total{namespace=\"/\"} 1",
    ] {
        assert!(
            scrape.lines().any(|l| l == line),
            "no {line:?} in\n{scrape}"
        );
    }
}

#[tokio::test]
async fn typed_payloads_acks_and_broadcasts() {
    let addr = start(&typed::app()).await;
    let (mut ada, _) = ws_joined(addr).await;
    let (mut bob, _) = ws_joined(addr).await;
    for (ws, id) in [(&mut ada, 1), (&mut bob, 1)] {
        ws.send(format!(r#"42{id}["join","rust"]"#)).await.unwrap();
        assert_eq!(ack(ws, id).await, serde_json::json!([true]));
    }

    ada.send(r#"422["post",{"room":"rust","text":"hi"}]"#)
        .await
        .unwrap();
    let receipt = ack(&mut ada, 2).await;
    assert_eq!(receipt[0]["id"], 1, "{receipt}");
    assert!(
        receipt[0]["at"].as_u64().unwrap() > 1_600_000_000_000,
        "{receipt}"
    );
    assert_eq!(
        event(&mut bob).await,
        serde_json::json!(["message", { "id": 1, "room": "rust", "text": "hi" }])
    );

    // No `text`: dropped before the handler, so ack 3 never comes and nothing is sent; the
    // next answer Ada gets is ack 4's.
    ada.send(r#"423["post",{"room":"rust"}]"#).await.unwrap();
    ada.send(r#"424["try-post",{"room":"rust"}]"#)
        .await
        .unwrap();
    assert_eq!(
        next_text(&mut ada).await,
        r#"434[{"error":"missing field `text`"}]"#
    );
    ada.send(r#"425["try-post",{"room":"rust","text":"again"}]"#)
        .await
        .unwrap();
    let outcome = ack(&mut ada, 5).await;
    assert_eq!(outcome[0]["ok"]["id"], 2, "{outcome}");
    assert_eq!(
        event(&mut bob).await,
        serde_json::json!(["message", { "id": 2, "room": "rust", "text": "again" }])
    );
}
