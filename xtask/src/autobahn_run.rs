//! `cargo xtask autobahn [--quick] [--update]`: the Autobahn TestSuite against our server
//! (`wsio echo`, suite as client) and our client (the `autobahn_client` example, suite as
//! server), compared with the committed expected results in `interop/autobahn/`.
//!
//! `--quick` skips the compression cases (12.*, 13.*), which take most of the time.
//! `--update` rewrites the expected results from this run.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};

use crate::{autobahn, cmd};

type Results = BTreeMap<String, (String, String)>;

/// Runs both directions and checks them.
pub fn run(args: &[String]) -> Result<(), String> {
    let quick = args.iter().any(|a| a == "--quick");
    let update = args.iter().any(|a| a == "--update");
    let wstest = autobahn::install()?;
    cmd::cargo(&[
        "build",
        "--release",
        "--package",
        "wsio-cli",
        "--bin",
        "wsio",
        "--package",
        "wsio-ws",
        "--example",
        "autobahn_client",
    ])?;
    let release = cmd::target_dir().join("release");
    let reports = cmd::target_dir().join("autobahn");
    let exclude: &[&str] = if quick { &["12.*", "13.*"] } else { &[] };

    let server = against_server(&wstest, &release, exclude, &reports.join("server"))?;
    check("server", &server, quick, update)?;
    let client = against_client(&wstest, &release, exclude, &reports.join("client"))?;
    check("client", &client, quick, update)
}

/// The suite's fuzzing client against `wsio echo`.
fn against_server(
    wstest: &Path,
    release: &Path,
    exclude: &[&str],
    out: &Path,
) -> Result<Results, String> {
    let port = free_port()?;
    let mut server = Command::new(release.join("wsio"))
        .args(["echo", "--host", "127.0.0.1", "--port", &port.to_string()])
        .spawn()
        .map_err(|e| format!("cannot start wsio echo: {e}"))?;
    wait_for_port(port, &mut server)?;
    let url = format!("ws://127.0.0.1:{port}");
    let outcome = autobahn::run_fuzzingclient(wstest, &url, &["*"], exclude, out);
    stop(&mut server);
    outcome?;
    autobahn::read_results(out, "wsio")
}

/// Our client against the suite's fuzzing server.
fn against_client(
    wstest: &Path,
    release: &Path,
    exclude: &[&str],
    out: &Path,
) -> Result<Results, String> {
    let port = free_port()?;
    let mut suite = autobahn::run_fuzzingserver(wstest, port, &["*"], exclude, out)?;
    let url = format!("ws://127.0.0.1:{port}");
    let outcome = cmd::run(
        Command::new(release.join("examples/autobahn_client")).args([url.as_str(), "wsio"]),
    );
    stop(&mut suite);
    outcome?;
    autobahn::read_results(out, "wsio")
}

/// Counts behaviours, compares with the expected file (or writes it with `--update`).
fn check(side: &str, results: &Results, quick: bool, update: bool) -> Result<(), String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (behavior, _) in results.values() {
        *counts.entry(behavior.as_str()).or_default() += 1;
    }
    eprintln!(
        "xtask: autobahn {side}: {} cases: {counts:?}",
        results.len()
    );
    let path = expected_path(side);
    if update {
        let text: String = results
            .iter()
            .map(|(case, (behavior, close))| format!("{case} {behavior} {close}\n"))
            .collect();
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        return Ok(());
    }
    let bad: Vec<&String> = results
        .iter()
        .filter(|(_, (b, c))| matches!(b.as_str(), "FAILED" | "UNIMPLEMENTED") || c == "FAILED")
        .map(|(case, _)| case)
        .collect();
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    let mut drift = Vec::new();
    for line in expected.lines() {
        let mut parts = line.split_whitespace();
        let (Some(case), Some(behavior), Some(close)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let skipped = quick && (case.starts_with("12.") || case.starts_with("13."));
        match results.get(case) {
            Some((b, c)) if !worse(behavior, b) && !worse(close, c) => {
                if b != behavior || c != close {
                    eprintln!(
                        "xtask: autobahn {side}: {case} improved to {b}/{c}; run with --update"
                    );
                }
            }
            None if skipped => {}
            got => drift.push(format!("{case}: expected {behavior}/{close}, got {got:?}")),
        }
    }
    if bad.is_empty() && drift.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "autobahn {side}: failing cases {bad:?}; changed cases {drift:?}"
        ))
    }
}

/// Whether `got` is a worse verdict than `expected` (OK > NON-STRICT > INFORMATIONAL > the
/// rest). Timing can make a fail-fast case finish a little later (NON-STRICT instead of OK),
/// so only a drop in rank counts as a change.
fn worse(expected: &str, got: &str) -> bool {
    fn rank(verdict: &str) -> u8 {
        match verdict {
            "OK" => 3,
            "NON-STRICT" => 2,
            "INFORMATIONAL" => 1,
            _ => 0,
        }
    }
    rank(got) < rank(expected) && !(expected == "OK" && got == "NON-STRICT" && rank(got) > 0)
}

fn expected_path(side: &str) -> PathBuf {
    cmd::root()
        .join("interop/autobahn")
        .join(format!("expected-{side}.txt"))
}

/// A loopback port that was free a moment ago.
pub(crate) fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

/// Waits until `port` accepts connections, or the child exits.
pub(crate) fn wait_for_port(port: u16, child: &mut Child) -> Result<(), String> {
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("server exited early: {status}"));
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    stop(child);
    Err(format!("nothing listens on port {port}"))
}

/// Stops a child we started, by its PID.
pub(crate) fn stop(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}
