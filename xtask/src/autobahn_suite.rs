//! Running the Autobahn TestSuite's fuzzing modes and reading their reports.
//!
//! Each run writes its spec file and wstest's output log into the report folder, next to the
//! reports wstest writes there. Only loopback addresses are ever used.

use std::collections::BTreeMap;
use std::fs::File;
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::json;

/// How long a fuzzing server may take to start listening.
const SERVER_START: Duration = Duration::from_secs(60);

/// Runs wstest's fuzzing client against a WebSocket server at `server_url` (a `ws://` URL on a
/// loopback address), for the `cases` minus `exclude` (case ids, where `*` matches any run of
/// characters: `"1.*"`, `"9.*"`, `"12.1.*"`).
///
/// The spec `fuzzingclient.json`, the log `fuzzingclient.log` and the reports (`index.json`,
/// `index.html`, one file per case) land in `report_dir`, which is created if needed. The
/// server is recorded as agent `wsio`; see [`read_results`].
pub fn run_fuzzingclient(
    wstest: &Path,
    server_url: &str,
    cases: &[&str],
    exclude: &[&str],
    report_dir: &Path,
) -> Result<(), String> {
    if !is_loopback_ws_url(server_url) {
        return Err(format!(
            "refusing to fuzz {server_url}: only ws:// URLs on loopback addresses are allowed"
        ));
    }
    let servers = format!(
        "[{{\"agent\": \"wsio\", \"url\": {}}}]",
        json::quote(server_url)
    );
    let (mut command, log) = prepare(
        wstest,
        "fuzzingclient",
        ("servers", &servers),
        cases,
        exclude,
        report_dir,
    )?;
    eprintln!(
        "autobahn: fuzzing {server_url} (cases {cases:?}, excluding {exclude:?}); log {}",
        log.display()
    );
    let status = command
        .status()
        .map_err(|e| format!("cannot start {}: {e}", wstest.display()))?;
    if status.success() {
        Ok(())
    } else {
        Err(failure(
            &format!("wstest fuzzingclient failed ({status})"),
            &log,
        ))
    }
}

/// Starts wstest's fuzzing server on `ws://127.0.0.1:<port>` for the `cases` minus `exclude`,
/// and returns once it accepts connections.
///
/// Patterns are as for [`run_fuzzingclient`]. The caller points the client under test at it
/// (`/getCaseCount`, then `/runCase?case=N&agent=NAME` for each case), has it request
/// `/updateReports?agent=NAME` to write the reports, and then kills the returned child, which is
/// wstest itself (the wrapper `exec`s it), by its PID. The spec
/// `fuzzingserver.json`, the log `fuzzingserver.log` and the reports land in `report_dir`.
pub fn run_fuzzingserver(
    wstest: &Path,
    port: u16,
    cases: &[&str],
    exclude: &[&str],
    report_dir: &Path,
) -> Result<Child, String> {
    let url = format!("ws://127.0.0.1:{port}");
    let (mut command, log) = prepare(
        wstest,
        "fuzzingserver",
        ("url", &json::quote(&url)),
        cases,
        exclude,
        report_dir,
    )?;
    // No embedded web server for browsing the reports: the suite needs only the WebSocket port.
    command.args(["--webport", "0"]);
    eprintln!(
        "autobahn: starting the fuzzing server on {url}; log {}",
        log.display()
    );
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", wstest.display()))?;
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let started = Instant::now();
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            let what = format!("wstest fuzzingserver exited at start ({status})");
            return Err(failure(&what, &log));
        }
        if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
            return Ok(child);
        }
        if started.elapsed() > SERVER_START {
            // Only the child started just above is stopped, by its own handle.
            let _ = child.kill();
            let _ = child.wait();
            let what = format!(
                "wstest fuzzingserver did not listen on {url} within {}s",
                SERVER_START.as_secs()
            );
            return Err(failure(&what, &log));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The results for `agent` in `report_dir/index.json`: case id → (`behavior`, `behaviorClose`),
/// each one of `OK`, `NON-STRICT`, `INFORMATIONAL`, `UNIMPLEMENTED` or `FAILED`.
pub fn read_results(
    report_dir: &Path,
    agent: &str,
) -> Result<BTreeMap<String, (String, String)>, String> {
    let path = report_dir.join("index.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse_results(&text, agent).map_err(|e| format!("{}: {e}", path.display()))
}

/// [`read_results`] on the text of an `index.json`.
fn parse_results(text: &str, agent: &str) -> Result<BTreeMap<String, (String, String)>, String> {
    let index = json::parse(text)?;
    let cases = index
        .get(agent)
        .and_then(json::Value::as_object)
        .ok_or_else(|| format!("no results for agent {agent:?}"))?;
    let field = |case: &str, result: &json::Value, name: &str| {
        result
            .get(name)
            .and_then(json::Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| format!("case {case} has no {name}"))
    };
    cases
        .iter()
        .map(|(case, result)| {
            let behavior = field(case, result, "behavior")?;
            let close = field(case, result, "behaviorClose")?;
            Ok((case.clone(), (behavior, close)))
        })
        .collect()
}

/// Whether `url` is a `ws://` URL whose host is `localhost`, `127.x.x.x` or `[::1]`.
fn is_loopback_ws_url(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("ws://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return false;
    }
    let host = match authority.strip_prefix('[') {
        Some(bracketed) => match bracketed.split_once(']') {
            Some((host, _)) => host,
            None => return false,
        },
        None => authority.split(':').next().unwrap_or_default(),
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Writes the spec `MODE.json` into `report_dir` (created if needed) and returns the command
/// running `wstest --mode MODE --spec SPEC` there, with its output going to `MODE.log`.
///
/// The spec has the mode's own member (`member`: name and JSON text) besides the report folder
/// and the case patterns.
fn prepare(
    wstest: &Path,
    mode: &str,
    member: (&str, &str),
    cases: &[&str],
    exclude: &[&str],
    report_dir: &Path,
) -> Result<(Command, PathBuf), String> {
    let dir = prepare_dir(report_dir)?;
    let outdir = dir
        .to_str()
        .ok_or_else(|| format!("{} is not valid UTF-8", dir.display()))?;
    let spec = format!(
        "{{\n  \"outdir\": {},\n  {}: {},\n  \"cases\": {},\n  \
         \"exclude-cases\": {},\n  \"exclude-agent-cases\": {{}}\n}}\n",
        json::quote(outdir),
        json::quote(member.0),
        member.1,
        list(cases),
        list(exclude),
    );
    let spec_path = dir.join(format!("{mode}.json"));
    std::fs::write(&spec_path, spec).map_err(|e| format!("{}: {e}", spec_path.display()))?;
    let log = dir.join(format!("{mode}.log"));
    let out = File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
    let err = out
        .try_clone()
        .map_err(|e| format!("{}: {e}", log.display()))?;
    let mut command = Command::new(wstest);
    command
        .args(["--mode", mode, "--spec"])
        .arg(&spec_path)
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err);
    Ok((command, log))
}

/// Creates `dir` if needed and returns its absolute path (wstest runs inside it).
fn prepare_dir(dir: &Path) -> Result<PathBuf, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    std::fs::canonicalize(dir).map_err(|e| format!("{}: {e}", dir.display()))
}

/// A JSON array of strings.
fn list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|item| json::quote(item)).collect();
    format!("[{}]", quoted.join(", "))
}

