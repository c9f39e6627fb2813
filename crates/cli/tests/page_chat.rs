//! The demo page of `wsio serve` in headless Chromium, driven through the DevTools protocol:
//! two pages chat (nicknames, a room), a page reconnects by itself after the server is killed
//! and started again on the same port, and a page forced onto long-polling chats with one on
//! WebSocket. Skipped, with the reason printed, without `/usr/bin/chromium` or
//! `interop/js/node_modules` (`cargo xtask test` installs both).
//!
//! `docs/img/demo-page.png` comes from the first test, run with
//! `WSIO_PAGE_SCREENSHOT=docs/img/demo-page.png` (relative to the workspace root).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod binary;
mod devtools;

use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use binary::{serve, stop};
use devtools::{Browser, Page, bundle_and_browser};
use serde_json::json;

const WAIT: Duration = Duration::from_secs(8);

/// Opens the page at `/?{query}` of the server on `port`; waits until it shows it is
/// connected over `transport`.
async fn open(browser: &Browser, port: u16, query: &str, transport: &str) -> Page {
    let mut page = browser
        .open(&format!("http://127.0.0.1:{port}/?{query}"))
        .await;
    wait_shows(&mut page, "connected", transport).await;
    page
}

/// Waits until the page shows `state` and `transport`.
async fn wait_shows(page: &mut Page, state: &str, transport: &str) {
    let expression = format!(
        "document.getElementById('state').textContent === {} && \
         document.getElementById('transport').textContent === {}",
        json!(state),
        json!(transport)
    );
    page.wait_for(&expression, WAIT, &format!("{state} over {transport}"))
        .await;
}

/// Types `text` into the message box and presses Send.
async fn say(page: &mut Page, text: &str) {
    page.eval(&format!(
        "document.getElementById('text').value = {}; document.getElementById('send').click()",
        json!(text)
    ))
    .await;
}

/// Types `room` into the room box and presses Join; waits for the page to be in it.
async fn join(page: &mut Page, room: &str) {
    page.eval(&format!(
        "document.getElementById('room').value = {}; document.getElementById('join').click()",
        json!(room)
    ))
    .await;
    page.wait_for(
        &contains("joined", &format!("in {room}")),
        WAIT,
        &format!("in room {room}"),
    )
    .await;
}

/// A JavaScript test: the text of element `id` contains `needle`.
fn contains(id: &str, needle: &str) -> String {
    format!(
        "document.getElementById({}).innerText.includes({})",
        json!(id),
        json!(needle)
    )
}

async fn wait_chat(page: &mut Page, line: &str) {
    page.wait_for(
        &contains("chat", line),
        WAIT,
        &format!("chat line {line:?}"),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_pages_chat_with_nicknames_and_a_room() {
    let Some(bundle) = bundle_and_browser() else {
        return;
    };
    // The plain demo (no --test-events) has the rooms.
    let (server, port) = serve(&["--client-js", bundle.to_str().expect("utf-8")]);
    let browser = Browser::start("chat");
    let mut alice = open(&browser, port, "nick=alice", "websocket").await;
    let mut bob = open(&browser, port, "nick=bob", "websocket").await;

    say(&mut alice, "hello bob").await;
    wait_chat(&mut bob, "alice: hello bob").await;
    say(&mut bob, "hi alice").await;
    wait_chat(&mut alice, "bob: hi alice").await;

    join(&mut alice, "lobby").await;
    say(&mut alice, "alone in the lobby").await;
    wait_chat(&mut alice, "[lobby] alice: alone in the lobby").await;
    join(&mut bob, "lobby").await;
    say(&mut alice, "only in the lobby").await;
    wait_chat(&mut bob, "[lobby] alice: only in the lobby").await;
    wait_chat(&mut alice, "[lobby] alice: only in the lobby").await;
    let heard = bob.text("chat").await;
    assert!(!heard.contains("alone in the lobby"), "{heard}");

    let events = alice.text("events").await;
    assert!(events.contains("engine open over polling"), "{events}");
    assert!(events.contains("upgraded to websocket"), "{events}");
    assert!(events.contains("joined lobby"), "{events}");

    let png = alice.screenshot().await;
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    if let Some(path) = std::env::var_os("WSIO_PAGE_SCREENSHOT") {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(path);
        std::fs::write(&path, &png).expect("screenshot written");
    }
    drop(browser);
    let log = stop(server);
    assert!(!log.contains("ERROR"), "{log}");
}

/// `wsio serve` on `port` with `args`, once it takes connections.
fn serve_on(port: u16, args: &[&str]) -> Child {
    let child = Command::new(env!("CARGO_BIN_EXE_wsio"))
        .args(["serve", "--port", &port.to_string()])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("wsio starts");
    let deadline = Instant::now() + WAIT;
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "wsio serve is not back on {port}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    child
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_reconnects_by_itself_after_a_server_restart() {
    let Some(bundle) = bundle_and_browser() else {
        return;
    };
    let args = ["--client-js", bundle.to_str().expect("utf-8")];
    let (server, port) = serve(&args);
    let browser = Browser::start("restart");
    let mut page = open(&browser, port, "nick=carol", "websocket").await;
    say(&mut page, "before the restart").await;
    wait_chat(&mut page, "carol: before the restart").await;

    stop(server);
    page.wait_for(
        &contains("events", "disconnected: transport close"),
        WAIT,
        "the page sees the server go",
    )
    .await;
    let mut server = serve_on(port, &args);
    wait_shows(&mut page, "connected", "websocket").await;
    let events = page.text("events").await;
    assert!(events.contains("reconnect attempt 1"), "{events}");
    assert!(events.contains("reconnected after"), "{events}");
    let attempts = page.text("attempts").await;
    assert!(attempts.parse::<u32>().expect("a count") >= 1, "{attempts}");

    say(&mut page, "after the restart").await;
    wait_chat(&mut page, "carol: after the restart").await;
    drop(browser);
    server.kill().expect("kill");
    let _ = server.wait();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_forced_onto_polling_chats_with_one_on_websocket() {
    let Some(bundle) = bundle_and_browser() else {
        return;
    };
    let (server, port) = serve(&["--client-js", bundle.to_str().expect("utf-8")]);
    let browser = Browser::start("polling");
    let mut polling = open(&browser, port, "nick=dave&transports=polling", "polling").await;
    let mut websocket = open(&browser, port, "nick=erin", "websocket").await;

    say(&mut polling, "over long-polling").await;
    wait_chat(&mut websocket, "dave: over long-polling").await;
    say(&mut websocket, "over WebSocket").await;
    wait_chat(&mut polling, "erin: over WebSocket").await;

    assert_eq!(polling.text("transport").await, "polling");
    let events = polling.text("events").await;
    assert!(!events.contains("upgraded"), "{events}");
    drop(browser);
    stop(server);
}
