//! The demo page at `/` runs the real socket.io-client: from jsDelivr, pinned by version and
//! Subresource Integrity hash, or from the server with `--client-js`. Headless Chromium
//! chats through it when `/usr/bin/chromium` and `interop/js/node_modules` are there (more of
//! the page in Chromium: `page_chat.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod binary;
mod devtools;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use base64::Engine as _;
use binary::{get, serve, stop};
use devtools::{Browser, bundle_and_browser, installed_bundle};
use wsio_cli::page::{CLIENT_INTEGRITY, CLIENT_JS_PATH, CLIENT_VERSION};

#[test]
fn the_page_loads_the_pinned_client_with_its_integrity_hash() {
    let (child, port) = serve(&["--path", "/rt"]);
    let page = get(port, "/");
    let no_bundle = get(port, CLIENT_JS_PATH);
    stop(child);
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(no_bundle.starts_with("HTTP/1.1 404"), "{no_bundle}");
    let src = format!(
        "https://cdn.jsdelivr.net/npm/socket.io-client@{CLIENT_VERSION}/dist/socket.io.min.js"
    );
    assert!(page.contains(&src), "{page}");
    assert!(
        page.contains(&format!(r#"integrity="{CLIENT_INTEGRITY}""#)),
        "{page}"
    );
    assert!(page.contains(r#"const PATH = "/rt/";"#), "{page}");

    // The hash is the one of the npm package's file, which jsDelivr serves unchanged.
    let Some(bundle) = installed_bundle() else {
        return;
    };
    let package = bundle
        .parent()
        .and_then(Path::parent)
        .expect("the package folder");
    let manifest = std::fs::read_to_string(package.join("package.json")).expect("package");
    let manifest: serde_json::Value = serde_json::from_str(&manifest).expect("JSON");
    if manifest["version"] != CLIENT_VERSION {
        println!(
            "skipped: interop/js has socket.io-client {} installed, the page pins {CLIENT_VERSION}",
            manifest["version"]
        );
        return;
    }
    let bytes = std::fs::read(&bundle).expect("bundle");
    let digest = ring::digest::digest(&ring::digest::SHA384, &bytes);
    let integrity = format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(digest.as_ref())
    );
    assert_eq!(integrity, CLIENT_INTEGRITY);
}

#[test]
fn client_js_serves_the_bundle_next_to_the_page() {
    let Some(bundle) = installed_bundle() else {
        return;
    };
    let (child, port) = serve(&["--client-js", bundle.to_str().expect("utf-8")]);
    let page = get(port, "/");
    let script = get(port, CLIENT_JS_PATH);
    stop(child);
    assert!(
        page.contains(&format!(r#"<script src="{CLIENT_JS_PATH}"></script>"#)),
        "{page}"
    );
    assert!(!page.contains("cdn.jsdelivr.net"), "{page}");
    assert!(script.starts_with("HTTP/1.1 200"), "{script}");
    assert!(
        script
            .to_lowercase()
            .contains("content-type: text/javascript")
    );
    let body = std::fs::read_to_string(&bundle).expect("bundle");
    assert!(script.ends_with(&body), "the bundle as it is");

    let output = Command::new(env!("CARGO_BIN_EXE_wsio"))
        .args([
            "serve",
            "--port",
            "0",
            "--client-js",
            "/nonexistent/socket.io.min.js",
        ])
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(error.contains("--client-js /nonexistent"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_chats_through_the_page() {
    let Some(bundle) = bundle_and_browser() else {
        return;
    };
    let (child, port) = serve(&["--client-js", bundle.to_str().expect("utf-8")]);
    let browser = Browser::start("selftest");
    let mut page = browser
        .open(&format!("http://127.0.0.1:{port}/#selftest"))
        .await;
    // The page's own verdict, in its title.
    page.wait_for(
        "/^(PASS|FAIL)/.test(document.title)",
        Duration::from_secs(15),
        "a verdict",
    )
    .await;
    let verdict = page.eval("document.title").await;
    drop(browser);
    let log = stop(child);
    assert_eq!(
        verdict, "PASS websocket",
        "the page's verdict; server log: {log}"
    );
}
