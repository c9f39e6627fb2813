//! `wss://` end to end on loopback: a tokio-rustls server with the committed self-signed
//! certificates in `tests/fixtures/` (test-only keys), `wsio_ws::accept` on the TLS stream,
//! and the client through `connect_with_tls` (and `connect` where roots are compiled in).

#![cfg(feature = "rustls")]

use std::net::SocketAddr;
use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use wsio_ws::rustls::{self, ClientConfig, RootCertStore, ServerConfig};
use wsio_ws::{CloseCode, Config, Error, Message};

/// For `localhost` and `127.0.0.1`.
const LOCALHOST_CERT: &[u8] = include_bytes!("fixtures/localhost.cert.pem");
const LOCALHOST_KEY: &[u8] = include_bytes!("fixtures/localhost.key.pem");
/// For `wsio.example` only: a certificate valid for another name.
const OTHER_CERT: &[u8] = include_bytes!("fixtures/other.cert.pem");
const OTHER_KEY: &[u8] = include_bytes!("fixtures/other.key.pem");

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn cert(pem: &[u8]) -> CertificateDer<'static> {
    CertificateDer::from_pem_slice(pem).expect("certificate PEM")
}

/// A client configuration that trusts exactly `pem`.
fn client_trusting(pem: &[u8]) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    roots.add(cert(pem)).expect("root certificate");
    let config = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}

/// What the echo server saw: the close frame's code and reason, if one arrived.
type Seen = Result<Option<(CloseCode, String)>, Error>;

/// A TLS echo server on 127.0.0.1 for one connection, presenting `cert_pem`.
async fn echo_server(cert_pem: &[u8], key_pem: &[u8]) -> (SocketAddr, JoinHandle<Seen>) {
    let key = PrivateKeyDer::from_pem_slice(key_pem).expect("key PEM");
    let config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert(cert_pem)], key)
        .expect("server certificate");
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local address");
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await?;
        let tls = acceptor.accept(tcp).await?;
        let mut ws = wsio_ws::accept(tls, Config::default()).await?;
        let mut closed = None;
        while let Some(message) = ws.recv().await {
            match message? {
                Message::Close(frame) => {
                    closed = frame.map(|f| (f.code, f.reason.to_string()));
                }
                data if data.is_data() => ws.send(data).await?,
                _ => {}
            }
        }
        Ok(closed)
    });
    (addr, server)
}

async fn echo_text_and_binary(url: &str, tls: Arc<ClientConfig>) {
    let (addr, server) = echo_server(LOCALHOST_CERT, LOCALHOST_KEY).await;
    let url = url.replace("PORT", &addr.port().to_string());
    let mut ws = wsio_ws::connect_with_tls(&url, Config::default(), tls)
        .await
        .expect("wss connect");
    assert!(ws.get_ref().is_tls());

    ws.send("hello over TLS").await.expect("send text");
    let echoed = ws.recv().await.expect("an echo").expect("text echo");
    assert_eq!(echoed, Message::Text("hello over TLS".into()));

    let binary: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    ws.send(Message::Binary(binary.clone().into()))
        .await
        .expect("send binary");
    let echoed = ws.recv().await.expect("an echo").expect("binary echo");
    assert_eq!(echoed, Message::Binary(binary.into()));

    ws.close(CloseCode::NORMAL, "done")
        .await
        .expect("clean close");
    let seen = server.await.expect("server task").expect("server side");
    assert_eq!(seen, Some((CloseCode::NORMAL, "done".to_owned())));
}

#[tokio::test]
async fn wss_echoes_text_and_binary_and_closes_cleanly() {
    echo_text_and_binary("wss://localhost:PORT/echo", client_trusting(LOCALHOST_CERT)).await;
}

#[tokio::test]
async fn wss_to_an_ip_address_checks_the_ip_in_the_certificate() {
    echo_text_and_binary("wss://127.0.0.1:PORT/", client_trusting(LOCALHOST_CERT)).await;
}

#[tokio::test]
async fn ws_url_with_a_tls_config_stays_plain() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("ws://{}/", listener.local_addr().expect("local address"));
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await?;
        let mut ws = wsio_ws::accept(tcp, Config::default()).await?;
        while ws.recv().await.transpose()?.is_some() {}
        Ok::<(), Error>(())
    });
    let mut ws =
        wsio_ws::connect_with_tls(&url, Config::default(), client_trusting(LOCALHOST_CERT))
            .await
            .expect("ws connect");
    assert!(!ws.get_ref().is_tls());
    ws.close(CloseCode::NORMAL, "").await.expect("clean close");
    server.await.expect("server task").expect("server side");
}

/// Connects to `host` on the server's port, checks that the TLS handshake failed with a
/// message naming the server, and returns that message.
async fn handshake_error(
    host: &str,
    server_cert: &[u8],
    server_key: &[u8],
    trust: &[u8],
) -> String {
    let (addr, server) = echo_server(server_cert, server_key).await;
    let url = format!("wss://{host}:{}/", addr.port());
    let result = wsio_ws::connect_with_tls(&url, Config::default(), client_trusting(trust)).await;
    let error = match result {
        Ok(_) => panic!("{url}: the TLS handshake should have failed"),
        Err(error) => error,
    };
    assert!(matches!(error, Error::Io(_)), "{error:?}");
    let message = error.to_string();
    assert!(
        message.contains(&format!("TLS handshake with {host} failed"))
            && message.contains("invalid peer certificate"),
        "{message}"
    );
    // The server sees the client's alert; its own error is of no interest here.
    let _ = server.await;
    message
}

#[tokio::test]
async fn a_certificate_for_another_name_is_refused() {
    let message = handshake_error("localhost", OTHER_CERT, OTHER_KEY, OTHER_CERT).await;
    assert!(message.contains("not valid for name"), "{message}");
}

#[tokio::test]
async fn an_untrusted_certificate_is_refused() {
    let message = handshake_error("localhost", LOCALHOST_CERT, LOCALHOST_KEY, OTHER_CERT).await;
    assert!(message.contains("UnknownIssuer"), "{message}");
}

/// With compiled-in or system roots, `connect` itself speaks TLS and refuses a self-signed
/// certificate that no public root vouches for.
#[cfg(any(feature = "rustls-webpki-roots", feature = "rustls-native-roots"))]
#[tokio::test]
async fn connect_uses_the_built_in_roots() {
    let (addr, server) = echo_server(LOCALHOST_CERT, LOCALHOST_KEY).await;
    let url = format!("wss://localhost:{}/", addr.port());
    let error = match wsio_ws::connect(&url, Config::default()).await {
        Ok(_) => panic!("a self-signed certificate passed the public roots"),
        Err(error) => error.to_string(),
    };
    assert!(
        error.contains("TLS handshake with localhost failed")
            && error.contains("invalid peer certificate"),
        "{error}"
    );
    let _ = server.await;
}

/// With the `rustls` feature alone there are no roots to trust, and `connect` says so.
#[cfg(not(any(feature = "rustls-webpki-roots", feature = "rustls-native-roots")))]
#[tokio::test]
async fn connect_without_roots_says_which_feature_to_enable() {
    let error = match wsio_ws::connect("wss://localhost:1/", Config::default()).await {
        Ok(_) => panic!("wss:// connected without trust roots"),
        Err(error) => error,
    };
    assert!(matches!(error, Error::InvalidUrl(_)), "{error:?}");
    assert!(error.to_string().contains("rustls-webpki-roots"), "{error}");
}
