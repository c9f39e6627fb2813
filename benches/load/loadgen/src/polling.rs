//! The client side of Engine.IO v4 over the HTTP long-polling transport, and Socket.IO v5 on
//! top of it: just what `sio-polling-echo`, `sio-polling-broadcast` and the first half of
//! `sio-upgrade-storm` need.
//!
//! HTTP comes from hyper 1's connection-level HTTP/1.1 client (`hyper::client::conn::http1`)
//! over tokio's TCP streams, opened by [`conn::tcp`] from the spread-out loopback source
//! addresses. hyper rather than a hand-written client: the three servers frame their answers
//! differently (Node's `http` and hyper's servers may use `Content-Length` or chunked
//! bodies, and may close a connection after an error), and hyper reads them all correctly at a
//! cost that only the load generator pays. The connection-level API rather than hyper-util's
//! pooled `Client`: each session holds exactly two keep-alive connections, one for its `GET`s
//! and one for its `POST`s, as a browser's Engine.IO client does over HTTP/1.1, and a pool
//! would hide which connection a request took. With `--http 2` a session holds one HTTP/2
//! connection (h2c, prior knowledge) and runs its `GET`s and `POST`s as streams of it, as a
//! browser does over h2.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::{http1, http2};
use hyper::header::{CONTENT_TYPE, HOST};
use hyper::{Method, Request};
use hyper_util::rt::{TokioExecutor, TokioIo};

use crate::conn;
use crate::sio::clip;

/// The Engine.IO endpoint with the polling transport.
pub const TARGET: &str = "/socket.io/?EIO=4&transport=polling";

/// Packets in one polling body are separated by this byte (ASCII record separator).
pub const SEPARATOR: char = '\u{1e}';

/// How many `GET`s may pass without the awaited packet before the session counts as stuck.
const MAX_POLLS: usize = 1_000;

/// One HTTP/1.1 keep-alive connection, or a handle on an HTTP/2 connection.
enum Http {
    /// Requests one after the other on one connection.
    H1(http1::SendRequest<Full<Bytes>>),
    /// Requests as streams of a shared connection.
    H2(http2::SendRequest<Full<Bytes>>),
}

/// A Socket.IO session over long-polling, joined to the main namespace.
pub struct Session {
    /// The connection for `GET`s (the long polls).
    get: Http,
    /// The connection for `POST`s (packets to the server).
    post: Http,
    /// `TARGET` with the session id.
    path: String,
    /// The `Host` header.
    host: String,
}

/// Opens an HTTP/1.1 or (`h2`) HTTP/2 connection (`index` picks the source address);
/// hyper's connection task runs until the [`Http`] handles are dropped.
async fn connect(host: &str, port: u16, index: usize, h2: bool) -> Result<Http, String> {
    let tcp = conn::tcp(host, port, index).await?;
    if h2 {
        let (send, connection) = http2::handshake(TokioExecutor::new(), TokioIo::new(tcp))
            .await
            .map_err(|e| format!("HTTP/2 handshake: {e}"))?;
        tokio::spawn(connection);
        return Ok(Http::H2(send));
    }
    let (send, connection) = http1::handshake(TokioIo::new(tcp))
        .await
        .map_err(|e| format!("HTTP handshake: {e}"))?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(Http::H1(send))
}

/// Sends one request on `http` and returns the body of its successful answer.
async fn request(
    http: &mut Http,
    method: Method,
    path: &str,
    host: &str,
    body: Bytes,
) -> Result<String, String> {
    let ready = match http {
        Http::H1(h1) => h1.ready().await,
        Http::H2(h2) => h2.ready().await,
    };
    ready.map_err(|e| format!("{method} connection: {e}"))?;
    let mut builder = Request::builder().method(method.clone());
    builder = match http {
        Http::H1(_) => builder.uri(path).header(HOST, host),
        // HTTP/2 takes the authority from the URI (`:authority`).
        Http::H2(_) => builder.uri(format!("http://{host}{path}")),
    };
    if method == Method::POST {
        builder = builder.header(CONTENT_TYPE, "text/plain;charset=UTF-8");
    }
    let request = builder
        .body(Full::new(body))
        .map_err(|e| format!("request: {e}"))?;
    let response = match http {
        Http::H1(h1) => h1.send_request(request).await,
        Http::H2(h2) => h2.send_request(request).await,
    }
    .map_err(|e| format!("{method}: {e}"))?;
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| format!("{method} body: {e}"))?
        .to_bytes();
    let text = String::from_utf8(body.to_vec()).map_err(|_| format!("{method}: body not UTF-8"))?;
    if status.is_success() {
        Ok(text)
    } else {
        Err(format!("{method} answered {status}: {}", clip(&text)))
    }
}

