//! What `wsio serve` logs: the listening address at `info`; with `--log debug`, sessions
//! opened and requests refused (with why), from the engine; JSON lines with `--log-format
//! json`; a bad filter refused with a clear message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// `wsio serve` on a free port with `args`; returns the process and its port.
fn serve(args: &[&str]) -> (Child, u16) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wsio"))
        .args(["serve", "--port", "0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("wsio starts");
    let mut banner = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut banner)
        .expect("banner");
    let port = banner
        .split("http://127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|port| port.parse().ok())
        .unwrap_or_else(|| panic!("no port in {banner:?}"));
    (child, port)
}

/// One HTTP/1.1 GET of `path`; the whole answer.
fn get(port: u16, path: &str) -> String {
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    tcp.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    write!(
        tcp,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .expect("request");
    let mut answer = String::new();
    let _ = tcp.read_to_string(&mut answer);
    answer
}

/// Stops `child` (by its pid) and returns what it wrote to standard error.
fn stop(mut child: Child) -> String {
    child.kill().expect("kill");
    let _ = child.wait();
    let mut log = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut log)
        .expect("log");
    log
}

#[test]
fn debug_shows_sessions_and_refused_requests() {
    let (child, port) = serve(&["--log", "debug"]);
    assert!(get(port, "/socket.io/?EIO=4&transport=polling").contains("\"sid\""));
    assert!(get(port, "/socket.io/?EIO=3&transport=polling").contains("\"code\":5"));
    std::thread::sleep(Duration::from_millis(200));
    let log = stop(child);
    assert!(log.contains("listening"), "{log}");
    assert!(log.contains("session opened"), "{log}");
    assert!(log.contains("engine.io request refused"), "{log}");
    assert!(
        log.contains("Unsupported protocol version"),
        "the why: {log}"
    );
}

#[test]
fn the_default_level_is_info_and_json_lines_parse() {
    let (child, port) = serve(&["--log-format", "json"]);
    get(port, "/socket.io/?EIO=4&transport=polling");
    std::thread::sleep(Duration::from_millis(200));
    let log = stop(child);
    assert!(
        !log.contains("session opened"),
        "debug is off by default: {log}"
    );
    let first = log.lines().next().expect("a line");
    let line: serde_json::Value = serde_json::from_str(first).expect("a JSON line");
    assert_eq!(line["level"], "INFO");
    assert_eq!(line["fields"]["message"], "listening");
}

#[test]
fn a_bad_filter_is_refused() {
    let output = Command::new(env!("CARGO_BIN_EXE_wsio"))
        .args(["serve", "--port", "0", "--log", "info,=[bad"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(message.contains("bad --log filter"), "{message}");
}
