//! Fuzz body: one message as the Redis adapter receives it from another node, decoded as a
//! broadcast, a request, a response and a bare MessagePack value. Decoding must never panic,
//! and whatever decodes must re-encode to bytes that decode to the same encoding again.

use bytes::Bytes;
use wsio_adapter_redis::wire;

const MAX: usize = 1 << 20;

/// Decodes `data` every way the adapter does; panics only on a broken round trip.
pub fn run(data: &[u8]) {
    let input = Bytes::copy_from_slice(data);
    if let Ok(broadcast) = wire::decode_broadcast(&input, MAX) {
        let once = broadcast.encode();
        let again = wire::decode_broadcast(&Bytes::from(once.clone()), MAX)
            .expect("a re-encoded broadcast decodes");
        assert_eq!(again.encode(), once, "broadcast round trip");
    }
    if let Ok(Some(request)) = wire::decode_request(&input, MAX) {
        let once = request.encode();
        let again = wire::decode_request(&Bytes::from(once.clone()), MAX)
            .expect("a re-encoded request decodes")
            .expect("of a known type");
        assert_eq!(again.encode(), once, "request round trip");
    }
    if let Ok(response) = wire::decode_response(&input, MAX) {
        // Readers of every kind tolerate any shape.
        let _ = (
            response.socket_list(),
            response.room_list(),
            response.count(),
        );
        let _ = (
            response.socket_id_list(),
            response.data(),
            response.packet(),
        );
    }
    if let Ok(value) = wire::msgpack::decode(&input) {
        let once = wire::msgpack::to_vec(&value);
        let again = wire::msgpack::decode(&Bytes::from(once.clone()))
            .expect("re-encoded MessagePack decodes");
        assert_eq!(
            wire::msgpack::to_vec(&again),
            once,
            "MessagePack round trip"
        );
    }
    assert!(wire::decode_any(&input, data.len().saturating_sub(1)).is_err() || data.is_empty());
}
