//! Engine.IO over a byte stream: the framing of the WebTransport transport.
//!
//! Since engine.io 6.5 (socket.io 4.7, engine.io-parser 5.2) a client may run its session on
//! WebTransport. All Engine.IO packets then travel over one QUIC bidirectional stream that
//! the client opens. A stream has no message boundaries, so each packet is preceded by a
//! header that tells its length and kind.
//!
//! # Framing
//!
//! A packet's *body* is its usual WebSocket form: for a text packet, the type digit and the
//! data as UTF-8 (`4hello`, `2`, `0{"sid":...}`); for a binary message, its raw bytes with
//! no type digit. The header in front of the body is:
//!
//! | first byte (low 7 bits) | then            | body length              |
//! |-------------------------|-----------------|--------------------------|
//! | `0..=125`               | nothing         | that value               |
//! | `126`                   | 2 bytes, BE     | `0..=65_535`             |
//! | `127`                   | 8 bytes, BE     | up to 2<sup>53</sup> − 1 |
//!
//! The most significant bit of the first byte is set for a binary message and clear for a
//! text packet. Writers use the shortest form (a body of 125 bytes takes one header byte, 126
//! takes three, 65 536 takes nine); readers also accept a longer form than needed.
//!
//! # Limits and errors
//!
//! [`StreamDecoder`] checks the declared length against its `max_payload` as soon as the
//! header is complete, before buffering any of the body, and fails with
//! [`Error::PayloadTooLarge`]. The reference reader works with JavaScript numbers and rejects
//! a 64-bit length of 2<sup>53</sup> or more whatever its limit; here the limit is capped at
//! [`MAX_LENGTH`] to the same effect. Other errors: a text body that is not UTF-8
//! ([`Error::InvalidUtf8`]), an empty text body ([`Error::Empty`]) and an unknown type digit
//! ([`Error::UnknownType`]). The reference answers every error with a `parser error` packet
//! that makes the server drop the session; [`StreamDecoder`] likewise stops at the first
//! error and gives it again on every later call.
//!
//! Three differences with engine.io-parser 5.2.3's reader, all about input its writer never
//! produces: it replaces bytes that are not UTF-8 with U+FFFD where this module refuses them;
//! it reads a text body starting with `b` as base64 (the polling form of a binary message)
//! where this module refuses it, as it does on WebSocket; and it rejects any body of length
//! zero, where this module accepts an empty binary message (its writer does frame one, as the
//! single byte `0x80`, so a peer running engine.io-parser closes the session on receiving it).
//!
//! # How a session starts
//!
//! The client opens a WebTransport session on the Engine.IO path (`/engine.io/` by default,
//! with no query: engine.io-client 6.6 adds none and the Node server reads only the path), then
//! one bidirectional stream, and writes an `open` packet on it first; [`StreamStart`] reads and
//! writes it:
//!
//! * with no data (`0`): a new session. The server answers on the same stream with its own
//!   `open` packet carrying the [`Handshake`](super::Handshake) JSON, exactly as on the other
//!   transports (its `upgrades` list is empty: WebTransport is the best transport there is),
//!   then pings as usual.
//! * with `{"sid":"<id>"}`: an upgrade of an existing polling session, offered by a polling
//!   handshake whose `upgrades` list `"webtransport"` (the client then waits 200 ms before
//!   probing any other transport, to favour it). The URL carries no query, so the server
//!   learns the `sid` from this packet only. It checks that the session exists and is
//!   not already upgrading or upgraded, then the usual probe follows on the stream: `2probe`
//!   from the client, `3probe` from the server, `5` from the client
//!   ([`UpgradeState`](super::UpgradeState)).
//!
//! Anything else as first packet (another type, data that is not a JSON object with a string
//! `sid`, an unknown sid) makes the Node server close the WebTransport session, as it does
//! when no stream is opened within its `upgradeTimeout`. Since the Node server learns nothing
//! from HTTP headers here, it refuses WebTransport altogether when middlewares are installed.
//! The stream's reader on the server is bounded by `maxHttpBufferSize`; the client's reader
//! has no limit (`Number.MAX_SAFE_INTEGER`).
//!
//! # Example
//!
//! ```
//! use bytes::{Bytes, BytesMut};
//! use event_proto::engine::webtransport::{self, StreamDecoder, StreamStart};
//! use event_proto::engine::Packet;
//! use event_proto::Str;
//!
//! // The client's side: the first packet, then a message and a binary message.
//! let mut wire = BytesMut::new();
//! webtransport::encode(&StreamStart::New.to_packet(), &mut wire);
//! webtransport::encode(&Packet::Message(Str::from("hello")), &mut wire);
//! webtransport::encode(&Packet::Binary(Bytes::from_static(&[1, 2, 3])), &mut wire);
//! assert_eq!(&wire[..], b"\x010\x064hello\x83\x01\x02\x03");
//!
//! // The server's side: the bytes arrive in pieces, split anywhere.
//! let mut decoder = StreamDecoder::new(1_000_000);
//! let mut buf = BytesMut::new();
//! let mut packets = Vec::new();
//! for piece in wire.chunks(4) {
//!     buf.extend_from_slice(piece);
//!     while let Some(packet) = decoder.decode(&mut buf).unwrap() {
//!         packets.push(packet);
//!     }
//! }
//! assert_eq!(StreamStart::from_packet(&packets[0]).unwrap(), StreamStart::New);
//! assert_eq!(packets[1], Packet::Message(Str::from("hello")));
//! assert_eq!(packets[2], Packet::Binary(Bytes::from_static(&[1, 2, 3])));
//! ```

