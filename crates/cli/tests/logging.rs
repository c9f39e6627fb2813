//! What `wsio serve` logs: the listening address at `info`; with `--log debug`, sessions
//! opened and requests refused (with why), from the engine; JSON lines with `--log-format
//! json`; a bad filter refused with a clear message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod binary;

use std::process::Command;
use std::time::Duration;

use binary::{get, serve, stop};

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
