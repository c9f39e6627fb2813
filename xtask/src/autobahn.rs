//! The Autobahn TestSuite (`wstest`), installed on demand into `.tools/autobahn/` (ignored by
//! git) by `cargo xtask autobahn-install`, and the means to run it.
//!
//! The suite is Python 2.7 code, and Debian 12 ships no Python 2, so [`install`]:
//!
//! 1. unpacks CPython 2.7 and the shared libraries it needs from Debian 11 packages into
//!    `python2.7/` (`scripts/bullseye_debs.py`; nothing is installed system-wide, downloads are
//!    kept in `cache/`);
//! 2. puts virtualenv 20.21.1, the last series that creates 2.7 environments, into a Python 3
//!    venv `bootstrap/` (removed once the install is done);
//! 3. creates the 2.7 virtualenv `venv/` and installs the pins of
//!    `scripts/autobahn-requirements.txt` into it (only `wsaccel` is compiled);
//! 4. writes the wrapper `wstest`, which sets the library path and runs the suite through
//!    `scripts/wstest_loopback.py` so that every port it opens is on 127.0.0.1;
//! 5. runs `wstest --autobahnversion`, then records the recipe in the marker `installed`.
//!
//! A later run with the same recipe returns at once; any other state is rebuilt from scratch.

#[path = "autobahn_json.rs"]
mod json;
#[path = "autobahn_suite.rs"]
mod suite;

pub use suite::{read_results, run_fuzzingclient, run_fuzzingserver};

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::cmd;

/// Debian 11 packages unpacked to get a working CPython 2.7 (headers included, for `wsaccel`).
const DEBIAN_PACKAGES: &[&str] = &[
    "python2.7",
    "python2.7-minimal",
    "python2.7-dev",
    "libpython2.7",
    "libpython2.7-minimal",
    "libpython2.7-stdlib",
    "libpython2.7-dev",
    "libssl1.1",
    "libffi7",
    "libexpat1",
];

/// The Python 3 package that creates the 2.7 virtualenv.
const VIRTUALENV: &str = "virtualenv==20.21.1";

const DEBS_SCRIPT: &str = "xtask/scripts/bullseye_debs.py";
const REQUIREMENTS: &str = include_str!("../scripts/autobahn-requirements.txt");
const LAUNCHER: &str = include_str!("../scripts/wstest_loopback.py");

/// Where the unpacked packages keep their shared libraries.
const LIBRARY_DIRS: &[&str] = &["usr/lib/x86_64-linux-gnu", "lib/x86_64-linux-gnu"];

/// The folders of one installation.
struct Layout {
    dir: PathBuf,
    cache: PathBuf,
    python_root: PathBuf,
    bootstrap: PathBuf,
    venv: PathBuf,
    launcher: PathBuf,
    wrapper: PathBuf,
    marker: PathBuf,
}

impl Layout {
    fn new(dir: PathBuf) -> Self {
        Layout {
            cache: dir.join("cache"),
            python_root: dir.join("python2.7"),
            bootstrap: dir.join("bootstrap"),
            venv: dir.join("venv"),
            launcher: dir.join("wstest_loopback.py"),
            wrapper: dir.join("wstest"),
            marker: dir.join("installed"),
            dir,
        }
    }

    fn python2(&self) -> PathBuf {
        self.python_root.join("usr/bin/python2.7")
    }

    /// `LD_LIBRARY_PATH` for the unpacked interpreter.
    fn library_path(&self) -> String {
        let dirs: Vec<String> = LIBRARY_DIRS
            .iter()
            .map(|d| self.python_root.join(d).display().to_string())
            .collect();
        dirs.join(":")
    }

    /// A command of the unpacked Python 2.7 world, with its libraries found and the
    /// caller's Python settings kept out.
    fn python2_command(&self, program: &Path) -> Command {
        let mut command = Command::new(program);
        command
            .env("LD_LIBRARY_PATH", self.library_path())
            .env_remove("PYTHONHOME")
            .env_remove("PYTHONPATH")
            .env("PYTHONNOUSERSITE", "1");
        command
    }
}

