//! Sans-I/O Engine.IO v4 and Socket.IO v5 packets.
//!
//! This crate sits between WebSocket (or HTTP long-polling) messages and Socket.IO events. It
//! performs no I/O, reads no clock and spawns nothing: bytes go in, packets come out, and the
//! other way round.
//!
//! # Layers
//!
//! * [`engine`] — Engine.IO v4. A packet is a type digit (`0` open, `1` close, `2` ping,
//!   `3` pong, `4` message, `5` upgrade, `6` noop) followed by its data. Over WebSocket every
//!   packet is one frame; a binary frame is a binary message with no type byte. Over HTTP
//!   long-polling several packets share one body, separated by the byte `0x1e`, and binary
//!   messages are written as `b` followed by standard base64. The server's first packet is
//!   `open` with a JSON [`engine::Handshake`]. A transport upgrade is the exchange `2probe` →
//!   `3probe` → `5`, modelled by [`engine::UpgradeState`]; [`engine::Session`] computes
//!   heartbeat deadlines from the `now` its driver passes in.
//! * [`socket`] — Socket.IO v5 packets (connect, disconnect, event, ack, connect error and the
//!   binary event/ack kinds), each with a namespace, an optional ack id and a [`Value`]
//!   payload that can hold [`bytes::Bytes`] anywhere.
//! * [`Parser`] — how a Socket.IO packet becomes Engine.IO messages. The default
//!   [`JsonParser`] writes `<kind>[<attachments>-][<namespace>,][<ack id>][<JSON>]`: the
//!   namespace is omitted for `/`, and every binary value is replaced by
//!   `{"_placeholder":true,"num":N}` with the data sent afterwards as separate binary
//!   messages, in order. Its decoder holds a binary packet until all attachments arrived.
//!   [`Parser::encode_event`] serializes serde arguments straight to the wire, and the
//!   resulting [`Encoded`] is cheap to clone, so a broadcast is encoded once.
//!   [`MsgPackParser`] is the MessagePack alternative, wire-compatible with
//!   `socket.io-msgpack-parser`: one binary message per packet, binary data inline (see
//!   [`msgpack`]). [`AnyParser`] picks one of the two at run time, from configuration.
//!
//! # Example
//!
//! ```
//! use bytes::Bytes;
//! use event_proto::engine::{self, decode_payload};
//! use event_proto::{Decoder, JsonParser, Limits, Message, Parser};
//!
//! // A polling POST body carrying two Socket.IO events.
//! let body = Bytes::from_static(b"42[\"hello\"]\x1e42/chat,5[\"world\",1]");
//! let limits = Limits::default();
//! let mut decoder = JsonParser.decoder(limits);
//! let mut names = Vec::new();
//! for packet in decode_payload(body, limits.max_payload).unwrap() {
//!     if let engine::Packet::Message(text) = packet {
//!         let event = decoder.push(Message::Text(text)).unwrap().unwrap();
//!         names.push((event.ns.to_string(), event.event_name().unwrap().to_owned(), event.id));
//!     }
//! }
//! assert_eq!(names[1], ("/chat".to_owned(), "world".to_owned(), Some(5)));
//! ```
//!
//! # Limits
//!
//! Every untrusted size is bounded by a field of [`Limits`]: the polling body size, the number
//! of attachments a packet may announce and their total size. Announced counts never cause an
//! allocation; buffers grow only as data arrives. JSON nesting is bounded by `serde_json`'s
//! recursion limit.

#![forbid(unsafe_code)]

mod any_parser;
pub mod engine;
mod error;
mod json;
mod limits;
mod message;
pub mod msgpack;
mod parser;
pub mod socket;
mod text;
pub mod value;

pub use any_parser::{AnyDecoder, AnyParser, UnknownParser};
pub use error::{Error, Result};
pub use json::{JsonDecoder, JsonParser};
pub use limits::Limits;
pub use message::Message;
pub use msgpack::{MsgPackDecoder, MsgPackParser};
pub use parser::{Decoder, Encoded, Parser};
pub use text::Str;
pub use value::Value;
