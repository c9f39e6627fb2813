//! `cargo xtask`: the project's automation, in Rust so it runs wherever cargo does.
//!
//! * `cargo xtask test` — every test: the workspace's unit, integration and doc tests (which
//!   include the replay of every committed fuzz seed), then the Autobahn TestSuite without its
//!   compression cases in both directions, the browser check, the real-client Socket.IO
//!   suites against our server and the mixed Redis clusters. A private `redis-server` serves
//!   the workspace tests (`WSIO_REDIS_URL`). This is what CI runs. `--unit`: `cargo test` only.
//! * `cargo xtask autobahn [--quick] [--update]` — the whole Autobahn TestSuite against
//!   `wsio echo` and our client, compared with `interop/autobahn/expected-*.txt`.
//! * `cargo xtask fuzz [--seconds N] [TARGET ...]` — run cargo-fuzz targets (all by default) for N
//!   seconds each (default 60), starting from the committed seeds.
//! * `cargo xtask bench [CRITERION ARGS]` — the criterion benchmarks.
//! * `cargo xtask bench-load [--scenarios a,b] [--servers x,y] [--reps N] [--quick]` — the
//!   end-to-end load benchmark against peer servers; writes `docs/benchmarks.md` and `.svg`.
//! * `cargo xtask browser` — headless Chromium's WebSocket against `wsio echo` (text, binary,
//!   close), with `interop/browser/echo.html`, then the demo page's browser tests of
//!   `wsio-cli` (`page`, `page_chat`, `page_tls`); installs Debian's chromium if missing.
//! * `cargo xtask admin-ui [--screenshot PATH]` — the Socket.IO Admin UI (`@socket.io/admin-ui`)
//!   in headless Chromium against `wsio serve --admin-ui` and against Node's `instrument()`.
//! * `cargo xtask autobahn-install` — installs the Autobahn TestSuite's `wstest` into `.tools/`.
//! * `cargo xtask interop [--against reference|wsio] [--js-only|--py-only]` — the Socket.IO
//!   suites of `interop/js` and `interop/py` against a server implementing the test contract.
//! * `cargo xtask redis` — mixed clusters over Redis (`interop/redis`): Node socket.io with
//!   `@socket.io/redis-adapter` next to wsio nodes; installs `redis-server` when missing.

