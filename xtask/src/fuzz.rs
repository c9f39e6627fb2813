//! `cargo xtask fuzz`: runs the cargo-fuzz targets from the committed seeds.
//!
//! libFuzzer needs nightly compiler flags. Where a nightly toolchain is installed it is used;
//! otherwise the stable compiler is asked for them with `RUSTC_BOOTSTRAP=1`.

use std::path::Path;
use std::process::Command;

use crate::cmd;

/// Runs each requested target (all of them by default) for a fixed time.
pub fn run(args: &[String]) -> Result<(), String> {
    let mut seconds = 60u64;
    let mut targets = Vec::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == "--seconds" {
            let value = iter.next().ok_or("--seconds needs a number")?;
            seconds = value
                .parse()
                .map_err(|_| format!("bad --seconds {value}"))?;
        } else {
            targets.push(arg.clone());
        }
    }
    let fuzz_dir = cmd::root().join("fuzz");
    if targets.is_empty() {
        targets = list_targets(&fuzz_dir.join("fuzz_targets"))?;
    }
    let nightly = has_nightly();
    for target in &targets {
        let corpus = fuzz_dir.join("corpus").join(target);
        let seeds = fuzz_dir.join("seeds").join(target);
        std::fs::create_dir_all(&corpus).map_err(|e| format!("{}: {e}", corpus.display()))?;
        let mut command = if nightly {
            let mut rustup = Command::new("rustup");
            rustup.args(["run", "nightly", "cargo"]);
            rustup
        } else {
            let mut cargo = Command::new(cmd::cargo_path());
            cargo.env("RUSTC_BOOTSTRAP", "1");
            cargo
        };
        command
            .current_dir(&fuzz_dir)
            .args(["fuzz", "run", target])
            .arg(&corpus)
            .arg(&seeds)
            .arg("--")
            .arg(format!("-max_total_time={seconds}"));
        cmd::run(&mut command)?;
    }
    Ok(())
}

/// The targets: one file each in `fuzz/fuzz_targets`.
fn list_targets(dir: &Path) -> Result<Vec<String>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let path = e.path();
            if path.extension()? != "rs" {
                return None;
            }
            Some(path.file_stem()?.to_string_lossy().into_owned())
        })
        .collect();
    names.sort();
    Ok(names)
}

/// Whether `cargo +nightly` works here.
fn has_nightly() -> bool {
    Command::new("rustup")
        .args(["run", "nightly", "rustc", "--version"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}
