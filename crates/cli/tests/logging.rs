//! What `wsio serve` logs: the listening address and the demo chat's sessions at `info`; with `--log debug`, sessions
//! opened and requests refused (with why), from the engine; JSON lines with `--log-format
//! json`; a bad filter refused with a clear message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod binary;

use std::process::Command;
use std::time::Duration;

use binary::{get, serve, stop};
use wsio_client::{Client, Transports, Value};

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_level_shows_a_chat_session_and_not_the_echoes() {
    let (child, port) = serve(&[]);
    let client = Client::builder(format!("http://127.0.0.1:{port}"))
        .transports(Transports::WebSocket)
        .connect()
        .await
        .expect("connects");
    let id = client.main().id().expect("an id");
    let wait = Duration::from_secs(5);
    let echoed: Vec<Value> = client
        .emit_with_ack("echo", &("unlogged",), wait)
        .await
        .expect("echoed");
    assert_eq!(echoed, vec![Value::from("unlogged")]);
    // What the demo page sends: `chat` (nick, text), and in a room it joined, `to-room`
    // (room, nick, text, room).
    client.emit("chat", &("ada", "hello there")).expect("chat");
    let joined: Vec<Value> = client
        .emit_with_ack("join", &("lobby",), wait)
        .await
        .expect("joined");
    assert_eq!(joined, vec![Value::from(true)]);
    client
        .emit("to-room", &("lobby", "grace", "hi lobby", "lobby"))
        .expect("to-room");
    client.disconnect().await;
    std::thread::sleep(Duration::from_millis(300));
    let log = stop(child);
    let line_with = |parts: &[&str]| {
        log.lines()
            .find(|line| parts.iter().all(|part| line.contains(part)))
            .unwrap_or_else(|| panic!("no line with {parts:?} in\n{log}"))
            .to_owned()
    };
    let joined = line_with(&["joined /", &id]);
    assert!(
        joined.contains("INFO") && joined.contains("remote=127.0.0.1:"),
        "{joined}"
    );
    let chat = line_with(&["chat message", &id]);
    assert!(
        chat.contains("INFO") && chat.contains("hello there") && chat.contains("nick=ada"),
        "{chat}"
    );
    let to_room = line_with(&["room message", &id]);
    assert!(
        to_room.contains("INFO")
            && to_room.contains("room=lobby")
            && to_room.contains("nick=grace")
            && to_room.contains("hi lobby"),
        "{to_room}"
    );
    let left = line_with(&["left /", &id]);
    assert!(left.contains("client namespace disconnect"), "{left}");
    assert!(!log.contains("unlogged"), "echo is not logged: {log}");
    assert!(!log.contains("DEBUG"), "{log}");
}
