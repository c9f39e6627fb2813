//! `cargo xtask bench-load`: the end-to-end load benchmark. Our servers and their peers run
//! side by side in one go, each scenario against each server `--reps` times (medians
//! reported), with the server pinned to core 0 and the load generator (`benches/load`) to
//! core 1. Results go to `docs/benchmarks.md` and `docs/benchmarks.svg`, as ratios to
//! tokio-tungstenite (WebSocket) and to Node's socket.io (Socket.IO).

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use self::plan::{Options, Scenario, Server};

use self::report::{Environment, Row};
use self::runner::{Launcher, Outcome};
use crate::cmd;

#[path = "bench_cluster.rs"]
mod cluster;
#[path = "bench_load_plan.rs"]
mod plan;
#[path = "bench_load_proc.rs"]
mod procfs;
#[path = "bench_load_report.rs"]
mod report;
#[path = "bench_load_run.rs"]
mod runner;

/// First port of the servers; each run takes the next one, so no run meets the last one's
/// sockets.
const FIRST_PORT: u16 = 19_100;

/// Builds everything, runs the selected scenarios and servers, writes the report.
pub fn run(args: &[String]) -> Result<(), String> {
    let options = Options::parse(args)?;
    let began = Instant::now();
    let root = cmd::root();
    let target = cmd::target_dir().join("release");
    let target_str = target.to_string_lossy().into_owned();
    build(&root, cluster::wanted(&options))?;
    let node = procfs::available("node");
    let launcher = Launcher {
        pin: procfs::available("taskset"),
        raise_nofile: can_raise_nofile(),
        target: target_str.clone(),
        ticks: procfs::clock_ticks(),
    };
    let mut notes = Vec::new();
    if !launcher.pin {
        notes.push("`taskset` is missing: servers and load generator ran unpinned.".to_owned());
    }
    if !launcher.raise_nofile {
        notes.push(format!(
            "The open-files limit could not be raised to 65,536 (no `prlimit`, or not permitted): it stayed at {}.",
            nofile_limit()
        ));
    }
    let mut servers: Vec<Server> = plan::servers(&target_str)
        .into_iter()
        .filter(|s| options.wants_server(s))
        .collect();
    if servers.iter().any(|s| s.command[0] == "node") {
        if node {
            node_deps(&root)?;
        } else {
            notes.push("Node.js is missing: its servers were left out.".to_owned());
            servers.retain(|s| s.command[0] != "node");
        }
    }
    if servers
        .iter()
        .any(|s| s.kind == plan::Kind::SocketIoWebTransport)
    {
        webtransport_cert(&target)?;
    }
    let scenarios: Vec<Scenario> = plan::scenarios(options.quick)
        .into_iter()
        .filter(|s| options.wants_scenario(s))
        .collect();
    let mut rows = Vec::new();
    let mut port = FIRST_PORT;
    for scenario in &scenarios {
        let taking_part: Vec<&Server> =
            servers.iter().filter(|s| s.kind == scenario.kind).collect();
        // Reps take turns (a, b, c, a, b, c, ...) so that a change in the machine's load
        // during the scenario weighs on every server alike.
        let mut outcomes: Vec<Vec<Outcome>> = vec![Vec::new(); taking_part.len()];
        for rep in 1..=options.reps {
            for (server, outcomes) in taking_part.iter().zip(outcomes.iter_mut()) {
                port = if port >= FIRST_PORT + 800 {
                    FIRST_PORT
                } else {
                    port + 1
                };
                let outcome = runner::once(&launcher, &options, scenario, server, port, &root);
                eprintln!(
                    "bench-load: {} × {} rep {rep}/{}: {}",
                    scenario.name,
                    server.name,
                    options.reps,
                    progress(scenario, &outcome)
                );
                outcomes.push(outcome);
            }
        }
        for (server, outcomes) in taking_part.iter().zip(&outcomes) {
            rows.push(Row {
                scenario: scenario.clone(),
                server: server.name,
                outcome: median(outcomes),
            });
        }
    }
    let cluster = cluster::wanted(&options)
        .then(|| cluster::run(&launcher, &options, &root))
        .transpose()?;
    if let (true, Some(section)) = (rows.is_empty(), &cluster) {
        return cluster::write_alone(&root, section, options.no_write);
    }
    let (cpus, cpu_model, kernel) = procfs::machine();
    let environment = Environment {
        date: procfs::today(),
        cpus,
        cpu_model,
        kernel,
        command: format!("cargo xtask bench-load {}", args.join(" "))
            .trim_end()
            .to_owned(),
        pinned: launcher.pin,
        reps: options.reps,
        seconds: options.seconds,
        minutes: began.elapsed().as_secs_f64() / 60.0,
        notes,
    };
    let markdown = report::markdown(&rows, &environment, &existing_notes(&root));
    let markdown = match &cluster {
        Some(section) => cluster::splice(&markdown, section, report::NOTES_MARKER),
        None => markdown,
    };
    println!("{markdown}");
    if !options.no_write {
        let docs = root.join("docs");
        std::fs::create_dir_all(&docs).map_err(|e| format!("docs/: {e}"))?;
        std::fs::write(docs.join("benchmarks.md"), markdown)
            .map_err(|e| format!("docs/benchmarks.md: {e}"))?;
        std::fs::write(docs.join("benchmarks.svg"), report::svg(&rows))
            .map_err(|e| format!("docs/benchmarks.svg: {e}"))?;
        eprintln!("bench-load: wrote docs/benchmarks.md and docs/benchmarks.svg");
    }
    eprintln!(
        "bench-load: done in {:.1} min",
        began.elapsed().as_secs_f64() / 60.0
    );
    if options.quick {
        // The smoke run (`cargo xtask test`): no figure is judged, but every run must work.
        let failed: Vec<String> = rows
            .iter()
            .filter(|r| r.outcome.error.is_some() || r.outcome.errors > 0.0)
            .map(|r| {
                format!(
                    "{} × {}: {}",
                    r.scenario.name,
                    r.server,
                    progress(&r.scenario, &r.outcome)
                )
            })
            .collect();
        if !failed.is_empty() {
            return Err(format!(
                "bench-load --quick: runs failed:\n{}",
                failed.join("\n")
            ));
        }
    }
    Ok(())
}

