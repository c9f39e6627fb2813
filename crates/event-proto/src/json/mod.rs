//! The default Socket.IO parser: the JSON text format with binary placeholders.

mod decode;
mod emit;
mod encode;
mod intercept;

use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::message::Message;
use crate::parser::{Decoder, Encoded, Parser};
use crate::socket::{AttachmentCollector, Packet};
use crate::text::Str;
use serde::Serialize;

/// The default parser, wire-compatible with the reference `socket.io-parser`.
///
/// A packet is text, `<kind>[<attachments>-][<namespace>,][<ack id>][<JSON>]` (namespace left
/// out for `/`), and each binary value becomes a placeholder whose data follows as a separate
/// binary message.
///
/// ```
/// use event_proto::{Decoder, JsonParser, Limits, Message, Parser, Str, Value};
/// use event_proto::socket::Packet;
/// use bytes::Bytes;
///
/// let packet = Packet::event("/", "baz", vec![Value::Binary(Bytes::from_static(&[1, 2, 3, 4]))]);
/// let encoded = JsonParser.encode(&packet).unwrap();
/// assert_eq!(encoded.text(), Some(r#"51-["baz",{"_placeholder":true,"num":0}]"#));
///
/// let mut decoder = JsonParser.decoder(Limits::default());
/// let mut messages = encoded.messages();
/// assert_eq!(decoder.push(messages.next().unwrap()).unwrap(), None);
/// let decoded = decoder.push(messages.next().unwrap()).unwrap().unwrap();
/// assert_eq!(decoded.args(), packet.args());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JsonParser;

impl Parser for JsonParser {
    type Decoder = JsonDecoder;

    fn encode(&self, packet: &Packet) -> Result<Encoded> {
        encode::encode(packet)
    }

    fn encode_event<T: Serialize + ?Sized>(
        &self,
        ns: &Str,
        event: &str,
        args: &T,
        ack: Option<u64>,
    ) -> Result<Encoded> {
        emit::encode_args(ns, Some(event), ack, args)
    }

    fn encode_ack<T: Serialize + ?Sized>(&self, ns: &Str, id: u64, args: &T) -> Result<Encoded> {
        emit::encode_args(ns, None, Some(id), args)
    }

    fn decoder(&self, limits: Limits) -> JsonDecoder {
        JsonDecoder {
            limits,
            collector: AttachmentCollector::new(limits),
        }
    }
}

/// Per-connection state of [`JsonParser`]: a text packet, then its binary attachments.
#[derive(Debug, Clone)]
pub struct JsonDecoder {
    limits: Limits,
    collector: AttachmentCollector,
}

impl Decoder for JsonDecoder {
    fn push(&mut self, message: Message) -> Result<Option<Packet>> {
        match message {
            Message::Text(text) => {
                if self.collector.is_pending() {
                    self.collector.reset();
                    return Err(Error::UnexpectedText);
                }
                let (packet, count) = decode::decode(&text, &self.limits)?;
                if packet.kind.is_binary() {
                    self.collector.start(packet, count)
                } else {
                    Ok(Some(packet))
                }
            }
            Message::Binary(data) => self.collector.push(data),
        }
    }

    fn is_pending(&self) -> bool {
        self.collector.is_pending()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    #[test]
    fn text_during_attachments_is_an_error() {
        let mut d = JsonParser.decoder(Limits::default());
        let head = r#"51-["a",{"_placeholder":true,"num":0}]"#;
        assert_eq!(d.push(Message::Text(Str::from(head))), Ok(None));
        assert!(d.is_pending());
        assert_eq!(
            d.push(Message::Text(Str::from("2[\"b\"]"))),
            Err(Error::UnexpectedText)
        );
        assert!(!d.is_pending());
        assert_eq!(
            d.push(Message::Binary(Bytes::new())),
            Err(Error::UnexpectedBinary)
        );
    }
}
