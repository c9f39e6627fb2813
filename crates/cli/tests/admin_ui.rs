//! `wsio serve --admin-ui`: the Socket.IO Admin UI's namespace next to the demo, behind its
//! basic authentication, reporting the demo's sockets and rooms; refused beside the test
//! contract's own `/admin`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod binary;

use std::process::Command;
use std::time::Duration;

use binary::{serve, stop};
use serde_json::{Value as Json, json};
use tokio::sync::mpsc;
use wsio_client::{Client, Error, Reconnection, Value};

/// bcrypt of `changeit`, cost 4.
const HASH: &str = "$2a$04$ic2kK0HpIeQw5.5I2GIcXuVgfwxrouFe5fLZ0KeeDvSHzAqmlIYEi";

const WAIT: Duration = Duration::from_secs(10);

fn no_reconnection() -> Reconnection {
    Reconnection {
        enabled: false,
        ..Reconnection::default()
    }
}

/// A client of the namespace at `url` with `auth`, and the events it receives (name and JSON
/// arguments, as one text).
async fn admin_client(
    url: &str,
    auth: Json,
) -> Result<(Client, mpsc::UnboundedReceiver<(String, String)>), Error> {
    let (tx, rx) = mpsc::unbounded_channel();
    let client = Client::builder(url)
        .reconnection(no_reconnection())
        .auth(move |_| Some(auth.clone()))
        .on_any(move |_socket, event, args| {
            let text = serde_json::to_string(&args).expect("JSON arguments");
            let _ = tx.send((event, text));
        })
        .connect()
        .await?;
    Ok((client, rx))
}

/// The arguments (as JSON text) of the next `event` whose arguments hold every one of
/// `texts`.
async fn next(
    events: &mut mpsc::UnboundedReceiver<(String, String)>,
    event: &str,
    texts: &[&str],
) -> String {
    let found = tokio::time::timeout(WAIT, async {
        while let Some((name, args)) = events.recv().await {
            if name == event && texts.iter().all(|text| args.contains(text)) {
                return Some(args);
            }
        }
        None
    })
    .await;
    found
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("no {event} with {texts:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_ui_sees_the_demo_behind_its_password() {
    let auth = format!("admin:{HASH}");
    let (child, port) = serve(&[
        "--admin-ui",
        "--admin-ui-namespace",
        "/ops",
        "--admin-ui-auth",
        &auth,
        "--admin-ui-server-id",
        "cli-test",
    ]);
    let url = format!("http://127.0.0.1:{port}");
    let user = Client::builder(format!("{url}/"))
        .reconnection(no_reconnection())
        .connect()
        .await
        .expect("a demo user connects");
    let id = user.main().id().expect("an id");
    let joined: Vec<Value> = user
        .emit_with_ack("join", &("red",), WAIT)
        .await
        .expect("joined");
    assert_eq!(joined, vec![Value::from(true)]);

    let refused = admin_client(
        &format!("{url}/ops"),
        json!({ "username": "admin", "password": "wrong" }),
    )
    .await
    .err();
    assert!(
        matches!(&refused, Some(Error::ConnectRefused { message, .. }) if message == "invalid credentials"),
        "{refused:?}"
    );
    let (admin, mut events) = admin_client(
        &format!("{url}/ops"),
        json!({ "username": "admin", "password": "changeit" }),
    )
    .await
    .expect("the right password logs in");
    // Not read-only: the UI may act.
    next(&mut events, "config", &["\"DISCONNECT\"", "\"JOIN\""]).await;
    next(&mut events, "all_sockets", &[&id, "\"red\""]).await;
    next(&mut events, "server_stats", &["\"serverId\":\"cli-test\""]).await;

    // The demo keeps working beside it.
    let echoed: Vec<Value> = user
        .emit_with_ack("echo", &("still here",), WAIT)
        .await
        .expect("echoed");
    assert_eq!(echoed, vec![Value::from("still here")]);
    admin.disconnect().await;
    user.disconnect().await;
    let log = stop(child);
    assert!(log.contains("Admin UI"), "{log}");
}

#[test]
fn the_test_contracts_admin_namespace_is_not_taken() {
    let output = Command::new(env!("CARGO_BIN_EXE_wsio"))
        .args(["serve", "--port", "0", "--test-events", "--admin-ui"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty(), "no banner");
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(message.contains("--admin-ui-namespace"), "{message}");
}
