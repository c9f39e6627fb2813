//! Server-side events on one server: a handler reaches its namespace through a
//! `WeakNamespace` (no reference cycle), and `Server::server_side_emit` without `/`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{eventually, next_text, ws_joined};
use event_proto::Value;
use wsio_server::{Adapter, AdapterContext, Config, LocalAdapter, Server};

/// A server whose namespaces' in-memory adapters are kept in the returned list: calling
/// `emit_server_side` on one delivers as another server of a cluster would.
fn server_with_adapters() -> (Server, Arc<Mutex<Vec<Arc<LocalAdapter>>>>) {
    let adapters = Arc::new(Mutex::new(Vec::new()));
    let kept = adapters.clone();
    let config = Config {
        adapter: Some(Arc::new(move |ctx: &AdapterContext| -> Arc<dyn Adapter> {
            let adapter = Arc::new(ctx.local_adapter());
            kept.lock().unwrap().push(adapter.clone());
            adapter
        })),
        ..Config::default()
    };
    (Server::new(config), adapters)
}

#[tokio::test]
async fn a_server_side_handler_emits_through_a_weak_namespace_which_is_freed_with_the_server() {
    let (io, adapters) = server_with_adapters();
    let ns = io.ns("/", |_socket| {});
    let weak = ns.downgrade();
    ns.on_server_side("announce", move |args, _ack| {
        let weak = weak.clone();
        async move {
            let ns = weak
                .upgrade()
                .expect("the namespace is alive while the server is");
            ns.emit("announced", &args).await.unwrap();
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn({
        let io = io.clone();
        async move {
            io.serve(listener, async {
                let _ = stopped.await;
            })
            .await
        }
    });
    let (mut a, _) = ws_joined(addr).await;
    let (mut b, _) = ws_joined(addr).await;

    let adapter = adapters.lock().unwrap()[0].clone();
    adapter.emit_server_side(vec![Value::from("announce"), Value::from("hi")], None);
    assert_eq!(next_text(&mut a).await, r#"42["announced","hi"]"#);
    assert_eq!(next_text(&mut b).await, r#"42["announced","hi"]"#);

    let weak = ns.downgrade();
    stop.send(()).unwrap();
    served.await.unwrap().unwrap();
    eventually(|| ns.sockets().is_empty()).await;
    drop((io, ns, a, b));
    eventually(|| weak.upgrade().is_none()).await;
    // What the adapter delivers once the namespace is gone reaches no handler.
    adapter.emit_server_side(vec![Value::from("announce")], None);
}

#[tokio::test]
async fn server_side_emits_without_namespace_slash_reach_no_server_as_emits_reach_no_socket() {
    let io = Server::new(Config::default());
    io.ns("/admin", |_socket| {});
    io.emit("x", &(1,)).await.unwrap();
    io.server_side_emit("x", &(1,)).await.unwrap();
    let answers = io
        .server_side_emit_with_ack("x", &(1,), Duration::from_millis(50))
        .await
        .unwrap();
    assert!(answers.is_empty());
    assert!(io.of("/").is_none(), "emitting declares nothing");
}
