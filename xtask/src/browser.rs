//! `cargo xtask browser`: a real browser's WebSocket against `wsio echo`.
//!
//! Headless Chromium loads `interop/browser/echo.html` from disk with the server's URL in the
//! fragment; the page sends a text and a binary message, checks both echoes, closes with 1000
//! and writes `PASS text binary close` (or `FAIL <reason>`) into its result element and its
//! title. This task polls the titles of the browser's pages on its DevTools HTTP endpoint
//! (`/json/list`, loopback, port chosen by Chromium) until one holds a verdict, then stops
//! the browser by its PID. (`--dump-dom` with `--virtual-time-budget` is no good here: virtual
//! time does not wait for a WebSocket, so the DOM is dumped before the echoes or the page's
//! own timer fires early.)
//!
//! Then the demo page's browser tests of `wsio serve` (`cargo test -p wsio-cli --test page
//! --test page_chat --test page_tls`), with socket.io-client's bundle installed into
//! `interop/js` and the browser named by `WSIO_CHROMIUM`, which also makes a missing browser or
//! bundle fail them instead of skipping them. `cargo xtask test` runs the echo check alone
//! ([`check_echo`]): its workspace run has already run the page tests.
//!
//! Chromium comes from Debian's `chromium` package, installed with apt-get when
//! `/usr/bin/chromium` is missing. Only when that install is impossible is the check skipped
//! (with a message saying why); every other failure fails the task.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::autobahn_run::{free_port, stop, wait_for_port};
use crate::{cmd, interop_setup};

/// Where Debian's package puts the browser.
const CHROMIUM: &str = "/usr/bin/chromium";
/// The page, relative to the workspace root.
const PAGE: &str = "interop/browser/echo.html";
/// Real time the page may take to report (its own timeout is 10 s).
const PAGE_LIMIT: Duration = Duration::from_secs(30);
/// The demo page's browser tests, in `crates/cli/tests`.
const PAGE_TESTS: [&str; 3] = ["page", "page_chat", "page_tls"];

/// Runs the echo check, then the demo page's browser tests. Takes no arguments.
pub fn run(args: &[String]) -> Result<(), String> {
    if let Some(arg) = args.first() {
        return Err(format!("browser: unexpected argument {arg:?}"));
    }
    match check_echo()? {
        Some(chromium) => page_tests(&chromium),
        None => Ok(()),
    }
}

/// The demo page's browser tests with `chromium`, socket.io-client's bundle installed first.
fn page_tests(chromium: &Path) -> Result<(), String> {
    let start = Instant::now();
    interop_setup::npm_ci(&cmd::root().join("interop/js"))?;
    let mut tests = Command::new(cmd::cargo_path());
    tests.args(["test", "-p", "wsio-cli"]);
    for test in PAGE_TESTS {
        tests.args(["--test", test]);
    }
    cmd::run(
        tests
            .current_dir(cmd::root())
            .env("WSIO_CHROMIUM", chromium),
    )?;
    println!(
        "xtask browser: the demo page's tests passed ({:.1}s)",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Headless Chromium's WebSocket against `wsio echo`; the Chromium it ran, or `None` when
/// skipped because Chromium cannot be installed.
pub fn check_echo() -> Result<Option<PathBuf>, String> {
    let start = Instant::now();
    let chromium = match ensure_chromium() {
        Ok(path) => path,
        Err(reason) => {
            println!("xtask browser: skipped: chromium cannot be installed here: {reason}");
            return Ok(None);
        }
    };
    let chromium_ready = start.elapsed();

    let wsio = build_wsio()?;
    let built = start.elapsed();

    let root = cmd::root();
    let page = root.join(PAGE);
    if !page.is_file() {
        return Err(format!("browser: {} is missing", page.display()));
    }
    let port = free_port()?;
    let mut server = Command::new(wsio)
        .args(["echo", "--host", "127.0.0.1", "--port", &port.to_string()])
        .spawn()
        .map_err(|e| format!("cannot start wsio echo: {e}"))?;
    wait_for_port(port, &mut server)?;
    let outcome = check_page(&chromium, &page, port);
    stop(&mut server);
    let verdict = outcome?;
    let total = start.elapsed();
    println!(
        "xtask browser: {verdict} (chromium ready {:.1}s, build {:.1}s, page {:.1}s, total {:.1}s)",
        chromium_ready.as_secs_f64(),
        built.saturating_sub(chromium_ready).as_secs_f64(),
        total.saturating_sub(built).as_secs_f64(),
        total.as_secs_f64(),
    );
    Ok(Some(chromium))
}

/// Builds the `wsio` binary (release); its path.
pub(crate) fn build_wsio() -> Result<PathBuf, String> {
    cmd::cargo(&["build", "--release", "-p", "wsio-cli", "--bin", "wsio"])?;
    Ok(cmd::target_dir().join("release/wsio"))
}

/// The Chromium binary, installed with apt-get if missing. `Err` only when it cannot be
/// installed: the reason, for the skip message.
pub(crate) fn ensure_chromium() -> Result<PathBuf, String> {
    let path = PathBuf::from(CHROMIUM);
    if path.is_file() {
        return Ok(path);
    }
    eprintln!("xtask browser: {CHROMIUM} is missing; installing Debian's chromium package");
    apt_get(&["update", "-qq"])?;
    apt_get(&[
        "install",
        "-y",
        "-qq",
        "--no-install-recommends",
        "chromium",
    ])?;
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "apt-get installed chromium but {CHROMIUM} is still missing"
        ))
    }
}

