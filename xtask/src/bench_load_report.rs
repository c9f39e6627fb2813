//! The report of `cargo xtask bench-load`: markdown tables with ratios, the targets, and a
//! hand-written SVG bar chart.

use std::fmt::Write as _;

use super::plan::{Kind, Scenario, baseline};
use super::runner::Outcome;

/// The line after which `docs/benchmarks.md` is hand-written and kept across runs.
pub const NOTES_MARKER: &str =
    "<!-- notes: everything from this line on is kept by cargo xtask bench-load -->";

/// One scenario × server, with the median outcome.
#[derive(Debug, Clone)]
pub struct Row {
    /// The scenario.
    pub scenario: Scenario,
    /// The server's name.
    pub server: &'static str,
    /// The medians.
    pub outcome: Outcome,
}

/// Where and how the figures were taken.
#[derive(Debug, Clone)]
pub struct Environment {
    /// UTC date.
    pub date: String,
    /// Processors (`nproc`).
    pub cpus: usize,
    /// CPU model.
    pub cpu_model: String,
    /// Kernel release.
    pub kernel: String,
    /// The command line.
    pub command: String,
    /// Whether servers and load generator were pinned to separate cores.
    pub pinned: bool,
    /// Runs per scenario and server.
    pub reps: usize,
    /// Seconds per measurement window.
    pub seconds: f64,
    /// Minutes the whole run took.
    pub minutes: f64,
    /// Caveats of this run.
    pub notes: Vec<String>,
}

/// What a target bounds.
enum Goal {
    /// wsio's msgs per server CPU-second over this peer's, at least the bound.
    Versus(&'static str),
    /// RSS per idle connection, KiB, at most the bound.
    RssPerConn,
    /// A wave's peak RSS over its settled RSS, at most the bound.
    PeakOverSettled,
}

/// A target: wsio's figure against a peer's (a ratio of msgs per server CPU-second) or an
/// absolute bound on its memory.
struct Target {
    scenario: &'static str,
    goal: Goal,
    bound: f64,
    /// Whether the peer already makes the fewest system calls a server can make per message
    /// (one read and one write per echo, counted with `perf stat`), so that its kernel time
    /// is a floor for ours too.
    same_syscalls: bool,
}

/// The targets the project holds itself to.
const TARGETS: &[Target] = &[
    Target {
        scenario: "ws-echo-64B",
        goal: Goal::Versus("tokio-tungstenite"),
        bound: 1.5,
        same_syscalls: true,
    },
    Target {
        scenario: "ws-echo-64B",
        goal: Goal::Versus("fastwebsockets"),
        bound: 1.2,
        same_syscalls: true,
    },
    Target {
        scenario: "ws-echo-16KiB",
        goal: Goal::Versus("tokio-tungstenite"),
        bound: 1.3,
        same_syscalls: true,
    },
    Target {
        scenario: "ws-echo-16KiB",
        goal: Goal::Versus("fastwebsockets"),
        bound: 1.1,
        same_syscalls: true,
    },
    Target {
        scenario: "ws-echo-1MiB",
        goal: Goal::Versus("tokio-tungstenite"),
        bound: 1.3,
        same_syscalls: false,
    },
    Target {
        scenario: "ws-echo-1MiB",
        goal: Goal::Versus("fastwebsockets"),
        bound: 1.1,
        same_syscalls: false,
    },
    Target {
        scenario: "ws-idle",
        goal: Goal::RssPerConn,
        bound: 3.0,
        same_syscalls: false,
    },
    Target {
        scenario: "sio-echo-64B",
        goal: Goal::Versus("socketioxide"),
        bound: 1.5,
        same_syscalls: true,
    },
    Target {
        scenario: "sio-broadcast",
        goal: Goal::Versus("socketioxide"),
        bound: 1.5,
        same_syscalls: false,
    },
    Target {
        scenario: "sio-idle",
        goal: Goal::RssPerConn,
        bound: 8.0,
        same_syscalls: false,
    },
    Target {
        scenario: "sio-polling-broadcast",
        goal: Goal::Versus("socketioxide"),
        bound: 1.5,
        same_syscalls: false,
    },
    Target {
        scenario: "sio-connect-storm-10k",
        goal: Goal::Versus("socketioxide"),
        bound: 2.0,
        same_syscalls: false,
    },
    Target {
        scenario: "sio-upgrade-storm",
        goal: Goal::Versus("socketioxide"),
        bound: 2.0,
        same_syscalls: false,
    },
    Target {
        scenario: "sio-upgrade-storm-10k",
        goal: Goal::Versus("socketioxide"),
        bound: 2.0,
        same_syscalls: false,
    },
    Target {
        scenario: "sio-connect-storm-10k",
        goal: Goal::PeakOverSettled,
        bound: 1.5,
        same_syscalls: false,
    },
    Target {
        scenario: "sio-upgrade-storm-10k",
        goal: Goal::PeakOverSettled,
        bound: 1.5,
        same_syscalls: false,
    },
];

/// The row of `server` in `scenario`.
fn find<'a>(rows: &'a [Row], scenario: &str, server: &str) -> Option<&'a Row> {
    rows.iter()
        .find(|r| r.scenario.name == scenario && r.server == server)
}

