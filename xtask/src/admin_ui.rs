//! `cargo xtask admin-ui [--screenshot PATH]`: the Socket.IO Admin UI of the npm package
//! `@socket.io/admin-ui`, in headless Chromium, against wsio.
//!
//! `interop/admin-ui/e2e.js` (puppeteer-core driving Debian's Chromium) serves the package's
//! prebuilt UI on loopback, connects three `socket.io-client` users, logs in through the UI's
//! form, and checks that the page shows the server, the users' sockets and their rooms, and
//! that a disconnect clicked in the UI reaches its user as `io server disconnect`; against
//! wsio also that a reload logs in again with the session id alone (Node's instrumentation
//! sends the id before the UI listens for it: see `e2e.js`). It runs
//! twice: against `wsio serve --admin-ui` (the release binary, as `cargo xtask browser`
//! builds it; basic auth, CORS with credentials for the UI's origin; the users join their
//! rooms with the demo's `join` event), then against Node's socket.io with the official
//! `instrument()` (`interop/admin-ui/node-server.js`), which shows that the check tells a
//! working server.
//! `--screenshot PATH` keeps the page as seen against wsio (the Sockets view); by default it
//! goes to `target/admin-ui/wsio.png`.
//!
//! Chromium is found or installed as for `cargo xtask browser`; only when it cannot be
//! installed is the check skipped, with the reason.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Instant;

use crate::autobahn_run::{free_port, stop, wait_for_port};
use crate::{browser, cmd, interop_setup};

/// The UI's credentials in both runs.
const AUTH: &str = "admin:changeit";
/// `--admin-ui-auth` of `wsio serve` for [`AUTH`]: the user and the bcrypt hash (cost 4) of
/// its password.
const WSIO_AUTH: &str = "admin:$2a$04$ic2kK0HpIeQw5.5I2GIcXuVgfwxrouFe5fLZ0KeeDvSHzAqmlIYEi";

/// Runs the check.
pub fn run(args: &[String]) -> Result<(), String> {
    let root = cmd::root();
    let mut screenshot = cmd::target_dir().join("admin-ui/wsio.png");
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--screenshot" => {
                let path = rest.next().ok_or("admin-ui: --screenshot needs a path")?;
                screenshot = root.join(path);
            }
            other => return Err(format!("admin-ui: unexpected argument {other:?}")),
        }
    }
    let start = Instant::now();
    let chromium = match browser::ensure_chromium() {
        Ok(path) => path,
        Err(reason) => {
            println!("xtask admin-ui: skipped: chromium cannot be installed here: {reason}");
            return Ok(());
        }
    };
    let dir = root.join("interop/admin-ui");
    interop_setup::npm_ci(&dir)?;
    let binary = browser::build_wsio()?;
    let prepared = start.elapsed();

    let wsio = |port: u16, ui_port: u16| {
        let mut command = Command::new(&binary);
        command.args(["serve", "--port", &port.to_string()]);
        command.args(["--cors-origin", &format!("http://127.0.0.1:{ui_port}")]);
        command.arg("--cors-credentials");
        command.args(["--admin-ui", "--admin-ui-auth", WSIO_AUTH]);
        command.args(["--admin-ui-server-id", "wsio-serve"]);
        command
    };
    check(
        &dir,
        &chromium,
        "wsio",
        "wsio-serve",
        wsio,
        Some(&screenshot),
        &["--reload", "yes", "--join-event", "yes"],
    )?;
    let node = |port: u16, ui_port: u16| {
        let mut command = Command::new("node");
        command.current_dir(&dir).arg("node-server.js");
        command.args(["--port", &port.to_string()]);
        command.args(["--cors-origin", &format!("http://127.0.0.1:{ui_port}")]);
        command.args(["--auth", AUTH, "--server-id", "node-reference"]);
        command
    };
    check(&dir, &chromium, "node", "node-reference", node, None, &[])?;
    println!(
        "xtask admin-ui: passed against wsio and Node (prepared {:.1}s, total {:.1}s); \
         screenshot {}",
        prepared.as_secs_f64(),
        start.elapsed().as_secs_f64(),
        screenshot.display()
    );
    Ok(())
}

/// Starts the server `server(port, ui_port)` makes, runs `e2e.js` against it (with `e2e_args`
/// too, such as its reload step), stops it.
fn check(
    dir: &Path,
    chromium: &Path,
    label: &str,
    server_id: &str,
    server: impl Fn(u16, u16) -> Command,
    screenshot: Option<&PathBuf>,
    e2e_args: &[&str],
) -> Result<(), String> {
    let (port, ui_port) = (free_port()?, free_port()?);
    let mut child: Child = server(port, ui_port)
        .spawn()
        .map_err(|e| format!("admin-ui: cannot start the {label} server: {e}"))?;
    wait_for_port(port, &mut child)?;
    let mut e2e = Command::new("node");
    e2e.current_dir(dir)
        .arg("e2e.js")
        .args(["--server", &format!("http://127.0.0.1:{port}")])
        .args(["--ui-port", &ui_port.to_string()])
        .arg("--chromium")
        .arg(chromium)
        .args(["--server-id", server_id, "--auth", AUTH, "--label", label]);
    if let Some(path) = screenshot {
        e2e.arg("--screenshot").arg(path);
    }
    e2e.args(e2e_args);
    let outcome = cmd::run(&mut e2e);
    stop(&mut child);
    outcome.map_err(|e| format!("admin-ui against {label}: {e}"))
}
