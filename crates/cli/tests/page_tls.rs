//! The demo page of `wsio serve --tls-cert --tls-key` in headless Chromium: the page comes
//! over `https://`, socket.io-client polls over HTTPS and upgrades to `wss://`, and two pages
//! chat. The certificate is self-signed and made here; Chromium trusts exactly its key
//! through `--ignore-certificate-errors-spki-list` (the SHA-256 of its SubjectPublicKeyInfo),
//! and a Chromium without that flag is shown to refuse the page. Skipped, with the reason
//! printed, without `/usr/bin/chromium` or `interop/js/node_modules` (`cargo xtask test`
//! installs both).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod binary;
mod devtools;

use std::path::PathBuf;
use std::process::Child;
use std::time::Duration;

use base64::Engine as _;
use binary::{serve_url, stop};
use devtools::{Browser, Page, bundle_and_browser};
use rcgen::{CertifiedKey, PublicKeyData as _};
use serde_json::json;

const WAIT: Duration = Duration::from_secs(8);

/// A self-signed certificate for 127.0.0.1 and localhost, as `cert.pem` and `key.pem` in a
/// folder of its own.
struct SelfSigned {
    dir: PathBuf,
    /// The base64 SHA-256 of the certificate's SubjectPublicKeyInfo, as Chromium's
    /// `--ignore-certificate-errors-spki-list` takes it.
    spki_sha256: String,
}