/// `POST`s one packet on `post`; the server answers `ok`.
async fn send(post: &mut Http, path: &str, host: &str, packet: &str) -> Result<(), String> {
    let body = Bytes::copy_from_slice(packet.as_bytes());
    let answer = request(post, Method::POST, path, host, body).await?;
    if answer == "ok" {
        Ok(())
    } else {
        Err(format!("POST answered {}", clip(&answer)))
    }
}

/// `GET`s on `get` until a packet satisfies `wanted`; returns how many pings (`2`) came
/// meanwhile, to be answered once the `POST` connection is free. Noops (`6`) are skipped;
/// anything else is an error.
async fn poll_until(
    get: &mut Http,
    path: &str,
    host: &str,
    wanted: impl Fn(&str) -> bool,
) -> Result<usize, String> {
    let mut pings = 0;
    for _ in 0..MAX_POLLS {
        let body = request(get, Method::GET, path, host, Bytes::new()).await?;
        let mut found = false;
        for packet in body.split(SEPARATOR) {
            match packet {
                "2" => pings += 1,
                "6" => {}
                "1" => return Err("the server closed the session".to_owned()),
                packet if !found && wanted(packet) => found = true,
                other => return Err(format!("unexpected packet {}", clip(other))),
            }
        }
        if found {
            return Ok(pings);
        }
    }
    Err(format!("no awaited packet in {MAX_POLLS} polls"))
}

/// The Engine.IO handshake on `http` (`GET` → `0{"sid":...}`): the session's id.
async fn handshake(http: &mut Http, host: &str) -> Result<String, String> {
    let open = request(http, Method::GET, TARGET, host, Bytes::new()).await?;
    let handshake = open
        .split(SEPARATOR)
        .next()
        .and_then(|packet| packet.strip_prefix('0'))
        .ok_or_else(|| format!("expected the Engine.IO open packet, got {}", clip(&open)))?;
    serde_json::from_str::<serde_json::Value>(handshake)
        .ok()
        .and_then(|value| value.get("sid")?.as_str().map(str::to_owned))
        .ok_or_else(|| format!("no sid in {}", clip(handshake)))
}

/// Opens a session and joins the main namespace on one HTTP/1.1 keep-alive connection, one
/// request after the other (`GET` for the open packet, `POST 40`, `GET` for `40{...}`), and
/// returns its id; the connection closes on return, the session waits for its upgrade.
pub async fn join(host: &str, port: u16, index: usize) -> Result<String, String> {
    let mut http = connect(host, port, index, false).await?;
    let host = format!("{host}:{port}");
    let sid = handshake(&mut http, &host).await?;
    let path = format!("{TARGET}&sid={sid}");
    send(&mut http, &path, &host, "40").await?;
    let pings = poll_until(&mut http, &path, &host, |packet| packet.starts_with("40")).await?;
    for _ in 0..pings {
        send(&mut http, &path, &host, "3").await?;
    }
    Ok(sid)
}

impl Session {
    /// Opens session `index`: two connections (one over HTTP/2), the Engine.IO handshake (`GET` → `0{"sid":...}`),
    /// `POST 40` and a `GET` for the namespace's `40{...}`.
    pub async fn open(host: &str, port: u16, index: usize) -> Result<Session, String> {
        let h2 = conn::via() == conn::Via::Http2;
        let mut get = connect(host, port, index, h2).await?;
        let mut post = match &get {
            Http::H2(shared) => Http::H2(shared.clone()),
            Http::H1(_) => connect(host, port, index, false).await?,
        };
        let host = format!("{host}:{port}");
        let sid = handshake(&mut get, &host).await?;
        let path = format!("{TARGET}&sid={sid}");
        send(&mut post, &path, &host, "40").await?;
        let pings = poll_until(&mut get, &path, &host, |packet| packet.starts_with("40")).await?;
        let mut session = Session {
            get,
            post,
            path,
            host,
        };
        session.pong(pings).await?;
        Ok(session)
    }

    /// One `GET`: the packets the server had for this session (waiting for one if it had
    /// none), in the order sent.
    pub async fn poll(&mut self) -> Result<Vec<String>, String> {
        let body = request(
            &mut self.get,
            Method::GET,
            &self.path,
            &self.host,
            Bytes::new(),
        )
        .await?;
        Ok(body.split(SEPARATOR).map(str::to_owned).collect())
    }

    /// Answers `count` pings with `3`.
    pub async fn pong(&mut self, count: usize) -> Result<(), String> {
        for _ in 0..count {
            send(&mut self.post, &self.path, &self.host, "3").await?;
        }
        Ok(())
    }

    /// `POST`s `packet` while a `GET` waits for the same packet to come back (the poll is under
    /// way while the `POST` is, as a browser's is), then answers the pings that came along.
    pub async fn echo(&mut self, packet: &str) -> Result<(), String> {
        let (sent, polled) = tokio::join!(
            send(&mut self.post, &self.path, &self.host, packet),
            poll_until(&mut self.get, &self.path, &self.host, |echo| echo == packet),
        );
        sent?;
        self.pong(polled?).await
    }
}
