//! The server as a tower service and layer, driven without TCP: `oneshot` requests for
//! polling, an in-memory hyper connection for WebSocket.
#![cfg(feature = "tower")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tower::ServiceExt;
use tower_layer::Layer;
use wsio_server::{Config, Server, Socket, SocketIoLayer, SocketIoService};
use wsio_ws::Message;

/// A server whose namespace `/` answers `echo` with the same event and an ack.
fn echo_server(config: Config) -> Server {
    let io = Server::new(config);
    io.ns("/", |socket: Socket| common::on_echo(&socket));
    io
}

fn request(method: &str, target: &str, body: impl Into<Bytes>) -> Request<Full<Bytes>> {
    Request::builder()
        .method(method)
        .uri(target)
        .body(Full::new(body.into()))
        .expect("request")
}

async fn text<B>(response: Response<B>) -> (StatusCode, String)
where
    B: hyper::body::Body,
    B::Error: std::fmt::Debug,
{
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (status, String::from_utf8(body.to_vec()).expect("utf8"))
}

/// One request to the Engine.IO path through `service`.
async fn call(
    service: &SocketIoService,
    method: &str,
    query: &str,
    body: &'static [u8],
) -> (StatusCode, String) {
    let req = request(method, &format!("/socket.io/?{query}"), body);
    text(service.clone().oneshot(req).await.expect("infallible")).await
}

/// A polling session over the tower service.
struct Polling {
    service: SocketIoService,
    sid: String,
}

impl Polling {
    async fn open(service: &SocketIoService) -> (Polling, serde_json::Value) {
        let (status, body) = call(service, "GET", "EIO=4&transport=polling", b"").await;
        assert_eq!(status, 200);
        let open: serde_json::Value =
            serde_json::from_str(body.strip_prefix('0').expect("open")).expect("open packet json");
        let sid = open["sid"].as_str().expect("sid").to_owned();
        let polling = Polling {
            service: service.clone(),
            sid,
        };
        (polling, open)
    }

    fn query(&self) -> String {
        format!("EIO=4&transport=polling&sid={}", self.sid)
    }

    async fn post(&self, body: &'static [u8]) -> (StatusCode, String) {
        call(&self.service, "POST", &self.query(), body).await
    }

    async fn get(&self) -> (StatusCode, String) {
        call(&self.service, "GET", &self.query(), b"").await
    }
}

async fn eventually(mut f: impl FnMut() -> bool) {
    for _ in 0..500 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("condition never held");
}

#[tokio::test]
async fn polling_handshake_answers_the_open_packet() {
    let io = echo_server(Config::default());
    let service = SocketIoService::new(io.clone());
    let (_session, open) = Polling::open(&service).await;
    assert_eq!(open["upgrades"], serde_json::json!(["websocket"]));
    assert_eq!(open["pingInterval"], 25_000);
    assert_eq!(open["pingTimeout"], 20_000);
    assert_eq!(open["maxPayload"], 1_000_000);
    assert_eq!(open["sid"].as_str().map(str::len), Some(20));
    assert_eq!(io.session_count(), 1);
}