impl SelfSigned {
    fn new(name: &str) -> SelfSigned {
        let dir = std::env::temp_dir().join(format!("wsio-page-tls-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let CertifiedKey { cert, signing_key } =
            rcgen::generate_simple_self_signed(["127.0.0.1".to_owned(), "localhost".to_owned()])
                .expect("certificate");
        std::fs::write(dir.join("cert.pem"), cert.pem()).expect("write cert");
        std::fs::write(dir.join("key.pem"), signing_key.serialize_pem()).expect("write key");
        SelfSigned {
            dir,
            spki_sha256: spki_sha256(&signing_key.subject_public_key_info()),
        }
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).to_str().expect("utf-8 path").to_owned()
    }

    /// `wsio serve` over TLS with this certificate, serving socket.io-client's `bundle`; the
    /// process and its `https://` URL.
    fn serve(&self, bundle: &str) -> (Child, String) {
        let (cert, key) = (self.path("cert.pem"), self.path("key.pem"));
        let (child, url) = serve_url(&[
            "--client-js",
            bundle,
            "--tls-cert",
            &cert,
            "--tls-key",
            &key,
            "--metrics-path",
            "/metrics",
        ]);
        assert!(url.starts_with("https://127.0.0.1:"), "{url}");
        (child, url)
    }

    /// The Chromium flag that trusts this certificate's key and no other.
    fn trust_flag(&self) -> String {
        format!("--ignore-certificate-errors-spki-list={}", self.spki_sha256)
    }
}

impl Drop for SelfSigned {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The base64 SHA-256 of a DER SubjectPublicKeyInfo.
fn spki_sha256(spki: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, spki);
    base64::engine::general_purpose::STANDARD.encode(digest.as_ref())
}

/// The value of the sample `name` in a Prometheus scrape.
fn metric(scrape: &str, name: &str) -> Option<u64> {
    scrape.lines().find_map(|line| {
        let (sample, value) = line.split_once(' ')?;
        (sample == name).then(|| value.trim().parse().ok())?
    })
}

/// A JavaScript test: the text of element `id` contains `needle`.
fn contains(id: &str, needle: &str) -> String {
    format!(
        "document.getElementById({}).innerText.includes({})",
        json!(id),
        json!(needle)
    )
}

/// Opens the page at `{url}/?nick={nick}`; waits until it shows it is connected over
/// WebSocket.
async fn open(browser: &Browser, url: &str, nick: &str) -> Page {
    let mut page = browser.open(&format!("{url}/?nick={nick}")).await;
    page.wait_for(
        "document.getElementById('state').textContent === 'connected' && \
         document.getElementById('transport').textContent === 'websocket'",
        WAIT,
        &format!("{nick} connected over websocket"),
    )
    .await;
    page
}

/// Types `text` into the message box and presses Send; waits for `to` to show it.
async fn say(from: &mut Page, to: &mut Page, line: &str, text: &str) {
    from.eval(&format!(
        "document.getElementById('text').value = {}; document.getElementById('send').click()",
        json!(text)
    ))
    .await;
    to.wait_for(
        &contains("chat", line),
        WAIT,
        &format!("chat line {line:?}"),
    )
    .await;
}

/// A self-signed certificate named `name` and `wsio serve` over TLS with it; `None`, with the
/// reason printed, when Chromium or socket.io-client's bundle is missing.
fn serve_self_signed(name: &str) -> Option<(SelfSigned, Child, String)> {
    let bundle = bundle_and_browser()?;
    let cert = SelfSigned::new(name);
    let (server, url) = cert.serve(bundle.to_str().expect("utf-8"));
    Some((cert, server, url))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_trusting_the_certificate_chats_over_https_and_wss() {
    let Some((cert, server, url)) = serve_self_signed("trusted") else {
        return;
    };
    let browser = Browser::start_with("tls", &[&cert.trust_flag()]);
    let mut alice = open(&browser, &url, "alice").await;
    let mut bob = open(&browser, &url, "bob").await;

    // A secure context: the page came over https://, so its WebSocket can only be wss://
    // (Chromium blocks ws:// from an https:// page as mixed content).
    assert_eq!(
        alice
            .eval("[location.protocol, window.isSecureContext]")
            .await,
        json!(["https:", true])
    );
    // The server offers h2 by ALPN: the page and socket.io-client's polling requests come
    // over HTTP/2.
    assert_eq!(
        alice
            .eval(
                "[performance.getEntriesByType('navigation')[0].nextHopProtocol, \
                 performance.getEntriesByType('resource').some(e => \
                   e.name.includes('/socket.io/') && e.nextHopProtocol === 'h2')]"
            )
            .await,
        json!(["h2", true])
    );
    say(
        &mut alice,
        &mut bob,
        "alice: hello over TLS",
        "hello over TLS",
    )
    .await;
    say(&mut bob, &mut alice, "bob: hi over wss", "hi over wss").await;
    assert_eq!(alice.text("transport").await, "websocket");
    assert_eq!(bob.text("transport").await, "websocket");
    // Chromium opened both WebSockets as streams of its HTTP/2 connection (RFC 8441: the
    // server advertises extended CONNECT), not by HTTP/1.1 upgrade: the server counted them.
    let scrape = alice.eval("fetch('/metrics').then(r => r.text())").await;
    let scrape = scrape.as_str().expect("the metrics text");
    assert_eq!(
        metric(scrape, "wsio_websockets_over_http2_total"),
        Some(2),
        "{scrape}"
    );
    for page in [&mut alice, &mut bob] {
        let events = page.text("events").await;
        assert!(events.contains("engine open over polling"), "{events}");
        assert!(events.contains("upgraded to websocket"), "{events}");
        assert!(!events.contains("connect error"), "{events}");
    }
    drop(browser);
    let log = stop(server);
    assert!(!log.contains("ERROR"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_without_the_trust_flag_or_trusting_another_key_refuses_the_page() {
    let Some((_cert, server, url)) = serve_self_signed("untrusted") else {
        return;
    };
    let other_key = rcgen::KeyPair::generate().expect("key");
    let other_flag = format!(
        "--ignore-certificate-errors-spki-list={}",
        spki_sha256(&other_key.subject_public_key_info())
    );
    for (name, flags) in [
        ("tls-no-flag", Vec::new()),
        ("tls-other-key", vec![other_flag.as_str()]),
    ] {
        let browser = Browser::start_with(name, &flags);
        let mut page = browser.open("about:blank").await;
        let navigation = page
            .call(
                "Page.navigate",
                json!({"url": format!("{url}/?nick=mallory")}),
            )
            .await;
        assert_eq!(
            navigation["errorText"], "net::ERR_CERT_AUTHORITY_INVALID",
            "{name}: {navigation}"
        );
        // Nothing of the page ran: no socket.io-client, no transport badge.
        assert_eq!(
            page.eval("[typeof io, document.getElementById('transport') === null]")
                .await,
            json!(["undefined", true]),
            "{name}"
        );
    }
    stop(server);
}