use bytes::{Buf, BufMut, Bytes, BytesMut};
use serde::Deserialize;

use super::packet::Packet;
use crate::error::{Error, Result};
use crate::text::Str;

/// The largest body length a stream header may declare: 2<sup>53</sup> − 1, the largest
/// integer JavaScript represents exactly. A [`StreamDecoder`]'s limit never exceeds it.
pub const MAX_LENGTH: u64 = (1 << 53) - 1;

/// Set in the first header byte of a binary message.
const BINARY: u8 = 0x80;
/// First-byte length values announcing a 16-bit and a 64-bit length.
const LENGTH_16: u8 = 126;
const LENGTH_64: u8 = 127;

/// The header written in front of one packet's body: 1, 3 or 9 bytes.
///
/// ```
/// use event_proto::engine::webtransport::StreamHeader;
///
/// assert_eq!(StreamHeader::new(125, false).as_bytes(), [125]);
/// assert_eq!(StreamHeader::new(126, true).as_bytes(), [0x80 | 126, 0, 126]);
/// assert_eq!(StreamHeader::new(65_536, false).as_bytes(), [127, 0, 0, 0, 0, 0, 1, 0, 0]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamHeader {
    bytes: [u8; 9],
    len: u8,
}

impl StreamHeader {
    /// The header of a body of `body_len` bytes, binary or text, in its shortest form.
    pub fn new(body_len: usize, binary: bool) -> StreamHeader {
        let mut bytes = [0; 9];
        let len = if body_len < usize::from(LENGTH_16) {
            // Fits in seven bits: checked just above.
            bytes[0] = body_len as u8;
            1
        } else if let Ok(short) = u16::try_from(body_len) {
            bytes[0] = LENGTH_16;
            bytes[1..3].copy_from_slice(&short.to_be_bytes());
            3
        } else {
            bytes[0] = LENGTH_64;
            bytes[1..9].copy_from_slice(&(body_len as u64).to_be_bytes());
            9
        };
        if binary {
            bytes[0] |= BINARY;
        }
        StreamHeader { bytes, len }
    }

    /// The header of `packet`'s body.
    pub fn for_packet(packet: &Packet) -> StreamHeader {
        StreamHeader::new(body_len(packet), matches!(packet, Packet::Binary(_)))
    }

