//! Client side: verify arbitrary bytes as the answer to a fixed opening request.
//!
//! Invariants: never panics; a verified answer confirms only what was offered; every shorter
//! prefix of its head is incomplete; the zero-copy path agrees with the copying one.

use bytes::BytesMut;
use ws_handshake::{ClientHandshake, ClientRequest, DeflateOffer};

/// The nonce behind the RFC 6455 §1.3 key, so seeds can carry its accept value
/// `s3pPLMBiTxaQ9kYGzzhZRbK+xOo=`.
const NONCE: [u8; 16] = *b"the sample nonce";

fn client() -> ClientHandshake {
    let built = ClientRequest {
        host: "server.example.com",
        target: "/chat",
        subprotocols: &["chat", "superchat"],
        deflate: Some(DeflateOffer {
            server_max_window_bits: Some(12),
            ..DeflateOffer::default()
        }),
        ..ClientRequest::default()
    }
    .build_with_nonce(NONCE);
    match built {
        Ok((_, handshake)) => handshake,
        Err(error) => panic!("fixed request must build: {error}"),
    }
}

/// The fuzz body.
pub fn run(data: &[u8]) {
    let client = client();
    let verified = client.verify(data);
    let mut buf = BytesMut::from(data);
    assert_eq!(verified, client.verify_buf(&mut buf));
    let Ok(Some(connected)) = verified else {
        return;
    };
    let head_len = connected.response.head_len();
    assert!(head_len <= data.len());
    assert_eq!(buf.len(), data.len() - head_len);
    for cut in [0, head_len / 2, head_len - 1] {
        assert_eq!(client.verify(&data[..cut]), Ok(None), "cut {cut}");
    }
    if let Some(protocol) = &connected.subprotocol {
        assert!(protocol == "chat" || protocol == "superchat");
    }
    if let Some(deflate) = connected.deflate {
        assert!(deflate.server_max_window_bits <= 12);
        assert!((8..=15).contains(&deflate.client_max_window_bits));
    }
}
