//! WebSocket conformance of `wsio echo --h2` over HTTP/2 (RFC 8441) beside HTTP/1.1.
//!
//! A raw-frame client replays a table of cases modelled on the families of the Autobahn
//! TestSuite (1 framing, 2 ping/pong, 3 reserved bits, 4 reserved opcodes, 5 fragmentation,
//! 6 UTF-8, 7 closing) against the real binary, once over an HTTP/1.1 upgrade on its own TCP
//! connection and once over an extended CONNECT stream of one shared HTTP/2 connection. Every
//! case's outcome (the frames that came back, the close code, the end of the stream) must be
//! the expected one, and the same over both. A property test sends random sequences of
//! messages, fragments and pings both ways and compares what comes back.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::{Buf, Bytes, BytesMut};
use http::{Method, Request, StatusCode};
use http_body_util::Full;
use hyper::client::conn::http2::SendRequest;
use hyper::ext::Protocol;
use hyper_util::rt::{TokioExecutor, TokioIo};
use proptest::prelude::*;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

/// How long the client waits, with nothing arriving, before it closes a case's connection
/// itself (only when fewer messages than expected came back).
const QUIET: Duration = Duration::from_millis(500);
/// How long the server may take to answer a close and end the stream.
const END_WAIT: Duration = Duration::from_secs(3);
/// Every other wait that should end.
const WAIT: Duration = Duration::from_secs(5);

/// `wsio echo --h2` on a free port, killed (by its pid) when dropped.
struct Echo {
    child: Child,
    port: u16,
    /// Held so the banner's pipe stays open while the server runs.
    _stdout: BufReader<ChildStdout>,
}

impl Echo {
    fn start() -> Echo {
        let mut child = Command::new(env!("CARGO_BIN_EXE_wsio"))
            .args(["echo", "--port", "0", "--h2", "--log", "error"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("wsio echo starts");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut banner = String::new();
        stdout.read_line(&mut banner).expect("banner");
        let port = banner
            .split("ws://127.0.0.1:")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .and_then(|port| port.parse().ok());
        let Some(port) = port else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("no port in the banner {banner:?}");
        };
        Echo {
            child,
            port,
            _stdout: stdout,
        }
    }
}

impl Drop for Echo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A byte stream a WebSocket runs on: a TCP connection or an HTTP/2 stream.
trait Duplex: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Duplex for T {}

/// An open WebSocket: its stream and the bytes read past the handshake.
struct Opened {
    stream: Box<dyn Duplex>,
    buffered: BytesMut,
}

/// The two ways to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transport {
    /// RFC 6455 upgrade on a TCP connection of its own.
    H1,
    /// RFC 8441 extended CONNECT, a stream of a shared HTTP/2 connection.
    H2,
}

/// The way to the server under both transports.
#[derive(Clone)]
struct Client {
    port: u16,
    h2: SendRequest<Full<Bytes>>,
}

impl Client {
    /// An HTTP/2 connection (prior knowledge) whose SETTINGS, allowing extended CONNECT, have
    /// arrived: a first request (a GET, which the echo refuses) guarantees that.
    async fn new(port: u16) -> Client {
        let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        tcp.set_nodelay(true).unwrap();
        let (mut h2, connection) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tcp))
                .await
                .expect("h2 handshake");
        tokio::spawn(connection);
        let get = Request::get(format!("http://127.0.0.1:{port}/"))
            .body(Full::default())
            .unwrap();
        let response = tokio::time::timeout(WAIT, h2.send_request(get))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        Client { port, h2 }
    }

    async fn open(&self, transport: Transport) -> Opened {
        match transport {
            Transport::H1 => self.open_h1().await,
            Transport::H2 => self.open_h2().await,
        }
    }

    async fn open_h1(&self) -> Opened {
        let mut tcp = TcpStream::connect(("127.0.0.1", self.port)).await.unwrap();
        tcp.set_nodelay(true).unwrap();
        let request = format!(
            "GET /conformance HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
             Sec-WebSocket-Version: 13\r\n\r\n",
            self.port
        );
        tcp.write_all(request.as_bytes()).await.unwrap();
        let mut buffered = BytesMut::new();
        let end = loop {
            if let Some(at) = buffered.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            let read = tokio::time::timeout(WAIT, tcp.read_buf(&mut buffered))
                .await
                .unwrap()
                .unwrap();
            assert!(read > 0, "the server closed during the handshake");
        };
        let head = buffered.split_to(end);
        assert!(
            head.starts_with(b"HTTP/1.1 101"),
            "{}",
            String::from_utf8_lossy(&head)
        );
        Opened {
            stream: Box::new(tcp),
            buffered,
        }
    }

    /// An extended CONNECT on the HTTP/2 connection with `:protocol` `protocol`,
    /// `sec-websocket-version` `version` and maybe a `sec-websocket-extensions` offer; the
    /// response.
    async fn connect(
        &self,
        protocol: &'static str,
        version: &str,
        extensions: Option<&str>,
    ) -> http::Response<hyper::body::Incoming> {
        let mut req = Request::builder()
            .method(Method::CONNECT)
            .uri(format!("http://127.0.0.1:{}/conformance", self.port))
            .header("sec-websocket-version", version);
        if let Some(offer) = extensions {
            req = req.header("sec-websocket-extensions", offer);
        }
        let mut req = req.body(Full::default()).unwrap();
        req.extensions_mut().insert(Protocol::from_static(protocol));
        tokio::time::timeout(WAIT, self.h2.clone().send_request(req))
            .await
            .unwrap()
            .unwrap()
    }

    async fn open_h2(&self) -> Opened {
        let response = self.connect("websocket", "13", None).await;
        assert_eq!(response.status(), StatusCode::OK);
        let stream = hyper::upgrade::on(response).await.expect("the stream");
        Opened {
            stream: Box::new(TokioIo::new(stream)),
            buffered: BytesMut::new(),
        }
    }
}