/// An error message: `what`, then the last lines of the log.
fn failure(what: &str, log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let tail = lines[lines.len().saturating_sub(20)..].join("\n");
    format!("{what}; end of {}:\n{tail}", log.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_map_case_ids_to_behaviors() {
        let text = r#"{"other": {}, "wsio": {
            "1.1.2": {"behavior": "OK", "behaviorClose": "OK", "duration": 1},
            "1.1.10": {"behavior": "FAILED", "behaviorClose": "INFORMATIONAL"}}}"#;
        let results = parse_results(text, "wsio").expect("valid");
        let expected: BTreeMap<String, (String, String)> = [
            ("1.1.10", ("FAILED", "INFORMATIONAL")),
            ("1.1.2", ("OK", "OK")),
        ]
        .into_iter()
        .map(|(case, (b, c))| (case.to_owned(), (b.to_owned(), c.to_owned())))
        .collect();
        assert_eq!(results, expected);
        assert!(parse_results(text, "nobody").is_err());
        assert!(parse_results(r#"{"wsio": {"1.1.1": {"behavior": "OK"}}}"#, "wsio").is_err());
    }

    #[test]
    fn only_loopback_urls_are_fuzzed() {
        for url in [
            "ws://127.0.0.1:9001",
            "ws://127.0.0.1:9001/path?x=1",
            "ws://localhost:9001",
            "ws://[::1]:9001/",
            "ws://127.1.2.3",
        ] {
            assert!(is_loopback_ws_url(url), "{url}");
        }
        for url in [
            "wss://127.0.0.1:9001",
            "ws://10.0.0.1:9001",
            "ws://example.com/",
            "ws://127.0.0.1@example.com/",
            "ws://[::2]:9001",
            "http://127.0.0.1:9001",
        ] {
            assert!(!is_loopback_ws_url(url), "{url}");
        }
    }

    #[test]
    fn lists_are_json_arrays() {
        assert_eq!(list(&[]), "[]");
        assert_eq!(list(&["1.*", "9.\"x\""]), r#"["1.*", "9.\"x\""]"#);
    }
}
