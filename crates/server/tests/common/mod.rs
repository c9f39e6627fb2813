//! Test helpers: a server on an ephemeral port, a raw HTTP/1.1 client, a WebSocket client.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use event_proto::Value;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use wsio_server::{AckSender, Config, ConnectError, Server, Socket};
use wsio_ws::Message;

/// Serves `io` on 127.0.0.1 with an ephemeral port.
pub async fn start(io: &Server) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let io = io.clone();
    tokio::spawn(async move { io.serve(listener, std::future::pending()).await });
    addr
}

/// The Engine.IO path of a Socket.IO server.
pub const SOCKET_IO: &str = "/socket.io/";

/// One HTTP request (Connection: close) to the Socket.IO path; returns the status and body.
pub async fn http(addr: SocketAddr, method: &str, query: &str, body: &[u8]) -> (u16, Vec<u8>) {
    http_at(addr, SOCKET_IO, method, query, body).await
}

/// One HTTP request (Connection: close) to `path`; returns the status and body.
pub async fn http_at(
    addr: SocketAddr,
    path: &str,
    method: &str,
    query: &str,
    body: &[u8],
) -> (u16, Vec<u8>) {
    let mut tcp = TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "{method} {path}?{query} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    tcp.write_all(head.as_bytes()).await.expect("write head");
    tcp.write_all(body).await.expect("write body");
    let mut raw = Vec::new();
    tcp.read_to_end(&mut raw).await.expect("read");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("head end");
    let status = std::str::from_utf8(&raw[9..12])
        .expect("status")
        .parse()
        .expect("code");
    (status, raw[split + 4..].to_vec())
}

/// The body as text.
pub fn text(body: &[u8]) -> String {
    String::from_utf8(body.to_vec()).expect("utf8")
}

/// A polling session: handshake, then GET/POST helpers.
pub struct Polling {
    pub addr: SocketAddr,
    pub path: &'static str,
    pub sid: String,
    pub open: serde_json::Value,
}

impl Polling {
    pub async fn open(addr: SocketAddr) -> Polling {
        Polling::open_at(addr, SOCKET_IO).await
    }

    /// Opens a session at the Engine.IO path `path`.
    pub async fn open_at(addr: SocketAddr, path: &'static str) -> Polling {
        let (status, body) = http_at(addr, path, "GET", "EIO=4&transport=polling", b"").await;
        assert_eq!(status, 200);
        let body = text(&body);
        assert!(body.starts_with('0'), "{body}");
        let open: serde_json::Value = serde_json::from_str(&body[1..]).expect("open json");
        let sid = open["sid"].as_str().expect("sid").to_owned();
        Polling {
            addr,
            path,
            sid,
            open,
        }
    }

    pub fn query(&self) -> String {
        format!("EIO=4&transport=polling&sid={}", self.sid)
    }

    pub async fn post(&self, body: &[u8]) -> u16 {
        http_at(self.addr, self.path, "POST", &self.query(), body)
            .await
            .0
    }

    pub async fn get(&self) -> (u16, String) {
        let (status, body) = http_at(self.addr, self.path, "GET", &self.query(), b"").await;
        (status, text(&body))
    }

    /// Starts a GET and gives the server time to hold it; the task ends with its answer.
    pub async fn pending_get(&self) -> tokio::task::JoinHandle<(u16, String)> {
        let (addr, path, query) = (self.addr, self.path, self.query());
        let pending = tokio::spawn(async move {
            let (status, body) = http_at(addr, path, "GET", &query, b"").await;
            (status, text(&body))
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        pending
    }

    /// GETs until a body other than a ping or noop arrives, answering pings.
    pub async fn get_data(&self) -> String {
        loop {
            let (status, body) = self.get().await;
            assert_eq!(status, 200, "{body}");
            if body == "2" {
                self.post(b"3").await;
                continue;
            }
            if body != "6" {
                return body;
            }
        }
    }
}

pub type Ws = wsio_ws::WebSocket<TcpStream>;

/// Opens a direct WebSocket session (`sid` for an upgrade).
pub async fn ws(addr: SocketAddr, sid: Option<&str>) -> Ws {
    ws_at(addr, SOCKET_IO, sid).await
}

/// Opens a direct WebSocket session at the Engine.IO path `path` (`sid` for an upgrade).
pub async fn ws_at(addr: SocketAddr, path: &str, sid: Option<&str>) -> Ws {
    let mut url = format!("ws://{addr}{path}?EIO=4&transport=websocket");
    if let Some(sid) = sid {
        url.push_str("&sid=");
        url.push_str(sid);
    }
    let url = wsio_ws::WsUrl::parse(&url).expect("url");
    let tcp = TcpStream::connect(addr).await.expect("tcp");
    wsio_ws::connect_on(tcp, &url, wsio_ws::Config::default(), &[])
        .await
        .expect("ws connect")
}

/// The next data message, answering Engine.IO pings.
pub async fn next(ws: &mut Ws) -> Message {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(5), ws.recv())
            .await
            .expect("in time")
            .expect("open")
            .expect("ok");
        match &message {
            Message::Text(t) if t.as_str() == "2" => {
                ws.send("3").await.expect("pong");
            }
            m if m.is_data() => return message,
            _ => {}
        }
    }
}