/// Runs `apt-get ARGS` without prompts; the error says what went wrong.
fn apt_get(args: &[&str]) -> Result<(), String> {
    let status = Command::new("apt-get")
        .args(args)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()
        .map_err(|e| format!("cannot run apt-get: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("apt-get {} failed: {status}", args.join(" ")))
    }
}

/// Loads the page against the server on `port` with a fresh profile; `Ok` with the `PASS`
/// verdict, `Err` with the `FAIL` one or what went wrong.
fn check_page(chromium: &Path, page: &Path, port: u16) -> Result<String, String> {
    let url = format!(
        "file://{}#ws://127.0.0.1:{port}/",
        encode_path(&page.to_string_lossy())
    );
    let profile = fresh_dir()?;
    let outcome = run_chromium(chromium, &url, &profile);
    let _ = fs::remove_dir_all(&profile);
    let verdict = outcome?;
    if verdict.starts_with("PASS") {
        Ok(verdict)
    } else {
        Err(format!("browser check: {verdict}"))
    }
}

/// Runs headless Chromium on `url` until a page title holds a verdict, then stops it.
fn run_chromium(chromium: &Path, url: &str, profile: &Path) -> Result<String, String> {
    let stderr_path = profile.join("chromium-stderr.txt");
    let stderr = File::create(&stderr_path).map_err(|e| e.to_string())?;
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", chromium.display()))?;
    let outcome = wait_for_verdict(&mut child, profile);
    stop(&mut child);
    outcome.map_err(|e| {
        let errors = fs::read_to_string(&stderr_path).unwrap_or_default();
        let lines: Vec<&str> = errors.lines().collect();
        let tail = lines[lines.len().saturating_sub(10)..].join("\n");
        format!("{e}\nlast lines chromium wrote:\n{tail}")
    })
}

/// Polls the DevTools endpoint for a page whose title starts with `PASS` or `FAIL`.
fn wait_for_verdict(child: &mut Child, profile: &Path) -> Result<String, String> {
    let deadline = Instant::now() + PAGE_LIMIT;
    let mut last_error = String::from("DevTools endpoint not up yet");
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("chromium exited early: {status}"));
        }
        match devtools_port(profile).and_then(page_titles) {
            Ok(titles) => {
                let verdict = titles
                    .into_iter()
                    .find(|t| t.starts_with("PASS") || t.starts_with("FAIL"));
                if let Some(verdict) = verdict {
                    return Ok(verdict);
                }
                last_error = "no verdict yet".to_owned();
            }
            Err(e) => last_error = e,
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!(
        "no verdict from the page within {}s ({last_error})",
        PAGE_LIMIT.as_secs()
    ))
}

