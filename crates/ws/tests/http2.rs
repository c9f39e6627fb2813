//! WebSockets over HTTP/2 (RFC 8441) from the client side, on loopback: against wsio-engine
//! (an Engine.IO echo) over h2c and over TLS, against small hyper servers written here (a raw
//! WebSocket echo over extended CONNECT, one that does not enable it, one that speaks only
//! HTTP/1.1), with the fallbacks of `Http2Mode::Prefer` and the refusals.
#![cfg(feature = "http2")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use event_proto::Message as EioMessage;
use http::{Method, Request, Response, StatusCode};
use http_body_util::Empty;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use wsio_engine::{
    BoxFuture, CloseReason, Engine, EngineConfig, Handler, Messages, Outgoing, Session,
    SessionHandler,
};
use wsio_ws::{
    CloseCode, Config, Error, ExtensionPair, H2Connector, Http2Mode, Message, Role, WebSocket,
};

/// Every wait that should end is bounded by this.
const WAIT: Duration = Duration::from_secs(5);

/// The Engine.IO path of a direct WebSocket session.
const ENGINE_IO: &str = "/engine.io/?EIO=4&transport=websocket";

// ---------------------------------------------------------------------------------------------
// Servers

/// Echoes every Engine.IO message back on its session.
struct Echo;

impl Handler for Echo {
    fn on_open(&self, session: &Arc<Session>) -> Arc<dyn SessionHandler> {
        session.confirm();
        Arc::new(EchoSession(Arc::downgrade(session)))
    }
}

struct EchoSession(Weak<Session>);

impl SessionHandler for EchoSession {
    fn on_message(&self, message: EioMessage) -> BoxFuture<'_, ()> {
        if let Some(session) = self.0.upgrade() {
            let _ = session.push(Outgoing::Messages(Messages::one(message)), false);
        }
        Box::pin(std::future::ready(()))
    }

    fn on_close(&self, _reason: CloseReason) {}
}

/// A TCP proxy on 127.0.0.1 in front of `upstream` that counts the connections it accepts.
async fn counting_proxy(upstream: SocketAddr) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                if let Ok(mut server) = TcpStream::connect(upstream).await {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                }
            });
        }
    });
    (addr, accepted)
}

/// An Engine.IO echo (2 MiB payloads, permessage-deflate accepted) behind a counting proxy,
/// plain (h2c and HTTP/1.1) or over TLS (`h2, http/1.1` by ALPN).
async fn engine(tls: bool) -> (Engine<Echo>, SocketAddr, Arc<AtomicUsize>) {
    let config = EngineConfig {
        max_payload: 2 * 1024 * 1024,
        deflate: Some(Config::LEAN_DEFLATE),
        ..EngineConfig::default()
    };
    let engine = Engine::new(config, Echo);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let upstream = listener.local_addr().unwrap();
    let serving = engine.clone();
    #[allow(unused_mut)]
    let mut serve = wsio_engine::ServeConfig::new();
    #[cfg(feature = "rustls")]
    if tls {
        serve = serve.tls(tls::server_config(&[]));
    }
    #[cfg(not(feature = "rustls"))]
    assert!(!tls, "TLS needs the feature rustls");
    tokio::spawn(async move {
        serving
            .serve_using(listener, std::future::pending(), serve)
            .await
    });
    let (addr, accepted) = counting_proxy(upstream).await;
    (engine, addr, accepted)
}

/// What a raw server saw: the close frames its WebSockets received (code and reason).
type Closes = Arc<Mutex<Vec<(CloseCode, String)>>>;

