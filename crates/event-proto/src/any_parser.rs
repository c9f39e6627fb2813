//! [`AnyParser`]: the parser chosen at run time, from configuration, rather than by a type
//! parameter.

use serde::Serialize;

use crate::error::Result;
use crate::json::{JsonDecoder, JsonParser};
use crate::limits::Limits;
use crate::message::Message;
use crate::msgpack::{MsgPackDecoder, MsgPackParser};
use crate::parser::{Decoder, Encoded, Parser};
use crate::socket::Packet;
use crate::text::Str;

/// One of the Socket.IO parsers, picked when a server or client is configured.
///
/// Both ends of a connection must use the same parser: [`AnyParser::Json`] is what every
/// Socket.IO client speaks by default; [`AnyParser::MsgPack`] matches a JavaScript peer
/// configured with `socket.io-msgpack-parser`. Dispatching on the variant costs one branch
/// per packet.
///
/// ```
/// use event_proto::{AnyParser, Decoder, Limits, Parser, Str};
///
/// let parser: AnyParser = "msgpack".parse().unwrap();
/// let encoded = parser.encode_event(&Str::from("/"), "hello", &("world",), None).unwrap();
/// let mut decoder = parser.decoder(Limits::default());
/// let mut packet = None;
/// for message in encoded.messages() {
///     packet = decoder.push(message).unwrap();
/// }
/// assert_eq!(packet.unwrap().event_name(), Some("hello"));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AnyParser {
    /// [`JsonParser`]: text messages, binary data as separate attachments. The default.
    #[default]
    Json,
    /// [`MsgPackParser`]: one binary message per packet, binary data inline.
    MsgPack,
}

impl AnyParser {
    /// The parser's name as configuration spells it: `"json"` or `"msgpack"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            AnyParser::Json => "json",
            AnyParser::MsgPack => "msgpack",
        }
    }
}

impl std::fmt::Display for AnyParser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing a name that is not a known [`AnyParser`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownParser(pub String);

impl std::fmt::Display for UnknownParser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "unknown Socket.IO parser {:?} (known: json, msgpack)",
            self.0
        )
    }
}

impl std::error::Error for UnknownParser {}

impl std::str::FromStr for AnyParser {
    type Err = UnknownParser;

    fn from_str(name: &str) -> std::result::Result<Self, Self::Err> {
        match name {
            "json" => Ok(AnyParser::Json),
            "msgpack" => Ok(AnyParser::MsgPack),
            other => Err(UnknownParser(other.to_owned())),
        }
    }
}

/// The decoder of an [`AnyParser`]: the chosen parser's own decoder.
#[derive(Debug)]
pub enum AnyDecoder {
    /// [`JsonParser`]'s decoder.
    Json(JsonDecoder),
    /// [`MsgPackParser`]'s decoder.
    MsgPack(MsgPackDecoder),
}

impl Parser for AnyParser {
    type Decoder = AnyDecoder;

    fn encode(&self, packet: &Packet) -> Result<Encoded> {
        match self {
            AnyParser::Json => JsonParser.encode(packet),
            AnyParser::MsgPack => MsgPackParser.encode(packet),
        }
    }

    fn encode_event<T: Serialize + ?Sized>(
        &self,
        ns: &Str,
        event: &str,
        args: &T,
        ack: Option<u64>,
    ) -> Result<Encoded> {
        match self {
            AnyParser::Json => JsonParser.encode_event(ns, event, args, ack),
            AnyParser::MsgPack => MsgPackParser.encode_event(ns, event, args, ack),
        }
    }

    fn encode_ack<T: Serialize + ?Sized>(&self, ns: &Str, id: u64, args: &T) -> Result<Encoded> {
        match self {
            AnyParser::Json => JsonParser.encode_ack(ns, id, args),
            AnyParser::MsgPack => MsgPackParser.encode_ack(ns, id, args),
        }
    }

    fn decoder(&self, limits: Limits) -> AnyDecoder {
        match self {
            AnyParser::Json => AnyDecoder::Json(JsonParser.decoder(limits)),
            AnyParser::MsgPack => AnyDecoder::MsgPack(MsgPackParser.decoder(limits)),
        }
    }
}

impl Decoder for AnyDecoder {
    fn push(&mut self, message: Message) -> Result<Option<Packet>> {
        match self {
            AnyDecoder::Json(d) => d.push(message),
            AnyDecoder::MsgPack(d) => d.push(message),
        }
    }

    fn is_pending(&self) -> bool {
        match self {
            AnyDecoder::Json(d) => d.is_pending(),
            AnyDecoder::MsgPack(d) => d.is_pending(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Value;
    use bytes::Bytes;

    fn round_trip(parser: AnyParser) -> Packet {
        let ns = Str::from("/chat");
        let args = ("hi", Value::Binary(Bytes::from_static(b"\x00\x01")));
        let encoded = parser.encode_event(&ns, "say", &args, Some(3)).unwrap();
        let mut decoder = parser.decoder(Limits::default());
        let mut out = None;
        for message in encoded.messages() {
            assert!(out.is_none(), "a packet came before its last message");
            out = decoder.push(message).unwrap();
        }
        assert!(!decoder.is_pending());
        out.expect("a whole packet")
    }

    #[test]
    fn each_variant_encodes_as_its_parser_and_decodes_its_own_output() {
        let ns = Str::from("/");
        for (any, json) in [(AnyParser::Json, true), (AnyParser::MsgPack, false)] {
            let ours = any.encode_event(&ns, "e", &(1,), None).unwrap();
            let theirs = if json {
                JsonParser.encode_event(&ns, "e", &(1,), None).unwrap()
            } else {
                MsgPackParser.encode_event(&ns, "e", &(1,), None).unwrap()
            };
            assert_eq!(ours, theirs);
            let packet = round_trip(any);
            assert_eq!(packet.event_name(), Some("say"));
            assert_eq!(packet.id, Some(3));
            assert_eq!(packet.ns.as_str(), "/chat");
        }
    }

    #[test]
    fn names_parse_and_unknown_ones_are_refused() {
        for p in [AnyParser::Json, AnyParser::MsgPack] {
            assert_eq!(p.as_str().parse::<AnyParser>(), Ok(p));
            assert_eq!(p.to_string(), p.as_str());
        }
        let err = "cbor".parse::<AnyParser>().unwrap_err();
        assert!(err.to_string().contains("\"cbor\""));
        assert_eq!(AnyParser::default(), AnyParser::Json);
    }

    #[test]
    fn a_text_message_to_the_msgpack_decoder_is_an_error() {
        // A text message to a MessagePack decoder is an error, not a panic.
        let mut d = AnyParser::MsgPack.decoder(Limits::default());
        assert!(d.push(Message::Text(Str::from("42[\"x\"]"))).is_err());
    }
}
