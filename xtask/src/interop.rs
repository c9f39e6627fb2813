//! `cargo xtask interop [--against reference|wsio] [--parser json|msgpack] [--js-only|--py-only]`:
//! the Socket.IO interoperability suites (`interop/js` with socket.io-client, `interop/py` with
//! python-socketio) against a server implementing the test contract of `interop/README.md`.
//!
//! * `--parser msgpack` runs server and clients on the MessagePack parser (the server gets
//!   `--parser msgpack`, the suites `WSIO_PARSER=msgpack`); `json`, the default, is the usual
//!   one.
//! * `--against reference` (the default): Node's socket.io in `interop/reference/server.js`.
//! * `--against wsio`: `wsio serve --test-events`, built in release mode first.
//!
//! Dependencies are installed once into git-ignored folders (see `interop_setup`). The server
//! runs on a free loopback port with the contract's heartbeat settings and its output goes to
//! `target/interop/<server>-server.log`; the suites get its URL in `WSIO_URL`. Both suites run
//! even when the first fails; the task fails if any test failed.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::{cmd, interop_setup};

/// The contract's heartbeat settings in test mode.
const PING_INTERVAL_MS: &str = "300";
const PING_TIMEOUT_MS: &str = "2000";
/// How long the recovery server keeps a disconnected session (`--recovery-ms`).
const RECOVERY_MS: &str = "2000";

/// Beyond this a suite is stopped: each test has its own, much shorter, timeout.
const SUITE_DEADLINE: Duration = Duration::from_secs(300);

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Against {
    Reference,
    Wsio,
}

impl Against {
    fn name(self) -> &'static str {
        match self {
            Against::Reference => "reference",
            Against::Wsio => "wsio",
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
struct Options {
    against: Against,
    /// `json` or `msgpack`.
    parser: &'static str,
    js: bool,
    py: bool,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        against: Against::Reference,
        parser: "json",
        js: true,
        py: true,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let against = match arg.as_str() {
            "--against" => Some(args.next().map(String::as_str).unwrap_or("")),
            other => other.strip_prefix("--against="),
        };
        if let Some(value) = against {
            options.against = match value {
                "reference" => Against::Reference,
                "wsio" => Against::Wsio,
                _ => return Err(format!("--against takes reference or wsio, not {value:?}")),
            };
            continue;
        }
        let parser = match arg.as_str() {
            "--parser" => Some(args.next().map(String::as_str).unwrap_or("")),
            other => other.strip_prefix("--parser="),
        };
        if let Some(value) = parser {
            options.parser = match value {
                "json" => "json",
                "msgpack" => "msgpack",
                _ => return Err(format!("--parser takes json or msgpack, not {value:?}")),
            };
            continue;
        }
        match arg.as_str() {
            "--js-only" => options.py = false,
            "--py-only" => options.js = false,
            _ => {
                return Err(format!(
                    "unknown argument {arg:?}; usage: cargo xtask interop \
                     [--against reference|wsio] [--parser json|msgpack] [--js-only|--py-only]"
                ));
            }
        }
    }
    if !options.js && !options.py {
        return Err("--js-only and --py-only exclude each other".to_owned());
    }
    Ok(options)
}

/// Pass and fail counts of one suite.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
struct Counts {
    passed: u64,
    failed: u64,
}

/// Installs, starts the server, runs the suites, stops the server, reports.
pub fn run(args: &[String]) -> Result<(), String> {
    let options = parse(args)?;
    let started = Instant::now();
    let root = cmd::root();
    let out = cmd::target_dir().join("interop");
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;

    if options.against == Against::Reference {
        interop_setup::npm_ci(&root.join("interop/reference"))?;
    }
    if options.js {
        interop_setup::npm_ci(&root.join("interop/js"))?;
    }
    let python = if options.py {
        Some(interop_setup::python_venv()?)
    } else {
        None
    };
    if options.against == Against::Wsio {
        cmd::cargo(&[
            "build",
            "--release",
            "--package",
            "wsio-cli",
            "--bin",
            "wsio",
        ])?;
    }
    eprintln!(
        "xtask: interop setup took {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let port = free_port()?;
    let log = out.join(format!(
        "{}-{}-server.log",
        options.against.name(),
        options.parser
    ));
    let server = Server::start(server_command(&options, &root, port), &log)?.wait_for_port(port)?;
    let url = format!("http://127.0.0.1:{port}");
    eprintln!(
        "xtask: {} server on {url} (log: {})",
        options.against.name(),
        log.display()
    );
    // A second server with connection state recovery on, for the suites' recovery tests.
    let recovery = if options.js {
        let port = free_port()?;
        let log = out.join(format!(
            "{}-{}-recovery-server.log",
            options.against.name(),
            options.parser
        ));
        let mut command = server_command(&options, &root, port);
        command.args(["--recovery-ms", RECOVERY_MS]);
        let server = Server::start(command, &log)?.wait_for_port(port)?;
        Some((server, format!("http://127.0.0.1:{port}")))
    } else {
        None
    };

    let mut results: Vec<(&str, Result<Counts, String>, Duration)> = Vec::new();
    if options.js {
        let begun = Instant::now();
        let recovery_url = recovery.as_ref().map(|(_, url)| url.as_str());
        let outcome = run_js(&root, options.parser, &url, recovery_url);
        results.push(("js", outcome, begun.elapsed()));
    }
    if let Some(python) = python {
        let begun = Instant::now();
        let outcome = run_py(
            &root,
            options.parser,
            &python,
            &url,
            &out.join("py-junit.xml"),
        );
        results.push(("py", outcome, begun.elapsed()));
    }
    drop(server);
    drop(recovery);

    report(options.against, &results, started.elapsed())
}

/// Prints one line per suite and the totals; fails if a suite failed or could not run.
fn report(
    against: Against,
    results: &[(&str, Result<Counts, String>, Duration)],
    total: Duration,
) -> Result<(), String> {
    let mut sum = Counts::default();
    let mut problems = Vec::new();
    for (suite, outcome, took) in results {
        match outcome {
            Ok(counts) => {
                eprintln!(
                    "xtask: interop {suite} against {}: {} passed, {} failed ({:.1} s)",
                    against.name(),
                    counts.passed,
                    counts.failed,
                    took.as_secs_f64()
                );
                sum.passed += counts.passed;
                sum.failed += counts.failed;
                if counts.failed > 0 {
                    problems.push(format!("{suite}: {} failed", counts.failed));
                }
            }
            Err(e) => {
                eprintln!("xtask: interop {suite} against {}: {e}", against.name());
                problems.push(format!("{suite}: {e}"));
            }
        }
    }
    eprintln!(
        "xtask: interop against {} took {:.1} s",
        against.name(),
        total.as_secs_f64()
    );
    println!("interop: {} passed, {} failed", sum.passed, sum.failed);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "interop against {}: {}",
            against.name(),
            problems.join("; ")
        ))
    }
}

