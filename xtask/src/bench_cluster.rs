//! The `sio-cluster-broadcast` scenario of `cargo xtask bench-load`: a Socket.IO broadcast
//! across two server nodes sharing one Redis, for wsio on `wsio-adapter-redis`, Node's
//! socket.io on `@socket.io/redis-adapter` and socketioxide on `socketioxide-redis`.
//!
//! Each run starts a fresh `redis-server` and two nodes of one server (ports `P` and `P + 1`),
//! all three pinned to core 0, and the load generator's `sio-cluster-broadcast` on core 1: its
//! receivers and senders alternate between the two nodes, so half of every broadcast's
//! deliveries cross Redis. The headline figure is deliveries per server CPU-second, the CPU
//! time of both node processes summed (Redis's is reported apart). It runs only when
//! `--scenarios` names it, and writes its own section of `docs/benchmarks.md`, between
//! [`BEGIN`] and [`END`] in the part the rest of the harness keeps.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::plan::Options;
use super::procfs::{self, Sample};
use super::report::count;
use super::runner::{self, Launcher, Outcome, wait_for_port};
use crate::{cmd, redis};

/// The scenario's name in `--scenarios`.
pub const NAME: &str = "sio-cluster-broadcast";

/// First line of the section this scenario writes in `docs/benchmarks.md`.
pub const BEGIN: &str = "<!-- sio-cluster-broadcast: begin (written by cargo xtask bench-load --scenarios sio-cluster-broadcast) -->";
/// Last line of that section.
pub const END: &str = "<!-- sio-cluster-broadcast: end -->";

/// First port of the nodes, above the range of the other scenarios; each run takes two more.
const FIRST_PORT: u16 = 20_000;
/// Connections that emit `broadcast`, alternating between the nodes like the receivers.
const SENDERS: usize = 4;
/// Payload bytes of each broadcast.
const SIZE: usize = 64;

/// A server whose two nodes form the cluster.
struct Stack {
    /// Name in the table and in `--servers`.
    name: &'static str,
    /// Program and arguments, without `--port` and `--redis`.
    command: Vec<String>,
    /// What it is, for the report.
    about: &'static str,
}

/// The three stacks; `target` is the release directory.
fn stacks(target: &str) -> Vec<Stack> {
    vec![
        Stack {
            name: "wsio",
            command: vec![format!("{target}/wsio-cluster-node")],
            about: "`benches/load/cluster` `wsio-cluster-node`: the namespace of `wsio serve` (same `echo` and \
                    `broadcast` events, default heartbeat) with `wsio-adapter-redis` (redis-rs: one publisher, one \
                    subscriber connection per node)",
        },
        Stack {
            name: "socketioxide",
            command: vec![format!("{target}/socketioxide-cluster-node")],
            about: "`benches/load/cluster` `socketioxide-cluster-node`: socketioxide 0.18 with `socketioxide-redis` \
                    0.4 (its `redis` driver, RESP3) over plain hyper 1, the same events, defaults",
        },
        Stack {
            name: "node-socket.io",
            command: vec![
                "node".to_owned(),
                "benches/load/cluster/node/sio-cluster-node.js".to_owned(),
            ],
            about: "`benches/load/cluster/node/sio-cluster-node.js`: socket.io 4.8.4 with `@socket.io/redis-adapter` \
                    8.3.0 on `redis` 5.10 (node-redis publisher and subscriber), the same events, default heartbeat",
        },
    ]
}

/// Whether `--scenarios` names this scenario (it is never part of the default run).
pub fn wanted(options: &Options) -> bool {
    options
        .scenarios
        .iter()
        .any(|s| s == NAME || s == "sio-cluster")
}

/// One rep: the load generator's figures over both nodes, and Redis's share of its core.
#[derive(Debug, Clone, Default)]
struct Rep {
    outcome: Outcome,
    redis_share: f64,
}

