//! The single error type of the crate.

use std::fmt::Display;

/// Everything that can go wrong while decoding or encoding Engine.IO and Socket.IO packets.
///
/// Decoding errors are caused by the peer: the usual reaction is to close the session. Variants
/// carry no borrowed data so the type stays small and cheap to move.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A packet had no bytes at all, not even a type.
    #[error("empty packet")]
    Empty,
    /// The packet type byte is not one the protocol defines.
    #[error("unknown packet type {0:#04x}")]
    UnknownType(u8),
    /// A text packet or polling payload is not valid UTF-8.
    #[error("text is not valid UTF-8")]
    InvalidUtf8,
    /// A `b`-prefixed polling packet is not valid base64.
    #[error("invalid base64 in a binary polling packet")]
    InvalidBase64,
    /// A polling payload, or a packet framed on a WebTransport stream, is longer than the
    /// configured maximum.
    #[error("payload of {size} bytes exceeds the limit of {max} bytes")]
    PayloadTooLarge {
        /// Size of the rejected payload, in bytes.
        size: usize,
        /// The configured limit, in bytes.
        max: usize,
    },
    /// The Engine.IO open handshake JSON is malformed.
    #[error("invalid open handshake")]
    InvalidHandshake,
    /// The first packet of a WebTransport stream is not an `open` packet.
    #[error("a WebTransport stream must begin with an open packet")]
    ExpectedOpen,
    /// The attachment count of a binary Socket.IO packet is missing or malformed.
    #[error("invalid attachment count")]
    InvalidAttachmentCount,
    /// A binary packet announced more attachments than allowed.
    #[error("{count} attachments announced, at most {max} allowed")]
    TooManyAttachments {
        /// The announced count, saturated at `usize::MAX`.
        count: usize,
        /// The configured limit.
        max: usize,
    },
    /// The attachments of one packet exceed the configured total size.
    #[error("attachments exceed {max} bytes")]
    AttachmentsTooLarge {
        /// The configured limit, in bytes.
        max: usize,
    },
    /// A namespace does not start with `/` or contains a `,`.
    #[error("invalid namespace")]
    InvalidNamespace,
    /// An acknowledgement id does not fit in a `u64`.
    #[error("ack id out of range")]
    InvalidAckId,
    /// The JSON part of a packet does not parse.
    #[error("invalid JSON payload")]
    InvalidJson,
    /// The payload does not have the shape the packet type requires.
    #[error("invalid payload for a {0} packet")]
    InvalidPayload(&'static str),
    /// An event is named as one of [`RESERVED_EVENTS`](crate::socket::RESERVED_EVENTS), which
    /// the reference parser refuses in both directions.
    #[error("\"{0}\" is a reserved event name")]
    ReservedEvent(&'static str),
    /// A binary placeholder is malformed or points past the received attachments.
    #[error("invalid binary placeholder")]
    InvalidPlaceholder,
    /// A binary message arrived while no binary packet was waiting for attachments.
    #[error("unexpected binary message")]
    UnexpectedBinary,
    /// A text message arrived while a binary packet was still waiting for attachments.
    #[error("unexpected text message while attachments are pending")]
    UnexpectedText,
    /// The bytes are not valid MessagePack, or not the shape of a packet, or nest too deeply;
    /// the text says what is wrong.
    #[error("invalid MessagePack: {0}")]
    InvalidMsgPack(&'static str),
    /// A text message reached a parser whose packets are binary messages.
    #[error("text message where a binary packet was expected")]
    ExpectedBinary,
    /// Converting between user types and payload values failed.
    #[error("serde: {0}")]
    Serde(String),
    /// The arguments of an event (or an acknowledgement) do not fit the type they are
    /// converted into, as [`Packet::deserialize_args`](crate::socket::Packet::deserialize_args)
    /// says: `event "join" has 2 arguments, the handler takes 1`, or `event "join": argument 1:
    /// expected a string, got the number 7`.
    #[error("{0}")]
    Arguments(String),
}

impl Error {
    /// The message without the `serde: ` prefix of [`Error::Serde`].
    pub(crate) fn detail(&self) -> String {
        match self {
            Error::Serde(message) => message.clone(),
            other => other.to_string(),
        }
    }
}

/// What a payload value was, in JSON's terms, for a type error's message.
fn describe_unexpected(unexp: &serde::de::Unexpected<'_>) -> String {
    use serde::de::Unexpected;
    match unexp {
        Unexpected::Bool(b) => b.to_string(),
        Unexpected::Unsigned(n) => format!("the number {n}"),
        Unexpected::Signed(n) => format!("the number {n}"),
        Unexpected::Float(n) => format!("the number {n}"),
        Unexpected::Char(c) => format!("the string {:?}", c.to_string()),
        Unexpected::Str(s) => format!("the string {s:?}"),
        Unexpected::Bytes(_) => "binary data".to_owned(),
        Unexpected::Unit => "null".to_owned(),
        Unexpected::Seq => "an array".to_owned(),
        Unexpected::Map => "an object".to_owned(),
        other => other.to_string(),
    }
}

impl serde::ser::Error for Error {
    fn custom<T: Display>(msg: T) -> Self {
        Error::Serde(msg.to_string())
    }
}

impl serde::de::Error for Error {
    fn custom<T: Display>(msg: T) -> Self {
        Error::Serde(msg.to_string())
    }

    /// `expected a string, got the number 7`: what the type wanted first, then what the
    /// payload held, in JSON's terms.
    fn invalid_type(unexp: serde::de::Unexpected<'_>, exp: &dyn serde::de::Expected) -> Self {
        Error::Serde(format!(
            "expected {exp}, got {}",
            describe_unexpected(&unexp)
        ))
    }
}

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_readable() {
        let e = Error::PayloadTooLarge { size: 10, max: 5 };
        assert_eq!(
            e.to_string(),
            "payload of 10 bytes exceeds the limit of 5 bytes"
        );
        assert_eq!(
            Error::UnknownType(b'9').to_string(),
            "unknown packet type 0x39"
        );
        let custom: Error = serde::de::Error::custom("boom");
        assert_eq!(custom, Error::Serde("boom".into()));
    }

    #[test]
    fn error_is_small() {
        assert!(std::mem::size_of::<Error>() <= 32);
    }
}