fn server_command(options: &Options, root: &Path, port: u16) -> Command {
    let port = port.to_string();
    let mut command = match options.against {
        Against::Reference => {
            let mut command = Command::new("node");
            command.arg(root.join("interop/reference/server.js"));
            command
        }
        Against::Wsio => {
            let mut command = Command::new(cmd::target_dir().join("release/wsio"));
            command.args(["serve", "--test-events"]);
            command
        }
    };
    command
        .args(["--host", "127.0.0.1", "--port", &port])
        .args(["--ping-interval-ms", PING_INTERVAL_MS])
        .args(["--ping-timeout-ms", PING_TIMEOUT_MS])
        .current_dir(root);
    if options.parser != "json" {
        command.args(["--parser", options.parser]);
    }
    command
}

/// The socket.io-client suite on Node's test runner (TAP report), its output copied to the
/// terminal and kept for the counts.
fn run_js(
    root: &Path,
    parser: &str,
    url: &str,
    recovery_url: Option<&str>,
) -> Result<Counts, String> {
    let mut command = Command::new("node");
    command.env("WSIO_PARSER", parser);
    if let Some(recovery_url) = recovery_url {
        command
            .env("WSIO_RECOVERY_URL", recovery_url)
            .env("WSIO_RECOVERY_MS", RECOVERY_MS);
    }
    command
        .args(["--test", "--test-force-exit", "--test-concurrency=1"])
        .arg("--test-reporter=tap")
        .env("WSIO_URL", url)
        .current_dir(root.join("interop/js"));
    let (status, output) = run_bounded(&mut command, true)?;
    let counts = tap_counts(&output).ok_or("no pass/fail counts in the TAP report")?;
    check_status(status, counts)
}

/// The python-socketio suite on pytest, with a JUnit XML copy in `junit` for the counts.
fn run_py(
    root: &Path,
    parser: &str,
    python: &Path,
    url: &str,
    junit: &Path,
) -> Result<Counts, String> {
    let _ = std::fs::remove_file(junit);
    let mut command = Command::new(python);
    command
        .env("WSIO_PARSER", parser)
        .args(["-m", "pytest", "-q"])
        .arg(format!("--junitxml={}", junit.display()))
        .env("WSIO_URL", url)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .current_dir(root.join("interop/py"));
    let (status, _) = run_bounded(&mut command, false)?;
    let text = std::fs::read_to_string(junit).map_err(|e| format!("{}: {e}", junit.display()))?;
    let counts = junit_counts(&text).ok_or_else(|| format!("no counts in {}", junit.display()))?;
    check_status(status, counts)
}

/// A suite that exited non-zero with no failed test still failed (a crash, a load error).
fn check_status(status: ExitStatus, counts: Counts) -> Result<Counts, String> {
    if status.success() || counts.failed > 0 {
        Ok(counts)
    } else {
        Err(format!(
            "exited with {status} after {} passed, {} failed",
            counts.passed, counts.failed
        ))
    }
}