/// A figure of the baseline server's row in `row`'s scenario, or of the same server's row in
/// the scenario `row`'s is compared with.
fn baseline_figure(rows: &[Row], row: &Row, figure: fn(&Outcome) -> f64) -> Option<f64> {
    let base = match row.scenario.versus {
        Some(versus) => find(rows, versus, row.server),
        None => find(rows, row.scenario.name, baseline(row.scenario.kind)),
    };
    base.map(|b| figure(&b.outcome))
}

/// `value / base`, formatted, or `–`.
fn ratio(value: f64, base: Option<f64>) -> String {
    match base {
        Some(base) if base > 0.0 && value > 0.0 => format!("{:.2}×", value / base),
        _ => "–".to_owned(),
    }
}

/// A count with thousands separators.
pub fn count(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The whole `docs/benchmarks.md`; `notes` is the kept hand-written tail (with its marker).
pub fn markdown(rows: &[Row], env: &Environment, notes: &str) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# Load benchmarks\n");
    let _ = writeln!(
        md,
        "Generated by `cargo xtask bench-load` (source: `xtask/src/bench_load*.rs`, load generator and peer servers in \
         `benches/load/`). Measured on {} with `{}`: {} × {}, Linux {}; median of {} run(s) per cell, {} s measurement \
         windows after a warm-up; the whole run took {:.1} minutes.\n",
        env.date,
        env.command,
        env.cpus,
        env.cpu_model,
        env.kernel,
        env.reps,
        env.seconds,
        env.minutes
    );
    let _ = writeln!(
        md,
        "Each server runs alone, freshly started for every run, {}; the servers of a scenario take turns rep by rep, so \
         that a change in the machine's load weighs on all of them. The headline figure is **messages per server \
         CPU-second** (utime + stime of the server process from `/proc/PID/stat`, read when the load generator opens and \
         closes its window): it stays meaningful on a shared, noisy machine where wall-clock rates do not. Every echo is \
         checked byte for byte. Ratios compare with tokio-tungstenite (WebSocket) and with Node's socket.io (Socket.IO); \
         above 1 is better. Idle memory is the growth of the server's RSS (VmRSS) from before the first connection to \
         after the last, divided by the connections held.\n",
        if env.pinned {
            "pinned to core 0 with `taskset`, while the load generator is pinned to core 1"
        } else {
            "unpinned (no `taskset` on this machine)"
        }
    );
    for note in &env.notes {
        let _ = writeln!(md, "- {note}");
    }
    if !env.notes.is_empty() {
        md.push('\n');
    }
    md.push_str("![Messages per server CPU-second](benchmarks.svg)\n\n");
    throughput_table(&mut md, rows);
    cpu_split_table(&mut md, rows);
    idle_table(&mut md, rows);
    deflate_table(&mut md, rows);
    storm_table(&mut md, rows);
    scale_table(&mut md, rows);
    targets_table(&mut md, rows);
    servers_section(&mut md);
    if notes.is_empty() {
        let _ = writeln!(md, "{NOTES_MARKER}");
    } else {
        md.push_str(notes.trim_end());
        md.push('\n');
    }
    md
}