/// A raw WebSocket echo over HTTP/2 extended CONNECT, written with hyper here. Path
/// `/fragments` first sends `abcdefghi` as a text message in three frames; `/refuse` is
/// answered 403.
async fn answer(req: Request<Incoming>, closes: Closes) -> Response<Empty<Bytes>> {
    let mut response = Response::new(Empty::new());
    if req.method() != Method::CONNECT {
        *response.status_mut() = StatusCode::NOT_FOUND;
        return response;
    }
    if req.uri().path() == "/refuse" {
        *response.status_mut() = StatusCode::FORBIDDEN;
        return response;
    }
    let protocol = req
        .extensions()
        .get::<hyper::ext::Protocol>()
        .map(|p| p.as_str().as_bytes());
    let fields = req
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_bytes()));
    let options = ws_handshake::AcceptOptions {
        deflate: Some(Config::LEAN_DEFLATE),
        ..ws_handshake::AcceptOptions::default()
    };
    let accepted = ws_handshake::validate_extended_connect(b"CONNECT", protocol, fields)
        .and_then(|upgrade| upgrade.accept(&options))
        .unwrap();
    for (name, value) in &accepted.headers {
        response.headers_mut().append(
            http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            http::HeaderValue::from_str(value).unwrap(),
        );
    }
    let fragments = req.uri().path() == "/fragments";
    tokio::spawn(async move {
        let Ok(upgraded) = hyper::upgrade::on(req).await else {
            return;
        };
        let mut io = TokioIo::new(upgraded);
        if fragments {
            let frames = b"\x01\x03abc\x00\x03def\x80\x03ghi";
            io.write_all(frames).await.unwrap();
        }
        let extension = accepted
            .deflate
            .map(|agreed| ExtensionPair::deflate(Role::Server, &agreed, 64).unwrap());
        let mut ws = WebSocket::from_raw(
            io,
            Role::Server,
            Config::default(),
            BytesMut::new(),
            extension,
        );
        while let Some(Ok(message)) = ws.recv().await {
            if let Message::Close(frame) = &message {
                let frame = frame.as_ref().map(|f| (f.code, f.reason.to_string()));
                closes.lock().unwrap().extend(frame);
            } else if message.is_data() && ws.send(message).await.is_err() {
                return;
            }
        }
    });
    response
}

/// Serves HTTP/2 on `io` with the raw echo; extended CONNECT allowed when `connect`.
async fn serve_h2<IO>(io: IO, connect: bool, closes: Closes)
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let mut http = hyper::server::conn::http2::Builder::new(TokioExecutor::new());
    if connect {
        http.enable_connect_protocol();
    }
    let service = hyper::service::service_fn(move |req| {
        let closes = closes.clone();
        async move { Ok::<_, std::convert::Infallible>(answer(req, closes).await) }
    });
    let _ = http.serve_connection(TokioIo::new(io), service).await;
}

/// A raw h2c server on 127.0.0.1 (extended CONNECT allowed when `connect`): its address, its
/// accepted connections, the close frames it saw.
async fn raw_h2c(connect: bool) -> (SocketAddr, Arc<AtomicUsize>, Closes) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let closes = Closes::default();
    let (count, seen) = (accepted.clone(), closes.clone());
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(serve_h2(tcp, connect, seen.clone()));
        }
    });
    (addr, accepted, closes)
}

// ---------------------------------------------------------------------------------------------
// Helpers

fn prior_knowledge() -> Config {
    Config {
        http2: Http2Mode::PriorKnowledge,
        ..Config::default()
    }
}

/// The next message, within [`WAIT`].
async fn recv<S: AsyncRead + AsyncWrite + Unpin>(ws: &mut WebSocket<S>) -> Message {
    tokio::time::timeout(WAIT, ws.recv())
        .await
        .expect("a message in time")
        .expect("open")
        .expect("no error")
}

/// Reads the Engine.IO open packet of a direct session.
async fn engine_open<S: AsyncRead + AsyncWrite + Unpin>(ws: &mut WebSocket<S>) {
    let Message::Text(open) = recv(ws).await else {
        panic!("the open packet is text");
    };
    assert!(open.starts_with("0{\"sid\""), "{open}");
}

/// Text, binary and a 1 MiB text message (many HTTP/2 DATA frames, beyond the initial flow
/// control windows) come back from the Engine.IO echo; a ping is answered.
async fn engine_echoes<S: AsyncRead + AsyncWrite + Unpin>(ws: &mut WebSocket<S>, tag: &str) {
    ws.send(format!("4{tag}")).await.unwrap();
    assert_eq!(recv(ws).await, Message::Text(format!("4{tag}").into()));
    let bytes = Bytes::from(vec![0u8, 1, 2, 255]);
    ws.send(Message::Binary(bytes.clone())).await.unwrap();
    assert_eq!(recv(ws).await, Message::Binary(bytes));
    let large: String = (0..1024 * 1024)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    ws.send(format!("4{large}")).await.unwrap();
    let Message::Text(back) = recv(ws).await else {
        panic!("text back");
    };
    assert_eq!(back.len(), large.len() + 1);
    assert!(back[1..] == large);
    ws.send(Message::Ping(Bytes::from_static(b"hb")))
        .await
        .unwrap();
    assert_eq!(recv(ws).await, Message::Pong(Bytes::from_static(b"hb")));
}

// ---------------------------------------------------------------------------------------------
// Against wsio-engine over h2c