    /// The header's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

/// Length of `packet`'s body: its text encoding, or a binary message's bytes.
pub fn body_len(packet: &Packet) -> usize {
    match packet {
        Packet::Binary(data) => data.len(),
        other => other.text_len(),
    }
}

/// Bytes [`encode`] appends for `packet`, header included.
pub fn encoded_len(packet: &Packet) -> usize {
    StreamHeader::for_packet(packet).as_bytes().len() + body_len(packet)
}

/// Appends `packet`, header and body, to `out`, reserving exactly what it needs.
///
/// A binary message's bytes are copied once, into `out`; [`encode_parts`] avoids even that.
pub fn encode(packet: &Packet, out: &mut BytesMut) {
    let header = StreamHeader::for_packet(packet);
    out.reserve(header.as_bytes().len() + body_len(packet));
    out.put_slice(header.as_bytes());
    match packet {
        Packet::Binary(data) => out.put_slice(data),
        other => other.write_text(out),
    }
}

/// `packet`'s header and body apart, for a vectored write: a binary message's body is its
/// [`Bytes`], shared rather than copied; a text packet's body is its text encoding.
///
/// ```
/// use bytes::Bytes;
/// use event_proto::engine::webtransport::encode_parts;
/// use event_proto::engine::Packet;
///
/// let data = Bytes::from(vec![7; 70_000]);
/// let (header, body) = encode_parts(&Packet::Binary(data.clone()));
/// assert_eq!(header.as_bytes(), [0x80 | 127, 0, 0, 0, 0, 0, 1, 0x11, 0x70]);
/// assert_eq!(body.as_ptr(), data.as_ptr());
/// ```
pub fn encode_parts(packet: &Packet) -> (StreamHeader, Bytes) {
    let header = StreamHeader::for_packet(packet);
    let body = match packet {
        Packet::Binary(data) => data.clone(),
        other => {
            let mut text = BytesMut::with_capacity(other.text_len());
            other.write_text(&mut text);
            text.freeze()
        }
    };
    (header, body)
}

/// Where the decoder is within the packet under way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Waiting for the first header byte.
    Header,
    /// Waiting for the 2 or 8 length bytes that follow the first byte.
    Length { binary: bool, width: usize },
    /// Waiting for a body of `len` bytes, already checked against the limit.
    Body { binary: bool, len: usize },
}

/// Reads framed packets from a stream's bytes, sans-I/O.
///
/// Append what the stream delivers to a buffer and call [`decode`](StreamDecoder::decode)
/// until it answers `Ok(None)`: chunks may split a packet anywhere or hold several. A packet's
/// body is split off the buffer without copying; a text body is checked as UTF-8 once. The
/// decoder remembers a header that is read, so resuming loses nothing; keep appending to the
/// same buffer.
///
/// The decoder never reserves memory for a declared length: the body is only ever what the
/// caller appended, and a declared length above the limit fails before any of it is buffered.
/// A caller that decodes after every append therefore holds at most one packet's header and
/// body, plus one read.
#[derive(Debug, Clone)]
pub struct StreamDecoder {
    max_payload: usize,
    state: State,
    failed: Option<Error>,
}

impl StreamDecoder {
    /// A decoder accepting bodies of at most `max_payload` bytes (capped at [`MAX_LENGTH`]).
    /// The Node server uses its `maxHttpBufferSize` (1 MB by default).
    pub fn new(max_payload: usize) -> StreamDecoder {
        let cap = usize::try_from(MAX_LENGTH).unwrap_or(usize::MAX);
        StreamDecoder {
            max_payload: max_payload.min(cap),
            state: State::Header,
            failed: None,
        }
    }

    /// The largest body accepted, in bytes.
    pub fn max_payload(&self) -> usize {
        self.max_payload
    }

    /// True while a packet is partly read: its header or body has begun.
    pub fn is_mid_packet(&self) -> bool {
        self.state != State::Header
    }

    /// Takes the next complete packet off the front of `src`, or `Ok(None)` when `src` ends
    /// within one (the bytes read so far stay accounted for).
    ///
    /// After an error the stream is unusable: every later call returns the same error.
    pub fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Packet>> {
        if let Some(error) = &self.failed {
            return Err(error.clone());
        }
        let result = self.step(src);
        if let Err(error) = &result {
            self.failed = Some(error.clone());
        }
        result
    }

    fn step(&mut self, src: &mut BytesMut) -> Result<Option<Packet>> {
        loop {
            match self.state {
                State::Header => {
                    let Some(&first) = src.first() else {
                        return Ok(None);
                    };
                    src.advance(1);
                    let binary = first & BINARY != 0;
                    self.state = match first & !BINARY {
                        LENGTH_16 => State::Length { binary, width: 2 },
                        LENGTH_64 => State::Length { binary, width: 8 },
                        len => self.body(binary, u64::from(len))?,
                    };
                }
                State::Length { binary, width } => {
                    if src.len() < width {
                        return Ok(None);
                    }
                    let len = src.get_uint(width);
                    self.state = self.body(binary, len)?;
                }
                State::Body { binary, len } => {
                    if src.len() < len {
                        return Ok(None);
                    }
                    let body = src.split_to(len).freeze();
                    self.state = State::Header;
                    return finish(binary, body).map(Some);
                }
            }
        }
    }

