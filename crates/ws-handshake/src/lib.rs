//! Sans-I/O WebSocket opening handshake (RFC 6455 §4) with subprotocol and permessage-deflate
//! (RFC 7692) negotiation, for servers and clients.
//!
//! Bytes go in, bytes and typed results come out; nothing here reads a socket or a clock, so
//! any runtime can drive it.
//!
//! # Server
//!
//! 1. [`Request::parse`] (or [`Request::parse_buf`]) the bytes received so far. `Ok(None)`
//!    means the head is incomplete: read more, append, parse again. [`Limits`] bound the head
//!    (431 beyond them); bytes after [`Request::head_len`] are early frames and stay yours.
//! 2. [`Request::validate`] checks RFC 6455 §4.2.1 and reads the offers. Inspect
//!    [`Request::origin`], [`Request::path`], [`Request::headers`] to authorize.
//! 3. [`UpgradeRequest::accept`] with [`AcceptOptions`] writes `101 Switching Protocols`; on any
//!    failure, [`Error::response`] (or [`reject`] for your own refusals) writes the answer.
//!
//! ```
//! use ws_handshake::{AcceptOptions, DeflatePolicy, Limits, Request};
//!
//! let mut received = Vec::new();
//! let mut chunks = [&b"GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n"[..],
//!     b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n",
//!     b"Sec-WebSocket-Version: 13\r\nOrigin: https://example.com\r\n\r\n"].into_iter();
//! let request = loop {
//!     match Request::parse(&received, &Limits::default()) {
//!         Ok(Some(request)) => break request,
//!         Ok(None) => received.extend_from_slice(chunks.next().expect("peer sent more")),
//!         Err(error) => panic!("answer {} then close", error.status()),
//!     }
//! };
//! let upgrade = request.validate()?;
//! if request.origin() != Some("https://example.com") {
//!     let _forbidden = ws_handshake::reject(403, "origin not allowed\n", &[])?;
//! }
//! let accepted = upgrade.accept(&AcceptOptions {
//!     deflate: Some(DeflatePolicy::default()),
//!     ..AcceptOptions::default()
//! })?;
//! assert!(accepted.response.starts_with(b"HTTP/1.1 101 Switching Protocols\r\n"));
//! # Ok::<(), ws_handshake::Error>(())
//! ```
//!
//! # HTTP/2 (RFC 8441)
//!
//! Over HTTP/2 a WebSocket opens with an extended CONNECT (`:protocol: websocket`) and a `200`
//! answer: [`validate_extended_connect`] checks the request's method, `:protocol` and fields,
//! [`ConnectUpgrade::accept`] gives the answer's header fields. On the client side,
//! [`ConnectOffer::fields`] gives the request's fields and [`ConnectOffer::verify`] checks the
//! answer's. The frames that follow are RFC 6455's.
//!
//! # Client
//!
//! [`ClientRequest::build`] writes the request with a fresh key and returns a
//! [`ClientHandshake`]; [`ClientHandshake::verify`] checks the answer incrementally and reports
//! the agreed subprotocol and [`PerMessageDeflateConfig`] (example on [`ClientRequest::build`]).
//!
//! # Safety of inputs
//!
//! No input makes this crate panic, and every header a caller supplies for writing is checked
//! for CR, LF and NUL ([`Error::UnsafeHeader`]), so a request or response can never be split.
#![forbid(unsafe_code)]

mod accept;
mod accept_key;
pub mod client;
mod error;
mod extended_connect;
pub mod extension;
mod head_parse;
mod headers;
mod limits;
mod request;
mod response;
mod subprotocol;
mod token_list;
mod validate;

#[cfg(test)]
mod fixtures;

pub use accept::{AcceptOptions, Accepted};
pub use accept_key::{WEBSOCKET_GUID, accept_key, is_valid_key};
pub use client::request::{ClientHandshake, ClientRequest};
pub use client::response::Response;
pub use client::verify::Connected;
pub use error::{Error, Result};
pub use extended_connect::{
    ConnectAccepted, ConnectAgreed, ConnectOffer, ConnectUpgrade, WEBSOCKET_PROTOCOL,
    validate_extended_connect,
};
pub use extension::client::DeflateOffer;
pub use extension::deflate::PerMessageDeflateConfig;
pub use extension::offer::{ExtensionOffer, ExtensionParam, parse_extensions};
pub use extension::server::{DeflateAgreement, DeflatePolicy};
pub use headers::Headers;
pub use limits::Limits;
pub use request::Request;
pub use response::{reason_phrase, reject};
pub use subprotocol::select_subprotocol;
pub use validate::UpgradeRequest;
