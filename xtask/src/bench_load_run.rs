//! One run: start a server pinned to core 0, drive it with the load generator pinned to
//! core 1, read the server's counters at the window's edges (and, for a storm, once it has
//! settled), stop the server.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::plan::{Options, Scenario, Server};
use super::procfs::{self, Sample};

/// How processes are started: CPU pinning and the open-files limit, if available.
#[derive(Debug, Clone)]
pub struct Launcher {
    /// `taskset` exists.
    pub pin: bool,
    /// `prlimit` exists (raises the open-files limit of the children to 65,536).
    pub raise_nofile: bool,
    /// The release directory with the load generator.
    pub target: String,
    /// Clock ticks per second of `/proc/PID/stat`.
    pub ticks: f64,
}

impl Launcher {
    /// `program args` on `core`, with the larger open-files limit when possible.
    fn command(&self, core: u32, argv: &[String]) -> Command {
        let mut full: Vec<String> = Vec::new();
        if self.pin {
            full.extend(["taskset".into(), "-c".into(), core.to_string()]);
        }
        if self.raise_nofile {
            full.extend(["prlimit".into(), "--nofile=65536:65536".into(), "--".into()]);
        }
        full.extend(argv.iter().cloned());
        let mut command = Command::new(&full[0]);
        command.args(&full[1..]);
        command
    }
}

/// What one run measured.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Messages (or deliveries) per second.
    pub msgs_per_s: f64,
    /// Server CPU seconds spent in the window.
    pub cpu_s: f64,
    /// Share of one core the server used in the window (CPU seconds / window seconds).
    pub cpu_share: f64,
    /// Messages per server CPU second.
    pub msgs_per_cpu_s: f64,
    /// Server user-space CPU time per message, µs.
    pub user_us_per_msg: f64,
    /// Server kernel CPU time per message, µs (system calls, and on loopback the receiving
    /// side of what the server sends).
    pub kernel_us_per_msg: f64,
    /// Latency percentiles, µs.
    pub p50_us: f64,
    /// 99th percentile, µs.
    pub p99_us: f64,
    /// 99.9th percentile, µs.
    pub p999_us: f64,
    /// Idle scenarios: connections held.
    pub connected: f64,
    /// Idle scenarios: server RSS growth per connection, bytes.
    pub rss_per_conn: f64,
    /// Server RSS at the window's end, bytes.
    pub rss_end: f64,
    /// Server RSS at the window's start, bytes.
    pub rss_start: f64,
    /// Storm scenarios: server RSS once the clients have stopped and the server was left
    /// alone for a while (the load generator's `settled`), bytes.
    pub rss_settled: f64,
    /// Storm scenarios: the largest RSS the server had up to the `settled` reading (VmHWM),
    /// bytes.
    pub rss_peak: f64,
    /// The load generator's window, seconds (for a wave: from its start to the last join).
    pub window_s: f64,
    /// Waves: failed connects that were tried again (not errors unless the client gave up).
    pub retries: f64,
    /// Waves: the first retried connect's error.
    pub retry_error: Option<String>,
    /// `ws-deflate`: bytes on the wire (frames, both ways) over payload bytes.
    pub wire_ratio: f64,
    /// Errors reported by the load generator.
    pub errors: f64,
    /// The first error's description.
    pub error: Option<String>,
}

/// Runs `scenario` against `server` once, on `port`.
pub fn once(
    launcher: &Launcher,
    options: &Options,
    scenario: &Scenario,
    server: &Server,
    port: u16,
    root: &Path,
) -> Outcome {
    let mut server_argv = server.command.clone();
    server_argv.extend([
        "--host".into(),
        "127.0.0.1".into(),
        "--port".into(),
        port.to_string(),
    ]);
    let mut command = launcher.command(0, &server_argv);
    command
        .current_dir(root)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => return failed(format!("cannot start {}: {e}", server.name)),
    };
    let outcome = if wait_for_port(port, &mut child) {
        drive(launcher, options, scenario, child.id(), port, root)
    } else {
        failed(format!(
            "{} did not listen on port {port} within 20 s",
            server.name
        ))
    };
    let _ = child.kill();
    let _ = child.wait();
    outcome
}

/// An outcome that is only an error.
fn failed(error: String) -> Outcome {
    Outcome {
        errors: 1.0,
        error: Some(error),
        ..Outcome::default()
    }
}

