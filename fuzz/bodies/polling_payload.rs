//! Fuzz body: an HTTP long-polling body split into Engine.IO packets.
//!
//! A decoded payload must encode back to a body that decodes to the same packets.

use bytes::Bytes;
use event_proto::engine::{decode_payload, encode_payload};

/// The limit used while fuzzing; small enough to also exercise the rejection path.
const MAX_PAYLOAD: usize = 64 * 1024;

/// Decodes `data` as a polling body; never panics except on a broken round trip.
pub fn run(data: &[u8]) {
    let Ok(packets) = decode_payload(Bytes::copy_from_slice(data), MAX_PAYLOAD) else {
        return;
    };
    assert!(
        !packets.is_empty(),
        "a decoded payload holds at least one packet"
    );
    let body = encode_payload(&packets);
    let again = decode_payload(body, usize::MAX);
    assert_eq!(again.as_ref(), Ok(&packets), "payload round trip");
}
