//! The `admin_ui` example run as its top comment says, with `--auth`: a user of `/` with a name
//! and a room in its `auth` is welcomed, a client of `/admin` with the password is given the
//! sockets (the user among them, with its data and room), and a wrong password is refused.

mod common;

use common::{Events, recording};
use serde_json::{Value as Json, json};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use wsio_client::{Client, Error};

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

/// A client of `url` with `auth`, and the events it receives.
async fn connect(url: String, auth: Json) -> Result<(Client, Events), Error> {
    let (builder, events) = recording(Client::builder(url));
    let client = builder.auth(move |_| Some(auth.clone())).connect().await?;
    Ok((client, events))
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
    let welcome = user_events.expect("welcome", |_| true).await;
    assert_eq!(welcome, vec![json!(id)]);

    let refused = connect(
        format!("{address}/admin"),
        json!({ "username": "admin", "password": "wrong" }),
    )
    .await
    .err();
    assert!(
        matches!(&refused, Some(Error::ConnectRefused { message, .. }) if message == "invalid credentials"),
        "{refused:?}"
    );

    let (_admin, mut admin_events) = connect(
        format!("{address}/admin"),
        json!({ "username": "admin", "password": "changeit" }),
    )
    .await
    .expect("the admin logs in");
    let all = admin_events.expect("all_sockets", |_| true).await;
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
    let stats = admin_events.expect("server_stats", |_| true).await;
    assert_eq!(stats[0]["serverId"], "example", "{stats:?}");
}
