//! Fuzz body: Engine.IO packets framed on a WebTransport stream, read in pieces.
//!
//! The first byte chooses the decoder's limit (its low two bits) and the size of the pieces the
//! stream arrives in (1 + the other six bits); the rest is the stream. Read in those pieces or
//! all at once, the stream must give the same packets, then the same error or the same
//! unfinished packet; while waiting, the buffer never holds more than the packet under way;
//! and the packets read must be written back to bytes that read as the same packets.

use bytes::BytesMut;
use event_proto::Error;
use event_proto::engine::Packet;
use event_proto::engine::webtransport::{StreamDecoder, encode, encoded_len};

/// Limits small enough to hit every length form's rejection, and none at all.
const LIMITS: [usize; 4] = [16, 200, 70_000, usize::MAX];

/// What reading a stream came to.
#[derive(Debug, PartialEq)]
struct Outcome {
    packets: Vec<Packet>,
    error: Option<Error>,
    /// Bytes left over and whether a packet was under way, when no error stopped the reading.
    unfinished: (usize, bool),
}

fn read(stream: &[u8], max: usize, piece: usize) -> Outcome {
    let mut decoder = StreamDecoder::new(max);
    let mut buf = BytesMut::new();
    let mut packets = Vec::new();
    for chunk in stream.chunks(piece) {
        buf.extend_from_slice(chunk);
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(packet)) => packets.push(packet),
                Ok(None) => break,
                Err(error) => {
                    // A failed decoder stays failed.
                    assert_eq!(decoder.decode(&mut buf), Err(error.clone()));
                    return Outcome {
                        packets,
                        error: Some(error),
                        unfinished: (0, false),
                    };
                }
            }
        }
        // Waiting: at most a partial length (8 bytes) or a partial body within the limit.
        assert!(buf.len() < max.max(8), "{} bytes held", buf.len());
    }
    Outcome {
        packets,
        error: None,
        unfinished: (buf.len(), decoder.is_mid_packet()),
    }
}

/// Reads `data` as described above; panics only on a broken invariant.
pub fn run(data: &[u8]) {
    let Some((&control, stream)) = data.split_first() else {
        return;
    };
    let max = LIMITS[usize::from(control & 3)];
    let piece = 1 + usize::from(control >> 2);
    let outcome = read(stream, max, piece);
    let whole = read(stream, max, stream.len().max(1));
    assert_eq!(
        outcome, whole,
        "pieces of {piece} and the whole stream differ"
    );

    let mut wire = BytesMut::new();
    for packet in &outcome.packets {
        encode(packet, &mut wire);
    }
    let expected: usize = outcome.packets.iter().map(encoded_len).sum();
    assert_eq!(wire.len(), expected, "encoded_len");
    let again = read(&wire, max, piece);
    assert_eq!(again.packets, outcome.packets, "round trip");
    assert_eq!((again.error, again.unfinished), (None, (0, false)));
}
