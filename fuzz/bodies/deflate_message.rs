//! Body of the `deflate_message` fuzz target.
//!
//! The first byte picks the parameters: bit 0 client no context takeover, bits 1–3 the
//! client's window bits (8 + value), bits 4–7 the fragment size (a power of two, 16 meaning
//! one fragment). The rest is a compressed message as a client would send it, inflated by a
//! server under a small limit, twice (so context takeover is exercised); nothing may panic and
//! no output may pass the limit. Then the same bytes go round the other way: compressed by
//! the client, inflated by the server, and they must come back unchanged.

use bytes::BytesMut;
use ws_frame::{DeflateConfig, Error, Extension, PerMessageDeflate, Role};

const LIMIT: usize = 16 * 1024;

/// Inflates `data` as one message cut into `size`-byte fragments.
fn inflate(
    ext: &mut PerMessageDeflate,
    data: &[u8],
    size: usize,
    limit: usize,
) -> Result<BytesMut, Error> {
    let mut out = BytesMut::new();
    let mut chunks = data.chunks(size.max(1)).peekable();
    if chunks.peek().is_none() {
        ext.decode_fragment(&[], true, &mut out, limit)?;
    }
    while let Some(chunk) = chunks.next() {
        let result = ext.decode_fragment(chunk, chunks.peek().is_none(), &mut out, limit);
        assert!(out.len() <= limit + 1, "inflated past the limit");
        result?;
    }
    assert!(out.len() <= limit);
    Ok(out)
}

/// Runs one input.
pub fn run(data: &[u8]) {
    let Some((&params, rest)) = data.split_first() else {
        return;
    };
    let config = DeflateConfig {
        client_no_context_takeover: params & 1 != 0,
        client_max_window_bits: 8 + ((params >> 1) & 7),
        threshold: 0,
        ..DeflateConfig::default()
    };
    let size = 1usize << (params >> 4);
    let Ok(mut server) = PerMessageDeflate::new(Role::Server, &config) else {
        panic!("every parameter byte makes a valid config");
    };
    for _ in 0..2 {
        if let Err(err) = inflate(&mut server, rest, size, LIMIT) {
            assert!(matches!(
                err,
                Error::Extension(_) | Error::MessageTooBig { .. }
            ));
        }
    }

    let Ok(mut client) = PerMessageDeflate::new(Role::Client, &config) else {
        return;
    };
    let mut server = PerMessageDeflate::new(Role::Server, &config).ok();
    for _ in 0..2 {
        let mut wire = BytesMut::new();
        match client.encode_message(rest, &mut wire) {
            Ok(true) => {
                let Some(server) = server.as_mut() else {
                    return;
                };
                match inflate(server, &wire, size, rest.len()) {
                    Ok(back) => assert_eq!(&back[..], rest, "round trip changed the message"),
                    Err(err) => panic!("own output failed to inflate: {err}"),
                }
            }
            Ok(false) => assert!(config.client_max_window_bits == 8 && wire.is_empty()),
            Err(err) => panic!("compression failed: {err}"),
        }
    }
}