/// The medians of one stack.
struct Row {
    stack: Stack,
    outcome: Outcome,
    redis_share: f64,
}

/// Runs the scenario for every stack `--servers` allows, `--reps` times each, and returns the
/// markdown section (from [`BEGIN`] to [`END`]).
pub fn run(launcher: &Launcher, options: &Options, root: &Path) -> Result<String, String> {
    let began = Instant::now();
    let binary = redis::install()?;
    let node = procfs::available("node");
    let mut notes = Vec::new();
    let mut selected: Vec<Stack> = stacks(&launcher.target)
        .into_iter()
        .filter(|s| options.servers.is_empty() || options.servers.iter().any(|n| n == s.name))
        .collect();
    if selected.iter().any(|s| s.command[0] == "node") {
        if node {
            node_deps(root)?;
        } else {
            notes.push("Node.js is missing: its nodes were left out.".to_owned());
            selected.retain(|s| s.command[0] != "node");
        }
    }
    let receivers = if options.quick { 200 } else { 1_000 };
    let mut port = FIRST_PORT;
    let mut rows = Vec::new();
    for stack in selected {
        let mut reps = Vec::new();
        for rep in 1..=options.reps {
            port = if port >= FIRST_PORT + 800 {
                FIRST_PORT
            } else {
                port + 2
            };
            let result = once(launcher, options, &binary, &stack, receivers, port, root);
            eprintln!(
                "bench-load: {NAME} × {} rep {rep}/{}: {:.0} deliveries/s, {:.0} per CPU-s of both nodes, p99 {:.0} µs, \
                 Redis {:.0}% of a core, errors {:.0}{}",
                stack.name,
                options.reps,
                result.outcome.msgs_per_s,
                result.outcome.msgs_per_cpu_s,
                result.outcome.p99_us,
                result.redis_share * 100.0,
                result.outcome.errors,
                result
                    .outcome
                    .error
                    .as_deref()
                    .map(|e| format!(", error: {e}"))
                    .unwrap_or_default()
            );
            reps.push(result);
        }
        let outcomes: Vec<Outcome> = reps.iter().map(|r| r.outcome.clone()).collect();
        let mut shares: Vec<f64> = reps.iter().map(|r| r.redis_share).collect();
        shares.sort_by(f64::total_cmp);
        rows.push(Row {
            stack,
            outcome: super::median(&outcomes),
            redis_share: shares.get(shares.len() / 2).copied().unwrap_or(0.0),
        });
    }
    let (cpus, cpu_model, kernel) = procfs::machine();
    let header = format!(
        "Measured on {} with `{}`: {cpus} × {cpu_model}, Linux {kernel}, {}; median of {} run(s) per row, {} s \
         measurement windows after a {} s warm-up; this scenario took {:.1} minutes.",
        procfs::today(),
        command_line(options),
        redis_version(&binary),
        options.reps,
        options.seconds,
        options.warmup,
        began.elapsed().as_secs_f64() / 60.0,
    );
    Ok(section(&rows, receivers, &header, &notes, launcher.pin))
}

/// The command line that selects this scenario with the options of this run.
fn command_line(options: &Options) -> String {
    let mut line = format!("cargo xtask bench-load --scenarios {NAME}");
    if !options.servers.is_empty() {
        line.push_str(&format!(" --servers {}", options.servers.join(",")));
    }
    if options.quick {
        line.push_str(" --quick");
    } else if options.reps != 3 {
        line.push_str(&format!(" --reps {}", options.reps));
    }
    line
}

/// `npm ci` for the Node nodes when their `node_modules` is missing.
fn node_deps(root: &Path) -> Result<(), String> {
    let dir = root.join("benches/load/cluster/node");
    if dir.join("node_modules").is_dir() {
        return Ok(());
    }
    cmd::run(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir),
    )
}

