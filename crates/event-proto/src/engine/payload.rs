//! HTTP long-polling payloads: packets joined by the record separator `\x1e`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::{BufMut, Bytes, BytesMut};

use super::packet::Packet;
use crate::error::{Error, Result};
use crate::text::Str;

/// The record separator placed between packets of a polling payload.
pub const SEPARATOR: u8 = 0x1e;

/// Decodes a polling request body into its packets.
///
/// The body is rejected with [`Error::PayloadTooLarge`] before any work if it is longer than
/// `max_payload`. Text packets are zero-copy views of `body`; `b`-prefixed records are base64
/// decoded into [`Packet::Binary`].
///
/// ```
/// use bytes::Bytes;
/// use event_proto::engine::{decode_payload, Packet};
/// use event_proto::Str;
///
/// let body = Bytes::from_static(b"4hello\x1e2\x1ebAQIDBA==");
/// let packets = decode_payload(body, 1_000_000).unwrap();
/// assert_eq!(packets, [
///     Packet::Message(Str::from("hello")),
///     Packet::Ping(Str::from("")),
///     Packet::Binary(Bytes::from_static(&[1, 2, 3, 4])),
/// ]);
/// ```
pub fn decode_payload(body: Bytes, max_payload: usize) -> Result<Vec<Packet>> {
    if body.len() > max_payload {
        return Err(Error::PayloadTooLarge {
            size: body.len(),
            max: max_payload,
        });
    }
    let body = Str::from_utf8(body)?;
    let mut packets = Vec::new();
    let mut start = 0;
    loop {
        let rest = &body.as_bytes()[start..];
        let end = memchr::memchr(SEPARATOR, rest).map_or(body.len(), |i| start + i);
        let record = Str::from_utf8_trusted(body.clone().into_bytes().slice(start..end));
        packets.push(decode_record(record)?);
        if end == body.len() {
            return Ok(packets);
        }
        start = end + 1;
    }
}

fn decode_record(record: Str) -> Result<Packet> {
    match record.as_bytes().split_first() {
        Some((b'b', b64)) => STANDARD
            .decode(b64)
            .map(|data| Packet::Binary(Bytes::from(data)))
            .map_err(|_| Error::InvalidBase64),
        _ => Packet::decode_text(record),
    }
}

/// Encodes packets into one polling response body, binary ones as `b<base64>`.
///
/// ```
/// use bytes::Bytes;
/// use event_proto::engine::{encode_payload, Packet};
/// use event_proto::Str;
///
/// let body = encode_payload(&[
///     Packet::Message(Str::from("hello")),
///     Packet::Binary(Bytes::from_static(&[1, 2, 3, 4])),
/// ]);
/// assert_eq!(&body[..], b"4hello\x1ebAQIDBA==");
/// ```
pub fn encode_payload(packets: &[Packet]) -> Bytes {
    let mut builder = PayloadBuilder::new(usize::MAX);
    for packet in packets {
        builder.push(packet);
    }
    builder.finish()
}

/// Builds a polling response body packet by packet, honouring the peer's `maxPayload`.
///
/// ```
/// use event_proto::engine::{Packet, PayloadBuilder};
/// use event_proto::Str;
///
/// let mut body = PayloadBuilder::new(8);
/// assert!(body.try_push(&Packet::Message(Str::from("abc"))));
/// assert!(!body.try_push(&Packet::Message(Str::from("defg"))), "would exceed 8 bytes");
/// assert_eq!(&body.finish()[..], b"4abc");
/// ```
#[derive(Debug)]
pub struct PayloadBuilder {
    buf: BytesMut,
    max: usize,
    count: usize,
}

impl PayloadBuilder {
    /// An empty body that [`PayloadBuilder::try_push`] keeps at most `max_payload` bytes long.
    pub fn new(max_payload: usize) -> PayloadBuilder {
        PayloadBuilder {
            buf: BytesMut::new(),
            max: max_payload,
            count: 0,
        }
    }

    /// Encoded size `packet` would add, separator included.
    pub fn cost(&self, packet: &Packet) -> usize {
        let sep = usize::from(self.count > 0);
        sep + match packet {
            Packet::Binary(data) => 1 + base64::encoded_len(data.len(), true).unwrap_or(usize::MAX),
            other => other.text_len(),
        }
    }

