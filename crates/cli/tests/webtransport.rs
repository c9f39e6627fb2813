//! `wsio serve --webtransport` in headless Chromium with the real socket.io-client bundle:
//! a session on WebTransport alone (text, binary and acknowledgements both ways), a polling
//! session upgraded to WebTransport, rooms and broadcasts between three pages on WebTransport,
//! and a page that reconnects over WebTransport once the server, stopped with SIGTERM, is
//! started again on the same port with the same certificate, and a browser killed with SIGKILL
//! whose session the heartbeat frees. The certificate comes from
//! `wsio cert`; the page pins its SHA-256 hash
//! (`transportOptions.webtransport.serverCertificateHashes`), so a WebTransport-only browser
//! runs with no certificate flag at all. The page is served over `http://127.0.0.1` by the
//! test (a secure context). The server's own figures, read over HTTPS by a client pinning the
//! same hash, count the WebTransport sessions. Skipped, with the reason printed, without
//! `/usr/bin/chromium` or `interop/js/node_modules`.
#![cfg(feature = "webtransport")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod binary;
mod devtools;
mod wt_common;

use std::process::Child;
use std::time::Duration;

use base64::Engine as _;
use binary::{signal, stop, wait_exit};
use devtools::{Browser, Page, bundle_and_browser};
use serde_json::{Value, json};
use wt_common::{Cert, metric, page_server, scrape};

/// The sample counting live WebTransport sessions.
const WT_SESSIONS: &str = "wsio_sessions{transport=\"webtransport\"}";

/// Opens `page_url` in a new tab of `browser` and waits for socket.io-client's bundle.
async fn open_page(browser: &Browser, page_url: &str) -> Page {
    let mut page = browser.open(&format!("{page_url}/")).await;
    page.wait_for(
        "typeof io === 'function'",
        Duration::from_secs(8),
        "bundle loaded",
    )
    .await;
    page
}

/// Connects socket.io-client in `page` to `server` with `transports`, pinning `hash`, and
/// waits for the connection (and for `transport` to carry it). With `reconnect`, the client
/// reconnects quickly (100 ms, then at most 400 ms between attempts). The page keeps the
/// socket and what it hears in `window.wt`: `seen` (each opening and upgrade of the
/// transport), `heard` (`room-message` and `bcast` events), `disconnects` (their reasons)
/// and `reconnects`. Returns the transport and `seen`.
async fn connect(
    page: &mut Page,
    server: &str,
    hash: &str,
    transports: &[&str],
    transport: &str,
    reconnect: bool,
) -> Value {
    let script = format!(
        r#"(async () => {{
  const hash = Uint8Array.from(atob({hash}), c => c.charCodeAt(0));
  const socket = io({server}, {{
    transports: {transports},
    reconnection: {reconnect},
    reconnectionDelay: 100,
    reconnectionDelayMax: 400,
    randomizationFactor: 0,
    transportOptions: {{ webtransport: {{ serverCertificateHashes: [{{ algorithm: "sha-256", value: hash }}] }} }},
  }});
  const wt = {{ socket, seen: [], heard: [], disconnects: [], reconnects: 0 }};
  window.wt = wt;
  socket.io.on("open", () => wt.seen.push("open:" + socket.io.engine.transport.name));
  socket.io.on("reconnect", () => wt.reconnects++);
  socket.on("disconnect", reason => wt.disconnects.push(reason));
  for (const event of ["room-message", "bcast"]) {{
    socket.on(event, (...args) => wt.heard.push([event, ...args]));
  }}
  await new Promise((resolve, reject) => {{
    socket.on("connect", resolve);
    socket.on("connect_error", e => reject(new Error("connect_error " + e.message)));
    setTimeout(() => reject(new Error("no connection")), 8000);
  }});
  const engine = socket.io.engine;
  if (engine.transport.name !== {transport}) {{
    await new Promise((resolve, reject) => {{
      engine.on("upgrade", t => {{ wt.seen.push("upgrade:" + t.name); resolve(); }});
      engine.on("upgradeError", e => wt.seen.push("upgradeError:" + e.message));
      setTimeout(() => reject(new Error("no upgrade: " + wt.seen.join(","))), 8000);
    }});
  }}
  return {{ transport: socket.io.engine.transport.name, seen: wt.seen }};
}})()"#,
        hash = json!(hash),
        server = json!(server),
        transports = json!(transports),
        transport = json!(transport),
    );
    page.eval(&script).await
}