/// `argv` on `core` (when `taskset` exists), with the larger open-files limit when possible.
fn pinned(launcher: &Launcher, core: u32, argv: &[String]) -> Command {
    let mut full: Vec<String> = Vec::new();
    if launcher.pin {
        full.extend(["taskset".into(), "-c".into(), core.to_string()]);
    }
    if launcher.raise_nofile {
        full.extend(["prlimit".into(), "--nofile=65536:65536".into(), "--".into()]);
    }
    full.extend(argv.iter().cloned());
    let mut command = Command::new(&full[0]);
    command.args(&full[1..]);
    command
}

/// Processes started for one run, stopped by their process ids when dropped.
struct Started(Vec<Child>);

impl Drop for Started {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// An outcome that is only an error.
fn failed(error: String) -> Rep {
    Rep {
        outcome: Outcome {
            errors: 1.0,
            error: Some(error),
            ..Outcome::default()
        },
        redis_share: 0.0,
    }
}

/// One run of `stack`: Redis and two nodes on core 0, the load generator on core 1.
fn once(
    launcher: &Launcher,
    options: &Options,
    binary: &redis::Binary,
    stack: &Stack,
    receivers: usize,
    port: u16,
    root: &Path,
) -> Rep {
    let mut started = Started(Vec::new());
    let redis_port = match TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()) {
        Ok(address) => address.port(),
        Err(e) => return failed(format!("no free port for Redis: {e}")),
    };
    let mut argv = vec![binary.program.display().to_string()];
    argv.extend(
        [
            "--port",
            &redis_port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--protected-mode",
            "no",
        ]
        .map(str::to_owned),
    );
    let mut command = pinned(launcher, 0, &argv);
    if let Some(path) = &binary.library_path {
        command.env("LD_LIBRARY_PATH", path);
    }
    command
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    match command.spawn() {
        Ok(child) => started.0.push(child),
        Err(e) => return failed(format!("cannot start redis-server: {e}")),
    }
    if !redis_answers(redis_port, &mut started.0[0]) {
        return failed(format!("redis-server did not answer on port {redis_port}"));
    }
    let url = format!("redis://127.0.0.1:{redis_port}");
    for node_port in [port, port + 1] {
        let mut argv = stack.command.clone();
        argv.extend([
            "--host".into(),
            "127.0.0.1".into(),
            "--port".into(),
            node_port.to_string(),
            "--redis".into(),
            url.clone(),
        ]);
        let mut command = pinned(launcher, 0, &argv);
        command
            .current_dir(root)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        match command.spawn() {
            Ok(child) => started.0.push(child),
            Err(e) => return failed(format!("cannot start {}: {e}", stack.name)),
        }
        let child = started.0.last_mut().expect("just pushed");
        if !wait_for_port(node_port, child) {
            return failed(format!(
                "{} did not listen on port {node_port} within 20 s",
                stack.name
            ));
        }
    }
    // Let both nodes settle (subscriptions made, port probes gone) before the load starts.
    std::thread::sleep(Duration::from_millis(300));
    let pids: Vec<u32> = started.0.iter().map(Child::id).collect();
    drive(launcher, options, receivers, &pids, port, root)
}

