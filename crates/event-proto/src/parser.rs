//! The parser abstraction: how Socket.IO packets map to Engine.IO messages.

use bytes::Bytes;

use crate::engine;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::message::Message;
use crate::socket::Packet;
use crate::text::Str;
use crate::value::{Value, to_value};

/// A Socket.IO packet encoded for the wire: one head message plus its attachments.
///
/// Cloning shares the buffers (reference counts only), so a broadcast is encoded once and the
/// same `Encoded` is handed to every recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    /// The packet itself: text for the JSON parser, binary for a binary parser such as msgpack.
    pub head: Message,
    /// Binary attachments, each sent as its own binary message right after `head`.
    pub attachments: Vec<Bytes>,
}

impl Encoded {
    /// All messages in send order, each ready to become an Engine.IO message packet.
    pub fn messages(&self) -> impl Iterator<Item = Message> + '_ {
        std::iter::once(self.head.clone())
            .chain(self.attachments.iter().cloned().map(Message::Binary))
    }

    /// All messages as Engine.IO packets (text → `Message`, binary → `Binary`).
    pub fn engine_packets(&self) -> impl Iterator<Item = engine::Packet> + '_ {
        self.messages().map(|m| match m {
            Message::Text(text) => engine::Packet::Message(text),
            Message::Binary(data) => engine::Packet::Binary(data),
        })
    }

    /// The head as text, if it is text.
    pub fn text(&self) -> Option<&str> {
        match &self.head {
            Message::Text(t) => Some(t.as_str()),
            Message::Binary(_) => None,
        }
    }
}

/// A Socket.IO packet format, such as the default JSON one ([`crate::JsonParser`]).
///
/// The server and client are generic over this trait, so another format (for example one
/// wire-compatible with `socket.io-msgpack-parser`, whose packets are single binary messages
/// with binary data inline) plugs in by implementing `encode` and a [`Decoder`], without any
/// change above this crate.
pub trait Parser: Clone + Send + Sync + 'static {
    /// The per-connection decoding state.
    type Decoder: Decoder;

    /// Encodes `packet`; fails if the packet does not validate.
    fn encode(&self, packet: &Packet) -> Result<Encoded>;

    /// Encodes an `EVENT` named `event` whose arguments come from `args`, a value that
    /// serializes as a sequence (a tuple, array or `Vec`; `()` for none); serde byte values become binary
    /// data. Parsers override this to skip the intermediate [`crate::Value`].
    ///
    /// ```
    /// use event_proto::{JsonParser, Parser, Str};
    ///
    /// let e = JsonParser.encode_event(&Str::from("/"), "chat", &(("a", 1),), None).unwrap();
    /// assert_eq!(e.text(), Some(r#"2["chat",["a",1]]"#));
    /// ```
    fn encode_event<T: Serialize + ?Sized>(
        &self,
        ns: &Str,
        event: &str,
        args: &T,
        ack: Option<u64>,
    ) -> Result<Encoded> {
        let mut packet = Packet::event(ns.clone(), event, sequence(to_value(args)?)?);
        packet.id = ack;
        self.encode(&packet)
    }

    /// Encodes an `ACK` answering `id` with `args`, a value that serializes as a sequence.
    fn encode_ack<T: Serialize + ?Sized>(&self, ns: &Str, id: u64, args: &T) -> Result<Encoded> {
        self.encode(&Packet::ack(ns.clone(), id, sequence(to_value(args)?)?))
    }

    /// A fresh decoder for one connection.
    fn decoder(&self, limits: Limits) -> Self::Decoder;
}

fn sequence(value: Value) -> Result<Vec<Value>> {
    match value {
        Value::Array(items) => Ok(items),
        Value::Null => Ok(Vec::new()),
        _ => Err(Error::Serde(
            "arguments must serialize as a sequence".into(),
        )),
    }
}

/// Per-connection decoding state of a [`Parser`]: fed with every Engine.IO message.
pub trait Decoder: Send + 'static {
    /// Feeds one message; returns a packet once one is complete. Errors are the peer's fault
    /// and should close the connection; the decoder drops any partial state on error.
    fn push(&mut self, message: Message) -> Result<Option<Packet>>;

    /// True while a packet waits for more messages (binary attachments).
    fn is_pending(&self) -> bool;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A parser relying on the provided `encode_event` / `encode_ack`.
    #[derive(Clone)]
    struct Defaults;

    impl Parser for Defaults {
        type Decoder = crate::JsonDecoder;
        fn encode(&self, packet: &Packet) -> Result<Encoded> {
            crate::JsonParser.encode(packet)
        }
        fn decoder(&self, limits: Limits) -> Self::Decoder {
            crate::JsonParser.decoder(limits)
        }
    }

    #[test]
    fn provided_methods_match_the_json_fast_path() {
        let ns = Str::from("/n");
        let args = (1, "two", Value::Binary(Bytes::from_static(b"3")));
        let ours = Defaults.encode_event(&ns, "e", &args, Some(4));
        assert_eq!(
            ours,
            crate::JsonParser.encode_event(&ns, "e", &args, Some(4))
        );
        let ack = Defaults.encode_ack(&ns, 9, &args);
        assert_eq!(ack, crate::JsonParser.encode_ack(&ns, 9, &args));
        assert!(Defaults.encode_ack(&ns, 9, &5).is_err());
        assert_eq!(
            Defaults.encode_event(&ns, "e", &(), None),
            crate::JsonParser.encode_event(&ns, "e", &(), None)
        );
    }

    #[test]
    fn messages_in_order() {
        let e = Encoded {
            head: Message::Text(Str::from("51-[...]")),
            attachments: vec![Bytes::from_static(b"x")],
        };
        let msgs: Vec<_> = e.messages().collect();
        assert_eq!(msgs[1], Message::Binary(Bytes::from_static(b"x")));
        let packets: Vec<_> = e.engine_packets().collect();
        assert_eq!(packets[0], engine::Packet::Message(Str::from("51-[...]")));
        assert_eq!(packets[1], engine::Packet::Binary(Bytes::from_static(b"x")));
        assert_eq!(e.text(), Some("51-[...]"));
        let bin = Encoded {
            head: Message::Binary(Bytes::new()),
            attachments: vec![],
        };
        assert_eq!(bin.text(), None);
    }
}
