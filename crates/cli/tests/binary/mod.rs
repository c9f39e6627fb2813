//! Running the real `wsio` binary in tests: started on a free port, asked over plain HTTP,
//! stopped by its pid.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// `wsio serve` on a free port with `args`; returns the process and its port.
pub fn serve(args: &[&str]) -> (Child, u16) {
    let (child, url) = serve_url(args);
    let port = url
        .strip_prefix("http://127.0.0.1:")
        .and_then(|port| port.parse().ok())
        .unwrap_or_else(|| panic!("no plain HTTP port in {url:?}"));
    (child, port)
}

/// `wsio serve` on a free port with `args`; returns the process and the URL of its banner
/// (`http://127.0.0.1:<port>` or `https://...`, without the trailing slash).
pub fn serve_url(args: &[&str]) -> (Child, String) {
    serve_url_on(0, args)
}

/// `wsio serve` on `port` (0: a free one) with `args`; returns the process and the URL of
/// its banner, as [`serve_url`].
pub fn serve_url_on(port: u16, args: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wsio"))
        .args(["serve", "--port", &port.to_string()])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("wsio starts");
    let mut banner = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut banner)
        .expect("banner");
    let url = banner
        .split_whitespace()
        .find(|word| word.starts_with("http://") || word.starts_with("https://"))
        .map(|url| url.trim_end_matches('/').to_owned());
    match url {
        Some(url) => (child, url),
        None => {
            let log = stop(child);
            panic!("no URL in {banner:?}; log: {log}")
        }
    }
}

/// Sends `signal` (`TERM`, `HUP`, ...) to `child` by its pid.
pub fn signal(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(child.id().to_string())
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -{signal} {}", child.id());
}

/// Waits up to `limit` for `child` to exit; its status, or `None` when it still runs.
pub fn wait_exit(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let deadline = std::time::Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return Some(status);
        }
        if std::time::Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// One HTTP/1.1 GET of `path`; the whole answer.
pub fn get(port: u16, path: &str) -> String {
    request(port, "GET", path, "")
}

/// One HTTP/1.1 request with a text `body`; the whole answer.
pub fn request(port: u16, method: &str, path: &str, body: &str) -> String {
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    tcp.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    write!(
        tcp,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\
         Content-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .expect("request");
    let mut answer = String::new();
    let _ = tcp.read_to_string(&mut answer);
    answer
}

/// Stops `child` (by its pid) and returns what it wrote to standard error.
pub fn stop(mut child: Child) -> String {
    child.kill().expect("kill");
    let _ = child.wait();
    log(&mut child)
}

/// What `child`, once exited, wrote to standard error.
pub fn log(child: &mut Child) -> String {
    let mut log = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut log)
        .expect("log");
    log
}
