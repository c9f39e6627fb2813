//! `wsio serve --webtransport` in headless Chromium with the real socket.io-client bundle:
//! a session on WebTransport alone (text, binary and acknowledgements both ways), and a
//! polling session upgraded to WebTransport. The certificate comes from `wsio cert`; the page
//! pins its SHA-256 hash (`transportOptions.webtransport.serverCertificateHashes`), so the
//! WebTransport-only browser runs with no certificate flag at all. The page is served over
//! `http://127.0.0.1` by the test (a secure context). The server's own figures, read over
//! HTTPS by a client pinning the same hash, count the WebTransport sessions. Skipped, with the
//! reason printed, without `/usr/bin/chromium` or `interop/js/node_modules`.
#![cfg(feature = "webtransport")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod binary;
mod devtools;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use binary::{serve_url, stop};
use devtools::{Browser, bundle_and_browser};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A certificate made by `wsio cert` in a folder of its own, and its hash.
struct Cert {
    dir: PathBuf,
    sha256: [u8; 32],
}

impl Cert {
    fn new(name: &str) -> Cert {
        let dir = std::env::temp_dir().join(format!("wsio-wt-{}-{name}", std::process::id()));
        let output = Command::new(env!("CARGO_BIN_EXE_wsio"))
            .args(["cert", "--out"])
            .arg(&dir)
            .output()
            .expect("wsio cert runs");
        assert!(output.status.success(), "{output:?}");
        let stdout = String::from_utf8(output.stdout).expect("utf-8");
        let encoded = stdout
            .lines()
            .find_map(|line| line.strip_prefix("sha-256 base64: "))
            .unwrap_or_else(|| panic!("no hash in {stdout:?}"));
        let hash = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .expect("base64");
        Cert {
            dir,
            sha256: hash.try_into().expect("32 bytes"),
        }
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).to_str().expect("utf-8").to_owned()
    }

    fn base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.sha256)
    }

    /// `wsio serve --webtransport` with this certificate; the process and its URL.
    fn serve(&self) -> (Child, String) {
        let (cert, key) = (self.path("cert.pem"), self.path("key.pem"));
        let (child, url) = serve_url(&[
            "--tls-cert",
            &cert,
            "--tls-key",
            &key,
            "--webtransport",
            "--metrics-path",
            "/metrics",
        ]);
        assert!(url.starts_with("https://127.0.0.1:"), "{url}");
        (child, url)
    }
}

impl Drop for Cert {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Serves a blank page at `/` and socket.io-client's `bundle` at `/socket.io.min.js` over
/// plain HTTP on 127.0.0.1 (a secure context for the browser), from a thread, for as long as
/// the test runs; its URL.
fn page_server(bundle: &Path) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let script = std::fs::read(bundle).expect("bundle");
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut line = String::new();
            if BufReader::new(&stream).read_line(&mut line).is_err() {
                continue;
            }
            let (kind, body): (&str, &[u8]) = if line.starts_with("GET /socket.io.min.js") {
                ("application/javascript", &script)
            } else {
                (
                    "text/html",
                    b"<!doctype html><title>wt</title><script src=\"/socket.io.min.js\"></script>",
                )
            };
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: {kind}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body);
        }
    });
    url
}

/// The script that connects socket.io-client to `server` with `transports`, pinning `hash`;
/// waits for the connection (and for `transport` to carry it), then emits `echo` with a
/// string and bytes and reports the acknowledgement, the echoed event and the transports.
fn connect_and_echo(server: &str, hash: &str, transports: &[&str], transport: &str) -> String {
    format!(
        r#"(async () => {{
  const hash = Uint8Array.from(atob({hash}), c => c.charCodeAt(0));
  const socket = io({server}, {{
    transports: {transports},
    reconnection: false,
    transportOptions: {{ webtransport: {{ serverCertificateHashes: [{{ algorithm: "sha-256", value: hash }}] }} }},
  }});
  const seen = [];
  socket.io.on("open", () => seen.push("open:" + socket.io.engine.transport.name));
  await new Promise((resolve, reject) => {{
    socket.on("connect", resolve);
    socket.on("connect_error", e => reject(new Error("connect_error " + e.message)));
    setTimeout(() => reject(new Error("no connection")), 8000);
  }});
  const engine = socket.io.engine;
  if (engine.transport.name !== {transport}) {{
    await new Promise((resolve, reject) => {{
      engine.on("upgrade", t => {{ seen.push("upgrade:" + t.name); resolve(); }});
      engine.on("upgradeError", e => seen.push("upgradeError:" + e.message));
      setTimeout(() => reject(new Error("no upgrade: " + seen.join(","))), 8000);
    }});
  }}
  const echoed = new Promise(resolve => socket.once("echo", (...args) => resolve(args)));
  const acked = await new Promise((resolve, reject) =>
    socket.timeout(5000).emit("echo", "héllo", new Uint8Array([1, 2, 255]), (err, ...args) =>
      err ? reject(err) : resolve(args)));
  const event = await echoed;
  const bytes = b => Array.from(new Uint8Array(b));
  const result = {{
    transport: socket.io.engine.transport.name,
    seen,
    ack: [acked[0], bytes(acked[1])],
    event: [event[0], bytes(event[1])],
  }};
  window.wtSocket = socket;
  return result;
}})()"#,
        hash = json!(hash),
        server = json!(server),
        transports = json!(transports),
        transport = json!(transport),
    )
}

