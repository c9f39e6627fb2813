//! Sans-I/O WebSocket frames (RFC 6455): the header codec, masking, message assembly and
//! close codes, with a seam for per-message extensions (RFC 7692).
//!
//! Nothing here does I/O, reads a clock or spawns: bytes go in, frames and messages come out,
//! and frames go in, bytes come out. An async layer (or a test) drives it.
//!
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