    /// The state after a header declaring `len` bytes, or the limit's error.
    fn body(&self, binary: bool, len: u64) -> Result<State> {
        match usize::try_from(len) {
            Ok(len) if len <= self.max_payload => Ok(State::Body { binary, len }),
            _ => Err(Error::PayloadTooLarge {
                size: usize::try_from(len).unwrap_or(usize::MAX),
                max: self.max_payload,
            }),
        }
    }
}

/// The packet a complete body carries.
fn finish(binary: bool, body: Bytes) -> Result<Packet> {
    if binary {
        Ok(Packet::Binary(body))
    } else {
        Packet::decode_text(Str::from_utf8(body)?)
    }
}

/// The client's first packet on the stream: a new session or the upgrade of an existing one.
///
/// ```
/// use event_proto::engine::webtransport::StreamStart;
/// use event_proto::engine::Packet;
/// use event_proto::Str;
///
/// let first = Packet::Open(Str::from(r#"{"sid":"AbC_12"}"#));
/// let start = StreamStart::from_packet(&first).unwrap();
/// assert_eq!(start, StreamStart::Upgrade { sid: "AbC_12".into() });
/// assert_eq!(start.to_packet(), first);
/// assert!(StreamStart::from_packet(&Packet::probe_ping()).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamStart {
    /// `0` with no data: the client asks for a new session; the server answers with the
    /// [`Handshake`](super::Handshake).
    New,
    /// `0{"sid":"<id>"}`: the client moves its existing session to this stream; the probe
    /// exchange follows.
    Upgrade {
        /// The session id, as the server gave it in its handshake.
        sid: String,
    },
}

#[derive(Deserialize)]
struct SidOnly {
    sid: String,
}

impl StreamStart {
    /// Reads the client's first packet: [`Error::ExpectedOpen`] for a packet other than
    /// `open`, [`Error::InvalidHandshake`] for data that is not a JSON object with a string
    /// `sid` (other members are ignored).
    pub fn from_packet(packet: &Packet) -> Result<StreamStart> {
        let Packet::Open(data) = packet else {
            return Err(Error::ExpectedOpen);
        };
        if data.is_empty() {
            return Ok(StreamStart::New);
        }
        serde_json::from_slice::<SidOnly>(data.as_bytes())
            .map(|parsed| StreamStart::Upgrade { sid: parsed.sid })
            .map_err(|_| Error::InvalidHandshake)
    }