/// A frame the client sends, any bits as given (the mask is added when encoding).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Frame {
    fin: bool,
    rsv: u8,
    opcode: u8,
    payload: Vec<u8>,
}

impl Frame {
    /// The frame on the wire, masked as a client's must be.
    fn encode(&self, mask: [u8; 4]) -> Vec<u8> {
        let mut out = vec![(u8::from(self.fin) << 7) | (self.rsv << 4) | self.opcode];
        let len = self.payload.len();
        if len < 126 {
            out.push(0x80 | len as u8);
        } else if let Ok(short) = u16::try_from(len) {
            out.push(0x80 | 126);
            out.extend_from_slice(&short.to_be_bytes());
        } else {
            out.push(0x80 | 127);
            out.extend_from_slice(&(len as u64).to_be_bytes());
        }
        out.extend_from_slice(&mask);
        out.extend(
            self.payload
                .iter()
                .enumerate()
                .map(|(i, byte)| byte ^ mask[i % 4]),
        );
        out
    }
}

/// One thing a case does, in order.
#[derive(Debug, Clone)]
enum Step {
    /// Writes a frame whole.
    Send(Frame),
    /// Writes a frame in pieces of this many bytes, each flushed on its own.
    Chopped(Frame, usize),
}

/// What came back, in order: data messages (reassembled), pongs, pings, the close (its code,
/// `None` when empty), and anything a server must not send.
#[derive(Debug, Clone, PartialEq, Eq)]
enum In {
    Text(Vec<u8>),
    Binary(Vec<u8>),
    Pong(Vec<u8>),
    Ping(Vec<u8>),
    Close(Option<u16>),
    Broken(&'static str),
}

/// How the stream ended once the close was exchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// The server ended it (end of stream).
    Ended,
    /// The stream failed (a reset) instead of ending.
    Reset,
    /// Still open after [`END_WAIT`].
    StillOpen,
}

/// A case's outcome on one transport.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Outcome {
    received: Vec<In>,
    /// The reason text of the server's close.
    close_reason: String,
    end: End,
}

/// One masking key per frame, varied so no case depends on one key.
fn mask_for(n: usize) -> [u8; 4] {
    let n = n as u32;
    (n.wrapping_mul(0x9E37_79B9) ^ 0x5A5A_1234).to_be_bytes()
}

/// A frame from the server, or `None` when `buf` holds less than one.
fn next_frame(buf: &mut BytesMut) -> Option<(bool, u8, u8, bool, Vec<u8>)> {
    if buf.len() < 2 {
        return None;
    }
    let (b0, b1) = (buf[0], buf[1]);
    let masked = b1 & 0x80 != 0;
    let (len, mut at) = match b1 & 0x7f {
        126 if buf.len() >= 4 => (usize::from(u16::from_be_bytes([buf[2], buf[3]])), 4),
        127 if buf.len() >= 10 => {
            let len = u64::from_be_bytes(buf[2..10].try_into().unwrap());
            (usize::try_from(len).unwrap(), 10)
        }
        126 | 127 => return None,
        short => (usize::from(short), 2),
    };
    let mask = if masked {
        if buf.len() < at + 4 {
            return None;
        }
        at += 4;
        Some([buf[at - 4], buf[at - 3], buf[at - 2], buf[at - 1]])
    } else {
        None
    };
    if buf.len() < at + len {
        return None;
    }
    buf.advance(at);
    let mut payload = buf.split_to(len).to_vec();
    if let Some(mask) = mask {
        for (i, byte) in payload.iter_mut().enumerate() {
            *byte ^= mask[i % 4];
        }
    }
    Some((b0 & 0x80 != 0, (b0 >> 4) & 7, b0 & 0x0f, masked, payload))
}