/// The next text message.
pub async fn next_text(ws: &mut Ws) -> String {
    match next(ws).await {
        Message::Text(t) => t.as_str().to_owned(),
        other => panic!("expected text, got {other:?}"),
    }
}

/// A WebSocket session joined to namespace `/`; returns it and its socket id.
pub async fn ws_joined(addr: SocketAddr) -> (Ws, String) {
    let mut ws = ws(addr, None).await;
    let open = next_text(&mut ws).await;
    assert!(open.starts_with('0'), "{open}");
    ws.send("40").await.expect("connect");
    let connected = next_text(&mut ws).await;
    assert!(connected.starts_with("40{"), "{connected}");
    let v: serde_json::Value = serde_json::from_str(&connected[2..]).expect("json");
    (ws, v["sid"].as_str().expect("sid").to_owned())
}

/// Joins `/` over WebSocket with `auth`; returns the session and the CONNECT reply's JSON, and
/// every event that arrived before it.
pub async fn join_with_auth(
    addr: std::net::SocketAddr,
    auth: &str,
) -> (Ws, serde_json::Value, Vec<String>) {
    let mut ws = ws(addr, None).await;
    assert!(next_text(&mut ws).await.starts_with('0'));
    ws.send(format!("40{auth}")).await.expect("connect");
    let mut before = Vec::new();
    loop {
        let text = next_text(&mut ws).await;
        if let Some(reply) = text.strip_prefix("40") {
            return (ws, serde_json::from_str(reply).expect("json"), before);
        }
        before.push(text);
    }
}

/// Polls `f` until it holds (5 s at most).
pub async fn eventually(mut f: impl FnMut() -> bool) {
    for _ in 0..500 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("condition never held");
}

/// The test application: namespace `/` with the events of the interop contract these tests
/// use (`echo`, `broadcast`, `join`, `leave`, `to-room`, `rooms`, `request-ack`) and `/admin`
/// (token `secret`, `echo`), with the contract's settings (CORS for any origin, 8 MiB
/// payloads and attachments).
pub fn demo() -> Server {
    const MAX_PAYLOAD: usize = 8 * 1024 * 1024;
    let io = Server::new(Config {
        cors: Some(wsio_server::Cors::any()),
        max_payload: MAX_PAYLOAD,
        limits: event_proto::Limits {
            max_attachment_bytes: MAX_PAYLOAD,
            ..event_proto::Limits::default()
        },
        ..Config::default()
    });
    io.ns("/", |socket: Socket| {
        on_echo_and_broadcast(&socket);
        on_rooms(&socket);
    });
    io.ns("/admin", |socket: Socket| on_echo_and_broadcast(&socket))
        .middleware(|req| async move {
            if req.auth.get("token").and_then(Value::as_str) == Some("secret") {
                return Ok(());
            }
            Err(ConnectError::new("unauthorized").with_data(json!({"reason": "bad token"})))
        });
    io
}

/// `echo`: emitted back, and acknowledged, with the same arguments.
pub fn on_echo(socket: &Socket) {
    socket.on(
        "echo",
        |socket: Socket, args: Vec<Value>, ack: Option<AckSender>| {
            let _ = socket.emit("echo", &args);
            if let Some(ack) = ack {
                let _ = ack.send(&args);
            }
        },
    );
}