/// Release builds of `wsio` (main workspace) and of the `benches/load` workspace, which shares
/// the main target directory so that common dependencies are compiled once. The cluster
/// servers (Redis adapters, a few minutes of compiling) only when their scenario runs.
fn build(root: &Path, cluster: bool) -> Result<(), String> {
    cmd::cargo(&["build", "--release", "-p", "wsio-cli", "--bin", "wsio"])?;
    let mut command = Command::new(cmd::cargo_path());
    command.args(["build", "--release", "-p", "loadgen", "-p", "peers"]);
    if cluster {
        command.args(["-p", "cluster"]);
    }
    command
        .current_dir(root.join("benches").join("load"))
        .env("CARGO_TARGET_DIR", cmd::target_dir());
    cmd::run(&mut command)
}

/// A fresh throwaway certificate for the WebTransport server (`wsio cert`: ECDSA P-256, valid
/// for 13 days), in [`plan::WEBTRANSPORT_CERT`] under the release directory.
fn webtransport_cert(release: &Path) -> Result<(), String> {
    let mut command = Command::new(release.join("wsio"));
    command
        .args(["cert", "--out"])
        .arg(release.join(plan::WEBTRANSPORT_CERT))
        .stdout(std::process::Stdio::null());
    cmd::run(&mut command)
}

/// `npm ci` for the Node servers whose `node_modules` is missing.
fn node_deps(root: &Path) -> Result<(), String> {
    for dir in ["benches/load/node", "interop/reference"] {
        let dir = root.join(dir);
        if !dir.join("node_modules").is_dir() {
            let mut command = Command::new("npm");
            command
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&dir);
            cmd::run(&mut command)?;
        }
    }
    Ok(())
}

