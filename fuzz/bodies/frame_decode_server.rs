//! Body of the `frame_decode_server` fuzz target: frames as a server receives them (masked).

#[path = "frame_decode.rs"]
mod frame_decode;

/// Decodes `data` as client-to-server bytes and checks the round-trip invariants.
pub fn run(data: &[u8]) {
    frame_decode::run_for(ws_frame::Role::Server, data);
}