#[tokio::test]
async fn polling_connect_then_event_and_ack() {
    let service = SocketIoService::new(echo_server(Config::default()));
    let (session, _) = Polling::open(&service).await;
    assert_eq!(session.post(b"40").await, (StatusCode::OK, "ok".to_owned()));
    let (status, connected) = session.get().await;
    assert_eq!(status, 200);
    assert!(connected.starts_with(r#"40{"sid":""#), "{connected}");

    assert_eq!(session.post(br#"421["echo",{"a":1},2]"#).await.0, 200);
    let (status, reply) = session.get().await;
    assert_eq!(status, 200);
    assert_eq!(reply, "42[\"echo\",{\"a\":1},2]\u{1e}431[{\"a\":1},2]");
}

#[tokio::test]
async fn a_held_get_is_answered_by_a_later_emit() {
    let service = SocketIoService::new(echo_server(Config::default()));
    let (session, _) = Polling::open(&service).await;
    session.post(b"40").await;
    session.get().await;
    let pending = tokio::spawn({
        let query = session.query();
        let service = service.clone();
        async move { call(&service, "GET", &query, b"").await }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!pending.is_finished());
    session.post(br#"42["echo","late"]"#).await;
    let (status, body) = pending.await.expect("task");
    assert_eq!(
        (status.as_u16(), body.as_str()),
        (200, r#"42["echo","late"]"#)
    );
}

#[tokio::test]
async fn engine_errors_are_json_answers() {
    let service = SocketIoService::new(echo_server(Config::default()));
    let (status, body) = call(&service, "GET", "EIO=4&transport=polling&sid=nope", b"").await;
    assert_eq!(status, 400);
    assert_eq!(body, r#"{"code":1,"message":"Session ID unknown"}"#);
    let (status, body) = call(&service, "GET", "EIO=4&transport=carrier-pigeon", b"").await;
    assert_eq!(status, 400);
    assert_eq!(body, r#"{"code":0,"message":"Transport unknown"}"#);
    // The service answers for the Engine.IO path only.
    let req = request("GET", "/elsewhere", Bytes::new());
    let response = service.clone().oneshot(req).await.expect("infallible");
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn oversized_post_is_refused_and_closes_the_session() {
    let io = echo_server(Config {
        max_payload: 100,
        ..Config::default()
    });
    let service = SocketIoService::new(io.clone());
    // No Content-Length: the body is read up to one byte past the limit.
    let (session, open) = Polling::open(&service).await;
    assert_eq!(open["maxPayload"], 100);
    let (status, _) = session.post(&[b'4'; 200]).await;
    assert_eq!(status, 413);
    eventually(|| io.session_count() == 0).await;
    assert_eq!(session.get().await.0, 400);

    // A declared length past the limit is refused from the header.
    let (session, _) = Polling::open(&service).await;
    let mut req = request(
        "POST",
        &format!("/socket.io/?{}", session.query()),
        b"40".as_slice(),
    );
    req.headers_mut()
        .insert(http::header::CONTENT_LENGTH, http::HeaderValue::from(5000));
    let response = service.clone().oneshot(req).await.expect("infallible");
    assert_eq!(response.status(), 413);
    eventually(|| io.session_count() == 0).await;

    // A body of exactly the limit passes.
    let (session, _) = Polling::open(&service).await;
    let body: &'static [u8] = format!("42[\"echo\",\"{}\"]", "x".repeat(87))
        .leak()
        .as_bytes();
    assert_eq!(body.len(), 100);
    assert_eq!(session.post(b"40").await.0, 200);
    assert_eq!(session.post(body).await.0, 200);
}

/// The application beside Socket.IO in the layer tests: "app" on every path, with 404 for
/// `/missing`.
fn app<B: Send + 'static>() -> impl tower_service::Service<
    Request<B>,
    Response = Response<Full<Bytes>>,
    Error = Infallible,
    Future = impl Send,
> + Clone
+ Send
+ 'static {
    tower::service_fn(|req: Request<B>| async move {
        let mut response = Response::new(Full::new(Bytes::from_static(b"app")));
        if req.uri().path() == "/missing" {
            *response.status_mut() = StatusCode::NOT_FOUND;
        }
        Ok::<_, Infallible>(response)
    })
}

#[tokio::test]
async fn layer_routes_the_engine_path_to_socketio_and_the_rest_to_the_app() {
    let io = echo_server(Config::default());
    let service = SocketIoLayer::new(io.clone()).layer(app());
    for path in ["/", "/index.html", "/socket.iox/", "/missing"] {
        let req = request("GET", path, Bytes::new());
        let (status, body) = text(service.clone().oneshot(req).await.expect("app")).await;
        assert_eq!(body, "app", "{path}");
        let expected = if path == "/missing" { 404 } else { 200 };
        assert_eq!(status, expected, "{path}");
    }
    assert_eq!(io.session_count(), 0);
    for path in ["/socket.io/", "/socket.io"] {
        let req = request(
            "GET",
            &format!("{path}?EIO=4&transport=polling"),
            Bytes::new(),
        );
        let (status, body) = text(service.clone().oneshot(req).await.expect("io")).await;
        assert_eq!(status, 200);
        assert!(body.starts_with(r#"0{"sid":""#), "{body}");
    }
    assert_eq!(io.session_count(), 2);
}

#[tokio::test]
async fn layer_follows_a_custom_engine_path() {
    let io = echo_server(Config {
        path: "/rt/".to_owned(),
        ..Config::default()
    });
    let service = SocketIoLayer::new(io.clone()).layer(app());
    let req = request("GET", "/socket.io/?EIO=4&transport=polling", Bytes::new());
    let (_, body) = text(service.clone().oneshot(req).await.expect("app")).await;
    assert_eq!(body, "app");
    let req = request("GET", "/rt/?EIO=4&transport=polling", Bytes::new());
    let (status, body) = text(service.oneshot(req).await.expect("io")).await;
    assert_eq!(status, 200);
    assert!(body.starts_with('0'), "{body}");
}

#[tokio::test]
async fn remote_address_comes_from_the_request_extension() {
    let seen: Arc<Mutex<Vec<Option<SocketAddr>>>> = Arc::default();
    let io = Server::new(Config::default());
    io.ns("/", {
        let seen = seen.clone();
        move |socket: Socket| seen.lock().unwrap().push(socket.handshake().remote_addr)
    });
    let fallback: SocketAddr = "10.0.0.1:9".parse().unwrap();
    let peer: SocketAddr = "192.0.2.7:4242".parse().unwrap();
    let service = SocketIoService::new(io).with_remote(Some(fallback));

    let (without, _) = Polling::open(&service).await;
    without.post(b"40").await;
    let mut req = request("GET", "/socket.io/?EIO=4&transport=polling", Bytes::new());
    req.extensions_mut().insert(peer);
    let (_, body) = text(service.clone().oneshot(req).await.expect("io")).await;
    let open: serde_json::Value = serde_json::from_str(&body[1..]).expect("json");
    let with = Polling {
        service: service.clone(),
        sid: open["sid"].as_str().expect("sid").to_owned(),
    };
    with.post(b"40").await;
    assert_eq!(*seen.lock().unwrap(), vec![Some(fallback), Some(peer)]);
}

/// Serves `service` on one end of an in-memory pipe, as hyper serves a TCP connection.
fn serve_in_memory<S>(service: S) -> tokio::io::DuplexStream
where
    S: tower_service::Service<
            Request<hyper::body::Incoming>,
            Response = Response<http_body_util::Either<Full<Bytes>, Full<Bytes>>>,
            Error = Infallible,
        > + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let (client, server) = tokio::io::duplex(64 * 1024);
    tokio::spawn(async move {
        let _ = hyper::server::conn::http1::Builder::new()
            .serve_connection(TokioIo::new(server), TowerToHyperService::new(service))
            .with_upgrades()
            .await;
    });
    client
}

async fn next_text<S>(ws: &mut wsio_ws::WebSocket<S>) -> String
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let message = tokio::time::timeout(Duration::from_secs(5), ws.recv())
        .await
        .expect("in time")
        .expect("open")
        .expect("ok");
    match message {
        Message::Text(t) => t.as_str().to_owned(),
        other => panic!("expected text, got {other:?}"),
    }
}

#[tokio::test]
async fn websocket_through_the_layer_under_hyper() {
    let io = echo_server(Config::default());
    let client =
        serve_in_memory(SocketIoLayer::new(io.clone()).layer(app::<hyper::body::Incoming>()));
    let url =
        wsio_ws::WsUrl::parse("ws://wsio.test/socket.io/?EIO=4&transport=websocket").expect("url");
    let mut ws = wsio_ws::connect_on(client, &url, wsio_ws::Config::default(), &[])
        .await
        .expect("upgrade");
    let open = next_text(&mut ws).await;
    assert!(open.starts_with(r#"0{"sid":""#), "{open}");
    assert!(open.contains(r#""upgrades":[]"#), "{open}");
    ws.send("40").await.expect("connect");
    assert!(next_text(&mut ws).await.starts_with("40{"));
    ws.send(r#"421["echo","hi"]"#).await.expect("event");
    assert_eq!(next_text(&mut ws).await, r#"42["echo","hi"]"#);
    assert_eq!(next_text(&mut ws).await, r#"431["hi"]"#);
    assert_eq!(io.session_count(), 1);
}

#[tokio::test]
async fn polling_upgrades_to_websocket_through_the_layer() {
    let io = echo_server(Config::default());
    let layered = SocketIoLayer::new(io.clone()).layer(app::<hyper::body::Incoming>());
    let polling = SocketIoService::new(io.clone());
    let (session, _) = Polling::open(&polling).await;
    session.post(b"40").await;
    assert!(session.get().await.1.starts_with("40{"));

    let client = serve_in_memory(layered);
    let target = format!(
        "ws://wsio.test/socket.io/?EIO=4&transport=websocket&sid={}",
        session.sid
    );
    let url = wsio_ws::WsUrl::parse(&target).expect("url");
    let mut ws = wsio_ws::connect_on(client, &url, wsio_ws::Config::default(), &[])
        .await
        .expect("upgrade");
    ws.send("2probe").await.expect("probe");
    assert_eq!(next_text(&mut ws).await, "3probe");
    ws.send("5").await.expect("upgrade");
    ws.send(r#"42["echo","ws"]"#).await.expect("event");
    assert_eq!(next_text(&mut ws).await, r#"42["echo","ws"]"#);
}