/// Throughput scenarios: rates, efficiency, latency.
fn throughput_table(md: &mut String, rows: &[Row]) {
    md.push_str("## Throughput and latency\n\n");
    md.push_str("| Scenario | Server | msgs/s | msgs per server CPU-s | vs baseline | p50 µs | p99 µs | p99.9 µs | server CPU | errors |\n");
    md.push_str("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for row in rows.iter().filter(|r| throughput(&r.scenario)) {
        let o = &row.outcome;
        let base = baseline_figure(rows, row, |o| o.msgs_per_cpu_s);
        let cpu = if o.cpu_share > 0.0 {
            format!("{:.0}%", o.cpu_share * 100.0)
        } else {
            "–".to_owned()
        };
        let _ = writeln!(
            md,
            "| {} ({} conns) | {} | {} | {} | {} | {:.0} | {:.0} | {:.0} | {} | {} |",
            row.scenario.name,
            row.scenario.conns,
            bold_if_ours(row.server),
            count(o.msgs_per_s),
            count(o.msgs_per_cpu_s),
            ratio(o.msgs_per_cpu_s, base),
            o.p50_us,
            o.p99_us,
            o.p999_us,
            cpu,
            errors(o),
        );
    }
    md.push_str(
        "\n`sio-broadcast` (and `sio-broadcast-msgpack`) counts deliveries: one `broadcast` from a sender is one message per receiver. \
         `sio-polling-echo` is `sio-echo-64B` over HTTP long-polling without an upgrade: each socket `POST`s its \
         `echo` while a `GET` on a second keep-alive connection waits for the answer; a message is one round trip.\n\n",
    );
}

/// Throughput scenarios: each server's CPU per message, split into user space and kernel.
fn cpu_split_table(md: &mut String, rows: &[Row]) {
    let measured: Vec<&Row> = rows
        .iter()
        .filter(|r| {
            throughput(&r.scenario) && r.outcome.user_us_per_msg + r.outcome.kernel_us_per_msg > 0.0
        })
        .collect();
    if measured.is_empty() {
        return;
    }
    md.push_str(
        "## Server CPU per message: user space and kernel

",
    );
    md.push_str(
        "utime and stime of the server over the window, per message (per delivery for broadcasts). \
         The kernel part is the system calls and, on loopback, the receiving side of every packet the \
         server sends; it is what a server cannot trim by its own code, only by making fewer or \
         larger writes.\n\n",
    );
    md.push_str("| Scenario | Server | user µs | kernel µs | total µs | kernel share |\n");
    md.push_str("|---|---|---:|---:|---:|---:|\n");
    for row in measured {
        let o = &row.outcome;
        let total = o.user_us_per_msg + o.kernel_us_per_msg;
        let _ = writeln!(
            md,
            "| {} | {} | {:.2} | {:.2} | {:.2} | {:.0}% |",
            row.scenario.name,
            bold_if_ours(row.server),
            o.user_us_per_msg,
            o.kernel_us_per_msg,
            total,
            o.kernel_us_per_msg / total * 100.0,
        );
    }
    md.push('\n');
}

/// Whether `scenario` counts messages (the throughput table, the CPU split and the chart).
fn throughput(scenario: &Scenario) -> bool {
    !scenario.idle && !scenario.storm
}

/// Storm scenarios: connects per server CPU-second, their latency, and the memory left after.
fn storm_table(md: &mut String, rows: &[Row]) {
    if !rows.iter().any(|r| r.scenario.storm) {
        return;
    }
    md.push_str("## Reconnection storm\n\n");
    if rows.iter().any(|r| r.scenario.storm && !r.scenario.wave) {
        loop_table(md, rows);
    }
    if rows.iter().any(|r| r.scenario.wave) {
        wave_table(md, rows);
    }
}