mod admin_ui;
mod autobahn;
mod autobahn_run;
mod bench_load;
mod browser;
mod cmd;
mod fuzz;
mod interop;
mod interop_setup;
mod redis;
mod redis_cluster;

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let task = args.next();
    let rest: Vec<String> = args.collect();
    if task.as_deref() == Some("test") && std::env::var_os("CARGO_INCREMENTAL").is_none() {
        // A whole-suite run builds every test binary once: incremental caches would only add
        // gigabytes to the target directory (a clean CI machine has little disk to spare).
        // SAFETY: nothing else runs yet; no thread reads the environment concurrently.
        unsafe { std::env::set_var("CARGO_INCREMENTAL", "0") };
    }
    let result = match task.as_deref() {
        Some("test") => test(&rest),
        Some("fuzz") => fuzz::run(&rest),
        Some("bench") => bench(&rest),
        Some("bench-load") => bench_load::run(&rest),
        Some("autobahn-install") => autobahn::install().map(|_| ()),
        Some("autobahn") => autobahn_run::run(&rest),
        Some("browser") => browser::run(&rest),
        Some("admin-ui") => admin_ui::run(&rest),
        Some("interop") => interop::run(&rest),
        Some("redis") => redis_cluster::run(&rest),
        _ => {
            eprintln!("usage: cargo xtask <test | fuzz [--seconds N] [TARGET ...] | bench [ARGS]>");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Runs every test of the workspace (seed-corpus replays included).
///
/// Then the conformance gates: the Autobahn TestSuite without its compression cases, both
/// directions (`cargo xtask autobahn` runs them all), then headless Chromium against
/// `wsio echo` (`cargo xtask browser`) and the Admin UI (`cargo xtask admin-ui`), the
/// interoperability suites against `wsio serve` with each parser (`cargo xtask interop`), and a
/// one-minute smoke run of `cargo xtask bench-load --quick`. `--unit` stops after `cargo test`; other arguments are passed to `cargo test`.
fn test(extra: &[String]) -> Result<(), String> {
    let unit_only = extra.iter().any(|a| a == "--unit");
    let mut args = vec!["test", "--workspace"];
    args.extend(extra.iter().map(String::as_str).filter(|a| *a != "--unit"));
    // The Redis adapters' tests use a private redis-server (installed when missing); the
    // Streams and sharded adapters' mixed tests also run a Node node from interop/redis-streams
    // and interop/redis-sharded.
    let redis_binary = redis::install()?;
    let mut workspace_tests = std::process::Command::new(cmd::cargo_path());
    if !unit_only {
        interop_setup::npm_ci(&cmd::root().join("interop/redis-streams"))?;
        interop_setup::npm_ci(&cmd::root().join("interop/redis-sharded"))?;
        // event-proto's MessagePack tests check that socket.io-msgpack-parser and
        // python-socketio decode what it writes.
        interop_setup::npm_ci(&cmd::root().join("interop/msgpack"))?;
        // event-proto's WebTransport framing test checks that engine.io-parser reads what it
        // writes.
        interop_setup::npm_ci(&cmd::root().join("interop/webtransport"))?;
        workspace_tests.env("WSIO_MSGPACK_PYTHON", interop_setup::python_venv()?);
        // wsio-client's tests against Node's socket.io, the command line's TLS test with
        // socket.io-client, its demo page tests in Chromium and its cluster test with a Node
        // node: installed before the workspace tests, which otherwise skip them.
        interop_setup::npm_ci(&cmd::root().join("interop/reference"))?;
        interop_setup::npm_ci(&cmd::root().join("interop/js"))?;
        // The command line's cluster test with a Node node on @socket.io/redis-adapter.
        interop_setup::npm_ci(&cmd::root().join("interop/redis"))?;
        // wsio-admin-ui's mixed cluster test: Node's instrumentation on the same Redis.
        interop_setup::npm_ci(&cmd::root().join("interop/admin-ui"))?;
        if let Err(reason) = browser::ensure_chromium() {
            eprintln!("xtask: no Chromium for the workspace tests ({reason}); they skip it");
        }
    }
    let redis_server = redis::Server::start(&redis_binary)?;
    cmd::run(
        workspace_tests
            .args(&args)
            .current_dir(cmd::root())
            .env("WSIO_REDIS_URL", redis_server.url())
            .envs(redis_binary.env()),
    )?;
    drop(redis_server);
    // wsio-ws's TLS client (`wss://`) and its HTTP/2 client (RFC 8441), and wsio-client's
    // WebSocket transport over HTTP/2 and its WebTransport transport, sit behind features the
    // workspace run leaves off.
    cmd::cargo(&["test", "-p", "wsio-ws", "--features", "rustls,http2"])?;
    for feature in ["http2", "webtransport"] {
        cmd::cargo(&[
            "test",
            "-p",
            "wsio-client",
            "--features",
            feature,
            "--test",
            feature,
        ])?;
    }
    if unit_only {
        return Ok(());
    }
    autobahn_run::run(&["--quick".to_owned()])?;
    // The echo check alone: the workspace run has already run the demo page's browser tests.
    browser::check_echo()?;
    admin_ui::run(&[])?;
    interop::run(&["--against".to_owned(), "wsio".to_owned()])?;
    interop::run(&[
        "--against".to_owned(),
        "wsio".to_owned(),
        "--parser".to_owned(),
        "msgpack".to_owned(),
    ])?;
    // A smoke run of the load benchmark, so that its harness keeps working; no figure is judged.
    bench_load::run(&["--quick".to_owned(), "--no-write".to_owned()])?;
    redis_cluster::run(&[])
}

/// Runs the criterion benchmarks of the `benches` package.
fn bench(extra: &[String]) -> Result<(), String> {
    let mut args = vec!["bench", "--package", "wsio-benches"];
    if !extra.is_empty() {
        args.push("--");
        args.extend(extra.iter().map(String::as_str));
    }
    cmd::cargo(&args)
}
