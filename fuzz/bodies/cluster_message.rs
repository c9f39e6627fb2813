//! Fuzz body: one ClusterAdapter message as the Redis Streams adapter receives it, as a
//! pub/sub payload (JSON or MessagePack) and as the `data` field of a stream entry (JSON or
//! base64 MessagePack). Decoding must never panic, and whatever decodes must re-encode to
//! bytes that decode to the same message again, every way it can be written.

use bytes::Bytes;
use wsio_adapter_redis_streams::wire::ClusterMessage;

const MAX: usize = 1 << 20;

fn round_trips(message: &ClusterMessage) {
    let packed = Bytes::from(message.to_msgpack());
    let again = ClusterMessage::decode(&packed, MAX).expect("re-encoded MessagePack decodes");
    assert_eq!(again.to_msgpack(), packed, "MessagePack round trip");
    let sharded = Bytes::from(message.to_sharded());
    let again = ClusterMessage::decode(&sharded, MAX).expect("re-encoded sharded payload decodes");
    assert_eq!(again.to_msgpack(), packed, "sharded round trip");
    for plaintext in [false, true] {
        let fields = message.to_entry(plaintext);
        let again = ClusterMessage::from_entry(&fields, MAX).expect("re-encoded entry decodes");
        assert_eq!(again.to_entry(plaintext), fields, "entry round trip");
    }
}

/// Decodes `data` every way the adapter does; panics only on a broken round trip.
pub fn run(data: &[u8]) {
    let input = Bytes::copy_from_slice(data);
    if let Ok(message) = ClusterMessage::decode(&input, MAX) {
        round_trips(&message);
    }
    // The same bytes as an entry's data, with every type code in turn.
    let (code, rest) = match data.split_first() {
        Some((first, rest)) => ((first % 15).to_string(), rest),
        None => ("3".to_owned(), data),
    };
    let fields: [(&[u8], &[u8]); 4] = [
        (b"uid", b"fuzz"),
        (b"nsp", b"/"),
        (b"type", code.as_bytes()),
        (b"data", rest),
    ];
    if let Ok(message) = ClusterMessage::from_entry(&fields, MAX) {
        round_trips(&message);
    }
    assert!(
        ClusterMessage::decode(&input, data.len().saturating_sub(1)).is_err() || data.is_empty()
    );
}
