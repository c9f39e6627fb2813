//! `Engine::stats`: sessions by transport, opened and closed by reason, refused requests,
//! packets and bytes both ways, over real HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{http, start};
use wsio_engine::{CloseReason, EngineConfig, RefusalReason};

#[tokio::test]
async fn the_counters_follow_a_polling_session_from_open_to_close() {
    let (engine, addr) = start(EngineConfig::default()).await;
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
    assert_eq!(live.refused(RefusalReason::UnsupportedProtocolVersion), 1);
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
    let (engine, addr) = start(EngineConfig::default()).await;
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

#[tokio::test]
async fn refused_requests_are_counted_by_reason() {
    let (engine, addr) = start(EngineConfig {
        max_payload: 10,
        ..EngineConfig::default()
    })
    .await;
    let unknown_sid = "EIO=4&transport=polling&sid=AAAAAAAAAAAAAAAAAAAA";
    assert_eq!(http(addr, "GET", unknown_sid, "").await.0, 400);
    assert_eq!(http(addr, "POST", unknown_sid, "4hi").await.0, 400);
    assert_eq!(
        http(addr, "GET", "EIO=4&transport=carrier-pigeon", "")
            .await
            .0,
        400
    );
    let (_, open) = http(addr, "GET", "EIO=4&transport=polling", "").await;
    let sid = open.split("\"sid\":\"").nth(1).unwrap()[..20].to_owned();
    let query = format!("EIO=4&transport=polling&sid={sid}");
    assert_eq!(
        http(addr, "POST", &query, "4 too long for ten").await.0,
        413
    );

    let stats = engine.stats();
    assert_eq!(stats.refused(RefusalReason::UnknownSid), 2);
    assert_eq!(stats.refused(RefusalReason::UnknownTransport), 1);
    assert_eq!(stats.refused(RefusalReason::PayloadTooLarge), 1);
    for reason in [
        RefusalReason::BadHandshakeMethod,
        RefusalReason::BadRequest,
        RefusalReason::Forbidden,
        RefusalReason::UnsupportedProtocolVersion,
    ] {
        assert_eq!(stats.refused(reason), 0, "{reason}");
    }
    assert_eq!(stats.requests_refused, 4, "the total of the reasons");
}
