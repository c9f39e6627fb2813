//! What the WebTransport tests share: a certificate from `wsio cert` and `wsio serve
//! --webtransport` with it, a page server for socket.io-client's bundle, and an HTTPS client
//! that trusts only the pinned certificate (the server's `/metrics`).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::Arc;

use base64::Engine as _;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::binary::serve_url_on;

/// A certificate made by `wsio cert` in a folder of its own, and its hash.
pub struct Cert {
    dir: PathBuf,
    /// The SHA-256 of the certificate (DER).
    pub sha256: [u8; 32],
}

impl Cert {
    /// Runs `wsio cert` into a temporary folder named after the test process and `name`.
    pub fn new(name: &str) -> Cert {
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

    /// The path of `name` (`cert.pem`, `key.pem`) in the folder.
    pub fn path(&self, name: &str) -> String {
        self.dir.join(name).to_str().expect("utf-8").to_owned()
    }

    /// The hash in base64, as pages pin it.
    pub fn base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.sha256)
    }

    /// `wsio serve --webtransport` with this certificate on a free port, with `/metrics`;
    /// the process and its URL.
    pub fn serve(&self) -> (Child, String) {
        self.serve_on(0, &[])
    }

    /// `wsio serve --webtransport` with this certificate on `port` (0: a free one), with
    /// `/metrics` and the `extra` arguments; the process and its URL.
    pub fn serve_on(&self, port: u16, extra: &[&str]) -> (Child, String) {
        let (cert, key) = (self.path("cert.pem"), self.path("key.pem"));
        let mut args = vec![
            "--tls-cert",
            &cert,
            "--tls-key",
            &key,
            "--webtransport",
            "--metrics-path",
            "/metrics",
        ];
        args.extend_from_slice(extra);
        let (child, url) = serve_url_on(port, &args);
        assert!(url.starts_with("https://127.0.0.1:"), "{url}");
        (child, url)
    }

    /// A rustls client configuration that trusts this certificate only, offering `alpn`.
    pub fn client_config(&self, alpn: &[&[u8]]) -> rustls::ClientConfig {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .expect("versions")
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Pinned {
                sha256: self.sha256,
                provider,
            }))
            .with_no_client_auth();
        config.alpn_protocols = alpn.iter().map(|name| name.to_vec()).collect();
        config
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
pub fn page_server(bundle: &Path) -> String {
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
pub async fn scrape(url: &str, cert: &Cert) -> String {
    let config = cert.client_config(&[b"http/1.1"]);
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
pub fn metric(scrape: &str, name: &str) -> Option<u64> {
    scrape.lines().find_map(|line| {
        let (sample, value) = line.split_once(' ')?;
        (sample == name).then(|| value.trim().parse().ok())?
    })
}