/// Waits (at most 20 s) until `port` accepts connections, or the server exits.
pub fn wait_for_port(port: u16, child: &mut Child) -> bool {
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    for _ in 0..400 {
        if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
            return true;
        }
        if matches!(child.try_wait(), Ok(Some(_))) {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// Runs the load generator against the server `pid` and reads the server's counters when the
/// load generator opens and closes its window.
fn drive(
    launcher: &Launcher,
    options: &Options,
    scenario: &Scenario,
    pid: u32,
    port: u16,
    root: &Path,
) -> Outcome {
    // Let the server settle after the port probe before anything is read.
    std::thread::sleep(Duration::from_millis(200));
    let mut argv: Vec<String> = [
        format!("{}/loadgen", launcher.target),
        scenario.loadgen.to_owned(),
        "--port".into(),
        port.to_string(),
        "--conns".into(),
        scenario.conns.to_string(),
        "--size".into(),
        scenario.size.max(1).to_string(),
        "--seconds".into(),
        (if scenario.idle {
            options.seconds.min(2.0)
        } else if scenario.on_demand {
            // Paced at one broadcast a second: a longer window counts more of them.
            options.seconds.max(10.0)
        } else {
            options.seconds
        })
        .to_string(),
        "--warmup".into(),
        (if scenario.on_demand {
            options.warmup.max(2.0)
        } else {
            options.warmup
        })
        .to_string(),
    ]
    .into();
    argv.extend(scenario.extra.iter().map(|a| (*a).to_owned()));
    let mut command = launcher.command(1, &argv);
    command
        .current_dir(root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut loadgen = match command.spawn() {
        Ok(child) => child,
        Err(e) => return failed(format!("cannot start the load generator: {e}")),
    };
    let done = Arc::new(AtomicBool::new(false));
    let budget = Duration::from_secs_f64(options.warmup + options.seconds + 120.0);
    watchdog(loadgen.id(), budget, done.clone());
    let (Some(mut stdin), Some(stdout)) = (loadgen.stdin.take(), loadgen.stdout.take()) else {
        let _ = loadgen.kill();
        return failed("no pipes to the load generator".to_owned());
    };
    let (mut first, mut last, mut settled, mut json) = (None, None, None, None);
    for line in BufReader::new(stdout).lines().take(100) {
        let Ok(line) = line else { break };
        match line.trim() {
            "start" => {
                first = procfs::sample(pid, launcher.ticks);
                let _ = writeln!(stdin, "go");
            }
            "end" => {
                last = procfs::sample(pid, launcher.ticks);
                let _ = writeln!(stdin, "go");
            }
            "settled" => {
                settled = procfs::sample(pid, launcher.ticks);
                let _ = writeln!(stdin, "go");
            }
            text if text.starts_with('{') => json = Some(text.to_owned()),
            _ => {}
        }
    }
    done.store(true, Ordering::Release);
    let _ = loadgen.wait();
    match (json, first, last) {
        (Some(json), Some(first), Some(last)) => {
            let mut outcome = outcome(&json, scenario, first, last);
            if let Some(settled) = settled {
                outcome.rss_settled = settled.rss as f64;
                outcome.rss_peak = settled.peak_rss as f64;
            } else if scenario.storm {
                outcome.errors += 1.0;
                outcome.error.get_or_insert("no settled reading".to_owned());
            }
            outcome
        }
        (Some(json), _, _) => {
            let mut outcome = failed("the server exited during the run".to_owned());
            outcome.error = Some(format!(
                "{}; load generator: {json}",
                outcome.error.unwrap_or_default()
            ));
            outcome
        }
        _ => failed("the load generator printed no result".to_owned()),
    }
}

/// Kills `pid` (the load generator) if it is still running after `budget`.
fn watchdog(pid: u32, budget: Duration, done: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        let started = Instant::now();
        while started.elapsed() < budget {
            if done.load(Ordering::Acquire) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        if !done.load(Ordering::Acquire) {
            eprintln!("bench-load: the load generator ran past {budget:?}; stopping it");
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
        }
    });
}

/// Combines the load generator's JSON line with the server's counters.
fn outcome(json: &str, scenario: &Scenario, first: Sample, last: Sample) -> Outcome {
    let number = |key: &str| json_number(json, key).unwrap_or(0.0);
    let cpu_s = last.cpu_s - first.cpu_s;
    let msgs = number("msgs");
    // Throughput scenarios report their receivers as `conns`, waves the clients that joined
    // as `joined`.
    let connected = json_number(json, "connected")
        .or_else(|| json_number(json, "joined"))
        .unwrap_or_else(|| number("conns"));
    let window_s = number("window_s");
    Outcome {
        msgs_per_s: number("msgs_per_s"),
        cpu_s,
        cpu_share: if window_s > 0.0 {
            cpu_s / window_s
        } else {
            0.0
        },
        msgs_per_cpu_s: if cpu_s > 0.0 { msgs / cpu_s } else { 0.0 },
        user_us_per_msg: per_msg_us(last.user_s - first.user_s, msgs),
        kernel_us_per_msg: per_msg_us(last.kernel_s - first.kernel_s, msgs),
        p50_us: number("p50_us"),
        p99_us: number("p99_us"),
        p999_us: number("p999_us"),
        connected,
        rss_per_conn: if connected <= 0.0 {
            0.0
        } else if scenario.idle {
            (last.rss as f64 - first.rss as f64) / connected
        } else if scenario.on_demand && !scenario.storm {
            // The whole server's memory, shared state included, over what it holds.
            last.rss as f64 / connected
        } else {
            0.0
        },
        rss_end: last.rss as f64,
        rss_start: first.rss as f64,
        rss_settled: 0.0,
        rss_peak: 0.0,
        window_s,
        retries: number("retries"),
        retry_error: json_string(json, "retry_error"),
        wire_ratio: number("wire_ratio"),
        errors: number("errors"),
        error: json_string(json, "error"),
    }
}

/// `seconds` of CPU spread over `msgs` messages, in µs each (0 without messages).
pub fn per_msg_us(seconds: f64, msgs: f64) -> f64 {
    if msgs > 0.0 {
        seconds.max(0.0) * 1e6 / msgs
    } else {
        0.0
    }
}

/// The number at `"key":` in a flat JSON object.
pub fn json_number(json: &str, key: &str) -> Option<f64> {
    let start = json.find(&format!("\"{key}\":"))? + key.len() + 3;
    let rest = &json[start..];
    let end = rest.find([',', '}']).unwrap_or(rest.len());
    rest[..end].trim().parse().ok()
}

/// The string at `"key":` in a flat JSON object (`None` for `null`); escapes kept as written.
pub fn json_string(json: &str, key: &str) -> Option<String> {
    let start = json.find(&format!("\"{key}\":\""))? + key.len() + 4;
    let rest = &json[start..];
    let mut end = rest.len();
    let mut escaped = false;
    for (i, c) in rest.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => {
                end = i;
                break;
            }
            _ => escaped = false,
        }
    }
    Some(rest[..end].to_owned())
}
