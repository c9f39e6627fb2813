//! The demo page at `/` runs the real socket.io-client: from jsDelivr, pinned by version and
//! Subresource Integrity hash, or from the server with `--client-js`. Headless Chromium
//! chats through it when `/usr/bin/chromium` and `interop/js/node_modules` are there.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod binary;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use binary::{get, serve, stop};
use wsio_cli::page::{CLIENT_INTEGRITY, CLIENT_JS_PATH, CLIENT_VERSION};

/// socket.io-client's browser bundle in `interop/js/node_modules`, if installed.
fn installed_bundle() -> Option<PathBuf> {
    let package = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../interop/js/node_modules/socket.io-client");
    let bundle = package.join("dist/socket.io.min.js");
    if !bundle.is_file() {
        println!("skipped: interop/js/node_modules is missing (cargo xtask interop installs it)");
        return None;
    }
    Some(bundle)
}

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

/// Where Debian's package puts the browser.
const CHROMIUM: &str = "/usr/bin/chromium";

#[test]
fn a_browser_chats_through_the_page() {
    let Some(bundle) = installed_bundle() else {
        return;
    };
    if !Path::new(CHROMIUM).is_file() {
        println!("skipped: {CHROMIUM} is missing (cargo xtask browser installs it)");
        return;
    }
    let (child, port) = serve(&["--client-js", bundle.to_str().expect("utf-8")]);
    let profile = std::env::temp_dir().join(format!("wsio-page-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&profile);
    std::fs::create_dir_all(&profile).expect("profile");
    let mut browser = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("http://127.0.0.1:{port}/#selftest"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let verdict = verdict(&profile, Duration::from_secs(30));
    let _ = browser.kill();
    let _ = browser.wait();
    let _ = std::fs::remove_dir_all(&profile);
    let log = stop(child);
    assert_eq!(
        verdict.as_deref(),
        Some("PASS websocket"),
        "the page's verdict; server log: {log}"
    );
}

/// The first page title starting with PASS or FAIL, read from Chromium's DevTools endpoint
/// (its port is in `DevToolsActivePort` of the profile), within `limit`.
fn verdict(profile: &Path, limit: Duration) -> Option<String> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        let Some(port) = std::fs::read_to_string(profile.join("DevToolsActivePort"))
            .ok()
            .and_then(|text| text.lines().next()?.trim().parse::<u16>().ok())
        else {
            continue;
        };
        let Ok(mut tcp) = TcpStream::connect(("127.0.0.1", port)) else {
            continue;
        };
        let _ = tcp.set_read_timeout(Some(Duration::from_secs(2)));
        let _ = tcp
            .write_all(b"GET /json/list HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        let mut answer = Vec::new();
        let _ = tcp.read_to_end(&mut answer);
        let answer = String::from_utf8_lossy(&answer);
        let Some(body) = answer.split("\r\n\r\n").nth(1) else {
            continue;
        };
        let Ok(targets) = serde_json::from_str::<Vec<serde_json::Value>>(body) else {
            continue;
        };
        let found = targets
            .iter()
            .filter_map(|target| target["title"].as_str())
            .find(|title| title.starts_with("PASS") || title.starts_with("FAIL"));
        if let Some(title) = found {
            return Some(title.to_owned());
        }
    }
    None
}
