//! Headless Chromium driven through its DevTools protocol: pages opened with `PUT /json/new`,
//! each driven over its own WebSocket (wsio-ws's client) with `Runtime.evaluate` and
//! `Page.captureScreenshot`. Loopback only; the browser is stopped by its pid on drop.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};
use wsio_ws::{Config, MaybeTlsStream, Message, WebSocket};

/// Where Debian's package puts the browser (`cargo xtask test` installs it).
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// The variable naming the browser to run instead of [`CHROMIUM`]. When it is set (as
/// `cargo xtask browser` sets it), a missing browser or bundle fails the test instead of
/// skipping it.
pub const CHROMIUM_VAR: &str = "WSIO_CHROMIUM";

/// The browser the tests run: `WSIO_CHROMIUM`, else [`CHROMIUM`].
pub fn chromium() -> PathBuf {
    std::env::var_os(CHROMIUM_VAR).map_or_else(|| PathBuf::from(CHROMIUM), PathBuf::from)
}

/// Says why a test is skipped; with `WSIO_CHROMIUM` set, fails it instead.
fn skip(why: &str) {
    assert!(
        std::env::var_os(CHROMIUM_VAR).is_none(),
        "{why}, and {CHROMIUM_VAR} asks for the browser tests"
    );
    println!("skipped: {why} (cargo xtask test installs it)");
}

/// socket.io-client's browser bundle in `interop/js/node_modules`, if installed; otherwise
/// prints why the test is skipped.
pub fn installed_bundle() -> Option<PathBuf> {
    let bundle = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../interop/js/node_modules/socket.io-client/dist/socket.io.min.js");
    if !bundle.is_file() {
        skip("interop/js/node_modules is missing");
        return None;
    }
    Some(bundle)
}

/// The bundle and Chromium when both are there; otherwise prints why the test is skipped.
pub fn bundle_and_browser() -> Option<PathBuf> {
    let bundle = installed_bundle()?;
    let chromium = chromium();
    if !chromium.is_file() {
        skip(&format!("{} is missing", chromium.display()));
        return None;
    }
    Some(bundle)
}

/// A headless Chromium with a profile of its own.
pub struct Browser {
    child: Child,
    profile: PathBuf,
    port: u16,
}

impl Browser {
    /// Starts Chromium and waits for its DevTools endpoint.
    pub fn start(name: &str) -> Browser {
        Browser::start_with(name, &[])
    }