#[tokio::test]
async fn connect_with_prior_knowledge_echoes_over_h2c() {
    let (engine, addr, accepted) = engine(false).await;
    let url = format!("ws://{addr}{ENGINE_IO}");
    let mut ws = wsio_ws::connect(&url, prior_knowledge()).await.unwrap();
    assert!(ws.get_ref().is_http2());
    assert!(!ws.get_ref().is_tls());
    assert_eq!(ws.get_ref().get_ref().peer_addr().unwrap(), addr);
    assert!(ws.is_compressed(), "permessage-deflate agreed over h2");
    engine_open(&mut ws).await;
    engine_echoes(&mut ws, "h2c").await;
    ws.close(CloseCode::NORMAL, "done").await.unwrap();
    tokio::time::timeout(WAIT, async {
        while engine.session_count() != 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the session closes");
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn deflate_is_left_out_when_the_config_asks_for_none() {
    let (_engine, addr, _) = engine(false).await;
    let url = format!("ws://{addr}{ENGINE_IO}");
    let config = Config {
        deflate: None,
        ..prior_knowledge()
    };
    let mut ws = wsio_ws::connect(&url, config).await.unwrap();
    assert!(!ws.is_compressed());
    engine_open(&mut ws).await;
    engine_echoes(&mut ws, "plain").await;
}

#[tokio::test]
async fn three_websockets_share_one_h2c_connection() {
    let (engine, addr, accepted) = engine(false).await;
    let h2 = H2Connector::open(&format!("ws://{addr}"), &Config::default())
        .await
        .unwrap();
    assert!(h2.accepts_websockets());
    let mut sockets = Vec::new();
    for _ in 0..3 {
        let mut ws = h2.websocket(ENGINE_IO, Config::default()).await.unwrap();
        engine_open(&mut ws).await;
        sockets.push(ws);
    }
    assert_eq!(engine.session_count(), 3);
    // Interleaved traffic: each stream gets its own answers.
    for (i, ws) in sockets.iter_mut().enumerate() {
        ws.send(format!("4first {i}")).await.unwrap();
    }
    for (i, ws) in sockets.iter_mut().enumerate().rev() {
        assert_eq!(recv(ws).await, Message::Text(format!("4first {i}").into()));
        engine_echoes(ws, &format!("stream {i}")).await;
    }
    // Closing one leaves the others and the connection working.
    let mut first = sockets.remove(0);
    first.close(CloseCode::NORMAL, "").await.unwrap();
    let mut later = h2.websocket(ENGINE_IO, Config::default()).await.unwrap();
    engine_open(&mut later).await;
    engine_echoes(&mut later, "after a close").await;
    assert_eq!(accepted.load(Ordering::SeqCst), 1, "one TCP connection");
}

#[tokio::test]
async fn a_refusal_is_an_error_with_its_status() {
    let (_engine, addr, _) = engine(false).await;
    let h2 = H2Connector::open(&format!("ws://{addr}"), &Config::default())
        .await
        .unwrap();
    let refused = h2
        .websocket("/engine.io/?EIO=3&transport=websocket", Config::default())
        .await;
    assert!(matches!(refused, Err(Error::Rejected(400))), "{refused:?}");
    // The connection still serves the next one.
    let mut ws = h2.websocket(ENGINE_IO, Config::default()).await.unwrap();
    engine_open(&mut ws).await;
}

#[tokio::test]
async fn the_default_and_prefer_stay_on_http1_for_ws_urls() {
    let (_engine, addr, _) = engine(false).await;
    let url = format!("ws://{addr}{ENGINE_IO}");
    for mode in [Http2Mode::Off, Http2Mode::Prefer] {
        let config = Config {
            http2: mode,
            ..Config::default()
        };
        let mut ws = wsio_ws::connect(&url, config).await.unwrap();
        assert!(!ws.get_ref().is_http2(), "{mode:?}");
        engine_open(&mut ws).await;
    }
    assert_eq!(Config::default().http2, Http2Mode::Off);
}

// ---------------------------------------------------------------------------------------------
// Against raw hyper servers over h2c

#[tokio::test]
async fn the_close_handshake_carries_code_and_reason_over_h2() {
    let (addr, _, closes) = raw_h2c(true).await;
    let mut ws = wsio_ws::connect(&format!("ws://{addr}/chat"), prior_knowledge())
        .await
        .unwrap();
    ws.send("hello").await.unwrap();
    assert_eq!(recv(&mut ws).await, Message::Text("hello".into()));
    ws.close(CloseCode::GOING_AWAY, "see you").await.unwrap();
    assert!(ws.recv().await.is_none(), "closed after the handshake");
    tokio::time::timeout(WAIT, async {
        while closes.lock().unwrap().is_empty() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the server saw the close");
    assert_eq!(
        closes.lock().unwrap()[0],
        (CloseCode::GOING_AWAY, "see you".to_owned())
    );
}

#[tokio::test]
async fn a_fragmented_message_from_the_server_arrives_whole() {
    let (addr, _, _) = raw_h2c(true).await;
    let config = Config {
        deflate: None,
        ..prior_knowledge()
    };
    let mut ws = wsio_ws::connect(&format!("ws://{addr}/fragments"), config)
        .await
        .unwrap();
    assert_eq!(recv(&mut ws).await, Message::Text("abcdefghi".into()));
}

#[tokio::test]
async fn subprotocols_and_non_200_answers() {
    let (addr, _, _) = raw_h2c(true).await;
    let h2 = H2Connector::open(&format!("ws://{addr}"), &Config::default())
        .await
        .unwrap();
    let refused = h2.websocket("/refuse", Config::default()).await;
    assert!(matches!(refused, Err(Error::Rejected(403))), "{refused:?}");
    // The raw server confirms no subprotocol: none is agreed, and the headers went out.
    let (mut ws, protocol) = h2
        .websocket_with(
            "/x",
            Config::default(),
            &["chat"],
            &[("authorization", "t")],
        )
        .await
        .unwrap();
    assert_eq!(protocol, None);
    ws.send("still").await.unwrap();
    assert_eq!(recv(&mut ws).await, Message::Text("still".into()));
    let forbidden = h2
        .websocket_with("/x", Config::default(), &[], &[("connection", "close")])
        .await;
    assert!(
        matches!(forbidden, Err(Error::Handshake(_))),
        "{forbidden:?}"
    );
}

#[tokio::test]
async fn without_enable_connect_protocol_nothing_is_sent_and_prior_knowledge_fails() {
    let (addr, accepted, _) = raw_h2c(false).await;
    let h2 = H2Connector::open(&format!("ws://{addr}"), &Config::default())
        .await
        .unwrap();
    assert!(!h2.accepts_websockets());
    let refused = h2.websocket("/chat", Config::default()).await;
    assert!(
        matches!(refused, Err(Error::NoExtendedConnect)),
        "{refused:?}"
    );
    let refused = wsio_ws::connect(&format!("ws://{addr}/chat"), prior_knowledge()).await;
    assert!(
        matches!(refused, Err(Error::NoExtendedConnect)),
        "{refused:?}"
    );
    assert_eq!(accepted.load(Ordering::SeqCst), 2, "no retry");
}

#[tokio::test]
async fn prior_knowledge_against_an_http1_server_is_not_http2() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            tokio::spawn(wsio_ws::accept(tcp, Config::default()));
        }
    });
    let refused = wsio_ws::connect(&format!("ws://{addr}/"), prior_knowledge()).await;
    assert!(matches!(refused, Err(Error::NotHttp2)), "{refused:?}");
}

// ---------------------------------------------------------------------------------------------
// Over TLS

#[cfg(feature = "rustls")]
mod tls {
    use super::*;
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    use wsio_ws::rustls::{self, ClientConfig, RootCertStore, ServerConfig};

    const CERT: &[u8] = include_bytes!("fixtures/localhost.cert.pem");
    const KEY: &[u8] = include_bytes!("fixtures/localhost.key.pem");

    fn provider() -> Arc<rustls::crypto::CryptoProvider> {
        Arc::new(rustls::crypto::ring::default_provider())
    }

    /// The server configuration for `localhost`, offering `alpn` (empty: the engine's
    /// default, `h2, http/1.1`).
    pub fn server_config(alpn: &[&[u8]]) -> Arc<ServerConfig> {
        let key = PrivateKeyDer::from_pem_slice(KEY).unwrap();
        let cert = CertificateDer::from_pem_slice(CERT).unwrap();
        let mut config = ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .unwrap();
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        Arc::new(config)
    }

    /// A client configuration trusting the fixture certificate.
    fn client() -> Arc<ClientConfig> {
        let mut roots = RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_slice(CERT).unwrap())
            .unwrap();
        let config = ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        Arc::new(config)
    }

    fn mode(mode: Http2Mode) -> Config {
        Config {
            http2: mode,
            ..Config::default()
        }
    }

    #[tokio::test]
    async fn prefer_uses_rfc8441_with_wsio_engine_over_tls() {
        let (_engine, addr, accepted) = engine(true).await;
        let url = format!("wss://localhost:{}{ENGINE_IO}", addr.port());
        let config = mode(Http2Mode::Prefer);
        let mut ws = wsio_ws::connect_with_tls(&url, config, client())
            .await
            .unwrap();
        assert!(ws.get_ref().is_http2() && ws.get_ref().is_tls());
        assert!(ws.is_compressed());
        engine_open(&mut ws).await;
        engine_echoes(&mut ws, "h2 over TLS").await;
        ws.close(CloseCode::NORMAL, "").await.unwrap();
        assert_eq!(accepted.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn two_websockets_share_one_tls_connection() {
        let (engine, addr, accepted) = engine(true).await;
        let url = format!("wss://localhost:{}", addr.port());
        let h2 = H2Connector::open_with_tls(&url, &Config::default(), client())
            .await
            .unwrap();
        let mut a = h2.websocket(ENGINE_IO, Config::default()).await.unwrap();
        let mut b = h2.websocket(ENGINE_IO, Config::default()).await.unwrap();
        engine_open(&mut a).await;
        engine_open(&mut b).await;
        engine_echoes(&mut b, "b").await;
        engine_echoes(&mut a, "a").await;
        assert_eq!(engine.session_count(), 2);
        assert_eq!(accepted.load(Ordering::SeqCst), 1);
    }

    /// A TLS server offering `alpn`: HTTP/2 without extended CONNECT when the client picks
    /// `h2`, a plain WebSocket echo (`wsio_ws::accept`) on `http/1.1`. Its address and the
    /// protocol of each connection it accepted.
    async fn alpn_server(alpn: &'static [&'static [u8]]) -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
        let acceptor = tokio_rustls::TlsAcceptor::from(server_config(alpn));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                let log = log.clone();
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let protocol = tls.get_ref().1.alpn_protocol().map(<[u8]>::to_vec);
                    let protocol = String::from_utf8(protocol.unwrap_or_default()).unwrap();
                    log.lock().unwrap().push(protocol.clone());
                    if protocol == "h2" {
                        serve_h2(tls, false, Closes::default()).await;
                        return;
                    }
                    let Ok(mut ws) = wsio_ws::accept(tls, Config::default()).await else {
                        return;
                    };
                    while let Some(Ok(message)) = ws.recv().await {
                        if message.is_data() && ws.send(message).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        (addr, seen)
    }

    #[tokio::test]
    async fn prefer_falls_back_to_a_fresh_http1_connection_without_extended_connect() {
        let (addr, seen) = alpn_server(&[b"h2", b"http/1.1"]).await;
        let url = format!("wss://localhost:{}/chat", addr.port());
        let mut ws = wsio_ws::connect_with_tls(&url, mode(Http2Mode::Prefer), client())
            .await
            .unwrap();
        assert!(!ws.get_ref().is_http2());
        assert!(ws.get_ref().is_tls());
        ws.send("over the fallback").await.unwrap();
        assert_eq!(
            recv(&mut ws).await,
            Message::Text("over the fallback".into())
        );
        assert_eq!(*seen.lock().unwrap(), ["h2", "http/1.1"]);
    }

    #[tokio::test]
    async fn prefer_upgrades_on_the_same_connection_when_alpn_picks_http1() {
        let (addr, seen) = alpn_server(&[b"http/1.1"]).await;
        let url = format!("wss://localhost:{}/chat", addr.port());
        let mut ws = wsio_ws::connect_with_tls(&url, mode(Http2Mode::Prefer), client())
            .await
            .unwrap();
        assert!(!ws.get_ref().is_http2());
        assert!(ws.get_ref().is_tls());
        ws.send("same connection").await.unwrap();
        assert_eq!(recv(&mut ws).await, Message::Text("same connection".into()));
        assert_eq!(*seen.lock().unwrap(), ["http/1.1"]);
    }

    #[tokio::test]
    async fn prior_knowledge_over_tls_makes_no_fallback() {
        let (addr, seen) = alpn_server(&[b"h2", b"http/1.1"]).await;
        let url = format!("wss://localhost:{}/chat", addr.port());
        let refused =
            wsio_ws::connect_with_tls(&url, mode(Http2Mode::PriorKnowledge), client()).await;
        assert!(
            matches!(refused, Err(Error::NoExtendedConnect)),
            "{refused:?}"
        );
        let (addr, _) = alpn_server(&[b"http/1.1"]).await;
        let url = format!("wss://localhost:{}/chat", addr.port());
        let refused =
            wsio_ws::connect_with_tls(&url, mode(Http2Mode::PriorKnowledge), client()).await;
        assert!(refused.is_err(), "ALPN cannot agree on h2 alone");
        assert_eq!(*seen.lock().unwrap(), ["h2"]);
    }
}
