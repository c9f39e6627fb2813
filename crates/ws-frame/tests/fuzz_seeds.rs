//! Replays the committed fuzz seeds of this crate's targets through their bodies.

#[path = "../../../fuzz/bodies/replay.rs"]
mod replay;

#[path = "../../../fuzz/bodies/frame_decode.rs"]
mod frame_decode;

#[path = "../../../fuzz/bodies/message_assembly.rs"]
mod message_assembly;

#[path = "../../../fuzz/bodies/connection.rs"]
mod connection;

#[test]
fn frame_decode_server_seeds() {
    replay::replay("frame_decode_server", frame_decode::run_server);
}

#[test]
fn frame_decode_client_seeds() {
    replay::replay("frame_decode_client", frame_decode::run_client);
}

#[test]
fn message_assembly_seeds() {
    replay::replay("message_assembly", message_assembly::run);
}

#[test]
fn connection_seeds() {
    replay::replay("connection", connection::run);
}