/// The close frame a client sends: `code` and `reason`, or an empty payload.
fn close_frame(code: Option<u16>, reason: &[u8]) -> Frame {
    let mut payload = Vec::new();
    if let Some(code) = code {
        payload.extend_from_slice(&code.to_be_bytes());
        payload.extend_from_slice(reason);
    }
    Frame {
        fin: true,
        rsv: 0,
        opcode: 8,
        payload,
    }
}

/// `expected_replies` for a run in which the client never closes first (the server will).
const SERVER_CLOSES: usize = usize::MAX;

/// Runs `steps` on `opened` and reads what comes back. Once `expected_replies` data messages
/// and pongs came back (or nothing came for [`QUIET`]), the client closes with 1000 unless a
/// close was sent or received already; a close from the server is answered with its code.
/// Then the stream must end.
async fn run(opened: Opened, steps: Vec<Step>, expected_replies: usize) -> Outcome {
    let (mut read, mut write) = tokio::io::split(opened.stream);
    let (tx, mut rx) = mpsc::unbounded_channel::<Frame>();
    let steps_close = steps.iter().any(|step| match step {
        Step::Send(frame) | Step::Chopped(frame, _) => frame.opcode == 8,
    });
    let writer = async move {
        let mut n = 0;
        let mut ok = true;
        for step in &steps {
            n += 1;
            let written = match step {
                Step::Send(frame) => write.write_all(&frame.encode(mask_for(n))).await,
                Step::Chopped(frame, size) => {
                    let mut result = Ok(());
                    for piece in frame.encode(mask_for(n)).chunks(*size) {
                        result = write.write_all(piece).await;
                        if result.is_err() {
                            break;
                        }
                        result = write.flush().await;
                        tokio::time::sleep(Duration::from_millis(1)).await;
                    }
                    result
                }
            };
            if written.is_err() {
                ok = false;
                break;
            }
        }
        let _ = write.flush().await;
        while let Some(frame) = rx.recv().await {
            n += 1;
            if ok && write.write_all(&frame.encode(mask_for(n))).await.is_ok() {
                let _ = write.flush().await;
            }
        }
        write
    };
    let reader = async move {
        let mut buf = opened.buffered;
        let mut received = Vec::new();
        let mut close_reason = String::new();
        let mut replies = 0;
        let mut partial: Option<(u8, Vec<u8>)> = None;
        let mut close_sent = steps_close;
        let mut close_received_at: Option<Instant> = None;
        let mut close_sent_at = steps_close.then(Instant::now);
        let end = loop {
            while let Some((fin, rsv, opcode, masked, payload)) = next_frame(&mut buf) {
                if masked {
                    received.push(In::Broken("a masked server frame"));
                }
                if rsv != 0 {
                    received.push(In::Broken("reserved bits set"));
                }
                match opcode {
                    1 | 2 if partial.is_none() => {
                        if fin {
                            received.push(data(opcode, payload));
                            replies += 1;
                        } else {
                            partial = Some((opcode, payload));
                        }
                    }
                    0 if partial.is_some() => {
                        let (first, mut so_far) = partial.take().unwrap();
                        so_far.extend_from_slice(&payload);
                        if fin {
                            received.push(data(first, so_far));
                            replies += 1;
                        } else {
                            partial = Some((first, so_far));
                        }
                    }
                    9 => received.push(In::Ping(payload)),
                    10 => {
                        received.push(In::Pong(payload));
                        replies += 1;
                    }
                    8 => {
                        let code = (payload.len() >= 2)
                            .then(|| u16::from_be_bytes([payload[0], payload[1]]));
                        close_reason =
                            String::from_utf8_lossy(payload.get(2..).unwrap_or_default())
                                .into_owned();
                        received.push(In::Close(code));
                        if close_received_at.is_some() {
                            received.push(In::Broken("a second close"));
                        }
                        close_received_at = Some(Instant::now());
                        if !close_sent {
                            let _ = tx.send(close_frame(code, b""));
                            close_sent = true;
                        }
                    }
                    _ => received.push(In::Broken("an unexpected opcode")),
                }
            }
            if !close_sent && replies >= expected_replies {
                let _ = tx.send(close_frame(Some(1000), b""));
                close_sent = true;
                close_sent_at = Some(Instant::now());
            }
            if let Some(since) = close_received_at.or(close_sent_at)
                && since.elapsed() > END_WAIT
            {
                break End::StillOpen;
            }
            match tokio::time::timeout(QUIET, read.read_buf(&mut buf)).await {
                Ok(Ok(0)) => break End::Ended,
                Ok(Ok(_)) => {}
                Ok(Err(_)) => break End::Reset,
                Err(_) if !close_sent && expected_replies != SERVER_CLOSES => {
                    let _ = tx.send(close_frame(Some(1000), b""));
                    close_sent = true;
                    close_sent_at = Some(Instant::now());
                }
                Err(_) => {}
            }
        };
        drop(tx);
        if partial.is_some() {
            received.push(In::Broken("a fragmented message left unfinished"));
        }
        Outcome {
            received,
            close_reason,
            end,
        }
    };
    let (_write, outcome) = tokio::join!(writer, reader);
    outcome
}

