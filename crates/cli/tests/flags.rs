//! `wsio serve` configured from the environment (`WSIO_*`), and a bad value refused before
//! anything listens.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod binary;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use binary::{get, stop};

#[test]
fn environment_variables_set_the_flags() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wsio"))
        .arg("serve")
        .env("WSIO_PORT", "0")
        .env("WSIO_PATH", "/rt/")
        .env("WSIO_CORS_ORIGINS", "https://a.example,https://b.example")
        .env("WSIO_CORS_CREDENTIALS", "true")
        .env("WSIO_DRAIN_TIMEOUT_MS", "1000")
        .env("WSIO_ADAPTER", "local")
        .env("WSIO_DEFLATE", "true")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut banner = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut banner)
        .expect("banner");
    assert!(banner.contains("Socket.IO at /rt/"), "{banner}");
    let port: u16 = banner
        .split("http://127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|port| port.parse().ok())
        .expect("port");

    let open = get(port, "/rt/?EIO=4&transport=polling");
    assert!(open.starts_with("HTTP/1.1 200"), "{open}");
    assert!(open.contains("\"sid\""), "{open}");
    assert!(get(port, "/socket.io/?EIO=4&transport=polling").starts_with("HTTP/1.1 404"));

    // CORS: an allowed origin is echoed with credentials, another gets no CORS headers.
    let allowed = with_origin(port, "https://b.example");
    assert!(
        allowed.contains("access-control-allow-origin: https://b.example"),
        "{allowed}"
    );
    assert!(
        allowed.contains("access-control-allow-credentials: true"),
        "{allowed}"
    );
    let other = with_origin(port, "https://c.example");
    assert!(!other.contains("access-control-allow-origin"), "{other}");

    let upgrade = websocket_head(port, "/rt/");
    assert!(upgrade.starts_with("http/1.1 101"), "{upgrade}");
    assert!(upgrade.contains("permessage-deflate"), "{upgrade}");
    // No context takeover either way: an idle connection keeps no compressor.
    assert!(upgrade.contains("server_no_context_takeover"), "{upgrade}");
    assert!(upgrade.contains("client_no_context_takeover"), "{upgrade}");
    stop(child);

    // Without WSIO_DEFLATE, no compression is agreed.
    let (child, port) = binary::serve(&[]);
    let upgrade = websocket_head(port, "/socket.io/");
    stop(child);
    assert!(upgrade.starts_with("http/1.1 101"), "{upgrade}");
    assert!(!upgrade.contains("permessage-deflate"), "{upgrade}");
}

/// The head of the answer to a WebSocket handshake at `path` offering permessage-deflate,
/// lower-cased.
fn websocket_head(port: u16, path: &str) -> String {
    use std::io::{Read, Write};
    let mut tcp = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    tcp.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .expect("timeout");
    write!(
        tcp,
        "GET {path}?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\n\
         Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n"
    )
    .expect("request");
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && tcp.read(&mut byte).is_ok_and(|n| n == 1) {
        head.push(byte[0]);
    }
    String::from_utf8_lossy(&head).to_lowercase()
}

/// A polling handshake sent from a browser page of `origin`; the answer, lower-cased.
fn with_origin(port: u16, origin: &str) -> String {
    use std::io::{Read, Write};
    let mut tcp = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    write!(
        tcp,
        "GET /rt/?EIO=4&transport=polling HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: {origin}\r\n\
         Connection: close\r\n\r\n"
    )
    .expect("request");
    let mut answer = String::new();
    let _ = tcp.read_to_string(&mut answer);
    answer.to_lowercase()
}

#[test]
fn a_bad_environment_value_is_refused_with_its_flag() {
    let output = Command::new(env!("CARGO_BIN_EXE_wsio"))
        .arg("serve")
        .env("WSIO_PORT", "0")
        .env("WSIO_QUEUE_CAPACITY", "0")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2), "a usage error");
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(error.contains("--queue-capacity"), "{error}");
    assert!(error.contains("at least 1"), "{error}");
    assert!(output.stdout.is_empty());

    let output = Command::new(env!("CARGO_BIN_EXE_wsio"))
        .arg("serve")
        .env("WSIO_PORT", "0")
        .env("WSIO_ADAPTER", "redis")
        .env_remove("WSIO_REDIS")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(error.contains("--redis <URL>"), "{error}");
}

#[test]
fn help_documents_every_serve_flag_with_its_default() {
    let output = Command::new(env!("CARGO_BIN_EXE_wsio"))
        .args(["serve", "--help"])
        .output()
        .expect("runs");
    let help = String::from_utf8_lossy(&output.stdout);
    for (flag, default) in [
        ("--path", "[default: /socket.io/]"),
        ("--queue-capacity", "[default: 1024]"),
        ("--deflate-threshold-bytes", "[default: 64]"),
        (
            "--deflate-threshold-bytes",
            "[env: WSIO_DEFLATE_THRESHOLD_BYTES=]",
        ),
        ("--connect-timeout-ms", "[default: 45000]"),
        ("--drain-timeout-ms", "[default: 10000]"),
        ("--adapter", "[default: local]"),
        ("--redis-key-prefix", "[default: socket.io]"),
        ("--redis-request-timeout-ms", "[default: 5000]"),
    ] {
        let at = help
            .find(flag)
            .unwrap_or_else(|| panic!("{flag} in {help}"));
        assert!(help[at..].contains(default), "{flag}: {default}");
    }
    for flag in [
        "--tls-cert",
        "--tls-key",
        "--redis <URL>",
        "--cors-origin",
        "--deflate",
    ] {
        assert!(help.contains(flag), "{flag} in {help}");
    }
}