/// Installs the Autobahn TestSuite into `.tools/autobahn/` unless the marker says it is
/// already there, and returns the `wstest` wrapper to run it with.
pub fn install() -> Result<PathBuf, String> {
    if !cfg!(all(target_os = "linux", target_arch = "x86_64")) {
        return Err("the Autobahn TestSuite install needs Linux on x86-64".to_owned());
    }
    let layout = Layout::new(cmd::root().join(".tools").join("autobahn"));
    let recipe = recipe();
    if is_installed(&layout, &recipe) {
        eprintln!(
            "autobahn: wstest is installed: {}",
            layout.wrapper.display()
        );
        return Ok(layout.wrapper);
    }
    let started = Instant::now();
    eprintln!("autobahn: installing into {}", layout.dir.display());
    clear(&layout)?;
    step("unpacking CPython 2.7 from Debian 11 packages");
    unpack_python(&layout)?;
    step(&format!("installing {VIRTUALENV} into a Python 3 venv"));
    install_virtualenv(&layout)?;
    step("creating the Python 2.7 virtualenv");
    create_venv(&layout)?;
    step("installing the pinned suite (this compiles wsaccel)");
    install_suite(&layout)?;
    step("writing the wstest wrapper");
    write_wrapper(&layout)?;
    step("checking that wstest runs");
    cmd::run(Command::new(&layout.wrapper).arg("--autobahnversion"))?;
    remove(&layout.bootstrap)?;
    write(&layout.marker, &recipe)?;
    eprintln!(
        "autobahn: installed {} in {:.0?}",
        layout.wrapper.display(),
        started.elapsed()
    );
    Ok(layout.wrapper)
}

/// Everything the installation is made from: a change to any part makes the next run reinstall.
fn recipe() -> String {
    format!(
        "wsio autobahn install 1\ndebian 11: {}\n{VIRTUALENV}\nlauncher fnv1a64: {:016x}\n{REQUIREMENTS}",
        DEBIAN_PACKAGES.join(" "),
        fnv1a64(LAUNCHER.as_bytes()),
    )
}

/// FNV-1a: a stable fingerprint (std's hashers may change between releases).
fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Whether the marker holds this recipe and the files the wrapper runs are all there.
fn is_installed(layout: &Layout, recipe: &str) -> bool {
    let parts = [
        &layout.wrapper,
        &layout.launcher,
        &layout.venv.join("bin/python"),
        &layout.python2(),
    ];
    parts.iter().all(|path| path.is_file())
        && std::fs::read_to_string(&layout.marker).is_ok_and(|text| text == recipe)
}

fn step(what: &str) {
    eprintln!("autobahn: {what}");
}

/// Removes whatever a previous (possibly interrupted) install left, except the download cache.
fn clear(layout: &Layout) -> Result<(), String> {
    let Ok(entries) = std::fs::read_dir(&layout.dir) else {
        return Ok(());
    };
    for entry in entries {
        let path = entry
            .map_err(|e| format!("{}: {e}", layout.dir.display()))?
            .path();
        if path != layout.cache {
            remove(&path)?;
        }
    }
    Ok(())
}

fn unpack_python(layout: &Layout) -> Result<(), String> {
    let mut command = Command::new("python3");
    command
        .arg(cmd::root().join(DEBS_SCRIPT))
        .arg(&layout.python_root)
        .arg(layout.cache.join("debs"))
        .args(DEBIAN_PACKAGES);
    cmd::run(&mut command)?;
    let mut check = layout.python2_command(&layout.python2());
    check.args(["-c", "import ssl, ctypes, zlib, pyexpat, hashlib"]);
    cmd::run(&mut check).map_err(|e| format!("the unpacked CPython 2.7 does not work: {e}"))
}

