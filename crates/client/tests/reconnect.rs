//! Reconnection: a restarted server, cut and frozen connections, a blocked WebSocket, and
//! giving up.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{Inbox, Proxy, TestServer, WAIT, fast_reconnection};
use serde_json::{Value as Json, json};
use wsio_client::{Client, DisconnectReason, Reconnection, Transport, Transports, Value};

async fn restart_keeps_namespaces_auth_and_buffered_emits(transports: Transports) {
    let server = TestServer::start().await;
    let addr = server.addr;
    let auth_calls = Arc::new(AtomicUsize::new(0));
    let calls = auth_calls.clone();
    let echoes = Inbox::new();
    let admin_echoes = Inbox::new();
    let reasons = Inbox::new();
    let reconnects = Inbox::new();
    let attempts = Arc::new(AtomicUsize::new(0));
    let (e, ae, r, rc, at) = (
        echoes.clone(),
        admin_echoes.clone(),
        reasons.clone(),
        reconnects.clone(),
        attempts.clone(),
    );
    let client = Client::builder(server.url())
        .transports(transports)
        .reconnection(fast_reconnection())
        .namespace("/admin")
        .auth(move |ns| {
            if ns != "/admin" {
                return None;
            }
            let n = calls.fetch_add(1, Ordering::SeqCst);
            // A fresh token every time; the server only checks the `token` member.
            Some(json!({"token": "secret", "refresh": n}))
        })
        .on("echo", move |_s, (n,): (u32,), _ack| e.push(n))
        .on_disconnect(move |_s, reason| r.push(reason))
        .on_reconnect(move |n| rc.push(n))
        .on_reconnect_attempt(move |_| {
            at.fetch_add(1, Ordering::SeqCst);
        })
        .with(move |c| {
            c.socket("/admin")
                .unwrap()
                .on("echo", move |_s, (n,): (u32,), _ack| ae.push(n));
        })
        .connect()
        .await
        .unwrap();
    let admin = client.socket("/admin").unwrap();
    admin.wait_connected(WAIT).await.unwrap();
    assert_eq!(auth_calls.load(Ordering::SeqCst), 1);

    server.stop().await;
    let reason = reasons.next().await;
    assert!(reason.will_reconnect(), "{reason:?}");
    assert!(!client.main().connected());
    for n in 0..5u32 {
        client.emit("echo", &(n,)).unwrap();
    }
    admin.emit("echo", &(100u32,)).unwrap();
    let acked = {
        let c = client.clone();
        tokio::spawn(async move {
            c.emit_with_ack::<_, (u32,)>("echo", &(5u32,), WAIT)
                .await
                .unwrap()
        })
    };

    let server = TestServer::start_on(addr).await;
    assert!(reconnects.next().await >= 1);
    assert!(attempts.load(Ordering::SeqCst) >= 1);
    admin.wait_connected(WAIT).await.unwrap();
    for n in 0..6u32 {
        assert_eq!(echoes.next().await, n);
    }
    assert_eq!(acked.await.unwrap(), (5,));
    assert_eq!(admin_echoes.next().await, 100);
    assert!(echoes.quiet(Duration::from_millis(300)).await, "sent once");
    assert!(admin_echoes.quiet(Duration::from_millis(10)).await);
    assert_eq!(auth_calls.load(Ordering::SeqCst), 2, "auth computed again");
    client.disconnect().await;
    server.stop().await;
}

#[tokio::test]
async fn restart_over_websocket() {
    restart_keeps_namespaces_auth_and_buffered_emits(Transports::WebSocket).await;
}

#[tokio::test]
async fn restart_over_polling() {
    restart_keeps_namespaces_auth_and_buffered_emits(Transports::Polling).await;
}

#[tokio::test]
async fn restart_after_upgrade() {
    restart_keeps_namespaces_auth_and_buffered_emits(Transports::PollingThenUpgrade).await;
}

async fn whoami(client: &Client) -> Json {
    let (me,): (Json,) = client.emit_with_ack("whoami", &(), WAIT).await.unwrap();
    me
}

/// A WebSocket client through `proxy`, and its disconnect reasons.
async fn behind(proxy: &Proxy) -> (Client, Arc<Inbox<DisconnectReason>>) {
    let reasons = Inbox::new();
    let r = reasons.clone();
    let client = Client::builder(proxy.url())
        .transports(Transports::WebSocket)
        .reconnection(fast_reconnection())
        .on_disconnect(move |_s, reason| r.push(reason))
        .connect()
        .await
        .unwrap();
    (client, reasons)
}

#[tokio::test]
async fn a_cut_connection_reconnects() {
    let server = TestServer::start().await;
    let proxy = Proxy::start(server.addr).await;
    let (client, reasons) = behind(&proxy).await;
    let before = whoami(&client).await;
    proxy.cut();
    let reason = reasons.next().await;
    assert!(
        matches!(
            reason,
            DisconnectReason::TransportClose | DisconnectReason::TransportError
        ),
        "{reason:?}"
    );
    client.main().wait_connected(WAIT).await.unwrap();
    let after = whoami(&client).await;
    assert_ne!(before["engineId"], after["engineId"]);
    client.disconnect().await;
    server.stop().await;
}

#[tokio::test]
async fn a_silent_server_is_detected_by_the_heartbeat() {
    let server = TestServer::start().await;
    let proxy = Proxy::start(server.addr).await;
    let (client, reasons) = behind(&proxy).await;
    proxy.freeze();
    // pingInterval 300 ms + pingTimeout 2 s without a ping.
    assert_eq!(reasons.next().await, DisconnectReason::PingTimeout);
    client.main().wait_connected(WAIT).await.unwrap();
    assert_eq!(whoami(&client).await["namespace"], "/");
    client.disconnect().await;
    server.stop().await;
}

#[tokio::test]
async fn a_blocked_websocket_falls_back_to_polling() {
    let server = TestServer::start().await;
    let proxy = Proxy::start(server.addr).await;
    proxy.control.refuse_websocket.store(true, Ordering::SeqCst);
    let echoes = Inbox::new();
    let e = echoes.clone();
    let client = Client::builder(proxy.url())
        .on("echo", move |_s, args: Vec<Value>, _ack| e.push(args))
        .connect()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(client.transport(), Some(Transport::Polling));
    for n in 0..20u32 {
        client.emit("echo", &(n,)).unwrap();
    }
    for n in 0..20u32 {
        assert_eq!(echoes.next().await, vec![Value::from(json!(n))]);
    }
    assert_eq!(whoami(&client).await["transport"], "polling");
    client.disconnect().await;
    server.stop().await;
}

#[tokio::test]
async fn gives_up_after_the_maximum_attempts() {
    // A port nothing listens on.
    let addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let failed = Inbox::new();
    let errors = Inbox::new();
    let (f, e) = (failed.clone(), errors.clone());
    let client = Client::builder(format!("http://{addr}"))
        .reconnection(Reconnection {
            max_attempts: Some(2),
            ..fast_reconnection()
        })
        .on_reconnect_failed(move || f.push(()))
        .on_connect_error(move |_s, err| e.push(err.message))
        .build()
        .unwrap();
    failed.next().await;
    for _ in 0..3 {
        assert!(!errors.next().await.is_empty());
    }
    tokio::time::timeout(WAIT, async {
        while !client.is_closed() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .unwrap();
    assert!(client.emit("echo", &()).is_err());
}
