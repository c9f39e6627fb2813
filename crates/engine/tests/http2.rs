//! HTTP/2 on the engine's accept loop: polling over h2c, WebSockets over RFC 8441 extended
//! CONNECT (direct and as the upgrade of a polling session) sharing one connection with
//! polling, HTTP/1.1 WebSockets beside them, refusals, and the version detection bounded by
//! the header read timeout.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use common::Echo;
use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http2::SendRequest;
use hyper::ext::Protocol;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use wsio_engine::{Engine, EngineConfig, Transport};
use wsio_ws::{CloseCode, ExtensionPair, Message, Role, WebSocket};

/// Every wait that should end is bounded by this.
const WAIT: Duration = Duration::from_secs(5);

type Client = SendRequest<Full<Bytes>>;

/// An HTTP/2 client on `io` (prior knowledge or ALPN), once the server's SETTINGS (which
/// allow extended CONNECT) have arrived: a first request round trip guarantees that.
pub async fn h2_client<S>(io: S, authority: &str) -> Client
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut client, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(io))
            .await
            .expect("h2 handshake");
    tokio::spawn(connection);
    let (status, _) = send(&mut client, Method::GET, authority, "/", "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    client
}

/// One request on the connection; the status and body.
async fn send(
    client: &mut Client,
    method: Method,
    authority: &str,
    path: &str,
    body: &str,
) -> (StatusCode, String) {
    let req = Request::builder()
        .method(method)
        .uri(format!("http://{authority}{path}"))
        .body(Full::new(Bytes::from(body.to_owned())))
        .unwrap();
    let response = tokio::time::timeout(WAIT, client.send_request(req))
        .await
        .unwrap()
        .unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

/// The extended CONNECT request for `query`, `:protocol` and `sec-websocket-version`.
fn extended_connect(
    authority: &str,
    query: &str,
    protocol: &'static str,
    version: &str,
) -> Request<Full<Bytes>> {
    let mut req = Request::builder()
        .method(Method::CONNECT)
        .uri(format!("http://{authority}/engine.io/?{query}"))
        .header("sec-websocket-version", version)
        .body(Full::new(Bytes::new()))
        .unwrap();
    req.extensions_mut().insert(Protocol::from_static(protocol));
    req
}

/// An extended CONNECT for `query` with `:protocol` `protocol`: the response, and the
/// WebSocket over the stream when it was accepted.
async fn connect_ws(
    client: &mut Client,
    authority: &str,
    query: &str,
    protocol: &'static str,
) -> (StatusCode, Option<H2WebSocket>) {
    let req = extended_connect(authority, query, protocol, "13");
    let (status, _, ws) = open_stream(client, req, None).await;
    (status, ws)
}

/// Sends `req`; the response's status and headers, and when it is 200 the WebSocket over its stream, with
/// `extension` (what the response agreed).
async fn open_stream(
    client: &mut Client,
    req: Request<Full<Bytes>>,
    extension: Option<ExtensionPair>,
) -> (StatusCode, http::HeaderMap, Option<H2WebSocket>) {
    let response = tokio::time::timeout(WAIT, client.send_request(req))
        .await
        .unwrap()
        .unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    if status != StatusCode::OK {
        return (status, headers, None);
    }
    let stream = hyper::upgrade::on(response).await.expect("the stream");
    let ws = WebSocket::from_raw(
        TokioIo::new(stream),
        Role::Client,
        wsio_ws::Config::default(),
        BytesMut::new(),
        extension,
    );
    (status, headers, Some(ws))
}

/// The next message, within [`WAIT`].
async fn recv<S: AsyncRead + AsyncWrite + Unpin>(ws: &mut WebSocket<S>) -> Message {
    tokio::time::timeout(WAIT, ws.recv())
        .await
        .expect("a message in time")
        .expect("open")
        .expect("no error")
}

/// The session id of an open packet (`0{"sid":"...`).
fn sid_of(open: &str) -> String {
    open.split("\"sid\":\"").nth(1).unwrap()[..20].to_owned()
}

/// A direct WebSocket session: its id once the open packet arrived.
async fn open_direct<S: AsyncRead + AsyncWrite + Unpin>(ws: &mut WebSocket<S>) -> String {
    let Message::Text(open) = recv(ws).await else {
        panic!("the open packet is text");
    };
    assert!(open.starts_with("0{"), "{open}");
    sid_of(&open)
}

/// Text and binary messages come back.
async fn echoes<S: AsyncRead + AsyncWrite + Unpin>(ws: &mut WebSocket<S>, tag: &str) {
    ws.send(Message::Text(format!("4{tag}").into()))
        .await
        .unwrap();
    assert_eq!(recv(ws).await, Message::Text(format!("4{tag}").into()));
    let bytes = Bytes::from(vec![0u8, 1, 2, 255]);
    ws.send(Message::Binary(bytes.clone())).await.unwrap();
    assert_eq!(recv(ws).await, Message::Binary(bytes));
}

async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !done() {
        assert!(Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn start() -> (Engine<Echo>, SocketAddr) {
    common::start(EngineConfig::default()).await
}

type H2WebSocket = WebSocket<TokioIo<hyper::upgrade::Upgraded>>;

/// An engine, an h2c connection to it (its authority and client), and a direct WebSocket
/// session opened over that connection.
async fn start_with_websocket() -> (Engine<Echo>, SocketAddr, String, Client, H2WebSocket) {
    let (engine, addr) = start().await;
    let authority = addr.to_string();
    let mut client = h2_client(TcpStream::connect(addr).await.unwrap(), &authority).await;
    let query = "EIO=4&transport=websocket";
    let (status, ws) = connect_ws(&mut client, &authority, query, "websocket").await;
    assert_eq!(status, StatusCode::OK);
    (engine, addr, authority, client, ws.unwrap())
}

#[tokio::test]
async fn a_websocket_over_h2c_echoes_and_closes_cleanly() {
    let (engine, _addr, authority, mut client, mut ws) = start_with_websocket().await;
    let sid = open_direct(&mut ws).await;
    let session = engine.session(&sid).expect("a live session");
    assert_eq!(session.transport(), Transport::WebSocket);
    echoes(&mut ws, "over h2").await;
    ws.close(CloseCode::NORMAL, "").await.unwrap();
    wait_until("the session closes", || engine.session_count() == 0).await;
    // The connection outlives the WebSocket stream.
    let (status, _) = send(&mut client, Method::GET, &authority, "/", "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_reset_stream_ends_its_session_as_a_transport_close_and_spares_the_connection() {
    let (engine, _addr, authority, mut client, mut ws) = start_with_websocket().await;
    open_direct(&mut ws).await;
    let (_, other) = connect_ws(
        &mut client,
        &authority,
        "EIO=4&transport=websocket",
        "websocket",
    )
    .await;
    let mut other = other.unwrap();
    open_direct(&mut other).await;
    // Dropping a stream without ending it resets it (RST_STREAM, CANCEL): no close frame.
    drop(ws);
    wait_until("the reset session closes", || engine.session_count() == 1).await;
    // As a reset TCP connection: the peer went away (`transport close`), no protocol error.
    let stats = engine.stats();
    assert_eq!(stats.closed(wsio_engine::CloseReason::TransportClose), 1);
    assert_eq!(stats.closed(wsio_engine::CloseReason::TransportError), 0);
    // The connection and its other WebSocket carry on.
    echoes(&mut other, "after a reset").await;
    let (status, _) = send(&mut client, Method::GET, &authority, "/", "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn two_websockets_and_polling_share_one_connection() {
    let (engine, addr) = start().await;
    let authority = addr.to_string();
    let tcp = TcpStream::connect(addr).await.unwrap();
    let local = tcp.local_addr().unwrap();
    let mut client = h2_client(tcp, &authority).await;

    let (_, open) = send(
        &mut client,
        Method::GET,
        &authority,
        "/engine.io/?EIO=4&transport=polling",
        "",
    )
    .await;
    let polling_sid = sid_of(&open);
    let polling = format!("/engine.io/?EIO=4&transport=polling&sid={polling_sid}");
    let (status, ok) = send(&mut client, Method::POST, &authority, &polling, "4polled").await;
    assert_eq!((status, ok.as_str()), (StatusCode::OK, "ok"));

    let direct = "EIO=4&transport=websocket";
    let (_, first) = connect_ws(&mut client, &authority, direct, "websocket").await;
    let (_, second) = connect_ws(&mut client, &authority, direct, "websocket").await;
    let (mut first, mut second) = (first.unwrap(), second.unwrap());
    let first_sid = open_direct(&mut first).await;
    let second_sid = open_direct(&mut second).await;
    echoes(&mut first, "first").await;
    echoes(&mut second, "second").await;
    let (status, polled) = send(&mut client, Method::GET, &authority, &polling, "").await;
    assert_eq!((status, polled.as_str()), (StatusCode::OK, "4polled"));

    // Every session came from the client's one TCP connection.
    for sid in [&polling_sid, &first_sid, &second_sid] {
        let session = engine.session(sid).expect("live");
        assert_eq!(session.info().remote_addr, Some(local), "{sid}");
    }
    assert_eq!(engine.session_count(), 3);

    // The polling session upgrades over the same connection too.
    let upgrade = format!("EIO=4&transport=websocket&sid={polling_sid}");
    let (status, probe) = connect_ws(&mut client, &authority, &upgrade, "websocket").await;
    assert_eq!(status, StatusCode::OK);
    let mut probe = probe.unwrap();
    probe.send(Message::Text("2probe".into())).await.unwrap();
    assert_eq!(recv(&mut probe).await, Message::Text("3probe".into()));
    probe.send(Message::Text("5".into())).await.unwrap();
    let session = engine.session(&polling_sid).unwrap();
    wait_until("the upgrade", || {
        session.transport() == Transport::WebSocket
    })
    .await;
    echoes(&mut probe, "upgraded").await;
    // Three WebSockets came as HTTP/2 streams: two sessions and one upgrade.
    let stats = engine.stats();
    assert_eq!((stats.websockets_over_http2, stats.upgrades), (3, 1));

    for ws in [&mut first, &mut second, &mut probe] {
        ws.close(CloseCode::NORMAL, "").await.unwrap();
    }
    wait_until("every session closes", || engine.session_count() == 0).await;
}

#[tokio::test]
async fn an_http1_websocket_still_works_beside_h2() {
    let (engine, addr, _authority, _client, mut h2) = start_with_websocket().await;
    open_direct(&mut h2).await;

    let url = format!("ws://{addr}/engine.io/?EIO=4&transport=websocket");
    let mut h1 = wsio_ws::connect(&url, wsio_ws::Config::default())
        .await
        .expect("an HTTP/1.1 websocket");
    open_direct(&mut h1).await;
    echoes(&mut h1, "http/1.1").await;
    echoes(&mut h2, "h2").await;
    assert_eq!(
        engine.stats().websockets_over_http2,
        1,
        "the HTTP/1.1 one is not counted"
    );
    h1.close(CloseCode::NORMAL, "").await.unwrap();
    h2.close(CloseCode::NORMAL, "").await.unwrap();
    wait_until("both sessions close", || engine.session_count() == 0).await;
}

#[tokio::test]
async fn a_connect_for_another_protocol_or_version_gets_400() {
    let (engine, _addr, authority, mut client, mut open) = start_with_websocket().await;
    open_direct(&mut open).await;
    let query = "EIO=4&transport=websocket";
    let (status, ws) = connect_ws(&mut client, &authority, query, "webtransport").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(ws.is_none());

    let req = extended_connect(&authority, query, "websocket", "8");
    let response = client.send_request(req).await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        engine.session_count(),
        1,
        "no session for a refused CONNECT"
    );
    assert_eq!(
        engine.stats().websockets_over_http2,
        1,
        "refusals are not counted"
    );

    // The connection and its WebSocket stream carry on.
    echoes(&mut open, "after the refusals").await;
}

#[tokio::test]
async fn a_silent_or_stalled_connection_is_closed_after_the_header_read_timeout() {
    let (_engine, addr) = common::start(EngineConfig {
        header_read_timeout: Some(Duration::from_millis(200)),
        ..EngineConfig::default()
    })
    .await;
    for sent in [&b""[..], b"PRI * HTTP/2.0\r\n"] {
        let mut tcp = TcpStream::connect(addr).await.unwrap();
        tcp.write_all(sent).await.unwrap();
        let started = Instant::now();
        let mut rest = Vec::new();
        let read = tokio::time::timeout(WAIT, tcp.read_to_end(&mut rest)).await;
        assert!(read.is_ok(), "{sent:?}: still open after {WAIT:?}");
        assert!(started.elapsed() >= Duration::from_millis(150), "{sent:?}");
    }
}

/// Over TLS: ALPN offers `h2` then `http/1.1` when the server's list is left empty; an `h2`
/// client opens a WebSocket over an extended CONNECT, an `http/1.1` client polls.
#[cfg(feature = "tls")]
#[tokio::test]
async fn over_tls_alpn_picks_h2_or_http1() {
    use std::sync::Arc;

    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
    use wsio_engine::ServeConfig;

    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let cert: CertificateDer<'static> = made.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(made.signing_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let server = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.clone()], key)
        .unwrap();
    assert!(server.alpn_protocols.is_empty());

    let engine = Engine::new(EngineConfig::default(), Echo);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let serving = engine.clone();
    let config = ServeConfig::new().tls(Arc::new(server));
    tokio::spawn(async move {
        serving
            .serve_using(listener, std::future::pending(), config)
            .await
    });

    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert).unwrap();
    let connect = |alpn: &'static [u8]| {
        let mut client = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots.clone())
            .with_no_client_auth();
        client.alpn_protocols = vec![alpn.to_vec()];
        let connector = tokio_rustls::TlsConnector::from(Arc::new(client));
        async move {
            let tcp = TcpStream::connect(addr).await.unwrap();
            let name = ServerName::try_from("localhost").unwrap();
            let tls = connector.connect(name, tcp).await.expect("TLS handshake");
            assert_eq!(tls.get_ref().1.alpn_protocol(), Some(alpn));
            tls
        }
    };

    let authority = format!("localhost:{}", addr.port());
    let mut client = h2_client(connect(b"h2").await, &authority).await;
    let query = "EIO=4&transport=websocket";
    let (status, ws) = connect_ws(&mut client, &authority, query, "websocket").await;
    assert_eq!(status, StatusCode::OK);
    let mut ws = ws.unwrap();
    open_direct(&mut ws).await;
    echoes(&mut ws, "over h2 and TLS").await;
    ws.close(CloseCode::NORMAL, "").await.unwrap();

    let mut http1 = connect(b"http/1.1").await;
    http1
        .write_all(
            b"GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: localhost\r\n\
              Connection: close\r\n\r\n",
        )
        .await
        .unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(WAIT, http1.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.contains("\"sid\":\""), "{answer}");
}

#[tokio::test]
async fn stopping_closes_h2_websockets_and_the_connection() {
    use wsio_engine::ServeConfig;

    let engine = Engine::new(EngineConfig::default(), Echo);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = engine.clone();
    let served = tokio::spawn(async move {
        let stop = async {
            let _ = stopped.await;
        };
        let config = ServeConfig::new().drain_timeout(WAIT);
        serving.serve_using(listener, stop, config).await
    });
    let authority = addr.to_string();
    let mut client = h2_client(TcpStream::connect(addr).await.unwrap(), &authority).await;
    let query = "EIO=4&transport=websocket";
    let (_, ws) = connect_ws(&mut client, &authority, query, "websocket").await;
    let mut ws = ws.unwrap();
    open_direct(&mut ws).await;

    let started = Instant::now();
    stop.send(()).unwrap();
    let mut closed = false;
    while let Some(received) = tokio::time::timeout(WAIT, ws.recv()).await.unwrap() {
        closed |= matches!(received, Ok(Message::Close(_)));
    }
    assert!(closed, "the server closes the WebSocket");
    tokio::time::timeout(WAIT, served)
        .await
        .expect("the serve returns")
        .unwrap()
        .unwrap();
    assert!(
        started.elapsed() < WAIT / 2,
        "the drain waited for its timeout: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn permessage_deflate_is_agreed_over_h2() {
    let (engine, addr) = common::start(EngineConfig {
        deflate: Some(ws_handshake::DeflatePolicy::default()),
        ..EngineConfig::default()
    })
    .await;
    let authority = addr.to_string();
    let mut client = h2_client(TcpStream::connect(addr).await.unwrap(), &authority).await;
    let mut req = extended_connect(&authority, "EIO=4&transport=websocket", "websocket", "13");
    req.headers_mut().insert(
        "sec-websocket-extensions",
        http::HeaderValue::from_static("permessage-deflate; client_max_window_bits"),
    );
    let threshold = wsio_ws::Config::default().compression_threshold;
    let agreed = ws_handshake::PerMessageDeflateConfig::default();
    let extension = ExtensionPair::deflate(Role::Client, &agreed, threshold).unwrap();
    let (_, headers, ws) = open_stream(&mut client, req, Some(extension)).await;
    assert_eq!(
        headers.get("sec-websocket-extensions").unwrap(),
        "permessage-deflate"
    );
    let mut ws = ws.unwrap();
    open_direct(&mut ws).await;
    // Compressed both ways (RSV1 set): a server without the extension would fail the frame.
    let text = format!("4{}", "compressible ".repeat(400));
    ws.send(Message::Text(text.clone().into())).await.unwrap();
    assert_eq!(recv(&mut ws).await, Message::Text(text.into()));
    ws.close(CloseCode::NORMAL, "").await.unwrap();
    wait_until("the session closes", || engine.session_count() == 0).await;
}

#[tokio::test]
async fn an_idle_h2_connection_is_pinged_and_closed_when_the_peer_is_gone() {
    let (_engine, addr) = common::start(EngineConfig {
        ping_interval: Duration::from_millis(200),
        ping_timeout: Duration::from_millis(200),
        ..EngineConfig::default()
    })
    .await;
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    // The preface and an empty SETTINGS frame, then silence: a peer that no longer answers.
    tcp.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0")
        .await
        .unwrap();
    let started = Instant::now();
    let mut received = Vec::new();
    let read = tokio::time::timeout(WAIT, tcp.read_to_end(&mut received)).await;
    assert!(read.is_ok(), "still open after {WAIT:?}");
    assert!(started.elapsed() >= Duration::from_millis(300));
    let mut frame_types = Vec::new();
    let mut rest = &received[..];
    while rest.len() >= 9 {
        let len = usize::from(rest[0]) << 16 | usize::from(rest[1]) << 8 | usize::from(rest[2]);
        frame_types.push((rest[3], rest[4]));
        rest = &rest[(9 + len).min(rest.len())..];
    }
    assert!(
        frame_types.contains(&(0x6, 0)),
        "a PING was sent: {frame_types:?}"
    );
}

#[tokio::test]
async fn a_held_poll_and_a_post_run_at_once_on_one_connection() {
    let (_engine, addr) = start().await;
    let authority = addr.to_string();
    let mut client = h2_client(TcpStream::connect(addr).await.unwrap(), &authority).await;
    let open = "/engine.io/?EIO=4&transport=polling";
    let (_, opened) = send(&mut client, Method::GET, &authority, open, "").await;
    let polling = format!("{open}&sid={}", sid_of(&opened));

    let mut poller = client.clone();
    let (held_authority, held_path) = (authority.clone(), polling.clone());
    let held = tokio::spawn(async move {
        send(&mut poller, Method::GET, &held_authority, &held_path, "").await
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!held.is_finished(), "a poll with nothing to say is held");
    let (status, ok) = send(&mut client, Method::POST, &authority, &polling, "4both").await;
    assert_eq!((status, ok.as_str()), (StatusCode::OK, "ok"));
    let (status, polled) = tokio::time::timeout(WAIT, held).await.unwrap().unwrap();
    assert_eq!((status, polled.as_str()), (StatusCode::OK, "4both"));
}
