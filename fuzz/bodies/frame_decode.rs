//! Bodies of the `frame_decode_server` and `frame_decode_client` fuzz targets.
//!
//! Decodes every frame from the input; every frame that decodes must encode back to bytes
//! that decode to the same frame, and feeding the input in two pieces (cut where the first
//! byte says) must give the same frames and the same outcome as feeding it whole.

use bytes::BytesMut;
use ws_frame::{Frame, FrameDecoder, Role, encode_with_mask};

/// A decoded frame with the masking key it arrived with.
type MaskedFrame = (Frame, Option<[u8; 4]>);

/// Frames decoded from `chunks` in order, and whether decoding ended in an error.
fn decode(role: Role, chunks: &[&[u8]]) -> (Vec<MaskedFrame>, bool) {
    let mut decoder = FrameDecoder::new(role);
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        loop {
            // The mask is not kept in `Frame`; read it from the header to re-encode exactly.
            let mask = ws_frame::FrameHeader::parse(&buf)
                .ok()
                .flatten()
                .and_then(|(h, _)| h.mask);
            match decoder.decode(&mut buf) {
                Ok(Some(frame)) => frames.push((frame, mask)),
                Ok(None) => break,
                Err(_) => return (frames, true),
            }
        }
    }
    (frames, false)
}

/// Decodes `data` as client-to-server bytes (masked) and checks the invariants.
pub fn run_server(data: &[u8]) {
    run_for(Role::Server, data);
}

/// Decodes `data` as server-to-client bytes (unmasked) and checks the invariants.
pub fn run_client(data: &[u8]) {
    run_for(Role::Client, data);
}

/// Runs the checks for one role.
fn run_for(role: Role, data: &[u8]) {
    let (frames, failed) = decode(role, &[data]);
    let cut = data
        .first()
        .map_or(0, |&b| usize::from(b) % (data.len() + 1));
    let (chunked, chunked_failed) = decode(role, &[&data[..cut], &data[cut..]]);
    assert_eq!(frames, chunked, "chunking changed the frames");
    assert_eq!(failed, chunked_failed, "chunking changed the outcome");
    for (frame, mask) in frames {
        let mut wire = BytesMut::new();
        encode_with_mask(&frame, mask, &mut wire);
        let mut decoder = FrameDecoder::new(role);
        decoder.set_allowed_rsv(ws_frame::RSV_ALL);
        let again = decoder.decode(&mut wire).expect("re-encoded frame decodes");
        assert_eq!(again.as_ref(), Some(&frame));
        assert!(wire.is_empty());
    }
}