/// Whether Redis on `port` answers `PING` within 10 s (false if it exited).
fn redis_answers(port: u16, child: &mut Child) -> bool {
    for _ in 0..200 {
        if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
            let mut reply = [0u8; 7];
            if stream.write_all(b"PING\r\n").is_ok()
                && stream.read_exact(&mut reply).is_ok()
                && &reply == b"+PONG\r\n"
            {
                return true;
            }
        }
        if matches!(child.try_wait(), Ok(Some(_))) {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// Runs the load generator against the nodes on `port` and `port + 1`; `pids` are Redis's and
/// the two nodes', read when the load generator opens and closes its window.
fn drive(
    launcher: &Launcher,
    options: &Options,
    receivers: usize,
    pids: &[u32],
    port: u16,
    root: &Path,
) -> Rep {
    let argv: Vec<String> = vec![
        format!("{}/loadgen", launcher.target),
        NAME.to_owned(),
        "--port".into(),
        port.to_string(),
        "--conns".into(),
        receivers.to_string(),
        "--senders".into(),
        SENDERS.to_string(),
        "--size".into(),
        SIZE.to_string(),
        "--seconds".into(),
        options.seconds.to_string(),
        "--warmup".into(),
        options.warmup.to_string(),
    ];
    let mut command = pinned(launcher, 1, &argv);
    command
        .current_dir(root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut loadgen = match command.spawn() {
        Ok(child) => child,
        Err(e) => return failed(format!("cannot start the load generator: {e}")),
    };
    let (Some(mut stdin), Some(stdout)) = (loadgen.stdin.take(), loadgen.stdout.take()) else {
        let _ = loadgen.kill();
        let _ = loadgen.wait();
        return failed("no pipes to the load generator".to_owned());
    };
    let sample = |pids: &[u32]| -> Option<Vec<Sample>> {
        pids.iter()
            .map(|pid| procfs::sample(*pid, launcher.ticks))
            .collect()
    };
    let (mut first, mut last, mut json) = (None, None, None);
    let budget = Duration::from_secs_f64(options.warmup + options.seconds + 120.0);
    let watched = loadgen.id();
    let (done, stopped) = std::sync::mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        if stopped.recv_timeout(budget).is_err() {
            eprintln!("bench-load: the load generator ran past {budget:?}; stopping it");
            let _ = Command::new("kill")
                .args(["-9", &watched.to_string()])
                .status();
        }
    });
    for line in BufReader::new(stdout).lines().take(100) {
        let Ok(line) = line else { break };
        match line.trim() {
            "start" => {
                first = sample(pids);
                let _ = writeln!(stdin, "go");
            }
            "end" => {
                last = sample(pids);
                let _ = writeln!(stdin, "go");
            }
            text if text.starts_with('{') => json = Some(text.to_owned()),
            _ => {}
        }
    }
    let _ = done.send(());
    let _ = watchdog.join();
    let _ = loadgen.wait();
    match (json, first, last) {
        (Some(json), Some(first), Some(last)) => outcome(&json, &first, &last),
        (Some(json), _, _) => failed(format!(
            "a node or Redis exited during the run; load generator: {json}"
        )),
        _ => failed("the load generator printed no result".to_owned()),
    }
}

/// The load generator's figures with the nodes' CPU time (samples 1 and 2; 0 is Redis).
fn outcome(json: &str, first: &[Sample], last: &[Sample]) -> Rep {
    let number = |key: &str| runner::json_number(json, key).unwrap_or(0.0);
    let delta = |i: usize| last[i].cpu_s - first[i].cpu_s;
    let cpu_s = delta(1) + delta(2);
    let window_s = number("window_s");
    let share = |cpu: f64| if window_s > 0.0 { cpu / window_s } else { 0.0 };
    let msgs = number("msgs");
    Rep {
        outcome: Outcome {
            msgs_per_s: number("msgs_per_s"),
            cpu_s,
            cpu_share: share(cpu_s),
            msgs_per_cpu_s: if cpu_s > 0.0 { msgs / cpu_s } else { 0.0 },
            user_us_per_msg: runner::per_msg_us(
                last[1].user_s - first[1].user_s + last[2].user_s - first[2].user_s,
                msgs,
            ),
            kernel_us_per_msg: runner::per_msg_us(
                last[1].kernel_s - first[1].kernel_s + last[2].kernel_s - first[2].kernel_s,
                msgs,
            ),
            p50_us: number("p50_us"),
            p99_us: number("p99_us"),
            p999_us: number("p999_us"),
            connected: number("conns"),
            rss_per_conn: 0.0,
            rss_end: (last[1].rss + last[2].rss) as f64,
            errors: number("errors") + number("fanout_timeouts"),
            error: runner::json_string(json, "error").or_else(|| {
                (number("fanout_timeouts") > 0.0)
                    .then(|| "a broadcast did not reach every receiver within 2 s".to_owned())
            }),
            ..Outcome::default()
        },
        redis_share: share(delta(0)),
    }
}

/// `redis-server --version`'s `v=…`, as `redis-server 7.0.15`.
fn redis_version(binary: &redis::Binary) -> String {
    let mut command = Command::new(&binary.program);
    if let Some(path) = &binary.library_path {
        command.env("LD_LIBRARY_PATH", path);
    }
    command
        .arg("--version")
        .output()
        .ok()
        .and_then(|out| {
            String::from_utf8_lossy(&out.stdout)
                .split_whitespace()
                .find_map(|w| w.strip_prefix("v=").map(|v| format!("redis-server {v}")))
        })
        .unwrap_or_else(|| "redis-server".to_owned())
}

/// `ours / theirs` per server CPU-second, when both are known.
fn ratio_of(rows: &[Row], ours: &Row, peer: &str) -> Option<f64> {
    let theirs = rows.iter().find(|r| r.stack.name == peer)?;
    (theirs.outcome.msgs_per_cpu_s > 0.0 && ours.outcome.msgs_per_cpu_s > 0.0)
        .then(|| ours.outcome.msgs_per_cpu_s / theirs.outcome.msgs_per_cpu_s)
}

/// The markdown section, from [`BEGIN`] to [`END`].
fn section(rows: &[Row], receivers: usize, header: &str, notes: &[String], pin: bool) -> String {
    let mut md = format!("{BEGIN}\n\n## Cross-node broadcast over Redis ({NAME})\n\n{header}\n\n");
    md.push_str(&format!(
        "Two nodes of one server share one `redis-server`; {}. {} receivers, half on each node, and {SENDERS} \
         senders (two per node) in the main namespace: each sender emits `broadcast` with a {SIZE}-byte payload, the \
         node does `socket.broadcast.emit(\"bcast\", ...)`, and the sender waits until every receiver has counted that \
         `bcast` before its next (a closed loop, as in `sio-broadcast`). One delivery is one `bcast` received; half of \
         them cross Redis. **Deliveries per server CPU-second** divides them by the CPU time (utime + stime) of both node \
         processes together; Redis's own CPU is shown apart and not counted. Every run starts a fresh Redis and fresh \
         nodes; errors include broadcasts that did not reach every receiver within 2 s.\n\n",
        if pin {
            "the nodes and Redis are pinned to core 0 with `taskset`, the load generator to core 1"
        } else {
            "unpinned (no `taskset` on this machine)"
        },
        count(receivers as f64),
    ));
    for note in notes {
        md.push_str(&format!("- {note}\n"));
    }
    if !notes.is_empty() {
        md.push('\n');
    }
    md.push_str(
        "| Server (2 nodes) | deliveries/s | deliveries per server CPU-s | vs node-socket.io | p50 µs | p99 µs | p99.9 µs | \
         nodes' CPU | Redis CPU | errors |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for row in rows {
        let o = &row.outcome;
        let errors = match &o.error {
            Some(error) if o.errors > 0.0 => {
                let short: String = error.chars().take(60).collect::<String>().replace('|', "/");
                format!("{:.0} ({short})", o.errors)
            }
            _ => format!("{:.0}", o.errors),
        };
        let _ = std::fmt::Write::write_fmt(
            &mut md,
            format_args!(
                "| {} | {} | {} | {} | {:.0} | {:.0} | {:.0} | {:.0}% | {:.0}% | {} |\n",
                if row.stack.name == "wsio" {
                    "**wsio**"
                } else {
                    row.stack.name
                },
                count(o.msgs_per_s),
                count(o.msgs_per_cpu_s),
                ratio_of(rows, row, "node-socket.io")
                    .map_or_else(|| "–".to_owned(), |r| format!("{r:.2}×")),
                o.p50_us,
                o.p99_us,
                o.p999_us,
                o.cpu_share * 100.0,
                row.redis_share * 100.0,
                errors,
            ),
        );
    }
    md.push_str("\nCPU shares are of one core, summed over both nodes; all three processes share core 0.\n\n");
    if let Some(ours) = rows.iter().find(|r| r.stack.name == "wsio") {
        let targets: String = [("node-socket.io", 3.0), ("socketioxide", 1.5)]
            .into_iter()
            .filter_map(|(peer, bound)| {
                let value = ratio_of(rows, ours, peer)?;
                Some(format!(
                    "| ≥ {bound:.1}× {peer} (deliveries per server CPU-s) | {value:.2}× | {} |\n",
                    if value >= bound { "met" } else { "**missed**" }
                ))
            })
            .collect();
        if !targets.is_empty() {
            md.push_str("| Target | Measured | |\n|---|---:|---|\n");
            md.push_str(&targets);
            md.push('\n');
        }
    }
    for row in rows {
        md.push_str(&format!("- **{}**: {}.\n", row.stack.name, row.stack.about));
    }
    md.push_str(&format!("\n{END}\n"));
    md
}

/// Prints `section` and (unless `no_write`) puts it into `docs/benchmarks.md`, leaving the
/// rest of the file as it was: for a run of this scenario alone.
pub fn write_alone(root: &Path, section: &str, no_write: bool) -> Result<(), String> {
    println!("{section}");
    if no_write {
        return Ok(());
    }
    let path = root.join("docs").join("benchmarks.md");
    let doc = std::fs::read_to_string(&path).unwrap_or_default();
    std::fs::write(&path, splice(&doc, section, super::report::NOTES_MARKER))
        .map_err(|e| format!("docs/benchmarks.md: {e}"))?;
    eprintln!("bench-load: wrote the {NAME} section of docs/benchmarks.md");
    Ok(())
}

/// `doc` with `section` in place of its earlier one, or inserted after the line `marker`
/// (appended, with the marker, when the marker is missing).
pub fn splice(doc: &str, section: &str, marker: &str) -> String {
    if let (Some(begin), Some(end)) = (doc.find(BEGIN), doc.find(END))
        && begin < end
    {
        let mut after = end + END.len();
        if doc[after..].starts_with('\n') {
            after += 1;
        }
        return format!("{}{section}{}", &doc[..begin], &doc[after..]);
    }
    match doc.find(marker) {
        Some(at) => {
            let line_end = doc[at..].find('\n').map_or(doc.len(), |i| at + i + 1);
            let head = &doc[..line_end];
            let sep = if head.ends_with('\n') { "" } else { "\n" };
            format!(
                "{head}{sep}\n{section}\n{}",
                doc[line_end..].trim_start_matches('\n')
            )
        }
        None => format!("{}\n\n{marker}\n\n{section}", doc.trim_end()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MARKER: &str = "<!-- notes -->";

    #[test]
    fn splice_inserts_after_the_marker_then_replaces_in_place() {
        let doc = format!("# T\n\ntable\n\n{MARKER}\n\n## Notes\n\ntext\n");
        let one = format!("{BEGIN}\none\n{END}\n");
        let first = splice(&doc, &one, MARKER);
        assert_eq!(
            first,
            format!("# T\n\ntable\n\n{MARKER}\n\n{one}\n## Notes\n\ntext\n")
        );
        let two = format!("{BEGIN}\ntwo\n{END}\n");
        let second = splice(&first, &two, MARKER);
        assert_eq!(
            second,
            format!("# T\n\ntable\n\n{MARKER}\n\n{two}\n## Notes\n\ntext\n")
        );
    }

    #[test]
    fn splice_appends_the_marker_when_missing() {
        let one = format!("{BEGIN}\none\n{END}\n");
        assert_eq!(
            splice("# T\n", &one, MARKER),
            format!("# T\n\n{MARKER}\n\n{one}")
        );
    }
}