    /// Starts Chromium with `extra` flags on its command line and waits for its DevTools
    /// endpoint.
    pub fn start_with(name: &str, extra: &[&str]) -> Browser {
        let profile =
            std::env::temp_dir().join(format!("wsio-devtools-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&profile);
        std::fs::create_dir_all(&profile).expect("profile");
        let child = Command::new(chromium())
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                // Pages in background tabs keep their timers (socket.io's reconnection).
                "--disable-background-timer-throttling",
                "--disable-renderer-backgrounding",
                "--disable-backgrounding-occluded-windows",
                "--window-size=1000,720",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                "about:blank",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromium starts");
        let mut browser = Browser {
            child,
            profile,
            port: 0,
        };
        let deadline = Instant::now() + Duration::from_secs(15);
        while browser.port == 0 {
            assert!(Instant::now() < deadline, "no DevTools port from Chromium");
            std::thread::sleep(Duration::from_millis(50));
            browser.port = std::fs::read_to_string(browser.profile.join("DevToolsActivePort"))
                .ok()
                .and_then(|text| text.lines().next()?.trim().parse().ok())
                .unwrap_or(0);
        }
        browser
    }

    /// Opens `url` in a new tab and connects to it.
    pub async fn open(&self, url: &str) -> Page {
        // The whole URL is the query: its own `?`, `&` and `=` escaped.
        let escaped: String = url
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b':' | b'/' => {
                    char::from(b).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect();
        let target = http(self.port, "PUT", &format!("/json/new?{escaped}"));
        let target: Value = serde_json::from_str(&target).expect("a target in JSON");
        let ws_url = target["webSocketDebuggerUrl"]
            .as_str()
            .expect("webSocketDebuggerUrl");
        let ws = wsio_ws::connect(ws_url, Config::default())
            .await
            .expect("DevTools WebSocket");
        Page { ws, next_id: 0 }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Chromium's helper processes may still write into the profile for a moment.
        for _ in 0..40 {
            let _ = std::fs::remove_dir_all(&self.profile);
            if !self.profile.exists() {
                break;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

/// One HTTP/1.1 request to the DevTools endpoint; the body of the answer.
fn http(port: u16, method: &str, path: &str) -> String {
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).expect("DevTools endpoint");
    tcp.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    write!(
        tcp,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .expect("request");
    // Chromium keeps the connection open: the body is as long as its Content-Length.
    let mut answer = Vec::new();
    let mut chunk = [0; 4096];
    loop {
        let read = tcp.read(&mut chunk).expect("DevTools answer");
        assert!(read > 0, "DevTools closed before answering {method} {path}");
        answer.extend_from_slice(&chunk[..read]);
        let text = String::from_utf8_lossy(&answer);
        let Some((head, body)) = text.split_once("\r\n\r\n") else {
            continue;
        };
        let length = head
            .lines()
            .filter_map(|line| line.split_once(':'))
            .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, value)| value.trim().parse::<usize>().ok());
        if length.is_none_or(|length| body.len() >= length) {
            return body.to_owned();
        }
    }
}

/// A tab, driven over its DevTools WebSocket.
pub struct Page {
    ws: WebSocket<MaybeTlsStream>,
    next_id: u64,
}

impl Page {
    /// Calls `method`; its result (events arriving meanwhile are dropped).
    pub async fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let request = json!({"id": id, "method": method, "params": params});
        self.ws
            .send(request.to_string())
            .await
            .expect("DevTools send");
        loop {
            let message = tokio::time::timeout(Duration::from_secs(10), self.ws.recv())
                .await
                .unwrap_or_else(|_| panic!("no answer to {method}"))
                .expect("DevTools connection open")
                .expect("DevTools message");
            let Message::Text(text) = message else {
                continue;
            };
            let answer: Value = serde_json::from_str(text.as_str()).expect("JSON");
            if answer["id"] != id {
                continue;
            }
            if let Some(error) = answer.get("error") {
                panic!("{method}: {error}");
            }
            return answer["result"].clone();
        }
    }

    /// The value of the JavaScript expression `expression` (promises awaited).
    pub async fn eval(&mut self, expression: &str) -> Value {
        let result = self
            .call(
                "Runtime.evaluate",
                json!({"expression": expression, "returnByValue": true, "awaitPromise": true}),
            )
            .await;
        if let Some(exception) = result.get("exceptionDetails") {
            panic!("{expression}: {exception}");
        }
        result["result"]["value"].clone()
    }

    /// Waits up to `limit` for `expression` to be true (throwing counts as false, as while the
    /// page loads); panics with `what` and the page's chat and `#events` log otherwise.
    pub async fn wait_for(&mut self, expression: &str, limit: Duration, what: &str) {
        let deadline = Instant::now() + limit;
        let guarded =
            format!("(() => {{ try {{ return {expression}; }} catch {{ return false; }} }})()");
        loop {
            if self.eval(&guarded).await == Value::Bool(true) {
                return;
            }
            if Instant::now() >= deadline {
                let events = self.text("events").await;
                let chat = self.text("chat").await;
                panic!("{what}: not within {limit:?}; chat: {chat:?}; events: {events:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The text of the element with id `id` (empty when there is none).
    pub async fn text(&mut self, id: &str) -> String {
        let expression = format!(
            "(document.getElementById({}) || {{}}).innerText || ''",
            json!(id)
        );
        self.eval(&expression)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// A PNG of the page as shown (the tab is brought to the front first: a background tab
    /// does not paint).
    pub async fn screenshot(&mut self) -> Vec<u8> {
        self.call("Page.bringToFront", json!({})).await;
        let shot = self
            .call("Page.captureScreenshot", json!({"format": "png"}))
            .await;
        base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().expect("data"))
            .expect("base64")
    }
}
