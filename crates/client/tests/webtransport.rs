//! The WebTransport transport (feature `webtransport`) against a wsio server serving it
//! in-process: polling over plain HTTP on TCP and WebTransport on UDP at the same port number,
//! with a 13-day self-signed ECDSA certificate that the client pins by its SHA-256 or trusts
//! as a root.
#![cfg(feature = "webtransport")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use common::{Inbox, WAIT, fast_reconnection};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::json;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use wsio_client::{Client, ClientBuilder, Reconnection, Transport, Transports, Value};
use wsio_engine::Endpoint;
use wsio_server::{AckSender, Server, Socket};

/// A self-signed certificate for 127.0.0.1 that browsers (and the client) may pin: ECDSA
/// P-256, valid from an hour ago for 13 days.
struct Cert {
    der: CertificateDer<'static>,
    key: PrivatePkcs8KeyDer<'static>,
    sha256: [u8; 32],
}

fn cert() -> Cert {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap() - Duration::from_secs(3600);
    params.not_before = rcgen::date_time_ymd(1970, 1, 1) + since;
    params.not_after = params.not_before + Duration::from_secs(13 * 24 * 3600);
    let made = params.self_signed(&key).unwrap();
    let der = made.der().clone();
    let hash = wtransport::tls::Certificate::from_der(der.to_vec())
        .unwrap()
        .hash();
    Cert {
        der,
        key: PrivatePkcs8KeyDer::from(key.serialize_der()),
        sha256: *hash.as_ref(),
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn server_tls(cert: &Cert) -> Arc<rustls::ServerConfig> {
    let config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der.clone()],
            PrivateKeyDer::Pkcs8(cert.key.clone_key()),
        )
        .unwrap();
    Arc::new(config)
}

/// A client TLS configuration trusting `cert` as a root.
fn client_tls(cert: &Cert) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.der.clone()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}

/// A wsio server whose `echo` emits its arguments back and acks with them, and whose `which`
/// acks with the transport the server sees; every socket that connects is pushed to
/// `sockets`.
fn socket_io(config: wsio_server::Config) -> (Server, Arc<Inbox<Socket>>) {
    let io = Server::new(config);
    let sockets = Inbox::new();
    let joined = sockets.clone();
    io.ns("/", move |socket: Socket| {
        joined.push(socket.clone());
        common::echo(&socket);
        socket.on(
            "which",
            |socket: Socket, _args: Vec<Value>, ack: Option<AckSender>| {
                if let Some(ack) = ack {
                    let _ = ack.send(&(socket.transport().as_str(),));
                }
            },
        );
    });
    (io, sockets)
}

/// Serves WebTransport for `io` on UDP `addr` until the returned sender is used or dropped.
fn serve_webtransport(
    io: &Server,
    addr: SocketAddr,
    tls: Arc<rustls::ServerConfig>,
) -> (oneshot::Sender<()>, JoinHandle<std::io::Result<()>>) {
    let udp = std::net::UdpSocket::bind(addr).unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let engine = io.engine().clone();
    let task = tokio::spawn(async move {
        let stopped = async {
            let _ = stopped.await;
        };
        engine.serve_webtransport(udp, tls, stopped).await
    });
    (stop, task)
}

/// A server on 127.0.0.1: polling (and WebSocket) on TCP, WebTransport on UDP at the same
/// port number.
struct TestServer {
    io: Server,
    sockets: Arc<Inbox<Socket>>,
    cert: Cert,
    url: String,
    _webtransport: (oneshot::Sender<()>, JoinHandle<std::io::Result<()>>),
}

async fn start(config: wsio_server::Config) -> TestServer {
    let (io, sockets) = socket_io(config);
    let cert = cert();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let serving = io.clone();
    tokio::spawn(async move { serving.serve(listener, std::future::pending()).await });
    let webtransport = serve_webtransport(&io, addr, server_tls(&cert));
    TestServer {
        io,
        sockets,
        cert,
        url: format!("http://{addr}"),
        _webtransport: webtransport,
    }
}

fn builder(
    server: &TestServer,
    transports: Transports,
    echoes: &Arc<Inbox<Vec<Value>>>,
) -> ClientBuilder {
    let echoes = echoes.clone();
    Client::builder(&server.url)
        .transports(transports)
        .reconnection(fast_reconnection())
        .on("echo", move |_s, args: Vec<Value>, _ack| echoes.push(args))
}