/// Runs a suite, stopping it (by its PID) if it outlives `SUITE_DEADLINE`. With `capture`, its
/// standard output is copied to ours line by line and returned too.
fn run_bounded(command: &mut Command, capture: bool) -> Result<(ExitStatus, String), String> {
    eprintln!("xtask: running {command:?}");
    if capture {
        command.stdout(Stdio::piped());
    }
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot start {:?}: {e}", command.get_program()))?;
    let copier = child.stdout.take().map(|stdout| {
        std::thread::spawn(move || {
            let mut kept = String::new();
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                println!("{line}");
                kept.push_str(&line);
                kept.push('\n');
            }
            kept
        })
    });
    let deadline = Instant::now() + SUITE_DEADLINE;
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "stopped after {} s without finishing",
                SUITE_DEADLINE.as_secs()
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let output = match copier {
        Some(copier) => copier.join().map_err(|_| "output copier panicked")?,
        None => String::new(),
    };
    Ok((status, output))
}

/// The `# pass N` and `# fail N` summary lines of a TAP report.
fn tap_counts(text: &str) -> Option<Counts> {
    let find = |key: &str| {
        text.lines()
            .rev()
            .find_map(|line| line.strip_prefix(key)?.trim().parse::<u64>().ok())
    };
    let failed = find("# fail ")? + find("# cancelled ").unwrap_or(0);
    Some(Counts {
        passed: find("# pass ")?,
        failed,
    })
}

/// Test, failure, error and skip counts of the `<testsuite ...>` element of a JUnit report.
fn junit_counts(text: &str) -> Option<Counts> {
    let start = text.find("<testsuite ")?;
    let element = &text[start..start + text[start..].find('>')?];
    let attribute = |name: &str| -> Option<u64> {
        let pattern = format!(" {name}=\"");
        let from = element.find(&pattern)? + pattern.len();
        let len = element[from..].find('"')?;
        element[from..from + len].parse().ok()
    };
    let tests = attribute("tests")?;
    let failed = attribute("failures")? + attribute("errors")?;
    let skipped = attribute("skipped").unwrap_or(0);
    Some(Counts {
        passed: tests.saturating_sub(failed + skipped),
        failed,
    })
}

/// The server under test; stopped by its PID when dropped.
struct Server {
    child: Child,
    log: PathBuf,
}

impl Server {
    fn start(mut command: Command, log: &Path) -> Result<Server, String> {
        let file = File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
        let copy = file.try_clone().map_err(|e| e.to_string())?;
        command.stdin(Stdio::null()).stdout(file).stderr(copy);
        eprintln!("xtask: starting {command:?}");
        let child = command
            .spawn()
            .map_err(|e| format!("cannot start {:?}: {e}", command.get_program()))?;
        Ok(Server {
            child,
            log: log.to_owned(),
        })
    }

    /// Waits until `port` accepts connections; fails if the server exits or 10 s pass.
    fn wait_for_port(mut self, port: u16) -> Result<Server, String> {
        for _ in 0..100 {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(self);
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "server exited early ({status}); see {}",
                    self.log.display()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(format!(
            "nothing listens on port {port}; see {}",
            self.log.display()
        ))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port that was free a moment ago.
fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn parses_the_options() {
        let default = parse(&[]).expect("no arguments");
        assert_eq!(default.against, Against::Reference);
        assert!(default.js && default.py);
        let wsio = parse(&strings(&["--against", "wsio", "--py-only"])).expect("wsio");
        assert_eq!(
            wsio,
            Options {
                against: Against::Wsio,
                parser: "json",
                js: false,
                py: true
            }
        );
        let msgpack = parse(&strings(&["--parser", "msgpack"])).expect("msgpack");
        assert_eq!(msgpack.parser, "msgpack");
        assert_eq!(parse(&strings(&["--parser=json"])).unwrap().parser, "json");
        assert!(parse(&strings(&["--parser", "cbor"])).is_err());
        let eq = parse(&strings(&["--against=reference", "--js-only"])).expect("equals form");
        assert_eq!(
            (eq.against, eq.js, eq.py),
            (Against::Reference, true, false)
        );
        assert!(parse(&strings(&["--against", "nope"])).is_err());
        assert!(parse(&strings(&["--against"])).is_err());
        assert!(parse(&strings(&["--js-only", "--py-only"])).is_err());
        assert!(parse(&strings(&["--bogus"])).is_err());
    }

    #[test]
    fn reads_tap_counts() {
        let tap = "ok 1 - a\nnot ok 2 - b\n1..2\n# tests 2\n# suites 0\n# pass 1\n# fail 1\n\
                   # cancelled 0\n# skipped 0\n";
        assert_eq!(
            tap_counts(tap),
            Some(Counts {
                passed: 1,
                failed: 1
            })
        );
        assert_eq!(tap_counts("ok 1 - a\n"), None);
    }

    #[test]
    fn reads_junit_counts() {
        let xml = r#"<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" errors="1" failures="2" skipped="3" tests="10" time="1.0"><testcase/></testsuite></testsuites>"#;
        assert_eq!(
            junit_counts(xml),
            Some(Counts {
                passed: 4,
                failed: 3
            })
        );
        assert_eq!(junit_counts("<testsuites/>"), None);
    }
}