/// Accepts exactly the certificate whose SHA-256 is pinned, as the browser does.
#[derive(Debug)]
struct Pinned {
    sha256: [u8; 32],
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let digest = ring::digest::digest(&ring::digest::SHA256, end_entity);
        if digest.as_ref() == self.sha256 {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General("not the pinned certificate".into()))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// The server's `/metrics` over HTTPS/1.1, trusting only the pinned certificate.
async fn scrape(url: &str, cert: &Cert) -> String {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .expect("versions")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(Pinned {
            sha256: cert.sha256,
            provider,
        }))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let addr = url.strip_prefix("https://").expect("https");
    let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let name = ServerName::try_from("127.0.0.1").expect("name");
    let mut tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .expect("TLS with the pinned certificate");
    tls.write_all(b"GET /metrics HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n")
        .await
        .expect("request");
    let mut answer = Vec::new();
    let _ = tls.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer).into_owned()
}

/// The value of the sample `name` in a Prometheus scrape.
fn metric(scrape: &str, name: &str) -> Option<u64> {
    scrape.lines().find_map(|line| {
        let (sample, value) = line.split_once(' ')?;
        (sample == name).then(|| value.trim().parse().ok())?
    })
}

/// What both sessions must have seen: the string and the bytes back, as ack and as event.
fn assert_echoed(result: &Value) {
    assert_eq!(result["ack"], json!(["héllo", [1, 2, 255]]), "{result}");
    assert_eq!(result["event"], json!(["héllo", [1, 2, 255]]), "{result}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_with_no_flags_runs_a_session_on_webtransport_alone() {
    let Some(bundle) = bundle_and_browser() else {
        return;
    };
    let cert = Cert::new("alone");
    let (server, url) = cert.serve();
    let page_url = page_server(&bundle);
    let browser = Browser::start("webtransport-alone");
    let mut page = browser.open(&format!("{page_url}/")).await;
    page.wait_for(
        "typeof io === 'function'",
        Duration::from_secs(8),
        "bundle loaded",
    )
    .await;
    assert_eq!(page.eval("window.isSecureContext").await, json!(true));
    let result = page
        .eval(&connect_and_echo(
            &url,
            &cert.base64(),
            &["webtransport"],
            "webtransport",
        ))
        .await;
    assert_eq!(result["transport"], "webtransport", "{result}");
    assert_eq!(result["seen"], json!(["open:webtransport"]), "{result}");
    assert_echoed(&result);

    let figures = scrape(&url, &cert).await;
    assert_eq!(
        metric(&figures, "wsio_sessions{transport=\"webtransport\"}"),
        Some(1),
        "{figures}"
    );
    assert_eq!(
        metric(&figures, "wsio_upgrades_total"),
        Some(0),
        "{figures}"
    );

    // The client closes: the server frees the session.
    page.eval("window.wtSocket.disconnect(); true").await;
    let mut figures = String::new();
    for _ in 0..100 {
        figures = scrape(&url, &cert).await;
        if metric(&figures, "wsio_sessions{transport=\"webtransport\"}") == Some(0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        metric(&figures, "wsio_sessions{transport=\"webtransport\"}"),
        Some(0),
        "{figures}"
    );
    drop(browser);
    let log = stop(server);
    assert!(!log.contains("ERROR"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_polling_session_upgrades_to_webtransport() {
    let Some(bundle) = bundle_and_browser() else {
        return;
    };
    let cert = Cert::new("upgrade");
    let (server, url) = cert.serve();
    let page_url = page_server(&bundle);
    // Polling goes over HTTPS: Chromium trusts the certificate's key for it (WebTransport
    // needs no flag, the page pins the certificate).
    let spki = {
        let pem = std::fs::read_to_string(cert.path("key.pem")).expect("key");
        let key = rcgen::KeyPair::from_pem(&pem).expect("key pair");
        let digest = ring::digest::digest(
            &ring::digest::SHA256,
            &rcgen::PublicKeyData::subject_public_key_info(&key),
        );
        base64::engine::general_purpose::STANDARD.encode(digest.as_ref())
    };
    let flag = format!("--ignore-certificate-errors-spki-list={spki}");
    let browser = Browser::start_with("webtransport-upgrade", &[&flag]);
    let mut page = browser.open(&format!("{page_url}/")).await;
    page.wait_for(
        "typeof io === 'function'",
        Duration::from_secs(8),
        "bundle loaded",
    )
    .await;
    let result = page
        .eval(&connect_and_echo(
            &url,
            &cert.base64(),
            &["polling", "webtransport"],
            "webtransport",
        ))
        .await;
    assert_eq!(result["transport"], "webtransport", "{result}");
    assert_eq!(
        result["seen"],
        json!(["open:polling", "upgrade:webtransport"]),
        "{result}"
    );
    assert_echoed(&result);

    let figures = scrape(&url, &cert).await;
    assert_eq!(
        metric(&figures, "wsio_sessions{transport=\"webtransport\"}"),
        Some(1),
        "{figures}"
    );
    assert_eq!(
        metric(&figures, "wsio_sessions{transport=\"polling\"}"),
        Some(0),
        "{figures}"
    );
    assert_eq!(
        metric(&figures, "wsio_upgrades_total"),
        Some(1),
        "{figures}"
    );
    drop(browser);
    let log = stop(server);
    assert!(!log.contains("ERROR"), "{log}");
}