/// Emits `echo` with a string and bytes on the page's socket and asserts that both come back,
/// as the acknowledgement and as an `echo` event; returns the transport that carried them.
async fn echo(page: &mut Page) -> Value {
    let result = page
        .eval(
            r#"(async () => {
  const socket = window.wt.socket;
  const echoed = new Promise(resolve => socket.once("echo", (...args) => resolve(args)));
  const acked = await new Promise((resolve, reject) =>
    socket.timeout(5000).emit("echo", "héllo", new Uint8Array([1, 2, 255]), (err, ...args) =>
      err ? reject(err) : resolve(args)));
  const event = await echoed;
  const bytes = b => Array.from(new Uint8Array(b));
  return {
    transport: socket.io.engine.transport.name,
    ack: [acked[0], bytes(acked[1])],
    event: [event[0], bytes(event[1])],
  };
})()"#,
        )
        .await;
    assert_eq!(result["ack"], json!(["héllo", [1, 2, 255]]), "{result}");
    assert_eq!(result["event"], json!(["héllo", [1, 2, 255]]), "{result}");
    result["transport"].clone()
}

/// A test's certificate from `wsio cert`, its `wsio serve --webtransport`, the page server
/// and a headless Chromium.
struct Setup {
    cert: Cert,
    server: Child,
    url: String,
    page_url: String,
    browser: Browser,
}

impl Setup {
    /// Starts everything for the test `name`; `None` (the reason printed) without Chromium or
    /// the bundle. With `trust_https`, Chromium trusts the certificate's key for HTTPS too
    /// (polling needs it; WebTransport needs no flag, the page pins the certificate).
    fn start(name: &str, trust_https: bool) -> Option<Setup> {
        let bundle = bundle_and_browser()?;
        let cert = Cert::new(name);
        let (server, url) = cert.serve();
        let page_url = page_server(&bundle);
        let browser_name = format!("webtransport-{name}");
        let browser = if trust_https {
            let pem = std::fs::read_to_string(cert.path("key.pem")).expect("key");
            let key = rcgen::KeyPair::from_pem(&pem).expect("key pair");
            let digest = ring::digest::digest(
                &ring::digest::SHA256,
                &rcgen::PublicKeyData::subject_public_key_info(&key),
            );
            let spki = base64::engine::general_purpose::STANDARD.encode(digest.as_ref());
            let flag = format!("--ignore-certificate-errors-spki-list={spki}");
            Browser::start_with(&browser_name, &[&flag])
        } else {
            Browser::start(&browser_name)
        };
        Some(Setup {
            cert,
            server,
            url,
            page_url,
            browser,
        })
    }

    /// A new tab with socket.io-client's bundle loaded.
    async fn page(&self) -> Page {
        open_page(&self.browser, &self.page_url).await
    }

    /// A new tab connected on WebTransport alone (see [`connect`]).
    async fn page_on_webtransport(&self, reconnect: bool) -> Page {
        let mut page = self.page().await;
        let result = self
            .connect(&mut page, &["webtransport"], "webtransport", reconnect)
            .await;
        assert_eq!(result["transport"], "webtransport", "{result}");
        assert_eq!(result["seen"], json!(["open:webtransport"]), "{result}");
        page
    }

    /// Connects `page` to the server (see [`connect`]).
    async fn connect(
        &self,
        page: &mut Page,
        transports: &[&str],
        transport: &str,
        reconnect: bool,
    ) -> Value {
        let hash = self.cert.base64();
        connect(page, &self.url, &hash, transports, transport, reconnect).await
    }

    /// The server's `/metrics`.
    async fn figures(&self) -> String {
        scrape(&self.url, &self.cert).await
    }

