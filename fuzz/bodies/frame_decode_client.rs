//! Body of the `frame_decode_client` fuzz target: frames as a client receives them (unmasked).

#[path = "frame_decode.rs"]
mod frame_decode;

/// Decodes `data` as server-to-client bytes and checks the round-trip invariants.
pub fn run(data: &[u8]) {
    frame_decode::run_for(ws_frame::Role::Client, data);
}
