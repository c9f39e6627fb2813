//! A Redis server for the tests: found or installed, started on a free loopback port without
//! persistence, stopped by its process id.
//!
//! [`install`] returns a `redis-server` that runs, in this order:
//!
//! 1. `redis-server` on the `PATH`, when it is there;
//! 2. the copy unpacked earlier into `.tools/redis/` (ignored by git), when its marker holds
//!    the current recipe;
//! 3. a fresh copy: `apt-get download` fetches Debian's `redis-server` and `redis-tools`
//!    packages and the libraries they need that a Rust machine may lack into
//!    `.tools/redis/cache/`, and `dpkg -x` unpacks them into `.tools/redis/root/`. Nothing is
//!    installed system-wide; the binary runs with `LD_LIBRARY_PATH` pointing at the unpacked
//!    libraries. When the download fails, the package lists are refreshed once
//!    (`apt-get update`) and the download is tried again.

use std::fs::File;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::cmd;

/// Debian packages unpacked for a private `redis-server` (`redis-server` is a link to the
/// `redis-check-rdb` binary of `redis-tools`).
const DEBIAN_PACKAGES: &[&str] = &[
    "redis-server",
    "redis-tools",
    "libjemalloc2",
    "liblzf1",
    "libatomic1",
];

/// Where the unpacked packages keep their shared libraries.
const LIBRARY_DIR: &str = "usr/lib/x86_64-linux-gnu";

/// How long a started server may take to answer `PING`.
const START_DEADLINE: Duration = Duration::from_secs(10);

/// A `redis-server` program and the library path it needs.
#[derive(Clone, Debug)]
pub struct Binary {
    /// The program.
    pub program: PathBuf,
    /// `LD_LIBRARY_PATH` for it, when it was unpacked by [`install`].
    pub library_path: Option<String>,
}

impl Binary {
    fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        if let Some(path) = &self.library_path {
            command.env("LD_LIBRARY_PATH", path);
        }
        command
    }

    /// The environment a test needs to start servers of its own: `WSIO_REDIS_SERVER` and,
    /// for an unpacked copy, `WSIO_REDIS_LD_LIBRARY_PATH`.
    pub fn env(&self) -> Vec<(String, String)> {
        let mut env = vec![(
            "WSIO_REDIS_SERVER".to_owned(),
            self.program.display().to_string(),
        )];
        if let Some(path) = &self.library_path {
            env.push(("WSIO_REDIS_LD_LIBRARY_PATH".to_owned(), path.clone()));
        }
        env
    }
}

/// Finds or installs `redis-server` (see the module documentation).
pub fn install() -> Result<Binary, String> {
    if let Some(program) = on_path("redis-server") {
        let binary = Binary {
            program,
            library_path: None,
        };
        if runs(&binary) {
            return Ok(binary);
        }
    }
    let dir = cmd::root().join(".tools/redis");
    let root = dir.join("root");
    let binary = Binary {
        program: root.join("usr/bin/redis-server"),
        library_path: Some(root.join(LIBRARY_DIR).display().to_string()),
    };
    let marker = dir.join("installed");
    let recipe = format!(
        "wsio redis install 1\ndebian: {}\n",
        DEBIAN_PACKAGES.join(" ")
    );
    if std::fs::read_to_string(&marker).is_ok_and(|text| text == recipe) && runs(&binary) {
        return Ok(binary);
    }
    eprintln!(
        "redis: unpacking Debian's redis-server into {}",
        dir.display()
    );
    let cache = dir.join("cache");
    for path in [&root, &cache] {
        if path.exists() {
            std::fs::remove_dir_all(path).map_err(|e| format!("{}: {e}", path.display()))?;
        }
        std::fs::create_dir_all(path).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    if download(&cache).is_err() {
        eprintln!("redis: refreshing the package lists and trying again");
        cmd::run(Command::new("apt-get").args(["update", "-qq"]))?;
        download(&cache)?;
    }
    let entries = std::fs::read_dir(&cache).map_err(|e| format!("{}: {e}", cache.display()))?;
    for entry in entries {
        let deb = entry.map_err(|e| e.to_string())?.path();
        if deb.extension().is_some_and(|ext| ext == "deb") {
            cmd::run(Command::new("dpkg").arg("-x").arg(&deb).arg(&root))?;
        }
    }
    if !runs(&binary) {
        return Err(format!(
            "{} does not run after unpacking",
            binary.program.display()
        ));
    }
    std::fs::write(&marker, recipe).map_err(|e| format!("{}: {e}", marker.display()))?;
    Ok(binary)
}

fn download(cache: &Path) -> Result<(), String> {
    cmd::run(
        Command::new("apt-get")
            .arg("download")
            .args(DEBIAN_PACKAGES)
            .current_dir(cache),
    )
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|path| path.is_file())
    })
}

/// Whether `redis-server --version` succeeds.
fn runs(binary: &Binary) -> bool {
    binary.program.is_file()
        && binary
            .command()
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
}

/// A running `redis-server` started by this process; stopped (by its pid) when dropped.
pub struct Server {
    child: Child,
    port: u16,
}

impl Server {
    /// Starts `binary` on a free loopback port, without persistence, logging to
    /// `target/redis/redis-<port>.log`, and waits until it answers `PING`.
    pub fn start(binary: &Binary) -> Result<Server, String> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map(|addr| addr.port())
            .map_err(|e| format!("no free port: {e}"))?;
        let dir = cmd::target_dir().join("redis");
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let log_path = dir.join(format!("redis-{port}.log"));
        let log = File::create(&log_path).map_err(|e| format!("{}: {e}", log_path.display()))?;
        let err = log.try_clone().map_err(|e| e.to_string())?;
        let child = binary
            .command()
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--protected-mode", "no"])
            .arg("--dir")
            .arg(&dir)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.program.display()))?;
        let mut server = Server { child, port };
        let deadline = Instant::now() + START_DEADLINE;
        while !server.answers_ping() {
            if Instant::now() > deadline {
                return Err(format!(
                    "redis-server did not answer on port {port} (log: {})",
                    log_path.display()
                ));
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!(
                    "redis-server exited with {status} (log: {})",
                    log_path.display()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!(
            "redis: redis-server (pid {}) on {}",
            server.child.id(),
            server.url()
        );
        Ok(server)
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn answers_ping(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
        let mut reply = [0u8; 7];
        stream.write_all(b"PING\r\n").is_ok()
            && stream.read_exact(&mut reply).is_ok()
            && &reply == b"+PONG\r\n"
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // `Child::kill` signals exactly this process id.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
