//! Installs what the interoperability suites need into git-ignored folders, once: npm packages
//! with `npm ci` (into each folder's `node_modules`) and a Python venv at `.tools/py`. A marker
//! holding a hash of the lockfile or requirements file makes a second run skip the install
//! until that file changes.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cmd;

/// The marker written into an installed folder.
const MARKER: &str = ".wsio-install-hash";

/// `npm ci` in `dir` unless its `node_modules` matches `package-lock.json` already.
pub fn npm_ci(dir: &Path) -> Result<(), String> {
    let lock = read(&dir.join("package-lock.json"))?;
    let manifest = read(&dir.join("package.json"))?;
    let hash = format!("{:016x}", fnv1a(&[lock.as_slice(), manifest.as_slice()]));
    let marker = dir.join("node_modules").join(MARKER);
    if marker_matches(&marker, &hash) {
        eprintln!("xtask: {} is up to date", display(dir));
        return Ok(());
    }
    cmd::run(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(dir),
    )
    .map_err(|e| format!("{e} (is Node.js with npm installed?)"))?;
    write_marker(&marker, &hash)
}

/// The Python venv at `.tools/py` with `interop/py/requirements.txt` installed; returns its
/// interpreter.
pub fn python_venv() -> Result<PathBuf, String> {
    let root = cmd::root();
    let venv = root.join(".tools/py");
    let python = venv.join("bin/python");
    let requirements = root.join("interop/py/requirements.txt");
    let hash = format!("{:016x}", fnv1a(&[read(&requirements)?.as_slice()]));
    let marker = venv.join(MARKER);
    if python.exists() && marker_matches(&marker, &hash) {
        eprintln!("xtask: {} is up to date", display(&venv));
        return Ok(python);
    }
    if !python.exists() {
        let base = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
        cmd::run(Command::new(&base).arg("-m").arg("venv").arg(&venv))
            .map_err(|e| format!("{e} (is python3 with the venv module installed?)"))?;
    }
    cmd::run(
        Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .arg("--requirement")
            .arg(&requirements),
    )?;
    write_marker(&marker, &hash)?;
    Ok(python)
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn marker_matches(marker: &Path, hash: &str) -> bool {
    std::fs::read_to_string(marker).is_ok_and(|text| text.trim() == hash)
}

fn write_marker(marker: &Path, hash: &str) -> Result<(), String> {
    std::fs::write(marker, format!("{hash}\n")).map_err(|e| format!("{}: {e}", marker.display()))
}

/// A path relative to the workspace root, for messages.
fn display(path: &Path) -> String {
    let root = cmd::root();
    path.strip_prefix(&root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// 64-bit FNV-1a over the concatenated parts: stable across runs and toolchains, which is all
/// a change marker needs.
fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in parts.iter().flat_map(|part| part.iter()) {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::fnv1a;

    #[test]
    fn fnv1a_matches_the_reference_vectors() {
        assert_eq!(fnv1a(&[b""]), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(&[b"a"]), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(&[b"foo", b"bar"]), fnv1a(&[b"foobar"]));
    }
}