fn data(opcode: u8, payload: Vec<u8>) -> In {
    if opcode == 1 {
        In::Text(payload)
    } else {
        In::Binary(payload)
    }
}

// ---- The table --------------------------------------------------------------------------

/// A case: its name, what the client sends, and what must come back before the stream ends
/// (the close included).
struct Case {
    name: String,
    steps: Vec<Step>,
    expected: Vec<In>,
}

fn frame(fin: bool, rsv: u8, opcode: u8, payload: &[u8]) -> Step {
    Step::Send(Frame {
        fin,
        rsv,
        opcode,
        payload: payload.to_vec(),
    })
}
fn text(payload: &[u8]) -> Step {
    frame(true, 0, 1, payload)
}
fn binary(payload: &[u8]) -> Step {
    frame(true, 0, 2, payload)
}
fn ping(payload: &[u8]) -> Step {
    frame(true, 0, 9, payload)
}
fn pong(payload: &[u8]) -> Step {
    frame(true, 0, 10, payload)
}
fn close(code: u16, reason: &[u8]) -> Step {
    Step::Send(close_frame(Some(code), reason))
}
fn chopped(step: Step, size: usize) -> Step {
    match step {
        Step::Send(frame) | Step::Chopped(frame, _) => Step::Chopped(frame, size),
    }
}
/// A payload of `len` bytes, varied.
fn bytes_of(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 + 7) as u8).collect()
}
/// Valid UTF-8 text of `len` bytes (ASCII).
fn ascii_of(len: usize) -> Vec<u8> {
    (0..len).map(|i| b'a' + (i % 26) as u8).collect()
}

/// Echo expected for a clean case: the replies, then the echo of the client's 1000.
fn clean(replies: Vec<In>) -> Vec<In> {
    let mut all = replies;
    all.push(In::Close(Some(1000)));
    all
}
/// The replies, then the server's close with `code`.
fn fails(replies: Vec<In>, code: u16) -> Vec<In> {
    let mut all = replies;
    all.push(In::Close(Some(code)));
    all
}

const PROTOCOL_ERROR: u16 = 1002;
const INVALID_DATA: u16 = 1007;

