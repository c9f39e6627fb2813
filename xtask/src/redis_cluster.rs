//! `cargo xtask redis`: the mixed-cluster suite of `interop/redis` (Node socket.io with
//! `@socket.io/redis-adapter` next to wsio nodes, real socket.io-client connections), after
//! installing its npm packages and `redis-server` when missing and building the wsio node
//! (`crates/adapter-redis/examples/cluster_node.rs`).
//!
//! The suite starts and stops its own Redis servers and nodes; it gets the programs in
//! `WSIO_REDIS_SERVER` (with `WSIO_REDIS_LD_LIBRARY_PATH` for an unpacked copy) and
//! `WSIO_CLUSTER_NODE`.

use std::process::Command;
use std::time::Instant;

use crate::{cmd, interop_setup, redis};

/// Installs, builds, runs the suite; fails when a test fails.
pub fn run(args: &[String]) -> Result<(), String> {
    if let Some(arg) = args.first() {
        return Err(format!(
            "unknown argument {arg:?}; usage: cargo xtask redis"
        ));
    }
    let started = Instant::now();
    let root = cmd::root();
    let binary = redis::install()?;
    let dir = root.join("interop/redis");
    interop_setup::npm_ci(&dir)?;
    cmd::cargo(&[
        "build",
        "--package",
        "wsio-adapter-redis",
        "--example",
        "cluster_node",
    ])?;
    let node = cmd::target_dir().join("debug/examples/cluster_node");
    let mut command = Command::new("node");
    command
        .args(["--test", "--test-force-exit", "--test-concurrency=1"])
        .arg("test/")
        .current_dir(&dir)
        .env("WSIO_CLUSTER_NODE", &node)
        .envs(binary.env());
    let outcome = cmd::run(&mut command);
    eprintln!(
        "xtask: redis cluster suite took {:.1} s",
        started.elapsed().as_secs_f64()
    );
    outcome.map_err(|e| format!("redis cluster suite: {e}"))
}