/// Storms in a loop: connects per server CPU-second, their latency, and the memory left after.
fn loop_table(md: &mut String, rows: &[Row]) {
    md.push_str(
        "`sio-connect-storm`: every client connects over the websocket transport, joins the main namespace \
         (`0{...}`, `40`, `40{...}`), leaves at once (`41` and a WebSocket close, whose answer it awaits) and \
         connects again. A connect counts when its `40{...}` arrives inside the window; its latency runs from the \
         TCP connect to that packet; the server's CPU per connect includes its disconnect. `sio-upgrade-storm`: \
         every client opens on long-polling (handshake, `40` and `40{...}` over HTTP) and upgrades to WebSocket \
         (`2probe`, `3probe`, `5`) as socket.io-client does, and counts once upgraded. RSS is read when the \
         window opens (clients storming) and again once they have stopped and the server was left alone for up \
         to 2 s.\n\n",
    );
    md.push_str("| Scenario | Server | connects/s | connects per server CPU-s | vs baseline | p50 µs | p99 µs | server CPU µs per connect (user + kernel) | RSS in the storm | RSS settled | errors |\n");
    md.push_str("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for row in rows.iter().filter(|r| r.scenario.storm && !r.scenario.wave) {
        let o = &row.outcome;
        let base = baseline_figure(rows, row, |o| o.msgs_per_cpu_s);
        let _ = writeln!(
            md,
            "| {} ({} clients) | {} | {} | {} | {} | {:.0} | {:.0} | {:.1} + {:.1} | {:.1} MiB | {:.1} MiB | {} |",
            row.scenario.name,
            row.scenario.conns,
            bold_if_ours(row.server),
            count(o.msgs_per_s),
            count(o.msgs_per_cpu_s),
            ratio(o.msgs_per_cpu_s, base),
            o.p50_us,
            o.p99_us,
            o.user_us_per_msg,
            o.kernel_us_per_msg,
            o.rss_start / (1024.0 * 1024.0),
            o.rss_settled / (1024.0 * 1024.0),
            errors(o),
        );
    }
    md.push('\n');
}