    /// Reads `/metrics` until `name` has `value` (up to five seconds); the last scrape.
    async fn await_metric(&self, name: &str, value: u64) -> String {
        let mut figures = String::new();
        for _ in 0..100 {
            figures = self.figures().await;
            if metric(&figures, name) == Some(value) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(metric(&figures, name), Some(value), "{figures}");
        figures
    }

    /// Stops the browser and the server, which must have logged no error.
    fn finish(self) {
        drop(self.browser);
        let log = stop(self.server);
        assert!(!log.contains("ERROR"), "{log}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_with_no_flags_runs_a_session_on_webtransport_alone() {
    let Some(setup) = Setup::start("alone", false) else {
        return;
    };
    let mut page = setup.page().await;
    assert_eq!(page.eval("window.isSecureContext").await, json!(true));
    let result = setup
        .connect(&mut page, &["webtransport"], "webtransport", false)
        .await;
    assert_eq!(result["transport"], "webtransport", "{result}");
    assert_eq!(result["seen"], json!(["open:webtransport"]), "{result}");
    assert_eq!(echo(&mut page).await, "webtransport");

    let figures = setup.figures().await;
    assert_eq!(metric(&figures, WT_SESSIONS), Some(1), "{figures}");
    assert_eq!(
        metric(&figures, "wsio_upgrades_total"),
        Some(0),
        "{figures}"
    );

    // The client closes: the server frees the session.
    page.eval("window.wt.socket.disconnect(); true").await;
    setup.await_metric(WT_SESSIONS, 0).await;
    setup.finish();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_polling_session_upgrades_to_webtransport() {
    let Some(setup) = Setup::start("upgrade", true) else {
        return;
    };
    let mut page = setup.page().await;
    let result = setup
        .connect(
            &mut page,
            &["polling", "webtransport"],
            "webtransport",
            false,
        )
        .await;
    assert_eq!(result["transport"], "webtransport", "{result}");
    assert_eq!(
        result["seen"],
        json!(["open:polling", "upgrade:webtransport"]),
        "{result}"
    );
    assert_eq!(echo(&mut page).await, "webtransport");

    let figures = setup.figures().await;
    assert_eq!(metric(&figures, WT_SESSIONS), Some(1), "{figures}");
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
    setup.finish();
}

/// Emits `event` with `args` on the page's socket and waits for the acknowledgement; its
/// first argument.
async fn emit_with_ack(page: &mut Page, event: &str, args: &[&str]) -> Value {
    let args: Vec<String> = args.iter().map(|arg| json!(arg).to_string()).collect();
    page.eval(&format!(
        "window.wt.socket.timeout(5000).emitWithAck({}, {})",
        json!(event),
        args.join(", ")
    ))
    .await
}

/// Emits `event` with `args` on the page's socket (no acknowledgement).
async fn emit(page: &mut Page, event: &str, args: &[&str]) {
    let args: Vec<String> = args.iter().map(|arg| json!(arg).to_string()).collect();
    page.eval(&format!(
        "window.wt.socket.emit({}, {}); true",
        json!(event),
        args.join(", ")
    ))
    .await;
}

/// Waits until the page has heard `count` events; all it heard.
async fn heard(page: &mut Page, count: usize, what: &str) -> Value {
    page.wait_for(
        &format!("window.wt.heard.length >= {count}"),
        Duration::from_secs(5),
        what,
    )
    .await;
    page.eval("window.wt.heard").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rooms_and_broadcasts_reach_pages_on_webtransport() {
    let Some(setup) = Setup::start("rooms", false) else {
        return;
    };
    let mut a = setup.page_on_webtransport(false).await;
    let mut b = setup.page_on_webtransport(false).await;
    let mut c = setup.page_on_webtransport(false).await;
    let figures = setup.figures().await;
    assert_eq!(metric(&figures, WT_SESSIONS), Some(3), "{figures}");

    // a and b join the room, c does not. `to-room` reaches the room's members, the sender
    // among them; `broadcast` reaches everyone but the sender. c hears the broadcast, sent
    // after the room message on the same connection, so it would have heard that first.
    assert_eq!(
        emit_with_ack(&mut a, "join", &["wt-room"]).await,
        json!(true)
    );
    assert_eq!(
        emit_with_ack(&mut b, "join", &["wt-room"]).await,
        json!(true)
    );
    emit(&mut a, "to-room", &["wt-room", "to the room"]).await;
    emit(&mut a, "broadcast", &["to everyone"]).await;
    let room = json!(["room-message", "to the room"]);
    let all = json!(["bcast", "to everyone"]);
    assert_eq!(heard(&mut a, 1, "a: room message").await, json!([room]));
    assert_eq!(
        heard(&mut b, 2, "b: room message, broadcast").await,
        json!([room, all])
    );
    assert_eq!(heard(&mut c, 1, "c: broadcast").await, json!([all]));

    // b leaves: the next room message reaches a alone. Once a has it, c broadcasts: b
    // hears that, and would have heard the room message first.
    assert_eq!(
        emit_with_ack(&mut b, "leave", &["wt-room"]).await,
        json!(true)
    );
    emit(&mut a, "to-room", &["wt-room", "after b left"]).await;
    let left = json!(["room-message", "after b left"]);
    assert_eq!(
        heard(&mut a, 2, "a: second room message").await,
        json!([room, left])
    );
    emit(&mut c, "broadcast", &["from c"]).await;
    let from_c = json!(["bcast", "from c"]);
    assert_eq!(
        heard(&mut a, 3, "a: broadcast from c").await,
        json!([room, left, from_c])
    );
    assert_eq!(
        heard(&mut b, 3, "b: broadcast from c").await,
        json!([room, all, from_c])
    );
    assert_eq!(heard(&mut c, 1, "c: nothing more").await, json!([all]));
    for page in [&mut a, &mut b, &mut c] {
        assert_eq!(echo(page).await, "webtransport");
    }

    let figures = setup.figures().await;
    assert_eq!(metric(&figures, WT_SESSIONS), Some(3), "{figures}");
    assert_eq!(
        metric(&figures, "wsio_sessions{transport=\"websocket\"}"),
        Some(0),
        "{figures}"
    );
    setup.finish();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_reconnects_over_webtransport_after_a_server_restart() {
    let Some(mut setup) = Setup::start("restart", false) else {
        return;
    };
    let port: u16 = setup
        .url
        .rsplit(':')
        .next()
        .and_then(|port| port.parse().ok())
        .expect("port");
    let mut page = setup.page_on_webtransport(true).await;
    assert_eq!(echo(&mut page).await, "webtransport");
    setup.await_metric(WT_SESSIONS, 1).await;

    // SIGTERM: the server drains, closing the session. It finishes the Engine.IO stream,
    // then closes the QUIC connection: wtransport 0.7 cannot send the capsule that closes a
    // WebTransport session cleanly, so the browser's `WebTransport.closed` rejects and
    // socket.io-client reports a `transport error` (a WebSocket client would see a
    // `transport close`); it reconnects after either.
    signal(&setup.server, "TERM");
    let status = wait_exit(&mut setup.server, Duration::from_secs(10)).expect("the server exits");
    let log = binary::log(&mut setup.server);
    assert!(status.success(), "{status:?}: {log}");
    assert!(!log.contains("ERROR"), "{log}");
    page.wait_for(
        "window.wt.disconnects.length === 1 && !window.wt.socket.connected",
        Duration::from_secs(5),
        "disconnected",
    )
    .await;
    assert_eq!(
        page.eval("window.wt.disconnects").await,
        json!(["transport error"])
    );

    // The same port, the same certificate: socket.io-client's reconnection finds it.
    let (server, url) = setup.cert.serve_on(port, &[]);
    assert_eq!(url, setup.url);
    setup.server = server;
    page.wait_for(
        "window.wt.reconnects === 1 && window.wt.socket.connected",
        Duration::from_secs(10),
        "reconnected",
    )
    .await;
    assert_eq!(
        page.eval("window.wt.seen").await,
        json!(["open:webtransport", "open:webtransport"])
    );
    assert_eq!(echo(&mut page).await, "webtransport");
    let figures = setup.await_metric(WT_SESSIONS, 1).await;
    assert_eq!(
        metric(&figures, "wsio_sessions{transport=\"polling\"}"),
        Some(0),
        "{figures}"
    );
    setup.finish();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_killed_with_sigkill_is_freed_within_the_heartbeat() {
    let Some(bundle) = bundle_and_browser() else {
        return;
    };
    let cert = Cert::new("killed");
    // A short heartbeat: 300 ms between pings, 300 ms to answer (the default is 25 s + 20 s).
    let heartbeat = ["--ping-interval-ms", "300", "--ping-timeout-ms", "300"];
    let (server, url) = cert.serve_on(0, &heartbeat);
    let page_url = page_server(&bundle);
    let browser = Browser::start("webtransport-killed");
    let mut page = open_page(&browser, &page_url).await;
    let result = connect(
        &mut page,
        &url,
        &cert.base64(),
        &["webtransport"],
        "webtransport",
        false,
    )
    .await;
    assert_eq!(result["transport"], "webtransport", "{result}");
    assert_eq!(echo(&mut page).await, "webtransport");
    // Past several heartbeats, the live session stays.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let figures = scrape(&url, &cert).await;
    assert_eq!(metric(&figures, WT_SESSIONS), Some(1), "{figures}");

    // SIGKILL (dropping the browser kills its process): no close of any kind reaches the
    // server, the QUIC connection just falls silent.
    drop(page);
    drop(browser);
    let killed = std::time::Instant::now();
    loop {
        let figures = scrape(&url, &cert).await;
        if metric(&figures, WT_SESSIONS) == Some(0) {
            break;
        }
        assert!(
            killed.elapsed() < Duration::from_secs(5),
            "the vanished session lingers: {figures}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let log = stop(server);
    assert!(!log.contains("ERROR"), "{log}");
}