/// Invalid UTF-8 byte sequences: overlong, surrogates, above U+10FFFF, stray continuation,
/// bytes that never appear, a sequence cut short.
const INVALID_UTF8: &[(&str, &[u8])] = &[
    ("overlong-nul", b"\xc0\x80"),
    ("overlong-slash", b"\xe0\x80\xaf"),
    ("surrogate-high", b"\xed\xa0\x80"),
    ("surrogate-low", b"\xed\xbf\xbf"),
    ("above-max", b"\xf4\x90\x80\x80"),
    ("stray-continuation", b"ab\x80cd"),
    ("byte-fe", b"\xfe"),
    ("byte-ff", b"x\xff"),
    ("cut-short", b"price \xe2\x82"),
];

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let mut add = |name: String, steps: Vec<Step>, expected: Vec<In>| {
        cases.push(Case {
            name,
            steps,
            expected,
        });
    };

    // 1: framing, text and binary, at the length encoding's boundaries.
    for len in [0, 1, 125, 126, 127, 128, 1000, 65535, 65536, 100_000] {
        add(
            format!("1 text {len}"),
            vec![text(&ascii_of(len))],
            clean(vec![In::Text(ascii_of(len))]),
        );
        add(
            format!("1 binary {len}"),
            vec![binary(&bytes_of(len))],
            clean(vec![In::Binary(bytes_of(len))]),
        );
    }
    for (len, piece) in [(65, 1), (125, 3), (200, 7), (65536, 997)] {
        add(
            format!("1 text {len} chopped by {piece}"),
            vec![chopped(text(&ascii_of(len)), piece)],
            clean(vec![In::Text(ascii_of(len))]),
        );
        add(
            format!("1 binary {len} chopped by {piece}"),
            vec![chopped(binary(&bytes_of(len)), piece)],
            clean(vec![In::Binary(bytes_of(len))]),
        );
    }

    // 2: ping and pong.
    for len in [0, 10, 125] {
        add(
            format!("2 ping {len}"),
            vec![ping(&bytes_of(len))],
            clean(vec![In::Pong(bytes_of(len))]),
        );
    }
    add(
        "2 ping 126 (oversized control)".into(),
        vec![ping(&bytes_of(126))],
        fails(vec![], PROTOCOL_ERROR),
    );
    add(
        "2 ping chopped by 1".into(),
        vec![chopped(ping(b"chopped"), 1)],
        clean(vec![In::Pong(b"chopped".to_vec())]),
    );
    add(
        "2 ten pings".into(),
        (0..10).map(|i| ping(format!("{i}").as_bytes())).collect(),
        clean(
            (0..10)
                .map(|i| In::Pong(format!("{i}").into_bytes()))
                .collect(),
        ),
    );
    add(
        "2 unsolicited pong ignored".into(),
        vec![pong(b"unasked"), text(b"after")],
        clean(vec![In::Text(b"after".to_vec())]),
    );
    add(
        "2 unsolicited pong then ping".into(),
        vec![pong(b"a"), ping(b"b")],
        clean(vec![In::Pong(b"b".to_vec())]),
    );

    // 3: reserved bits, nothing negotiated.
    for rsv in 1..=7u8 {
        add(
            format!("3 text with rsv {rsv}"),
            vec![text(b"before"), frame(true, rsv, 1, b"bad"), ping(b"after")],
            fails(vec![In::Text(b"before".to_vec())], PROTOCOL_ERROR),
        );
    }
    add(
        "3 binary with rsv 2".into(),
        vec![frame(true, 2, 2, &bytes_of(10))],
        fails(vec![], PROTOCOL_ERROR),
    );
    add(
        "3 ping with rsv 4".into(),
        vec![frame(true, 4, 9, b"p")],
        fails(vec![], PROTOCOL_ERROR),
    );
    add(
        "3 close with rsv 1".into(),
        vec![Step::Send(Frame {
            rsv: 1,
            ..close_frame(Some(1000), b"")
        })],
        fails(vec![], PROTOCOL_ERROR),
    );

    // 4: reserved opcodes.
    for opcode in [3u8, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf] {
        add(
            format!("4 opcode {opcode:#x}"),
            vec![
                text(b"before"),
                frame(true, 0, opcode, b"x"),
                ping(b"after"),
            ],
            fails(vec![In::Text(b"before".to_vec())], PROTOCOL_ERROR),
        );
    }
    add(
        "4 opcode 0xb with an empty payload".into(),
        vec![frame(true, 0, 0xb, b"")],
        fails(vec![], PROTOCOL_ERROR),
    );

    // 5: fragmentation.
    add(
        "5 text in two fragments".into(),
        vec![frame(false, 0, 1, b"frag"), frame(true, 0, 0, b"ments")],
        clean(vec![In::Text(b"fragments".to_vec())]),
    );
    add(
        "5 binary in one-byte fragments".into(),
        {
            let payload = bytes_of(20);
            let mut steps = vec![frame(false, 0, 2, &payload[..1])];
            for (i, byte) in payload.iter().enumerate().skip(1) {
                steps.push(frame(i == payload.len() - 1, 0, 0, &[*byte]));
            }
            steps
        },
        clean(vec![In::Binary(bytes_of(20))]),
    );
    add(
        "5 empty fragments".into(),
        vec![
            frame(false, 0, 1, b""),
            frame(false, 0, 0, b""),
            frame(true, 0, 0, b""),
        ],
        clean(vec![In::Text(Vec::new())]),
    );
    add(
        "5 large fragments".into(),
        vec![
            frame(false, 0, 2, &bytes_of(70_000)[..30_000]),
            frame(true, 0, 0, &bytes_of(70_000)[30_000..]),
        ],
        clean(vec![In::Binary(bytes_of(70_000))]),
    );
    add(
        "5 ping between fragments".into(),
        vec![
            frame(false, 0, 1, b"one "),
            ping(b"in between"),
            frame(true, 0, 0, b"two"),
        ],
        clean(vec![
            In::Pong(b"in between".to_vec()),
            In::Text(b"one two".to_vec()),
        ]),
    );
    add(
        "5 pong and pings between chopped fragments".into(),
        vec![
            chopped(frame(false, 0, 2, &bytes_of(300)), 17),
            pong(b"ignored"),
            chopped(ping(b"p1"), 1),
            frame(false, 0, 0, b"x"),
            ping(b"p2"),
            chopped(frame(true, 0, 0, b"end"), 2),
        ],
        clean(vec![
            In::Pong(b"p1".to_vec()),
            In::Pong(b"p2".to_vec()),
            In::Binary([bytes_of(300), b"xend".to_vec()].concat()),
        ]),
    );
    add(
        "5 fragmented ping".into(),
        vec![frame(false, 0, 9, b"fra"), frame(true, 0, 0, b"g")],
        fails(vec![], PROTOCOL_ERROR),
    );
    add(
        "5 fragmented pong".into(),
        vec![frame(false, 0, 10, b"fra"), frame(true, 0, 0, b"g")],
        fails(vec![], PROTOCOL_ERROR),
    );
    add(
        "5 fragmented close".into(),
        vec![frame(false, 0, 8, &[0x03]), frame(true, 0, 0, &[0xe8])],
        fails(vec![], PROTOCOL_ERROR),
    );
    add(
        "5 continuation without a start".into(),
        vec![frame(true, 0, 0, b"orphan")],
        fails(vec![], PROTOCOL_ERROR),
    );
    add(
        "5 unfinished continuation without a start".into(),
        vec![frame(false, 0, 0, b"orphan"), frame(true, 0, 0, b"s")],
        fails(vec![], PROTOCOL_ERROR),
    );
    add(
        "5 continuation after a complete message".into(),
        vec![text(b"whole"), frame(true, 0, 0, b"more")],
        fails(vec![In::Text(b"whole".to_vec())], PROTOCOL_ERROR),
    );
    add(
        "5 new message inside a fragmented one".into(),
        vec![frame(false, 0, 1, b"first"), text(b"second")],
        fails(vec![], PROTOCOL_ERROR),
    );
    add(
        "5 new fragmented binary inside a fragmented text".into(),
        vec![frame(false, 0, 1, b"first"), frame(false, 0, 2, b"second")],
        fails(vec![], PROTOCOL_ERROR),
    );

    // 6: UTF-8.
    let valid = "κόσμε ∑ 😀 \u{10FFFF} end".as_bytes();
    add(
        "6 valid multi-byte text".into(),
        vec![text(valid)],
        clean(vec![In::Text(valid.to_vec())]),
    );
    add(
        "6 valid text split inside every character".into(),
        {
            let mut steps = vec![frame(false, 0, 1, &valid[..1])];
            for (i, byte) in valid.iter().enumerate().skip(1) {
                steps.push(frame(i == valid.len() - 1, 0, 0, &[*byte]));
            }
            steps
        },
        clean(vec![In::Text(valid.to_vec())]),
    );
    add(
        "6 valid text chopped by 1".into(),
        vec![chopped(text(valid), 1)],
        clean(vec![In::Text(valid.to_vec())]),
    );
    add(
        "6 invalid UTF-8 in binary is fine".into(),
        vec![binary(b"\xff\xfe\xc0\x80")],
        clean(vec![In::Binary(b"\xff\xfe\xc0\x80".to_vec())]),
    );
    for (what, bad) in INVALID_UTF8 {
        add(
            format!("6 invalid text {what}"),
            vec![text(b"ok"), text(bad), ping(b"after")],
            fails(vec![In::Text(b"ok".to_vec())], INVALID_DATA),
        );
        let cut = bad.len() / 2;
        add(
            format!("6 invalid text {what} split across fragments"),
            vec![
                frame(false, 0, 1, &bad[..cut]),
                frame(true, 0, 0, &bad[cut..]),
            ],
            fails(vec![], INVALID_DATA),
        );
    }
    add(
        "6 invalid first fragment fails before the message ends".into(),
        vec![frame(false, 0, 1, b"\xed\xa0\x80 and then")],
        fails(vec![], INVALID_DATA),
    );
    add(
        "6 valid prefix, then an invalid continuation byte in the next fragment".into(),
        vec![
            frame(false, 0, 1, b"\xf0\x9f"),
            frame(true, 0, 0, b"\x98\x28"),
        ],
        fails(vec![], INVALID_DATA),
    );

    // 7: closing.
    add(
        "7 close without a payload".into(),
        vec![Step::Send(close_frame(None, b""))],
        vec![In::Close(None)],
    );
    add(
        "7 close with a reason".into(),
        vec![close(1000, b"bye")],
        vec![In::Close(Some(1000))],
    );
    add(
        "7 close with a 123-byte reason".into(),
        vec![close(1000, &ascii_of(123))],
        vec![In::Close(Some(1000))],
    );
    add(
        "7 close with a 124-byte reason (oversized control)".into(),
        vec![close(1000, &ascii_of(124))],
        fails(vec![], PROTOCOL_ERROR),
    );
    add(
        "7 close with a one-byte payload".into(),
        vec![Step::Send(Frame {
            fin: true,
            rsv: 0,
            opcode: 8,
            payload: vec![0x03],
        })],
        fails(vec![], PROTOCOL_ERROR),
    );
    add(
        "7 close reason of invalid UTF-8".into(),
        vec![close(
            1000,
            b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80",
        )],
        fails(vec![], INVALID_DATA),
    );
    add(
        "7 data and ping after the close are ignored".into(),
        vec![
            text(b"before"),
            close(1000, b""),
            text(b"after"),
            ping(b"after"),
        ],
        vec![In::Text(b"before".to_vec()), In::Close(Some(1000))],
    );
    add(
        "7 a second close is ignored".into(),
        vec![close(1000, b""), close(1001, b"")],
        vec![In::Close(Some(1000))],
    );
    add(
        "7 close inside a fragmented message".into(),
        vec![frame(false, 0, 1, b"half"), close(1000, b"")],
        vec![In::Close(Some(1000))],
    );
    for code in [
        1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000,
        4999,
    ] {
        add(
            format!("7 close code {code} echoed"),
            vec![close(code, b"")],
            vec![In::Close(Some(code))],
        );
    }
    for code in [
        0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535,
    ] {
        add(
            format!("7 close code {code} refused"),
            vec![close(code, b"")],
            fails(vec![], PROTOCOL_ERROR),
        );
    }
    cases
}