/// Waves: how long until every client has joined, joins per server CPU-second over the wave,
/// and the server's peak memory against its memory once it holds them all.
fn wave_table(md: &mut String, rows: &[Row]) {
    md.push_str(
        "Waves (`sio-connect-storm-10k`, `sio-upgrade-storm-10k`): every client starts connecting at the same \
         instant, as after a server restart or a failover, joins the main namespace one way or the other, and \
         stays connected. A failed connect is tried again after 50 ms and counts as a retry; a client that has \
         not joined 30 s after the wave began counts as an error, as does one the server drops while it is held. \
         *All joined* runs from the wave's start to the last join; a join's latency from the wave's start to \
         its own join. The server's CPU is read at the wave's start and once the last client has joined; \
         *settled* RSS 2 s later with every client still connected, *peak* RSS (VmHWM) at the same moment; \
         *before* is the fresh server's RSS when the wave starts.\n\n",
    );
    md.push_str("| Scenario | Server | all joined after | joins per server CPU-s | vs baseline | p50 ms | p99 ms | server CPU µs per join (user + kernel) | RSS before | peak RSS | settled RSS | peak / settled | retries | errors |\n");
    md.push_str("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    let mib = |bytes: f64| bytes / (1024.0 * 1024.0);
    for row in rows.iter().filter(|r| r.scenario.wave) {
        let o = &row.outcome;
        let base = baseline_figure(rows, row, |o| o.msgs_per_cpu_s);
        let _ = writeln!(
            md,
            "| {} ({} of {} clients) | {} | {} ms | {} | {} | {} | {} | {:.1} + {:.1} | {:.1} MiB | {:.1} MiB | {:.1} MiB | {} | {} | {} |",
            row.scenario.name,
            count(o.connected),
            count(row.scenario.conns as f64),
            bold_if_ours(row.server),
            count(o.window_s * 1e3),
            count(o.msgs_per_cpu_s),
            ratio(o.msgs_per_cpu_s, base),
            count(o.p50_us / 1e3),
            count(o.p99_us / 1e3),
            o.user_us_per_msg,
            o.kernel_us_per_msg,
            mib(o.rss_start),
            mib(o.rss_peak),
            mib(o.rss_settled),
            ratio(o.rss_peak, Some(o.rss_settled)),
            count(o.retries),
            errors(o),
        );
    }
    md.push('\n');
}

/// Whether `scenario` holds many connections under a steady load (`sio-scale`).
fn scale(scenario: &Scenario) -> bool {
    scenario.on_demand && throughput(scenario)
}

/// permessage-deflate echoes: what compression costs the server and what it saves on the wire.
fn deflate_table(md: &mut String, rows: &[Row]) {
    let measured: Vec<&Row> = rows
        .iter()
        .filter(|r| r.scenario.kind == Kind::WebSocketDeflate && throughput(&r.scenario))
        .collect();
    if measured.is_empty() {
        return;
    }
    md.push_str(
        "## permessage-deflate

",
    );
    md.push_str(
        "`ws-deflate-16KiB`: 16 KiB of JSON-like text per message (records with repeated keys and \
         varying values, a pool of 128 different messages), echoed with permessage-deflate; the \
         load generator offers what browsers do (`client_max_window_bits`, context takeover), \
         `-no-takeover` offers `server_no_context_takeover; client_no_context_takeover`. *Wire / \
         payload* is what went over the loopback (frames both ways, from the load generator's \
         byte counts) over the text it sent and received.\n\n",
    );
    md.push_str("| Scenario | Server | msgs per server CPU-s | vs baseline | server µs per message (user + kernel) | wire / payload |\n");
    md.push_str("|---|---|---:|---:|---:|---:|\n");
    for row in measured {
        let o = &row.outcome;
        let base = baseline_figure(rows, row, |o| o.msgs_per_cpu_s);
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {:.1} + {:.1} | {:.1} % |",
            row.scenario.name,
            bold_if_ours(row.server),
            count(o.msgs_per_cpu_s),
            ratio(o.msgs_per_cpu_s, base),
            o.user_us_per_msg,
            o.kernel_us_per_msg,
            o.wire_ratio * 100.0,
        );
    }
    md.push('\n');
}

/// Scenarios that hold many connections under a steady load: what it costs to hold them.
fn scale_table(md: &mut String, rows: &[Row]) {
    if !rows.iter().any(|r| scale(&r.scenario)) {
        return;
    }
    md.push_str(
        "## Many connections

",
    );
    md.push_str("| Scenario | Server | connections held | deliveries/s | per server CPU-s | p99 µs | server RSS | RSS per connection | errors |\n");
    md.push_str("|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for row in rows.iter().filter(|r| scale(&r.scenario)) {
        let o = &row.outcome;
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {:.0} | {:.1} MiB | {:.1} KiB | {} |",
            row.scenario.name,
            bold_if_ours(row.server),
            count(o.connected),
            count(o.msgs_per_s),
            count(o.msgs_per_cpu_s),
            o.p99_us,
            o.rss_end / (1024.0 * 1024.0),
            o.rss_per_conn / 1024.0,
            errors(o),
        );
    }
    md.push('\n');
}

/// Idle scenarios: memory per connection.
fn idle_table(md: &mut String, rows: &[Row]) {
    if !rows.iter().any(|r| r.scenario.idle) {
        return;
    }
    md.push_str("## Memory per idle connection\n\n");
    md.push_str("| Scenario | Server | connections held | RSS per connection | vs baseline (lower is better) | server RSS | errors |\n");
    md.push_str("|---|---|---:|---:|---:|---:|---:|\n");
    for row in rows.iter().filter(|r| r.scenario.idle) {
        let o = &row.outcome;
        let base = baseline_figure(rows, row, |o| o.rss_per_conn);
        let _ = writeln!(
            md,
            "| {} | {} | {} | {:.1} KiB | {} | {:.1} MiB | {} |",
            row.scenario.name,
            bold_if_ours(row.server),
            count(o.connected),
            o.rss_per_conn / 1024.0,
            ratio(o.rss_per_conn, base),
            o.rss_end / (1024.0 * 1024.0),
            errors(o),
        );
    }
    md.push('\n');
}

