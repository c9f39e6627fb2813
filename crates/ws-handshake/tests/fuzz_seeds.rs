//! Replays the committed seeds of the handshake fuzz targets through their bodies, so the
//! stable toolchain exercises what the fuzzer runs.

#[path = "../../../fuzz/bodies/replay.rs"]
mod replay;

#[path = "../../../fuzz/bodies/handshake_request.rs"]
mod handshake_request;

#[path = "../../../fuzz/bodies/handshake_response.rs"]
mod handshake_response;

#[path = "../../../fuzz/bodies/extension_header.rs"]
mod extension_header;

#[test]
fn handshake_request_seeds() {
    replay::replay("handshake_request", handshake_request::run);
}

#[test]
fn handshake_response_seeds() {
    replay::replay("handshake_response", handshake_response::run);
}

#[test]
fn extension_header_seeds() {
    replay::replay("extension_header", extension_header::run);
}

#[path = "../../../fuzz/bodies/extended_connect.rs"]
mod extended_connect;

#[test]
fn extended_connect_seeds() {
    replay::replay("extended_connect", extended_connect::run);
}
