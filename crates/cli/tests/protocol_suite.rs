//! The application of `wsio serve --protocol-suite`, over raw WebSocket and polling: what the
//! official socket.io-protocol test suite sends and expects back.

#[path = "../../server/tests/common/mod.rs"]
mod common;

use std::time::Duration;

use common::*;
use wsio_cli::serve::ServeOptions;
use wsio_server::Server;
use wsio_ws::Message;

fn suite_server() -> Server {
    wsio_cli::suite::server(&ServeOptions::default())
}

/// A WebSocket session that sent `connect` (a CONNECT packet) and read the CONNECT answer
/// for namespace prefix `ns` (`""` or `"/custom,"`).
async fn connected(addr: std::net::SocketAddr, connect: &str, ns: &str) -> Ws {
    let mut ws = ws(addr, None).await;
    assert!(next_text(&mut ws).await.starts_with('0'));
    ws.send(connect.to_owned()).await.expect("connect");
    let answer = next_text(&mut ws).await;
    let json = answer
        .strip_prefix(&format!("40{ns}"))
        .unwrap_or_else(|| panic!("{answer}"));
    let json: serde_json::Value = serde_json::from_str(json).expect("json");
    assert!(json["sid"].is_string(), "{answer}");
    ws
}

/// The two attachments of the suite's binary tests.
fn attachments() -> [Message; 2] {
    [
        Message::Binary(vec![1u8, 2, 3].into()),
        Message::Binary(vec![4u8, 5, 6].into()),
    ]
}

/// Sends `header` (a binary packet with two placeholders) and its two attachments.
async fn send_with_attachments(ws: &mut Ws, header: &str) {
    ws.send(header.to_owned()).await.expect("send");
    for attachment in attachments() {
        ws.send(attachment).await.expect("send");
    }
}

/// Expects `header`, then the two attachments.
async fn expect_with_attachments(ws: &mut Ws, header: &str) {
    assert_eq!(next_text(ws).await, header);
    for attachment in attachments() {
        assert_eq!(next(ws).await, attachment);
    }
}

#[tokio::test]
async fn every_connection_is_sent_its_auth_payload() {
    let addr = start(&suite_server()).await;
    let cases = [
        ("40", "", r#"42["auth",{}]"#),
        (r#"40{"token":"123"}"#, "", r#"42["auth",{"token":"123"}]"#),
        ("40/custom,", "/custom,", r#"42/custom,["auth",{}]"#),
        (
            r#"40/custom,{"token":"abc"}"#,
            "/custom,",
            r#"42/custom,["auth",{"token":"abc"}]"#,
        ),
    ];
    for (connect, ns, auth) in cases {
        let mut ws = connected(addr, connect, ns).await;
        assert_eq!(next_text(&mut ws).await, auth, "{connect}");
    }
}

#[tokio::test]
async fn message_comes_back_as_message_back() {
    let addr = start(&suite_server()).await;
    let mut ws = connected(addr, "40", "").await;
    let _auth = next_text(&mut ws).await;
    ws.send(r#"42["message",1,"2",{"3":[true]}]"#)
        .await
        .expect("send");
    assert_eq!(
        next_text(&mut ws).await,
        r#"42["message-back",1,"2",{"3":[true]}]"#
    );
    send_with_attachments(
        &mut ws,
        r#"452-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#,
    )
    .await;
    expect_with_attachments(
        &mut ws,
        r#"452-["message-back",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#,
    )
    .await;
}

#[tokio::test]
async fn message_with_ack_is_acknowledged_with_its_arguments() {
    let addr = start(&suite_server()).await;
    let mut ws = connected(addr, "40", "").await;
    let _auth = next_text(&mut ws).await;
    ws.send(r#"42456["message-with-ack",1,"2",{"3":[false]}]"#)
        .await
        .expect("send");
    assert_eq!(next_text(&mut ws).await, r#"43456[1,"2",{"3":[false]}]"#);
    send_with_attachments(&mut ws, r#"452-789["message-with-ack",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#).await;
    expect_with_attachments(
        &mut ws,
        r#"462-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#,
    )
    .await;
}

#[tokio::test]
async fn the_same_events_work_over_polling() {
    let addr = start(&suite_server()).await;
    let session = Polling::open(addr).await;
    assert_eq!(session.post(br#"40{"token":"123"}"#).await, 200);
    let mut received = session.get_data().await;
    if !received.contains("auth") {
        received.push('\x1e');
        received.push_str(&session.get_data().await);
    }
    let packets: Vec<&str> = received.split('\x1e').collect();
    assert!(packets[0].starts_with("40{\"sid\":"), "{received}");
    assert_eq!(packets[1], r#"42["auth",{"token":"123"}]"#);
    assert_eq!(session.post(br#"42["message","over polling"]"#).await, 200);
    assert_eq!(
        session.get_data().await,
        r#"42["message-back","over polling"]"#
    );
}

#[tokio::test]
async fn a_session_that_joins_no_namespace_closes_after_a_second() {
    let io = suite_server();
    let addr = start(&io).await;
    let _session = Polling::open(addr).await;
    assert_eq!(io.session_count(), 1);
    tokio::time::sleep(wsio_cli::suite::CONNECT_TIMEOUT + Duration::from_millis(300)).await;
    assert_eq!(io.session_count(), 0);
}