/// The data messages and pongs among `expected` (what the client waits for before closing).
fn replies_in(expected: &[In]) -> usize {
    expected
        .iter()
        .filter(|item| matches!(item, In::Text(_) | In::Binary(_) | In::Pong(_)))
        .count()
}

/// A short description of an outcome's list, without whole payloads.
fn brief(items: &[In]) -> String {
    let parts: Vec<String> = items
        .iter()
        .map(|item| match item {
            In::Text(p) => format!("text {}", p.len()),
            In::Binary(p) => format!("binary {}", p.len()),
            In::Pong(p) => format!("pong {}", p.len()),
            In::Ping(p) => format!("ping {}", p.len()),
            In::Close(code) => format!("close {code:?}"),
            In::Broken(what) => format!("broken: {what}"),
        })
        .collect();
    parts.join(", ")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cases_have_the_expected_outcome_over_http1_and_http2() {
    let echo = Echo::start();
    let client = Client::new(echo.port).await;
    let cases = cases();
    let mut runs = tokio::task::JoinSet::new();
    for (index, case) in cases.iter().enumerate() {
        for transport in [Transport::H1, Transport::H2] {
            let client = client.clone();
            let steps = case.steps.clone();
            let replies = replies_in(&case.expected);
            runs.spawn(async move {
                let opened = client.open(transport).await;
                (index, transport, run(opened, steps, replies).await)
            });
        }
    }
    let mut outcomes = vec![[None, None]; cases.len()];
    while let Some(done) = runs.join_next().await {
        let (index, transport, outcome) = done.expect("the case ran");
        outcomes[index][usize::from(transport == Transport::H2)] = Some(outcome);
    }
    let mut wrong = Vec::new();
    for (case, [h1, h2]) in cases.iter().zip(outcomes) {
        let (h1, h2) = (h1.unwrap(), h2.unwrap());
        for (transport, outcome) in [("HTTP/1.1", &h1), ("HTTP/2", &h2)] {
            if outcome.received != case.expected || outcome.end != End::Ended {
                wrong.push(format!(
                    "{} over {transport}: got [{}] and {:?}, expected [{}] and Ended",
                    case.name,
                    brief(&outcome.received),
                    outcome.end,
                    brief(&case.expected)
                ));
            }
        }
        if h1 != h2 {
            wrong.push(format!(
                "{}: HTTP/1.1 and HTTP/2 differ: [{}] {:?} {:?} / [{}] {:?} {:?}",
                case.name,
                brief(&h1.received),
                h1.close_reason,
                h1.end,
                brief(&h2.received),
                h2.close_reason,
                h2.end
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} cases went wrong:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );
}

// ---- Random sequences ---------------------------------------------------------------------

/// One thing a random sequence sends.
#[derive(Debug, Clone)]
enum Item {
    /// A data message, cut into fragments at `cuts`, with a ping after its first fragment
    /// when `ping_inside` is given and there are several fragments.
    Message {
        text: bool,
        payload: Vec<u8>,
        cuts: Vec<usize>,
        ping_inside: Option<Vec<u8>>,
    },
    /// A ping.
    Ping(Vec<u8>),
    /// An unsolicited pong.
    Pong(Vec<u8>),
}

fn payload_strategy(text: bool) -> BoxedStrategy<Vec<u8>> {
    let small = if text {
        "\\PC{0,60}".prop_map(String::into_bytes).boxed()
    } else {
        prop::collection::vec(any::<u8>(), 0..200).boxed()
    };
    let large = (60_000usize..70_000, any::<u8>()).prop_map(move |(len, seed)| {
        if text {
            "aé€😀".repeat(len / 10).into_bytes()
        } else {
            (0..len).map(|i| (i as u8).wrapping_mul(seed | 1)).collect()
        }
    });
    prop_oneof![6 => small, 1 => large].boxed()
}

fn item_strategy() -> impl Strategy<Value = Item> {
    let message = any::<bool>()
        .prop_flat_map(|text| {
            (
                Just(text),
                payload_strategy(text),
                prop::collection::vec(any::<prop::sample::Index>(), 0..4),
                prop::option::of(prop::collection::vec(any::<u8>(), 0..126)),
            )
        })
        .prop_map(|(text, payload, cuts, ping_inside)| {
            let mut cuts: Vec<usize> = cuts.iter().map(|i| i.index(payload.len() + 1)).collect();
            cuts.sort_unstable();
            Item::Message {
                text,
                payload,
                cuts,
                ping_inside,
            }
        });
    prop_oneof![
        4 => message,
        1 => prop::collection::vec(any::<u8>(), 0..126).prop_map(Item::Ping),
        1 => prop::collection::vec(any::<u8>(), 0..126).prop_map(Item::Pong),
    ]
}

/// The frames of `items` and the echo they must get (before the close).
fn steps_and_echo(items: &[Item]) -> (Vec<Step>, Vec<In>) {
    let mut steps = Vec::new();
    let mut echo = Vec::new();
    for item in items {
        match item {
            Item::Message {
                text,
                payload,
                cuts,
                ping_inside,
            } => {
                let mut bounds = vec![0];
                bounds.extend(cuts.iter().copied());
                bounds.push(payload.len());
                let pieces: Vec<&[u8]> = bounds.windows(2).map(|w| &payload[w[0]..w[1]]).collect();
                for (i, piece) in pieces.iter().enumerate() {
                    let opcode = match (i, text) {
                        (0, true) => 1,
                        (0, false) => 2,
                        _ => 0,
                    };
                    steps.push(frame(i == pieces.len() - 1, 0, opcode, piece));
                    if let (0, true, Some(ping_payload)) =
                        (i, pieces.len() > 1, ping_inside.as_ref())
                    {
                        steps.push(ping(ping_payload));
                        echo.push(In::Pong(ping_payload.clone()));
                    }
                }
                echo.push(data(if *text { 1 } else { 2 }, payload.clone()));
            }
            Item::Ping(payload) => {
                steps.push(ping(payload));
                echo.push(In::Pong(payload.clone()));
            }
            Item::Pong(payload) => steps.push(pong(payload)),
        }
    }
    (steps, clean(echo))
}

#[test]
fn random_sequences_echo_alike_over_http1_and_http2() {
    let echo = Echo::start();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let client = runtime.block_on(Client::new(echo.port));
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let sequences = prop::collection::vec(item_strategy(), 1..8);
    let result = runner.run(&sequences, |items| {
        let (steps, expected) = steps_and_echo(&items);
        let replies = replies_in(&expected);
        let (h1, h2) = runtime.block_on(async {
            let (h1, h2) = tokio::join!(client.open(Transport::H1), client.open(Transport::H2));
            tokio::join!(
                run(h1, steps.clone(), replies),
                run(h2, steps.clone(), replies)
            )
        });
        prop_assert_eq!(&h1, &h2, "HTTP/1.1 and HTTP/2 differ");
        prop_assert_eq!(
            &h1.received,
            &expected,
            "not the echo: {}",
            brief(&h1.received)
        );
        prop_assert_eq!(h1.end, End::Ended);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[tokio::test]
async fn http2_requests_other_than_a_websocket_connect_are_refused() {
    let echo = Echo::start();
    let client = Client::new(echo.port).await;
    let refused = client.connect("chat", "13", None).await.status();
    assert_eq!(refused, StatusCode::BAD_REQUEST, "another :protocol");
    let refused = client.connect("websocket", "8", None).await.status();
    assert_eq!(refused, StatusCode::BAD_REQUEST, "another version");
    let post = Request::post(format!("http://127.0.0.1:{}/", echo.port))
        .body(Full::new(Bytes::from_static(b"hello")))
        .unwrap();
    let response = tokio::time::timeout(WAIT, client.h2.clone().send_request(post))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST, "a POST");
    let accepted = client.connect("websocket", "13", None).await.status();
    assert_eq!(accepted, StatusCode::OK, "the same request, right");
}

#[tokio::test]
async fn permessage_deflate_is_agreed_alike_over_http1_and_http2() {
    let echo = Echo::start();
    let offer = "permessage-deflate; client_max_window_bits";
    let mut tcp = TcpStream::connect(("127.0.0.1", echo.port)).await.unwrap();
    let request = format!(
        "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Extensions: {offer}\r\n\r\n"
    );
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let byte = tokio::time::timeout(WAIT, tcp.read_u8())
            .await
            .unwrap()
            .unwrap();
        head.push(byte);
    }
    let head = String::from_utf8(head).unwrap();
    let over_h1 = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("sec-websocket-extensions")
                .then(|| value.trim().to_owned())
        })
        .unwrap_or_else(|| panic!("no agreement over HTTP/1.1: {head}"));

    let client = Client::new(echo.port).await;
    let response = client.connect("websocket", "13", Some(offer)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let over_h2 = response.headers()["sec-websocket-extensions"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(over_h1.starts_with("permessage-deflate"), "{over_h1:?}");
    assert_eq!(over_h1, over_h2);
}

#[tokio::test]
async fn on_sigterm_websockets_over_both_transports_are_closed_with_1001() {
    let echo = Echo::start();
    let client = Client::new(echo.port).await;
    let (h1, h2) = tokio::join!(client.open(Transport::H1), client.open(Transport::H2));
    let status = Command::new("kill")
        .args(["-TERM", &echo.child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let (h1, h2) = tokio::join!(
        run(h1, Vec::new(), SERVER_CLOSES),
        run(h2, Vec::new(), SERVER_CLOSES)
    );
    for outcome in [&h1, &h2] {
        assert_eq!(outcome.received, vec![In::Close(Some(1001))], "{outcome:?}");
        assert_eq!(outcome.end, End::Ended);
    }
    assert_eq!(h1, h2);
}