/// Emits a string and bytes; both come back as an event and as the acknowledgement.
async fn emits_and_acks(client: &Client, echoes: &Inbox<Vec<Value>>) {
    let data = Bytes::from(vec![7u8; 70_000]);
    let args = (
        "hello",
        Value::Binary(data.clone()),
        json!({"over": "webtransport"}),
    );
    client.emit("echo", &args).unwrap();
    let got = echoes.next().await;
    assert_eq!(got[0], Value::from("hello"));
    assert_eq!(got[1].as_binary(), Some(&data));
    let (text, back): (String, Value) = client
        .emit_with_ack(
            "echo",
            &("ack", Value::Binary(Bytes::from_static(b"\x00\xff"))),
            WAIT,
        )
        .await
        .unwrap();
    assert_eq!(text, "ack");
    assert_eq!(back.as_binary().map(|b| &b[..]), Some(&b"\x00\xff"[..]));
}

/// What transport the server says the client's socket is on.
async fn server_transport(client: &Client) -> String {
    let (name,): (String,) = client.emit_with_ack("which", &(), WAIT).await.unwrap();
    name
}

#[tokio::test]
async fn a_session_on_webtransport_alone_with_a_pinned_certificate() {
    let server = start(wsio_server::Config::default()).await;
    let echoes = Inbox::new();
    let client = builder(&server, Transports::WebTransport, &echoes)
        .server_certificate_hash(server.cert.sha256)
        .connect()
        .await
        .expect("connect");
    assert_eq!(client.transport(), Some(Transport::WebTransport));
    let socket = server.sockets.next().await;
    assert_eq!(socket.transport(), wsio_server::Transport::WebTransport);
    assert_eq!(server_transport(&client).await, "webtransport");
    emits_and_acks(&client, &echoes).await;
    let stats = server.io.stats().engine;
    assert_eq!(stats.sessions_webtransport, 1);
    assert_eq!(stats.sessions_polling + stats.sessions_websocket, 0);

    client.disconnect().await;
    let left = async {
        while server.io.stats().engine.sessions_webtransport > 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(WAIT, left)
        .await
        .expect("session closed");
    assert!(!socket.connected(), "the client's DISCONNECT arrived");
}

#[tokio::test]
async fn polling_upgrades_to_webtransport_with_the_certificate_as_a_root() {
    let server = start(wsio_server::Config::default()).await;
    let echoes = Inbox::new();
    let client = builder(&server, Transports::PollingThenWebTransport, &echoes)
        .tls_config(client_tls(&server.cert))
        .connect()
        .await
        .expect("connect");
    client
        .wait_transport(Transport::WebTransport, WAIT)
        .await
        .expect("upgraded to WebTransport");
    assert_eq!(server_transport(&client).await, "webtransport");
    emits_and_acks(&client, &echoes).await;
    let stats = server.io.stats().engine;
    assert_eq!((stats.sessions_webtransport, stats.upgrades), (1, 1));
    client.disconnect().await;
}

#[tokio::test]
async fn polling_then_upgrade_keeps_to_websocket_when_webtransport_is_offered() {
    let server = start(wsio_server::Config::default()).await;
    let echoes = Inbox::new();
    let client = builder(&server, Transports::PollingThenUpgrade, &echoes)
        .connect()
        .await
        .expect("connect");
    client
        .wait_transport(Transport::WebSocket, WAIT)
        .await
        .expect("upgraded to WebSocket");
    assert_eq!(server_transport(&client).await, "websocket");
    assert_eq!(server.io.stats().engine.sessions_webtransport, 0);
    client.disconnect().await;
}

/// Connects over WebTransport alone, pinning `hash`, with no reconnection: the attempt fails,
/// and its connect error's message is returned.
async fn failed_attempt(server: &TestServer, hash: [u8; 32]) -> String {
    let errors = Inbox::new();
    let e = errors.clone();
    let result = Client::builder(&server.url)
        .transports(Transports::WebTransport)
        .server_certificate_hash(hash)
        .reconnection(Reconnection {
            enabled: false,
            ..Reconnection::default()
        })
        .on_connect_error(move |_s, error| e.push(error.message))
        .connect()
        .await;
    assert!(result.is_err());
    errors.next().await
}

#[tokio::test]
async fn a_refused_webtransport_session_fails_the_attempt_with_the_reason() {
    // The server refuses WebTransport requests (method CONNECT) and allows the rest.
    let config = wsio_server::Config {
        allow_request: Some(Arc::new(|parts: &http::request::Parts| {
            if parts.method == http::Method::CONNECT {
                Err("no WebTransport here".to_owned())
            } else {
                Ok(())
            }
        })),
        ..wsio_server::Config::default()
    };
    let server = start(config).await;
    let message = failed_attempt(&server, server.cert.sha256).await;
    assert!(
        message.contains("webtransport") && message.contains("rejected"),
        "{message}"
    );

    // Polling then WebTransport: the refused probe leaves the session on polling, and the
    // WebSocket, offered too, is probed next.
    let echoes = Inbox::new();
    let client = builder(&server, Transports::PollingThenWebTransport, &echoes)
        .server_certificate_hash(server.cert.sha256)
        .connect()
        .await
        .expect("connect");
    client
        .wait_transport(Transport::WebSocket, WAIT)
        .await
        .expect("upgraded to WebSocket after the refusal");
    emits_and_acks(&client, &echoes).await;
    client.disconnect().await;
}

#[tokio::test]
async fn a_certificate_matching_no_pinned_hash_is_refused() {
    let server = start(wsio_server::Config::default()).await;
    let message = failed_attempt(&server, [0; 32]).await;
    assert!(message.starts_with("webtransport"), "{message}");
    assert_eq!(server.io.session_count(), 0);
}

/// The WebTransport endpoint on UDP at the polling port is another server's, which does not
/// know the polling session: it refuses the upgrade (unknown sid), the session stays on
/// polling and then moves to the WebSocket the server offers too.
#[tokio::test]
async fn an_upgrade_refused_for_an_unknown_sid_falls_back_to_websocket() {
    let (io, _sockets) = socket_io(wsio_server::Config::default());
    let cert = cert();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let serving = io.clone();
    tokio::spawn(async move { serving.serve(listener, std::future::pending()).await });
    // This server serves WebTransport elsewhere, so its handshakes offer it...
    let _own = serve_webtransport(&io, "127.0.0.1:0".parse().unwrap(), server_tls(&cert));
    // ...but UDP at its port number belongs to a server that knows none of its sessions.
    let (stranger, _) = socket_io(wsio_server::Config::default());
    let _stranger = serve_webtransport(&stranger, addr, server_tls(&cert));

    let echoes = Inbox::new();
    let e = echoes.clone();
    let client = Client::builder(format!("http://{addr}"))
        .transports(Transports::PollingThenWebTransport)
        .server_certificate_hash(cert.sha256)
        .on("echo", move |_s, args: Vec<Value>, _ack| e.push(args))
        .connect()
        .await
        .expect("connect");
    client
        .wait_transport(Transport::WebSocket, WAIT)
        .await
        .expect("upgraded to WebSocket after the refusal");
    emits_and_acks(&client, &echoes).await;
    let stranger = stranger.stats().engine;
    assert_eq!((stranger.sessions_opened, stranger.upgrades), (0, 0));
    assert_eq!(io.stats().engine.upgrades, 1);
    client.disconnect().await;
}

#[tokio::test]
async fn reconnects_over_webtransport_after_the_server_closes_the_session() {
    let server = start(wsio_server::Config::default()).await;
    let echoes = Inbox::new();
    let reconnects = Inbox::new();
    let r = reconnects.clone();
    let client = builder(&server, Transports::WebTransport, &echoes)
        .server_certificate_hash(server.cert.sha256)
        .on_reconnect(move |attempt| r.push(attempt))
        .connect()
        .await
        .expect("connect");
    let first = server.sockets.next().await;
    first.close_connection();

    assert_eq!(reconnects.next().await, 1);
    let second = server.sockets.next().await;
    assert_ne!(second.engine_id(), first.engine_id());
    assert_eq!(second.transport(), wsio_server::Transport::WebTransport);
    assert_eq!(client.transport(), Some(Transport::WebTransport));
    emits_and_acks(&client, &echoes).await;
    assert_eq!(server.io.stats().engine.sessions_webtransport, 1);
    client.disconnect().await;
}
