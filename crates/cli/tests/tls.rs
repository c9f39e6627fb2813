//! `wsio serve --tls-cert --tls-key`: HTTPS polling, `wss://` and the upgrade between them,
//! with a certificate authority made here. Clients: the Rust client with a rustls config
//! trusting that authority, and Node's socket.io-client (`interop/js/tls/client.js`, given the
//! authority through its `ca` option) when `interop/js/node_modules` is installed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod binary;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use binary::{serve_url, signal, stop};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wsio_client::{Client, Transport, Transports};

const WAIT: Duration = Duration::from_secs(10);

/// A certificate authority and a server certificate it signed for 127.0.0.1, as PEM files in
/// a folder of their own.
struct Pki {
    dir: PathBuf,
    ca: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
}

impl Pki {
    fn new(name: &str) -> Pki {
        let dir = std::env::temp_dir().join(format!("wsio-tls-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let ca_key = KeyPair::generate().expect("key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "wsio test authority");
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca = params.self_signed(&ca_key).expect("CA");
        std::fs::write(dir.join("ca.pem"), ca.pem()).expect("write ca");
        let pki = Pki {
            dir,
            ca: ca.der().clone(),
            issuer: Issuer::new(params, ca_key),
        };
        pki.issue("wsio test server");
        pki
    }

    /// Writes a new server certificate (named `name`) and its key to `cert.pem` and
    /// `key.pem`; returns the certificate.
    fn issue(&self, name: &str) -> CertificateDer<'static> {
        let key = KeyPair::generate().expect("key");
        let mut params =
            CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
                .expect("params");
        params.distinguished_name.push(DnType::CommonName, name);
        let cert = params.signed_by(&key, &self.issuer).expect("signed");
        std::fs::write(self.file("cert.pem"), cert.pem()).expect("write cert");
        std::fs::write(self.file("key.pem"), key.serialize_pem()).expect("write key");
        cert.der().clone()
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn path(&self, name: &str) -> String {
        self.file(name).to_str().expect("utf-8 path").to_owned()
    }

    /// A rustls client configuration trusting only this authority, offering `alpn`.
    fn client(&self, alpn: &[&[u8]]) -> Arc<rustls::ClientConfig> {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(self.ca.clone()).expect("root");
        let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        Arc::new(config)
    }

    /// `wsio serve --test-events` with this certificate and `extra` flags; the process and
    /// its `https://` URL.
    fn serve(&self, extra: &[&str]) -> (std::process::Child, String) {
        let (cert, key) = (self.path("cert.pem"), self.path("key.pem"));
        let mut args = vec!["--test-events", "--tls-cert", &cert, "--tls-key", &key];
        args.extend_from_slice(extra);
        let (child, url) = serve_url(&args);
        assert!(url.starts_with("https://127.0.0.1:"), "{url}");
        (child, url)
    }
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The `echo` acknowledgement over `transports`, and the transport the session ends on.
async fn echo(pki: &Pki, url: &str, transports: Transports) -> (String, Transport) {
    let client = Client::builder(url)
        .transports(transports)
        .tls_config(pki.client(&[]))
        .connect()
        .await
        .expect("connects over TLS");
    if transports == Transports::PollingThenUpgrade {
        client
            .wait_transport(Transport::WebSocket, WAIT)
            .await
            .expect("upgrades to wss://");
    }
    let (text,): (String,) = client
        .emit_with_ack("echo", &("over TLS",), WAIT)
        .await
        .expect("echo acknowledged");
    let transport = client.transport().expect("open");
    client.disconnect().await;
    (text, transport)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rust_client_over_https_polling_wss_and_the_upgrade() {
    let pki = Pki::new("rust");
    // wsio-client's upgrade sometimes waits for its pending poll to end before switching
    // (socket.io-client's does not, see the test below); a short ping interval bounds that
    // wait well within the test's.
    let (child, url) = pki.serve(&["--ping-interval-ms", "500"]);
    assert_eq!(
        echo(&pki, &url, Transports::Polling).await,
        ("over TLS".to_owned(), Transport::Polling)
    );
    assert_eq!(
        echo(&pki, &url, Transports::WebSocket).await,
        ("over TLS".to_owned(), Transport::WebSocket)
    );
    assert_eq!(
        echo(&pki, &url, Transports::PollingThenUpgrade).await,
        ("over TLS".to_owned(), Transport::WebSocket)
    );
    stop(child);
}

/// A TLS connection to `url`'s port offering `alpn`; the protocol agreed, the server's
/// certificate, and the answer to `GET /healthz`.
async fn handshake(
    pki: &Pki,
    url: &str,
    alpn: &[&[u8]],
) -> (Option<Vec<u8>>, CertificateDer<'static>, String) {
    let addr = url.strip_prefix("https://").expect("https");
    let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let connector = tokio_rustls::TlsConnector::from(pki.client(alpn));
    let server = ServerName::try_from("127.0.0.1").expect("name");
    let mut tls = connector.connect(server, tcp).await.expect("handshake");
    let (_, session) = tls.get_ref();
    let alpn = session.alpn_protocol().map(<[u8]>::to_vec);
    let cert = session.peer_certificates().expect("certificate")[0].clone();
    tls.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await
        .expect("request");
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(WAIT, tls.read_to_end(&mut answer)).await;
    (alpn, cert, String::from_utf8_lossy(&answer).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn h2_or_http_1_1_is_agreed_and_sighup_reloads_the_certificate() {
    let pki = Pki::new("reload");
    let first = std::fs::read(pki.file("cert.pem")).expect("cert");
    let (child, url) = pki.serve(&[]);
    let (alpn, _, _) = handshake(&pki, &url, &[b"h2", b"http/1.1"]).await;
    assert_eq!(alpn.as_deref(), Some(&b"h2"[..]), "HTTP/2 first");
    let (alpn, served, health) = handshake(&pki, &url, &[b"http/1.1"]).await;
    assert_eq!(alpn.as_deref(), Some(&b"http/1.1"[..]));
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(health.ends_with("ok"), "{health}");

    // A renewed certificate, read on SIGHUP; new connections get it.
    let renewed = pki.issue("wsio renewed server");
    assert_ne!(first, std::fs::read(pki.file("cert.pem")).expect("cert"));
    assert_ne!(served, renewed);
    signal(&child, "HUP");
    let mut now_served = served.clone();
    for _ in 0..100 {
        now_served = handshake(&pki, &url, &[]).await.1;
        if now_served == renewed {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(now_served, renewed, "the renewed certificate is served");

    // A key that does not match: the reload fails and the renewed certificate stays.
    std::fs::write(
        pki.file("key.pem"),
        KeyPair::generate().expect("key").serialize_pem(),
    )
    .expect("write key");
    signal(&child, "HUP");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(handshake(&pki, &url, &[]).await.1, renewed);
    let log = stop(child);
    assert!(log.contains("TLS certificate reloaded"), "{log}");
    assert!(log.contains("TLS certificate not reloaded"), "{log}");
}

#[test]
fn a_missing_or_mismatched_key_is_refused_at_start() {
    let pki = Pki::new("refused");
    let output = Command::new(env!("CARGO_BIN_EXE_wsio"))
        .args(["serve", "--port", "0", "--tls-cert", &pki.path("cert.pem")])
        .args(["--tls-key", &pki.path("missing.pem")])
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(error.contains("missing.pem"), "{error}");
    assert!(
        output.stdout.is_empty(),
        "no banner before the certificate is read"
    );

    std::fs::write(
        pki.file("other.pem"),
        KeyPair::generate().expect("key").serialize_pem(),
    )
    .expect("write key");
    let output = Command::new(env!("CARGO_BIN_EXE_wsio"))
        .args(["serve", "--port", "0", "--tls-cert", &pki.path("cert.pem")])
        .args(["--tls-key", &pki.path("other.pem")])
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(error.contains("other.pem"), "{error}");

    let output = Command::new(env!("CARGO_BIN_EXE_wsio"))
        .args(["serve", "--port", "0", "--tls-cert", &pki.path("cert.pem")])
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(error.contains("--tls-key"), "{error}");
}

/// `interop/js`, where socket.io-client is installed, if it is (and `node` runs).
fn node_client() -> Option<PathBuf> {
    let js = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../interop/js");
    if !js.join("node_modules/socket.io-client").is_dir() {
        println!(
            "skipped: interop/js/node_modules is missing (cargo xtask interop installs it, or npm ci there)"
        );
        return None;
    }
    if Command::new("node").arg("--version").output().is_err() {
        println!("skipped: node is not installed");
        return None;
    }
    Some(js.join("tls/client.js"))
}

#[test]
fn socket_io_client_over_https_polling_wss_and_the_upgrade() {
    let Some(script) = node_client() else {
        return;
    };
    let pki = Pki::new("node");
    let (child, url) = pki.serve(&[]);
    for (mode, transport) in [
        ("polling", "polling"),
        ("websocket", "websocket"),
        ("upgrade", "websocket"),
    ] {
        let output = Command::new("node")
            .arg(&script)
            .args([url.as_str(), &pki.path("ca.pem"), mode])
            .output()
            .expect("node runs");
        let line = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{mode}: {line} {stderr}");
        let result: serde_json::Value = serde_json::from_str(line.trim()).expect("JSON line");
        assert_eq!(result["transport"], transport, "{mode}: {line}");
        assert_eq!(result["echo"], "over TLS", "{mode}: {line}");
    }
    // Without the authority, verification fails: nothing is trusted by default.
    let output = Command::new("node")
        .arg(&script)
        .args([url.as_str(), "/dev/null", "polling"])
        .output()
        .expect("node runs");
    assert!(!output.status.success());
    stop(child);
}