/// `echo`, and `broadcast` (`bcast` to every other socket).
fn on_echo_and_broadcast(socket: &Socket) {
    on_echo(socket);
    socket.on(
        "broadcast",
        |socket: Socket, args: Vec<Value>, _| async move {
            let _ = socket.broadcast().emit("bcast", &args).await;
        },
    );
}

/// `join` and `leave` (acknowledged with `true`), `to-room` (`room-message` with the rest of
/// the arguments to the room, sender included), `rooms` (acknowledged with the socket's rooms
/// but its own, sorted) and `request-ack` (asks the client, acknowledges with its answer).
fn on_rooms(socket: &Socket) {
    for (event, joining) in [("join", true), ("leave", false)] {
        socket.on(
            event,
            move |socket: Socket, args: Vec<Value>, ack| async move {
                let Some(room) = first_str(&args) else { return };
                let _ = match joining {
                    true => socket.join([room]).await,
                    false => socket.leave([room]).await,
                };
                if let Some(ack) = ack {
                    let _ = ack.send(&(true,));
                }
            },
        );
    }
    socket.on(
        "to-room",
        |socket: Socket, args: Vec<Value>, _| async move {
            let Some(room) = first_str(&args) else { return };
            let rest = args.get(1..).unwrap_or_default();
            let _ = socket.within([room]).emit("room-message", rest).await;
        },
    );
    socket.on(
        "rooms",
        |socket: Socket, _: Vec<Value>, ack: Option<AckSender>| async move {
            let Some(ack) = ack else { return };
            let own = socket.id().to_string();
            let mut rooms = socket.rooms().await.unwrap_or_default();
            rooms.retain(|room| room.as_str() != own);
            rooms.sort();
            let _ = ack.send(&(rooms,));
        },
    );
    socket.on(
        "request-ack",
        |socket: Socket, _: Vec<Value>, ack| async move {
            let timeout = Duration::from_secs(5);
            let answer = socket
                .emit_with_ack::<_, Vec<Value>>("server-ack-request", &("ping",), timeout)
                .await;
            if let Some(ack) = ack {
                let _ = match answer {
                    Ok(args) => ack.send(&args),
                    Err(_) => ack.send(&("timeout",)),
                };
            }
        },
    );
}

/// The first argument, as text.
fn first_str(args: &[Value]) -> Option<String> {
    Some(args.first()?.as_str()?.to_owned())
}

/// What `tracing` logs on this thread (the tests' current-thread runtime included), at
/// `level` and above, as plain text; until dropped.
pub struct CapturedLog {
    buffer: Arc<Mutex<Vec<u8>>>,
    _guard: tracing::subscriber::DefaultGuard,
}

impl CapturedLog {
    /// Starts capturing.
    pub fn start(level: tracing::Level) -> CapturedLog {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(level)
            .with_ansi(false)
            .with_writer({
                let buffer = buffer.clone();
                move || Appender(buffer.clone())
            })
            .finish();
        // `tracing` remembers per call site whether any subscriber listens. While a single
        // subscriber is registered, it asks the current thread's, so a test running at the
        // same time without one would make a call site silent for everyone: a second,
        // permanent subscriber makes it ask every registered one.
        static SECOND: std::sync::OnceLock<tracing::Dispatch> = std::sync::OnceLock::new();
        SECOND.get_or_init(|| tracing::Dispatch::new(tracing::subscriber::NoSubscriber::new()));
        let guard = tracing::subscriber::set_default(subscriber);
        // What was remembered before this subscriber came is computed again with it.
        tracing::callsite::rebuild_interest_cache();
        CapturedLog {
            buffer,
            _guard: guard,
        }
    }

    /// The log so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.buffer.lock().expect("log")).into_owned()
    }

    /// The first line containing every one of `parts` (5 s at most); panics with the log.
    pub async fn line_with(&self, parts: &[&str]) -> String {
        for _ in 0..500 {
            let text = self.text();
            if let Some(line) = text.lines().find(|l| parts.iter().all(|p| l.contains(p))) {
                return line.to_owned();
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("no line with {parts:?} in\n{}", self.text());
    }
}

/// Appends what it is given to a shared buffer.
struct Appender(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Appender {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