/// Whether `prlimit` can give a child 65,536 open files (it needs the hard limit to allow it,
/// or the privilege to raise it).
fn can_raise_nofile() -> bool {
    Command::new("prlimit")
        .args(["--nofile=65536:65536", "--", "true"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// The soft open-files limit of this process, from `/proc/self/limits`.
fn nofile_limit() -> String {
    std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|limits| {
            limits
                .lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3).map(str::to_owned))
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The hand-written part of `docs/benchmarks.md` (after its marker line), kept across runs.
fn existing_notes(root: &Path) -> String {
    std::fs::read_to_string(root.join("docs").join("benchmarks.md"))
        .ok()
        .and_then(|text| {
            text.find(report::NOTES_MARKER)
                .map(|at| text[at..].to_owned())
        })
        .unwrap_or_default()
}

/// The progress line of one run.
fn progress(scenario: &Scenario, outcome: &Outcome) -> String {
    let error = outcome
        .error
        .as_deref()
        .map(|e| format!(", error: {e}"))
        .unwrap_or_default();
    if scenario.wave {
        format!(
            "all {:.0} joined in {:.0} ms, {:.0} joins/CPU-s, p50 {:.0} µs, p99 {:.0} µs, RSS {:.1} MiB peak, {:.1} MiB settled, retries {:.0}{}, errors {:.0}{error}",
            outcome.connected,
            outcome.window_s * 1e3,
            outcome.msgs_per_cpu_s,
            outcome.p50_us,
            outcome.p99_us,
            outcome.rss_peak / (1024.0 * 1024.0),
            outcome.rss_settled / (1024.0 * 1024.0),
            outcome.retries,
            outcome
                .retry_error
                .as_deref()
                .map(|e| format!(" (first: {e})"))
                .unwrap_or_default(),
            outcome.errors
        )
    } else if scenario.storm {
        format!(
            "{:.0} connects/s, {:.0} connects/CPU-s, p50 {:.0} µs, p99 {:.0} µs, RSS {:.1} MiB settled, errors {:.0}{error}",
            outcome.msgs_per_s,
            outcome.msgs_per_cpu_s,
            outcome.p50_us,
            outcome.p99_us,
            outcome.rss_settled / (1024.0 * 1024.0),
            outcome.errors
        )
    } else if scenario.idle {
        format!(
            "{:.0} conns, {:.0} B RSS each{error}",
            outcome.connected, outcome.rss_per_conn
        )
    } else if scenario.on_demand {
        format!(
            "{:.0} conns, {:.0} msgs/s, {:.0} msgs/CPU-s, p99 {:.0} µs, RSS {:.1} MiB ({:.1} KiB per conn), errors {:.0}{error}",
            outcome.connected,
            outcome.msgs_per_s,
            outcome.msgs_per_cpu_s,
            outcome.p99_us,
            outcome.rss_end / (1024.0 * 1024.0),
            outcome.rss_per_conn / 1024.0,
            outcome.errors
        )
    } else {
        format!(
            "{:.0} msgs/s, {:.0} msgs/CPU-s, p99 {:.0} µs, errors {:.0}{error}",
            outcome.msgs_per_s, outcome.msgs_per_cpu_s, outcome.p99_us, outcome.errors
        )
    }
}

/// The median of each figure over the reps (errors: the largest count, and its message).
fn median(outcomes: &[Outcome]) -> Outcome {
    let of = |get: fn(&Outcome) -> f64| {
        let mut values: Vec<f64> = outcomes.iter().map(get).collect();
        values.sort_by(f64::total_cmp);
        match values.len() {
            0 => 0.0,
            n if n % 2 == 1 => values[n / 2],
            n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
        }
    };
    let worst = outcomes.iter().max_by(|a, b| a.errors.total_cmp(&b.errors));
    Outcome {
        msgs_per_s: of(|o| o.msgs_per_s),
        cpu_s: of(|o| o.cpu_s),
        cpu_share: of(|o| o.cpu_share),
        msgs_per_cpu_s: of(|o| o.msgs_per_cpu_s),
        user_us_per_msg: of(|o| o.user_us_per_msg),
        kernel_us_per_msg: of(|o| o.kernel_us_per_msg),
        p50_us: of(|o| o.p50_us),
        p99_us: of(|o| o.p99_us),
        p999_us: of(|o| o.p999_us),
        connected: of(|o| o.connected),
        rss_per_conn: of(|o| o.rss_per_conn),
        rss_end: of(|o| o.rss_end),
        rss_start: of(|o| o.rss_start),
        rss_settled: of(|o| o.rss_settled),
        rss_peak: of(|o| o.rss_peak),
        window_s: of(|o| o.window_s),
        retries: of(|o| o.retries),
        retry_error: outcomes.iter().find_map(|o| o.retry_error.clone()),
        wire_ratio: of(|o| o.wire_ratio),
        errors: worst.map_or(0.0, |o| o.errors),
        error: worst.and_then(|o| o.error.clone()),
    }
}
