//! Replays the committed fuzz seeds of the five event-proto targets.

#[path = "../../../fuzz/bodies/replay.rs"]
mod replay;

#[path = "../../../fuzz/bodies/engine_packet.rs"]
mod engine_packet;
#[path = "../../../fuzz/bodies/msgpack_packet.rs"]
mod msgpack_packet;
#[path = "../../../fuzz/bodies/polling_payload.rs"]
mod polling_payload;
#[path = "../../../fuzz/bodies/socket_packet.rs"]
mod socket_packet;
#[path = "../../../fuzz/bodies/webtransport_stream.rs"]
mod webtransport_stream;

#[test]
fn engine_packet_seeds() {
    replay::replay("engine_packet", engine_packet::run);
}

#[test]
fn polling_payload_seeds() {
    replay::replay("polling_payload", polling_payload::run);
}

#[test]
fn socket_packet_seeds() {
    replay::replay("socket_packet", socket_packet::run);
}

#[test]
fn msgpack_packet_seeds() {
    replay::replay("msgpack_packet", msgpack_packet::run);
}

#[test]
fn webtransport_stream_seeds() {
    replay::replay("webtransport_stream", webtransport_stream::run);
}