/// The DevTools port Chromium chose, from `DevToolsActivePort` in its profile.
fn devtools_port(profile: &Path) -> Result<u16, String> {
    let text = fs::read_to_string(profile.join("DevToolsActivePort"))
        .map_err(|e| format!("DevToolsActivePort: {e}"))?;
    text.lines()
        .next()
        .and_then(|line| line.trim().parse().ok())
        .ok_or_else(|| format!("DevToolsActivePort holds no port: {text:?}"))
}

/// The titles of the browser's targets, from `GET /json/list`.
fn page_titles(port: u16) -> Result<Vec<String>, String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    stream
        .write_all(b"GET /json/list HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .map_err(|e| e.to_string())?;
    let response = read_http_body(&mut stream)?;
    Ok(json_string_values(&response, "title"))
}

/// Reads one HTTP response and returns its body (DevTools answers with a `Content-Length`
/// and keeps the connection open).
fn read_http_body(stream: &mut TcpStream) -> Result<String, String> {
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        if let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&bytes[..end]);
            let length = head.lines().find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse::<usize>().ok())?
            });
            let body = &bytes[end + 4..];
            match length {
                Some(length) if body.len() >= length => {
                    return Ok(String::from_utf8_lossy(&body[..length]).into_owned());
                }
                Some(_) => {}
                None => return Err("DevTools answered without a Content-Length".to_owned()),
            }
        }
        let n = stream.read(&mut chunk).map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("DevTools closed the connection mid-response".to_owned());
        }
        bytes.extend_from_slice(&chunk[..n]);
    }
}

/// Every string value of `"key"` in a JSON text (enough for DevTools' flat target list).
fn json_string_values(json: &str, key: &str) -> Vec<String> {
    let needle = format!("\"{key}\"");
    let mut values = Vec::new();
    let mut rest = json;
    while let Some(at) = rest.find(&needle) {
        rest = &rest[at + needle.len()..];
        let after_colon = rest.trim_start().strip_prefix(':').map(str::trim_start);
        let Some(body) = after_colon.and_then(|r| r.strip_prefix('"')) else {
            continue;
        };
        let (value, used) = json_string(body);
        values.push(value);
        rest = &body[used..];
    }
    values
}

/// Decodes a JSON string body up to its closing quote; returns it and the bytes used.
fn json_string(body: &str) -> (String, usize) {
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return (out, i + 1),
            '\\' => match chars.next() {
                Some((_, 'n')) => out.push('\n'),
                Some((_, 't')) => out.push('\t'),
                Some((_, 'u')) => {
                    let hex: String = chars.by_ref().take(4).map(|(_, h)| h).collect();
                    let decoded = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
                    out.push(decoded.unwrap_or('\u{fffd}'));
                }
                Some((_, other)) => out.push(other),
                None => break,
            },
            c => out.push(c),
        }
    }
    (out, body.len())
}

/// A new, empty directory under the system's temporary directory.
fn fresh_dir() -> Result<PathBuf, String> {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let dir = std::env::temp_dir().join(format!("wsio-browser-{}-{nanos}", std::process::id()));
    fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    Ok(dir)
}

/// Percent-encodes the characters of a path that would end or bend a `file://` URL.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        match c {
            ' ' => out.push_str("%20"),
            '#' => out.push_str("%23"),
            '?' => out.push_str("%3F"),
            '%' => out.push_str("%25"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_titles_from_a_target_list() {
        let json = r#"[ {
   "description": "",
   "title": "FAIL text echo differs: \"x\\y\" \u00e9",
   "type": "page"
}, { "title" : "PASS text binary close", "type": "page" }, { "title": 3 } ]"#;
        assert_eq!(
            json_string_values(json, "title"),
            [
                "FAIL text echo differs: \"x\\y\" \u{e9}",
                "PASS text binary close"
            ]
        );
        assert!(json_string_values("{\"title\": \"unterminated", "title") == ["unterminated"]);
    }

    #[test]
    fn encodes_awkward_path_characters() {
        assert_eq!(encode_path("/a b/#1?%.html"), "/a%20b/%231%3F%25.html");
    }
}
