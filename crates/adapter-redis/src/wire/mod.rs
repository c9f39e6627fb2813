//! The classic adapter's wire format, without I/O: channel names, encodings and messages.
//!
//! Everything here is pure: bytes in, typed messages out, and back. The formats are those of
//! `@socket.io/redis-adapter` 8.3 and `@socket.io/redis-emitter` 5.1:
//!
//! * broadcasts: MessagePack `[uid, {type: 2, data: [event, ...args], nsp}, {rooms, except,
//!   flags}]` on `<key>#<nsp>#` (or `<key>#<nsp>#<room>#` for exactly one room);
//! * requests on `<key>-request#<nsp>#`: JSON objects `{uid, requestId, type, ...}`, except
//!   broadcasts with acks (type 7), which are MessagePack;
//! * responses on `<key>-response#<nsp>#` (or `<key>-response#<nsp>#<uid>#`): JSON, except
//!   client acks (type 9), which are MessagePack.
//!
//! A message whose first byte is `{` is JSON, any other is MessagePack. Decoding never
//! panics, refuses messages longer than the limit it is given, and tolerates what the
//! emitter leaves out (no `uid` in requests, no `nsp` or `flags` in broadcasts).

pub mod channel;
pub mod json;
mod message;
pub mod msgpack;
pub mod values;

pub use message::{
    Broadcast, CLIENT_ACK, CLIENT_COUNT, Request, RequestKind, Response, WireOptions, WirePacket,
    WireSocket, decode_broadcast, decode_request, decode_response,
};

use bytes::Bytes;
use event_proto::Value;

/// Why a message could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// The message is longer than the configured limit.
    #[error("message of {0} bytes is over the size limit")]
    TooLarge(usize),
    /// The bytes are not valid JSON or MessagePack.
    #[error("malformed message: {0}")]
    Malformed(&'static str),
    /// The message decodes but does not have the expected shape.
    #[error("unexpected message shape: {0}")]
    Shape(&'static str),
}

/// Decodes a message as JSON when it starts with `{`, as MessagePack otherwise.
pub fn decode_any(input: &Bytes, max_len: usize) -> Result<Value, WireError> {
    if input.len() > max_len {
        return Err(WireError::TooLarge(input.len()));
    }
    if input.first() == Some(&b'{') {
        json::decode(input)
    } else {
        msgpack::decode(input)
    }
}

/// Builds an object value from `(key, value)` pairs, in order.
pub(crate) fn object<const N: usize>(members: [(&str, Value); N]) -> Value {
    Value::Object(
        members
            .into_iter()
            .map(|(key, value)| (key.to_owned(), value))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_encoding_from_the_first_byte() {
        let json = Bytes::from_static(br#"{"a":[1]}"#);
        assert_eq!(
            decode_any(&json, 100),
            Ok(object([(
                "a",
                Value::Array(vec![Value::from(serde_json::json!(1))])
            )]))
        );
        let packed = Bytes::from_static(b"\x81\xa1a\x91\x01");
        assert_eq!(decode_any(&packed, 100), decode_any(&json, 100));
        assert_eq!(decode_any(&packed, 3), Err(WireError::TooLarge(5)));
    }
}
