//! Running child processes from the workspace root.

use std::path::PathBuf;
use std::process::Command;

/// The workspace root (the parent of the `xtask` package).
pub fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

/// Cargo's target directory: `CARGO_TARGET_DIR` when set (relative to the workspace root),
/// else `target/` in the workspace root.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root().join(dir),
        None => root().join("target"),
    }
}

/// The cargo that runs this xtask, so toolchain overrides carry over.
pub fn cargo_path() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// Runs `cargo ARGS` in the workspace root and fails on a non-zero exit.
pub fn cargo(args: &[&str]) -> Result<(), String> {
    let mut command = Command::new(cargo_path());
    command.args(args).current_dir(root());
    run(&mut command)
}

/// Runs a prepared command, echoing it first, and fails on a non-zero exit.
pub fn run(command: &mut Command) -> Result<(), String> {
    eprintln!("xtask: running {command:?}");
    let status = command
        .status()
        .map_err(|e| format!("cannot start {:?}: {e}", command.get_program()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{:?} failed: {status}", command.get_program()))
    }
}
