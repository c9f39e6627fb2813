//! Two instrumented wsio servers sharing a Redis server (`WSIO_REDIS_URL`, which `cargo xtask
//! test` sets) through wsio-adapter-redis, the observer wrapping the cluster adapter. A UI
//! connected to one server sees the other's stats, sockets and live events, and its actions
//! reach the other's sockets. Without `WSIO_REDIS_URL` the test passes after printing a
//! notice.

use std::time::Duration;

use serde_json::{Value as Json, json};
use tokio::sync::mpsc;
use wsio_adapter_redis::{RedisAdapterConfig, RedisCluster};
use wsio_admin_ui::{AdminUiOptions, Observer};
use wsio_client::{Client, DisconnectReason, Reconnection};
use wsio_server::{Config, Server};

const WAIT: Duration = Duration::from_secs(10);

/// An instrumented server named `name` on the Redis cluster of `url` under channel prefix
/// `key`; returns its URL.
async fn node(url: &str, key: &str, name: &str) -> (String, Server, RedisCluster) {
    let cluster = RedisCluster::connect(
        url,
        RedisAdapterConfig {
            key: key.to_owned(),
            requests_timeout: Duration::from_secs(2),
            ..RedisAdapterConfig::default()
        },
    )
    .await
    .expect("Redis");
    let observer = Observer::new();
    let mut config = Config {
        adapter: Some(cluster.factory()),
        ..Config::default()
    };
    observer.install(&mut config);
    let io = Server::new(config);
    io.ns("/", |_socket| {});
    let server = io.clone();
    wsio_admin_ui::instrument(
        &io,
        AdminUiOptions {
            observer: Some(observer),
            server_id: Some(name.to_owned()),
            stats_interval: Duration::from_millis(200),
            ..AdminUiOptions::default()
        },
    )
    .expect("instrument");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move { io.serve(listener, std::future::pending()).await });
    (format!("http://{addr}"), server, cluster)
}

/// Waits until the namespaces `/` and `/admin` of `io` see `count` servers (the adapter
/// subscribes in the background).
async fn until_servers(io: &Server, count: usize) {
    for name in ["/", "/admin"] {
        let ns = io.of(name).expect("namespace");
        let mut seen = 0;
        for _ in 0..200 {
            seen = ns.server_count().await.unwrap_or(0);
            if seen == count {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(seen, count, "servers seen by {name}");
    }
}

fn no_reconnection() -> Reconnection {
    Reconnection {
        enabled: false,
        ..Reconnection::default()
    }
}

/// The next event named `event` whose arguments satisfy `matches`.
async fn expect(
    events: &mut mpsc::UnboundedReceiver<(String, Vec<Json>)>,
    event: &str,
    matches: impl Fn(&[Json]) -> bool,
) -> Vec<Json> {
    let found = tokio::time::timeout(WAIT, async {
        while let Some((name, args)) = events.recv().await {
            if name == event && matches(&args) {
                return Some(args);
            }
        }
        None
    })
    .await;
    match found {
        Ok(Some(args)) => args,
        _ => panic!("no {event} event arrived"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ui_on_one_server_sees_and_drives_the_other() {
    let Some(url) = std::env::var("WSIO_REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        println!("WSIO_REDIS_URL is not set: skipped (cargo xtask test sets it)");
        return;
    };
    // A prefix of its own, so that other tests on the same Redis stay out.
    let key = format!("admin-ui-{}", std::process::id());
    let (url_a, io_a, _a) = node(&url, &key, "a").await;
    let (url_b, io_b, _b) = node(&url, &key, "b").await;
    until_servers(&io_a, 2).await;
    until_servers(&io_b, 2).await;

    // A user of server b, there before the UI.
    let (reasons_tx, mut reasons) = mpsc::unbounded_channel();
    let early = Client::builder(format!("{url_b}/"))
        .reconnection(no_reconnection())
        .on_disconnect(move |_s, reason| {
            let _ = reasons_tx.send(reason);
        })
        .connect()
        .await
        .expect("user of b");
    let early_id = early.main().id().expect("id");

    let (tx, mut events) = mpsc::unbounded_channel();
    let _admin = Client::builder(format!("{url_a}/admin"))
        .reconnection(no_reconnection())
        .on_any(move |_s, event, args| {
            let args = args
                .iter()
                .map(|a| serde_json::to_value(a).expect("JSON"))
                .collect();
            let _ = tx.send((event.to_owned(), args));
        })
        .connect()
        .await
        .expect("admin of a");

    // Every server's sockets, through fetch_sockets.
    let all = expect(&mut events, "all_sockets", |_| true).await;
    let listed = all[0]
        .as_array()
        .expect("list")
        .iter()
        .find(|s| s["id"] == early_id.as_str())
        .cloned()
        .expect("the user of b is listed by a");
    assert_eq!(listed["nsp"], "/");
    assert_eq!(listed["rooms"], json!([early_id]));

    // Both servers' stats reach the UI.
    expect(&mut events, "server_stats", |a| a[0]["serverId"] == "a").await;
    expect(&mut events, "server_stats", |a| a[0]["serverId"] == "b").await;

    // Server b reports its new socket to the UI connected to a.
    let late = Client::builder(format!("{url_b}/"))
        .reconnection(no_reconnection())
        .connect()
        .await
        .expect("second user of b");
    let late_id = late.main().id().expect("id");
    let connected = expect(&mut events, "socket_connected", |a| {
        a[0]["id"] == late_id.as_str()
    })
    .await;
    assert!(matches!(
        connected[0]["transport"].as_str(),
        Some("polling" | "websocket")
    ));

    // The UI's disconnect, sent to a, reaches the user of b.
    _admin
        .emit("_disconnect", &("/", false, early_id.as_str()))
        .expect("emit");
    let reason = tokio::time::timeout(WAIT, reasons.recv()).await;
    assert_eq!(reason, Ok(Some(DisconnectReason::IoServerDisconnect)));
    let gone = expect(&mut events, "socket_disconnected", |a| {
        a[1] == early_id.as_str()
    })
    .await;
    assert_eq!(gone[2], "server namespace disconnect");
}