    /// Appends `packet` if the body stays within the limit; returns whether it did. The first
    /// packet is always accepted, so a single oversized packet still makes progress.
    pub fn try_push(&mut self, packet: &Packet) -> bool {
        let fits = self.buf.len().saturating_add(self.cost(packet)) <= self.max;
        let accept = fits || self.count == 0;
        if accept {
            self.push(packet);
        }
        accept
    }

    /// Appends `packet` regardless of the limit.
    pub fn push(&mut self, packet: &Packet) {
        self.buf.reserve(self.cost(packet));
        if self.count > 0 {
            self.buf.put_u8(SEPARATOR);
        }
        match packet {
            Packet::Binary(data) => {
                self.buf.put_u8(b'b');
                let start = self.buf.len();
                let len = base64::encoded_len(data.len(), true).unwrap_or(0);
                self.buf.resize(start + len, 0);
                let written = STANDARD
                    .encode_slice(data, &mut self.buf[start..])
                    .unwrap_or(0);
                self.buf.truncate(start + written);
            }
            other => other.write_text(&mut self.buf),
        }
        self.count += 1;
    }

    /// Number of packets pushed so far.
    pub fn len(&self) -> usize {
        self.count
    }

    /// True when no packet has been pushed.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The finished body.
    pub fn finish(self) -> Bytes {
        self.buf.freeze()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(s: &str) -> Packet {
        Packet::Message(Str::from(s))
    }

    #[test]
    fn spec_examples() {
        let body = Bytes::from_static(b"4hello\x1e2\x1e4world");
        let packets = vec![msg("hello"), Packet::Ping(Str::from("")), msg("world")];
        assert_eq!(decode_payload(body.clone(), 1000), Ok(packets.clone()));
        assert_eq!(encode_payload(&packets), body);

        let body = Bytes::from_static(b"4hello\x1ebAQIDBA==");
        let packets = vec![
            msg("hello"),
            Packet::Binary(Bytes::from_static(&[1, 2, 3, 4])),
        ];
        assert_eq!(decode_payload(body.clone(), 1000), Ok(packets.clone()));
        assert_eq!(encode_payload(&packets), body);

        let body = Bytes::from_static(b"42[\"hello\"]\x1e42[\"world\"]");
        let decoded = decode_payload(body, 1000).expect("decodes");
        assert_eq!(decoded, [msg("2[\"hello\"]"), msg("2[\"world\"]")]);
    }

    #[test]
    fn enforces_max_payload() {
        let body = Bytes::from(vec![b'6'; 11]);
        assert_eq!(
            decode_payload(body, 10),
            Err(Error::PayloadTooLarge { size: 11, max: 10 })
        );
    }

    #[test]
    fn rejects_malformed_records() {
        let cases: [(&[u8], Error); 5] = [
            (b"", Error::Empty),
            (b"4a\x1e", Error::Empty),
            (b"4a\x1e\x1e4b", Error::Empty),
            (b"b!!", Error::InvalidBase64),
            (b"4\xff", Error::InvalidUtf8),
        ];
        for (body, err) in cases {
            assert_eq!(decode_payload(Bytes::from_static(body), 100), Err(err));
        }
    }

    #[test]
    fn text_records_are_views() {
        let body = Bytes::from_static(b"4abc\x1e4def");
        let packets = decode_payload(body.clone(), 100).expect("decodes");
        let Packet::Message(second) = &packets[1] else {
            panic!("not a message")
        };
        assert_eq!(second.as_bytes().as_ptr(), body[6..].as_ptr());
    }

    #[test]
    fn builder_respects_the_limit() {
        let mut b = PayloadBuilder::new(10);
        assert!(b.is_empty());
        assert!(
            b.try_push(&msg("0123456789abc")),
            "first packet always goes"
        );
        assert!(!b.try_push(&msg("x")));
        assert_eq!(b.len(), 1);

        let mut b = PayloadBuilder::new(9);
        assert!(b.try_push(&Packet::Binary(Bytes::from_static(&[1, 2, 3, 4]))));
        assert_eq!(b.cost(&Packet::Noop), 2);
        assert!(!b.try_push(&Packet::Noop));
        assert_eq!(&b.finish()[..], b"bAQIDBA==");
    }
}