    /// The `open` packet a client writes first.
    pub fn to_packet(&self) -> Packet {
        match self {
            StreamStart::New => Packet::Open(Str::default()),
            StreamStart::Upgrade { sid } => {
                let json = serde_json::json!({ "sid": sid }).to_string();
                Packet::Open(Str::from(json))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Str {
        Str::from(s)
    }

    fn encoded(packet: &Packet) -> BytesMut {
        let mut out = BytesMut::new();
        encode(packet, &mut out);
        out
    }

    /// Decodes everything in `wire` fed in pieces of `step` bytes.
    fn decode_in_steps(wire: &[u8], step: usize, max: usize) -> Result<Vec<Packet>> {
        let mut decoder = StreamDecoder::new(max);
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        for piece in wire.chunks(step.max(1)) {
            buf.extend_from_slice(piece);
            while let Some(packet) = decoder.decode(&mut buf)? {
                out.push(packet);
            }
        }
        assert!(buf.is_empty(), "leftover bytes");
        assert!(!decoder.is_mid_packet(), "packet under way at the end");
        Ok(out)
    }

    #[test]
    fn header_forms_at_their_boundaries() {
        let cases: [(usize, &[u8]); 8] = [
            (0, &[0]),
            (1, &[1]),
            (125, &[125]),
            (126, &[126, 0, 126]),
            (255, &[126, 0, 255]),
            (65_535, &[126, 0xff, 0xff]),
            (65_536, &[127, 0, 0, 0, 0, 0, 1, 0, 0]),
            (1 << 40, &[127, 0, 0, 1, 0, 0, 0, 0, 0]),
        ];
        for (len, want) in cases {
            assert_eq!(StreamHeader::new(len, false).as_bytes(), want, "{len}");
            let binary = StreamHeader::new(len, true);
            assert_eq!(binary.as_bytes()[0], want[0] | BINARY, "{len}");
            assert_eq!(binary.as_bytes()[1..], want[1..], "{len}");
        }
    }

    #[test]
    fn boundary_lengths_round_trip_in_every_split() {
        for len in [1, 124, 125, 126, 127, 65_535, 65_536, 70_001] {
            let binary = Packet::Binary(Bytes::from(vec![0xa5; len]));
            // The text body is the type digit plus the data.
            let text_packet = Packet::Message(Str::from("x".repeat(len - 1)));
            for packet in [binary, text_packet] {
                let wire = encoded(&packet);
                assert_eq!(wire.len(), encoded_len(&packet));
                let header = StreamHeader::for_packet(&packet);
                assert_eq!(&wire[..header.as_bytes().len()], header.as_bytes());
                for step in [1, 2, 3, 8, 9, 10, 4096, wire.len()] {
                    let got = decode_in_steps(&wire, step, usize::MAX);
                    assert_eq!(got, Ok(vec![packet.clone()]), "len {len} step {step}");
                }
            }
        }
    }

    #[test]
    fn every_split_point_of_a_mixed_stream() {
        let packets = [
            Packet::Open(text("")),
            Packet::probe_ping(),
            Packet::Message(text("héllo ✓")),
            Packet::Binary(Bytes::from(vec![1; 300])),
            Packet::Close,
            Packet::Upgrade,
            Packet::Noop,
            Packet::Pong(text("")),
            Packet::Binary(Bytes::new()),
        ];
        let mut wire = BytesMut::new();
        for p in &packets {
            encode(p, &mut wire);
        }
        for cut in 0..=wire.len() {
            let mut decoder = StreamDecoder::new(1000);
            let mut buf = BytesMut::from(&wire[..cut]);
            let mut got = Vec::new();
            while let Some(p) = decoder.decode(&mut buf).expect("first part") {
                got.push(p);
            }
            buf.extend_from_slice(&wire[cut..]);
            while let Some(p) = decoder.decode(&mut buf).expect("second part") {
                got.push(p);
            }
            assert_eq!(got, packets, "cut at {cut}");
        }
    }

    #[test]
    fn text_and_binary_are_told_apart_by_the_flag() {
        // The same body bytes, once as text and once as binary.
        let mut wire = BytesMut::from(&b"\x024x\x824x"[..]);
        let mut decoder = StreamDecoder::new(100);
        assert_eq!(
            decoder.decode(&mut wire),
            Ok(Some(Packet::Message(text("x"))))
        );
        assert_eq!(
            decoder.decode(&mut wire),
            Ok(Some(Packet::Binary(Bytes::from_static(b"4x"))))
        );
        assert_eq!(decoder.decode(&mut wire), Ok(None));
    }

    #[test]
    fn longer_forms_than_needed_are_read() {
        let wire = b"\x7e\x00\x024a\xff\x00\x00\x00\x00\x00\x00\x00\x01\x09";
        assert_eq!(
            decode_in_steps(wire, 1, 100),
            Ok(vec![
                Packet::Message(text("a")),
                Packet::Binary(Bytes::from_static(&[9]))
            ])
        );
    }

    #[test]
    fn bad_text_bodies() {
        let cases: [(&[u8], Error); 5] = [
            (b"\x024\xff", Error::InvalidUtf8),
            (b"\x024\xc3", Error::InvalidUtf8), // ends inside a two-byte sequence
            (b"\x00", Error::Empty),
            (b"\x019", Error::UnknownType(b'9')),
            (b"\x05bAQ==", Error::UnknownType(b'b')),
        ];
        for (wire, error) in cases {
            assert_eq!(decode_in_steps(wire, 1, 100), Err(error));
        }
    }

    #[test]
    fn over_the_limit_fails_before_the_body() {
        // 101 bytes declared, limit 100: fails on the header alone.
        let mut buf = BytesMut::from(&[101u8][..]);
        let mut decoder = StreamDecoder::new(100);
        let too_large = Error::PayloadTooLarge {
            size: 101,
            max: 100,
        };
        assert_eq!(decoder.decode(&mut buf), Err(too_large.clone()));
        // Stays failed, whatever comes next.
        buf.extend_from_slice(b"\x024x");
        assert_eq!(decoder.decode(&mut buf), Err(too_large));

        // Exactly the limit passes, in each length form.
        for max in [125, 126, 65_535, 65_536] {
            let packet = Packet::Binary(Bytes::from(vec![0; max]));
            let wire = encoded(&packet);
            assert_eq!(decode_in_steps(&wire, 7, max), Ok(vec![packet]));
            let mut buf = wire.clone();
            let err = StreamDecoder::new(max - 1).decode(&mut buf);
            assert_eq!(
                err,
                Err(Error::PayloadTooLarge {
                    size: max,
                    max: max - 1
                })
            );
            // Nothing of the body was needed to tell.
            let mut head = BytesMut::from(StreamHeader::new(max, true).as_bytes());
            assert!(StreamDecoder::new(max - 1).decode(&mut head).is_err());
        }
    }

    #[test]
    fn huge_64_bit_lengths_are_refused_without_allocating() {
        let cases: [(u64, usize); 4] = [
            (MAX_LENGTH + 1, usize::MAX),
            (u64::MAX, usize::MAX),
            (1 << 62, usize::MAX),
            (2_000_000, 1_000_000),
        ];
        for (len, max) in cases {
            let mut buf = BytesMut::new();
            buf.put_u8(LENGTH_64 | BINARY);
            buf.put_u64(len);
            let mut decoder = StreamDecoder::new(max);
            assert!(decoder.max_payload() as u64 <= MAX_LENGTH);
            match decoder.decode(&mut buf) {
                Err(Error::PayloadTooLarge { size, max: limit }) => {
                    assert_eq!(size as u64, len.min(usize::MAX as u64));
                    assert_eq!(limit, decoder.max_payload());
                }
                other => panic!("{len}: {other:?}"),
            }
            assert!(buf.capacity() < 64, "nothing reserved");
        }
        // Just at the cap: accepted as a header, then waits for bytes without reserving.
        let mut buf = BytesMut::new();
        buf.put_u8(LENGTH_64);
        buf.put_u64(MAX_LENGTH);
        let mut decoder = StreamDecoder::new(usize::MAX);
        assert_eq!(decoder.decode(&mut buf), Ok(None));
        assert!(decoder.is_mid_packet());
        assert!(buf.capacity() < 64);
    }

    #[test]
    fn parts_share_binary_bodies() {
        let data = Bytes::from(vec![3; 200]);
        let (header, body) = encode_parts(&Packet::Binary(data.clone()));
        assert_eq!(header, StreamHeader::new(200, true));
        assert_eq!(body.as_ptr(), data.as_ptr());
        let (header, body) = encode_parts(&Packet::Ping(text("probe")));
        assert_eq!(header.as_bytes(), [6]);
        assert_eq!(&body[..], b"2probe");
    }

    #[test]
    fn stream_start() {
        let cases = [
            ("", Ok(StreamStart::New)),
            (
                r#"{"sid":"x","other":[1]}"#,
                Ok(StreamStart::Upgrade { sid: "x".into() }),
            ),
            (r#"{"sid":1}"#, Err(Error::InvalidHandshake)),
            ("null", Err(Error::InvalidHandshake)),
            ("{}", Err(Error::InvalidHandshake)),
            ("{", Err(Error::InvalidHandshake)),
        ];
        for (data, want) in cases {
            assert_eq!(
                StreamStart::from_packet(&Packet::Open(text(data))),
                want,
                "{data}"
            );
        }
        assert_eq!(
            StreamStart::from_packet(&Packet::Message(text(""))),
            Err(Error::ExpectedOpen)
        );
        let odd = StreamStart::Upgrade { sid: "a\"b".into() };
        assert_eq!(StreamStart::from_packet(&odd.to_packet()), Ok(odd));
        assert_eq!(&encoded(&StreamStart::New.to_packet())[..], b"\x010");
    }
}