/// The project's targets, met or missed in this run.
fn targets_table(md: &mut String, rows: &[Row]) {
    md.push_str(
        "## Targets\n\n*Ceiling*: the ratio that a server spending no user-space time at all, with the \
         peer's kernel time per message, would reach against the peer (the peer's CPU per message over \
         its kernel time per message). It is given where the peer already makes the fewest system calls \
         per message any server can (one read and one write per echo of a small message with one in \
         flight per connection; counted with `perf stat`): there the peer's kernel time is a floor for \
         every server on this kernel, and a target above its ceiling is out of reach of any code above \
         the socket API. Elsewhere a server can lower its kernel time by reading or writing more at \
         once (larger reads of 1 MiB messages, several packets per write in a broadcast).\n\n| Scenario | Target | Measured | Ceiling | |\n|---|---|---:|---:|---|\n",
    );
    for target in TARGETS {
        let Some(ours) = find(rows, target.scenario, "wsio") else {
            continue;
        };
        let (goal, measured, ceiling, met) = match target.goal {
            Goal::Versus(peer) => {
                let Some(theirs) = find(rows, target.scenario, peer) else {
                    continue;
                };
                let value = if theirs.outcome.msgs_per_cpu_s > 0.0 {
                    ours.outcome.msgs_per_cpu_s / theirs.outcome.msgs_per_cpu_s
                } else {
                    0.0
                };
                (
                    format!("≥ {:.1}× {peer} (msgs per CPU-s)", target.bound),
                    format!("{value:.2}×"),
                    ceiling(&theirs.outcome).filter(|_| target.same_syscalls),
                    value >= target.bound,
                )
            }
            Goal::RssPerConn => {
                let kib = ours.outcome.rss_per_conn / 1024.0;
                (
                    format!("≤ {:.0} KiB RSS per connection", target.bound),
                    format!("{kib:.1} KiB"),
                    None,
                    kib <= target.bound && kib > 0.0,
                )
            }
            Goal::PeakOverSettled => {
                let o = &ours.outcome;
                let value = if o.rss_settled > 0.0 {
                    o.rss_peak / o.rss_settled
                } else {
                    0.0
                };
                (
                    format!("peak RSS ≤ {:.1}× settled, no errors", target.bound),
                    format!("{value:.2}×, {:.0} errors", o.errors),
                    None,
                    value <= target.bound && value > 0.0 && o.errors == 0.0,
                )
            }
        };
        let verdict = match (met, ceiling) {
            (true, _) => "met",
            (false, Some(limit)) if limit < target.bound => "**missed**: above the ceiling",
            (false, _) => "**missed**",
        };
        let ceiling = ceiling.map_or_else(|| "–".to_owned(), |c| format!("{c:.2}×"));
        let _ = writeln!(
            md,
            "| {} | {goal} | {measured} | {ceiling} | {verdict} |",
            target.scenario,
        );
    }
    md.push('\n');
}

/// The ratio a server with no user-space time and `theirs`'s kernel time per message would
/// reach against `theirs`; `None` when not measured.
fn ceiling(theirs: &Outcome) -> Option<f64> {
    (theirs.kernel_us_per_msg > 0.0)
        .then(|| (theirs.user_us_per_msg + theirs.kernel_us_per_msg) / theirs.kernel_us_per_msg)
}

