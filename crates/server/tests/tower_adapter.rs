//! A namespace adapter chosen by `Config::adapter`: a counting wrapper around the local
//! adapter sees every broadcast, and sockets still get them (driven over the tower service).
#![cfg(feature = "tower")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use event_proto::{Encoded, Value};
use http::Request;
use http_body_util::{BodyExt, Full};
use tower::ServiceExt;
use wsio_server::adapter::AckReceiver;
use wsio_server::engine::Sid;
use wsio_server::{
    Adapter, AdapterContext, AdapterError, BoxFuture, BroadcastOptions, Config, LocalAdapter,
    RemoteSocket, Room, Server, Socket, SocketIoService,
};

/// Counts broadcasts, then hands everything to the local adapter.
struct Counting {
    local: LocalAdapter,
    broadcasts: Arc<AtomicUsize>,
}

impl Adapter for Counting {
    fn add_all(&self, sid: Sid, rooms: Vec<Room>) -> BoxFuture<'_, Result<(), AdapterError>> {
        self.local.add_all(sid, rooms)
    }
    fn del(&self, sid: Sid, rooms: Vec<Room>) -> BoxFuture<'_, Result<(), AdapterError>> {
        self.local.del(sid, rooms)
    }
    fn del_all(&self, sid: Sid) -> BoxFuture<'_, Result<(), AdapterError>> {
        self.local.del_all(sid)
    }
    fn socket_rooms(&self, sid: Sid) -> BoxFuture<'_, Result<Vec<Room>, AdapterError>> {
        self.local.socket_rooms(sid)
    }
    fn broadcast(
        &self,
        packet: Encoded,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        self.broadcasts.fetch_add(1, Ordering::SeqCst);
        self.local.broadcast(packet, opts)
    }
    fn broadcast_with_ack(
        &self,
        packet: Encoded,
        ack_id: u64,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, Result<Vec<AckReceiver>, AdapterError>> {
        self.broadcasts.fetch_add(1, Ordering::SeqCst);
        self.local.broadcast_with_ack(packet, ack_id, opts)
    }
    fn fetch_sockets(
        &self,
        opts: BroadcastOptions,
    ) -> BoxFuture<'_, Result<Vec<RemoteSocket>, AdapterError>> {
        self.local.fetch_sockets(opts)
    }
    fn add_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        self.local.add_sockets(opts, rooms)
    }
    fn del_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        self.local.del_sockets(opts, rooms)
    }
    fn disconnect_sockets(
        &self,
        opts: BroadcastOptions,
        close: bool,
    ) -> BoxFuture<'_, Result<(), AdapterError>> {
        self.local.disconnect_sockets(opts, close)
    }
}

/// A server whose namespaces count their broadcasts in `broadcasts`, and record their
/// names in `created` as their adapters are made.
fn counting_server(broadcasts: &Arc<AtomicUsize>, created: &Arc<Mutex<Vec<String>>>) -> Server {
    let (broadcasts, created) = (broadcasts.clone(), created.clone());
    let io = Server::new(Config {
        adapter: Some(Arc::new(move |ctx: &AdapterContext| -> Arc<dyn Adapter> {
            created.lock().unwrap().push(ctx.name().to_owned());
            Arc::new(Counting {
                local: ctx.local_adapter(),
                broadcasts: broadcasts.clone(),
            })
        })),
        ..Config::default()
    });
    // `shout` goes to every other socket of the namespace.
    io.ns("/", |socket: Socket| {
        socket.on("shout", |socket: Socket, args: Vec<Value>, _| {
            let to_others = socket.broadcast();
            tokio::spawn(async move { to_others.emit("shout", &args).await });
        });
    });
    io.dynamic_ns("/room-*", |_socket| {});
    io
}

async fn call(service: &SocketIoService, method: &str, query: &str, body: &str) -> String {
    let req = Request::builder()
        .method(method)
        .uri(format!("/socket.io/?EIO=4&transport=polling{query}"))
        .body(Full::new(Bytes::from(body.to_owned())))
        .expect("request");
    let response = service.clone().oneshot(req).await.expect("infallible");
    assert_eq!(response.status(), 200);
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    String::from_utf8(body.to_vec()).expect("utf8")
}

/// Opens a polling session joined to `ns`; returns its query suffix (`&sid=...`).
async fn joined(service: &SocketIoService, ns: &str) -> String {
    let open = call(service, "GET", "", "").await;
    let open: serde_json::Value = serde_json::from_str(&open[1..]).expect("open json");
    let query = format!("&sid={}", open["sid"].as_str().expect("sid"));
    let connect = if ns == "/" {
        "40".to_owned()
    } else {
        format!("40{ns},")
    };
    assert_eq!(call(service, "POST", &query, &connect).await, "ok");
    assert!(call(service, "GET", &query, "").await.starts_with("40"));
    query
}

#[tokio::test]
async fn broadcasts_go_through_the_configured_adapter() {
    let broadcasts = Arc::new(AtomicUsize::new(0));
    let created = Arc::default();
    let io = counting_server(&broadcasts, &created);
    assert_eq!(*created.lock().unwrap(), vec!["/".to_owned()]);
    let service = SocketIoService::new(io.clone());
    let a = joined(&service, "/").await;
    let b = joined(&service, "/").await;

    call(&service, "POST", &a, r#"42["shout","hello"]"#).await;
    assert_eq!(
        call(&service, "GET", &b, "").await,
        r#"42["shout","hello"]"#
    );
    assert_eq!(broadcasts.load(Ordering::SeqCst), 1);

    let ns = io.of("/").expect("ns");
    ns.emit("all", &()).await.expect("emit");
    assert_eq!(call(&service, "GET", &a, "").await, r#"42["all"]"#);
    assert_eq!(call(&service, "GET", &b, "").await, r#"42["all"]"#);
    assert_eq!(broadcasts.load(Ordering::SeqCst), 2);

    // Rooms live in the wrapped local adapter.
    let sockets = ns.sockets();
    sockets[0].join(["team"]).await.expect("join");
    assert_eq!(
        ns.to(["team"]).fetch_sockets().await.expect("fetch").len(),
        1
    );
}

#[tokio::test]
async fn dynamic_namespaces_get_their_adapter_when_created() {
    let broadcasts = Arc::new(AtomicUsize::new(0));
    let created = Arc::default();
    let io = counting_server(&broadcasts, &created);
    let service = SocketIoService::new(io.clone());
    joined(&service, "/room-1").await;
    joined(&service, "/room-1").await;
    joined(&service, "/room-2").await;
    assert_eq!(
        *created.lock().unwrap(),
        vec!["/".to_owned(), "/room-1".to_owned(), "/room-2".to_owned()]
    );
}

#[tokio::test]
async fn without_a_factory_namespaces_use_the_local_adapter() {
    assert!(Config::default().adapter.is_none());
    let io = Server::new(Config::default());
    io.ns("/", |_socket| {});
    let service = SocketIoService::new(io.clone());
    let a = joined(&service, "/").await;
    io.of("/").expect("ns").emit("hi", &()).await.expect("emit");
    assert_eq!(call(&service, "GET", &a, "").await, r#"42["hi"]"#);
}
