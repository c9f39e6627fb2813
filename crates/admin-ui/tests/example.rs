//! The `admin_ui` example run as its top comment says, with `--auth`: a user of `/` with a name
//! and a room in its `auth` is welcomed, a client of `/admin` with the password is given the
//! sockets (the user among them, with its data and room), and a wrong password is refused.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value as Json, json};
use tokio::sync::mpsc;
use wsio_client::{Client, Error, Reconnection};

const WAIT: Duration = Duration::from_secs(10);

/// The example's process, killed when the test ends, whether it passed or not.
struct Example(Child);

impl Drop for Example {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The example's binary, next to this test's (`target/<profile>/examples`), built first when
/// only this test was asked for (`cargo test` builds the examples along with the tests).
fn example_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>");
    let binary = profile_dir
        .join("examples")
        .join(format!("admin_ui{}", std::env::consts::EXE_SUFFIX));
    if !binary.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let status = Command::new(cargo)
            .args(["build", "-p", "wsio-admin-ui", "--example", "admin_ui"])
            .status()
            .expect("cargo runs");
        assert!(status.success(), "the example builds");
    }
    binary
}

/// Starts the example on a free port; the process and its address.
fn start() -> (Example, String) {
    let mut child = Command::new(example_binary())
        .args([
            "--port",
            "0",
            "--auth",
            "admin:changeit",
            "--bcrypt-cost",
            "4",
            "--server-id",
            "example",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("the example starts");
    let stdout = child.stdout.take().expect("stdout");
    let example = Example(child);
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the example prints its address");
    let address = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line: {line:?}"))
        .to_owned();
    (example, address)
}

fn no_reconnection() -> Reconnection {
    Reconnection {
        enabled: false,
        ..Reconnection::default()
    }
}

/// A client of `url` with `auth`, and the events it receives.
async fn connect(
    url: String,
    auth: Json,
) -> Result<(Client, mpsc::UnboundedReceiver<(String, Vec<Json>)>), Error> {
    let (tx, rx) = mpsc::unbounded_channel();
    let client = Client::builder(url)
        .reconnection(no_reconnection())
        .auth(move |_| Some(auth.clone()))
        .on_any(move |_s, event, args| {
            let args = args
                .iter()
                .map(|a| serde_json::to_value(a).expect("JSON argument"))
                .collect();
            let _ = tx.send((event, args));
        })
        .connect()
        .await?;
    Ok((client, rx))
}

/// The arguments of the next `event`, skipping others.
async fn next(events: &mut mpsc::UnboundedReceiver<(String, Vec<Json>)>, event: &str) -> Vec<Json> {
    let found = tokio::time::timeout(WAIT, async {
        while let Some((name, args)) = events.recv().await {
            if name == event {
                return Some(args);
            }
        }
        None
    })
    .await;
    match found {
        Ok(Some(args)) => args,
        _ => panic!("no {event} event arrived"),
    }
}

#[tokio::test]
async fn the_example_shows_its_users_to_an_admin_with_the_password() {
    let (_example, address) = tokio::task::spawn_blocking(start).await.expect("started");

    let (user, mut user_events) = connect(
        format!("{address}/"),
        json!({ "name": "ada", "room": "red" }),
    )
    .await
    .expect("the user connects");
    let id = user.main().id().expect("socket id");
    let welcome = next(&mut user_events, "welcome").await;
    assert_eq!(welcome, vec![json!(id)]);

    let refused = connect(
        format!("{address}/admin"),
        json!({ "username": "admin", "password": "wrong" }),
    )
    .await
    .err();
    assert!(
        matches!(&refused, Some(Error::ConnectRefused(m)) if m == "invalid credentials"),
        "{refused:?}"
    );

    let (_admin, mut admin_events) = connect(
        format!("{address}/admin"),
        json!({ "username": "admin", "password": "changeit" }),
    )
    .await
    .expect("the admin logs in");
    let all = next(&mut admin_events, "all_sockets").await;
    let listed = all[0]
        .as_array()
        .expect("socket list")
        .iter()
        .find(|s| s["id"] == id.as_str())
        .cloned()
        .unwrap_or_else(|| panic!("the user is not listed: {all:?}"));
    assert_eq!(listed["data"]["name"], "ada", "{listed}");
    let rooms = listed["rooms"].as_array().expect("rooms");
    assert!(rooms.contains(&json!("red")), "{listed}");
    let stats = next(&mut admin_events, "server_stats").await;
    assert_eq!(stats[0]["serverId"], "example", "{stats:?}");
}