/// What the peers are and how they are configured.
fn servers_section(md: &mut String) {
    md.push_str(
        "## Servers\n\n\
         - **wsio**: `wsio echo` (WebSocket) and `wsio serve` (Socket.IO, 25 s / 20 s heartbeat), release build.\n\
         - **tokio-tungstenite** 0.30 (`benches/load/peers`), `accept_async` with the default configuration: \
         tungstenite gives every connection a 128 KiB read buffer up front, which shows in idle memory.\n\
         - **fastwebsockets** 0.10 with `upgrade` over hyper 1, `FragmentCollector`, defaults.\n\
         - **node-ws**: Node.js with `ws` 8 (`benches/load/node/ws-echo.js`), no permessage-deflate; in \
         `ws-deflate` with `--deflate` (`perMessageDeflate: true`, ws's defaults).\n\
         - **socketioxide** 0.18 over plain hyper 1 with the same `echo` and `broadcast` events, defaults.\n\
         - **node-socket.io**: `interop/reference/server.js`, socket.io 4.8.4, default heartbeat.\n\n\
         All servers run a multi-threaded tokio runtime (or Node's event loop) and set TCP_NODELAY; pinned to one \
         core, tokio starts one worker. The load generator is a single-threaded tokio client built on `wsio-ws` \
         (permessage-deflate offered only in `ws-deflate`) and, for long-polling, on hyper 1's HTTP/1.1 client, spreading its \
         connections over 200 loopback source addresses.\n\n",
    );
}

/// The server's name, bold for ours.
fn bold_if_ours(server: &str) -> String {
    if server == "wsio" {
        "**wsio**".to_owned()
    } else {
        server.to_owned()
    }
}

/// The error count, with the first message when there is one.
fn errors(outcome: &Outcome) -> String {
    match &outcome.error {
        Some(error) if outcome.errors > 0.0 => {
            let short: String = error.chars().take(60).collect::<String>().replace('|', "/");
            format!("{:.0} ({short})", outcome.errors)
        }
        _ => format!("{:.0}", outcome.errors),
    }
}

/// Escapes text for SVG.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A horizontal bar chart of msgs per server CPU-second, one group per throughput scenario,
/// bars scaled to the group's largest.
pub fn svg(rows: &[Row]) -> String {
    const WIDTH: f64 = 760.0;
    const LABEL: f64 = 150.0;
    const BAR: f64 = 470.0;
    let mut body = String::new();
    let mut y = 40.0;
    let mut scenarios: Vec<&Scenario> = Vec::new();
    for row in rows.iter().filter(|r| throughput(&r.scenario)) {
        if !scenarios.iter().any(|s| s.name == row.scenario.name) {
            scenarios.push(&row.scenario);
        }
    }
    for scenario in scenarios {
        let group: Vec<&Row> = rows
            .iter()
            .filter(|r| r.scenario.name == scenario.name)
            .collect();
        let max = group
            .iter()
            .map(|r| r.outcome.msgs_per_cpu_s)
            .fold(0.0, f64::max);
        let _ = writeln!(
            body,
            r#"<text x="10" y="{y:.0}" font-weight="bold">{} ({} connections)</text>"#,
            escape(scenario.name),
            scenario.conns
        );
        y += 8.0;
        for row in group {
            let value = row.outcome.msgs_per_cpu_s;
            let length = if max > 0.0 {
                (value / max * BAR).max(1.0)
            } else {
                1.0
            };
            let color = if row.server == "wsio" {
                "#2b6cb0"
            } else {
                "#a0aec0"
            };
            let _ = writeln!(
                body,
                r#"<text x="{:.0}" y="{:.0}" text-anchor="end">{}</text>"#,
                LABEL - 6.0,
                y + 13.0,
                escape(row.server)
            );
            let _ = writeln!(
                body,
                r#"<rect x="{LABEL:.0}" y="{y:.0}" width="{length:.1}" height="16" fill="{color}"/>"#
            );
            let _ = writeln!(
                body,
                r#"<text x="{:.1}" y="{:.0}">{}</text>"#,
                LABEL + length + 6.0,
                y + 13.0,
                count(value)
            );
            y += 20.0;
        }
        y += 22.0;
    }
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH:.0}\" height=\"{:.0}\" font-family=\"sans-serif\" \
         font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"10\" y=\"20\" \
         font-size=\"14\" font-weight=\"bold\">Messages per server CPU-second (higher is better; bars scaled per \
         scenario)</text>\n{body}</svg>\n",
        y
    )
}
