//! One node of a test cluster: a wsio server on `127.0.0.1:<port>` with the Redis adapter,
//! following the contract of `interop/redis/README.md` (the Node node in
//! `interop/redis/node-server.js` follows the same one).
//!
//! ```text
//! cargo run -p wsio-adapter-redis --example cluster_node -- <port> <redis url> <node name>
//! ```

use std::time::Duration;

use bytes::Bytes;
use event_proto::Value;
use serde_json::{Value as Json, json};
use wsio_adapter_redis::{RedisAdapterConfig, RedisCluster};
use wsio_server::{AckSender, Config, Namespace, Server, Socket};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: cluster_node <port> <redis url> <node name>";
    let port: u16 = args.next().ok_or(usage)?.parse()?;
    let url = args.next().ok_or(usage)?;
    let name = args.next().ok_or(usage)?;

    let config = RedisAdapterConfig {
        requests_timeout: Duration::from_millis(env_ms("REQUESTS_TIMEOUT_MS", 5000)),
        ..RedisAdapterConfig::default()
    };
    let cluster = RedisCluster::connect(&url, config).await?;
    let io = Server::new(Config {
        adapter: Some(cluster.factory()),
        ..Config::default()
    });
    let node = name.clone();
    let ns = io.ns("/", move |socket| on_connect(socket, node.clone()));
    let node = name.clone();
    ns.on_server_side("ss-ping", move |args, ack| {
        if let Some(ack) = ack {
            let arg = args.first().and_then(Value::as_str).unwrap_or("");
            let _ = ack.send(&(format!("{node}:{arg}"),));
        }
    });
    // A weak handle: the namespace holds this handler, which must not keep it alive.
    let weak = ns.downgrade();
    let node = name.clone();
    ns.on_server_side("ss-note", move |args, _ack| {
        let (weak, node) = (weak.clone(), node.clone());
        async move {
            if let Some(ns) = weak.upgrade() {
                let _ = ns.local().emit("ss-note-seen", &(node, args)).await;
            }
        }
    });
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("cluster node {name} (uid {}) on port {port}", cluster.uid());
    io.serve(listener, std::future::pending()).await?;
    Ok(())
}

fn to_json(value: &Value) -> Json {
    serde_json::to_value(value).unwrap_or(Json::Null)
}

fn env_ms(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn on_connect(socket: Socket, node: String) {
    let auth = to_json(socket.auth());
    let _ = socket.set_data(&json!({"node": node, "user": auth.get("user")}));
    socket.on(
        "do",
        |socket: Socket, (command,): (Json,), ack: Option<AckSender>| async move {
            let answer = run(&socket.namespace(), command)
                .await
                .unwrap_or_else(|e| json!({"error": e.to_string()}));
            if let Some(ack) = ack {
                let _ = ack.send(&(answer,));
            }
        },
    );
    let rooms = strings(&auth, "rooms");
    if !rooms.is_empty() {
        let _ = socket.join(rooms).await;
    }
    let _ = socket.emit("ready", &());
}

fn strings(command: &Json, key: &str) -> Vec<String> {
    command
        .get(key)
        .and_then(Json::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|r| r.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Runs one operation of the contract and returns its result.
async fn run(ns: &Namespace, command: Json) -> wsio_server::Result<Json> {
    let op = command.get("op").and_then(Json::as_str).unwrap_or("");
    let rooms = strings(&command, "rooms");
    let except = strings(&command, "except");
    let event = command
        .get("event")
        .and_then(Json::as_str)
        .unwrap_or("e")
        .to_owned();
    let mut args: Vec<Value> = command
        .get("args")
        .and_then(Json::as_array)
        .map(|a| a.iter().cloned().map(Value::from).collect())
        .unwrap_or_default();
    if command.get("binary").and_then(Json::as_bool) == Some(true) {
        args.push(Value::Binary(Bytes::from_static(&[1, 2, 3])));
    }
    let target = ns.to(rooms).except(except);
    Ok(match op {
        "emit" => {
            target.emit(&event, &args).await?;
            Json::Null
        }
        "fetch" => {
            let mut sockets: Vec<Json> = target
                .fetch_sockets()
                .await?
                .into_iter()
                .map(|s| {
                    let mut rooms = s.rooms.clone();
                    rooms.sort();
                    let handshake = to_json(&s.handshake);
                    json!({
                        "id": s.id.to_string(),
                        "rooms": rooms,
                        "data": to_json(&s.data),
                        "auth": handshake.get("auth"),
                        "hasHeaders": handshake.get("headers").is_some_and(Json::is_object),
                        "url": handshake.get("url"),
                    })
                })
                .collect();
            sockets.sort_by_key(|s| s["id"].as_str().map(str::to_owned));
            Json::Array(sockets)
        }
        "join" => {
            target.sockets_join(strings(&command, "room")).await?;
            Json::Null
        }
        "leave" => {
            target.sockets_leave(strings(&command, "room")).await?;
            Json::Null
        }
        "disconnect" => {
            let close = command.get("close").and_then(Json::as_bool) == Some(true);
            target.disconnect_sockets(close).await?;
            Json::Null
        }
        "ssemit" => {
            ns.server_side_emit(&event, &args).await?;
            Json::Null
        }
        "ssemitack" => {
            let mut answers: Vec<Json> = ns
                .server_side_emit_with_ack(&event, &args, Duration::from_secs(3))
                .await?
                .iter()
                .map(to_json)
                .collect();
            answers.sort_by_key(Json::to_string);
            Json::Array(answers)
        }
        "bcastack" => {
            let timeout = command
                .get("timeout")
                .and_then(Json::as_u64)
                .unwrap_or(2000);
            let answers = target
                .timeout(Duration::from_millis(timeout))
                .emit_with_ack(&event, &args)
                .await?;
            let mut ok: Vec<Json> = answers
                .into_iter()
                .filter_map(|a| a.ok())
                .map(|args| args.first().map(to_json).unwrap_or(Json::Null))
                .collect();
            ok.sort_by_key(Json::to_string);
            Json::Array(ok)
        }
        "rooms" => {
            let mut rooms = ns.all_rooms().await?;
            rooms.sort();
            json!(rooms)
        }
        "count" => json!(ns.server_count().await?),
        _ => json!({"error": format!("unknown op {op:?}")}),
    })
}