fn install_virtualenv(layout: &Layout) -> Result<(), String> {
    cmd::run(
        Command::new("python3")
            .arg("-m")
            .arg("venv")
            .arg(&layout.bootstrap),
    )
    .map_err(|e| {
        format!("{e} (on Debian, `apt-get install python3-venv` provides `python3 -m venv`)")
    })?;
    let mut pip = Command::new(layout.bootstrap.join("bin/pip"));
    pip.args(["install", "--quiet", "--progress-bar", "off", VIRTUALENV])
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .env("PIP_CACHE_DIR", layout.cache.join("pip3"));
    cmd::run(&mut pip)
}

fn create_venv(layout: &Layout) -> Result<(), String> {
    let mut command = layout.python2_command(&layout.bootstrap.join("bin/virtualenv"));
    command
        .args(["--no-periodic-update", "--app-data"])
        .arg(layout.cache.join("virtualenv"))
        .arg("--python")
        .arg(layout.python2())
        .arg(&layout.venv);
    cmd::run(&mut command)
}

fn install_suite(layout: &Layout) -> Result<(), String> {
    let requirements = layout.dir.join("requirements.txt");
    write(&requirements, REQUIREMENTS)?;
    // distutils would look for Python.h under /usr; the unpacked headers are elsewhere.
    let include = layout.python_root.join("usr/include");
    let cflags = format!(
        "-I{} -I{}",
        include.join("python2.7").display(),
        include.display()
    );
    let mut pip = layout.python2_command(&layout.venv.join("bin/pip"));
    pip.args([
        "install",
        "--quiet",
        "--progress-bar",
        "off",
        "--requirement",
    ])
    .arg(&requirements)
    .env("CFLAGS", cflags)
    .env("CC", "gcc")
    .env("LDSHARED", "gcc -pthread -shared")
    .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    .env("PIP_NO_PYTHON_VERSION_WARNING", "1")
    .env("PIP_CACHE_DIR", layout.cache.join("pip2"));
    cmd::run(&mut pip)
}

fn write_wrapper(layout: &Layout) -> Result<(), String> {
    write(&layout.launcher, LAUNCHER)?;
    let python = layout.venv.join("bin/python");
    let quoted = |path: &Path| -> Result<String, String> {
        let text = path.display().to_string();
        if text.contains('\'') {
            Err(format!(
                "{text}: paths with a single quote are not supported"
            ))
        } else {
            Ok(format!("'{text}'"))
        }
    };
    let script = format!(
        "#!/bin/sh\n\
         # The Autobahn TestSuite's wstest on an unpacked CPython 2.7.\n\
         # Written by `cargo xtask autobahn-install`.\n\
         LD_LIBRARY_PATH={}${{LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}}\n\
         export LD_LIBRARY_PATH\n\
         unset PYTHONHOME PYTHONPATH\n\
         exec {} {} \"$@\"\n",
        quoted(Path::new(&layout.library_path()))?,
        quoted(&python)?,
        quoted(&layout.launcher)?,
    );
    write(&layout.wrapper, &script)?;
    make_executable(&layout.wrapper)
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(not(unix))]
fn make_executable(_path: &Path) -> Result<(), String> {
    Ok(())
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Removes a file or a folder tree, if present.
fn remove(path: &Path) -> Result<(), String> {
    let result = if path.is_dir() && !path.is_symlink() {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    };
    match result {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(format!("cannot remove {}: {e}", path.display()))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipe_names_every_pin() {
        let recipe = recipe();
        for pin in [
            "autobahntestsuite==25.10.1",
            "Twisted==19.10.0",
            "Automat==20.2.0",
            VIRTUALENV,
        ] {
            assert!(recipe.contains(pin), "{pin}");
        }
        assert!(recipe.contains("libssl1.1"));
    }

    #[test]
    fn fingerprint_is_fnv1a() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
