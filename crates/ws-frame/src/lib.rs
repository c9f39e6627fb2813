//! Sans-I/O WebSocket frames and connections (RFC 6455): the header codec, masking, message
//! assembly, close codes and the connection state machine, with a seam for per-message
//! extensions (RFC 7692).
//!
//! Nothing here does I/O, reads a clock or spawns: bytes go in, frames and messages come out,
//! and frames go in, bytes come out. An async layer (or a test) drives it.
//!
//! * [`Connection`] is the protocol of one open connection as a state machine: bytes and
//!   messages in; [`Event`]s, bytes to send and the next deadline out; the time passed in. It
//!   answers pings and close frames, fails the connection with the right close code, runs the
//!   closing handshake ([`State`]) with its timeout and sends keepalive pings. A driver reads,
//!   writes and sleeps for it (`wsio-ws` on tokio; an HTTP/2 stream could run the same one).
//! * [`Outgoing`] is its queue of encoded frames, large payloads kept uncopied for vectored
//!   writes.
//! * [`FrameDecoder`] turns a read buffer into [`Frame`]s, checking the rules of RFC 6455 §5
//!   for its [`Role`]; payloads are zero-copy splits of the buffer, unmasked in place.
//! * [`MessageAssembler`] turns frames into [`Message`]s: fragments joined, UTF-8 checked
//!   incrementally, [`Limits`] enforced, control frames passed through.
//! * [`FrameEncoder`] turns frames into bytes, masking them when the role is a client.
//! * Every [`Error`] names the [`CloseCode`] to answer it with.
//! * With the default `codec` feature, the decoder and encoder implement tokio-util's
//!   `Decoder`/`Encoder` traits ([`FrameCodec`]); no tokio runtime is pulled in.
//! * With the `deflate` feature, [`PerMessageDeflate`] implements permessage-deflate
//!   (RFC 7692) as an [`Extension`], with every negotiated parameter, a size threshold and
//!   bounded inflation.
//!
//! ```
//! use bytes::BytesMut;
//! use ws_frame::{FrameDecoder, FrameEncoder, Message, MessageAssembler, Role, Frame};
//!
//! // A client sends a masked text frame...
//! let mut wire = BytesMut::new();
//! FrameEncoder::new(Role::Client).encode(&Frame::text("Hello"), &mut wire);
//!
//! // ...and the server decodes and assembles it.
//! let mut decoder = FrameDecoder::new(Role::Server);
//! let mut assembler = MessageAssembler::default();
//! let frame = decoder.decode(&mut wire)?.expect("a whole frame");
//! assert_eq!(assembler.push(frame)?, Some(Message::Text("Hello".into())));
//! # Ok::<(), ws_frame::Error>(())
//! ```
//!
//! A [`Connection`] driven by hand: a server receives a client's masked text frame, then
//! closes.
//!
//! ```
//! use std::time::Instant;
//! use bytes::BytesMut;
//! use ws_frame::{
//!     CloseCode, CloseFrame, Connection, ConnectionConfig, Event, Frame, FrameDecoder,
//!     FrameEncoder, Message, OpCode, Role, State,
//! };
//!
//! let mut server = Connection::new(Role::Server, &ConnectionConfig::default());
//!
//! // The client's masked text frame arrives, in two reads.
//! let wire = FrameEncoder::new(Role::Client).encode_to_bytes(&Frame::text("Hello"));
//! server.receive_data(&wire[..3]);
//! assert!(server.next_event().is_none());
//! server.receive_data(&wire[3..]);
//! match server.next_event() {
//!     Some(Event::Message(Message::Text(text))) => assert_eq!(text.as_str(), "Hello"),
//!     other => panic!("{other:?}"),
//! }
//!
//! // The server closes: its close frame is queued, and a deadline starts.
//! server.send(Message::Close(Some(CloseFrame::new(CloseCode::NORMAL, "bye"))))?;
//! assert_eq!(server.state(), State::CloseSent);
//! let now = Instant::now();
//! assert!(server.next_deadline(now).is_some());
//! let mut out = BytesMut::from(&server.data_to_send()[..]);
//! let sent = FrameDecoder::new(Role::Client).decode(&mut out)?.expect("a close frame");
//! assert_eq!(sent.opcode, OpCode::Close);
//!
//! // The client answers; the handshake is complete: shut the transport down.
//! let answer = Frame::close(Some(&CloseFrame::new(CloseCode::NORMAL, "")));
//! server.receive_data(&FrameEncoder::new(Role::Client).encode_to_bytes(&answer));
//! assert!(matches!(server.next_event(), Some(Event::Message(Message::Close(_)))));
//! assert_eq!(server.state(), State::Closing);
//! assert!(server.data_to_send().is_empty());
//! server.transport_closed();
//! assert_eq!(server.state(), State::Closed);
//! # Ok::<(), ws_frame::Error>(())
//! ```

mod assembler;
mod close;
#[cfg(feature = "codec")]
mod codec;
mod connection;
mod decoder;
#[cfg(feature = "deflate")]
mod deflate;
mod encoder;
mod error;
mod extension;
mod frame;
mod header;
mod limits;
mod mask;
mod mask_keys;
mod message;
mod opcode;
mod outgoing;
mod role;
mod utf8;

pub use assembler::MessageAssembler;
pub use close::{CloseCode, CloseFrame, MAX_CLOSE_REASON};
#[cfg(feature = "codec")]
pub use codec::FrameCodec;
pub use connection::{Connection, ConnectionConfig, Event, State};
pub use decoder::FrameDecoder;
#[cfg(feature = "deflate")]
pub use deflate::{DeflateConfig, PerMessageDeflate};
pub use encoder::{FrameEncoder, encode_with_mask};
pub use error::Error;
pub use extension::Extension;
pub use frame::Frame;
pub use header::{FrameHeader, MAX_HEADER_LEN, RSV_ALL, RSV1, RSV2, RSV3};
pub use limits::Limits;
pub use mask::{apply_mask, apply_mask_at, apply_mask_bytewise};
pub use mask_keys::MaskKeys;
pub use message::Message;
pub use opcode::OpCode;
pub use outgoing::{Outgoing, ZERO_COPY_MIN};
pub use role::Role;
pub use utf8::Utf8Bytes;
