//! Property tests: no input panics, chunking never changes a parse, and whatever a client
//! builds a server accepts with a response the client verifies.

use bytes::BytesMut;
use proptest::prelude::*;
use ws_handshake::{
    AcceptOptions, ClientRequest, DeflateOffer, DeflatePolicy, Limits, Request, Response,
};

const BROWSER_REQUEST: &[u8] = b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n\
Host: localhost:3000\r\nConnection: Upgrade\r\nPragma: no-cache\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0.0.0 Safari/537.36\r\n\
Upgrade: websocket\r\nOrigin: http://localhost:3000\r\nSec-WebSocket-Version: 13\r\n\
Sec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==\r\n\
Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n\x81\x80abcd";

/// The early frame that follows the head in [`BROWSER_REQUEST`].
const FRAME: &[u8] = b"\x81\x80abcd";

/// Parses `bytes` fed in the given chunk sizes, as a server reading a socket would.
fn parse_chunked(
    bytes: &[u8],
    chunks: &[usize],
) -> (Result<Option<Request>, ws_handshake::Error>, BytesMut) {
    let mut buf = BytesMut::new();
    let mut rest = bytes;
    let mut sizes = chunks.iter().copied().cycle();
    loop {
        let take = sizes
            .next()
            .unwrap_or(1)
            .clamp(1, rest.len().max(1))
            .min(rest.len());
        buf.extend_from_slice(&rest[..take]);
        rest = &rest[take..];
        match Request::parse_buf(&mut buf, &Limits::default()) {
            Ok(None) if !rest.is_empty() => continue,
            outcome => {
                buf.extend_from_slice(rest);
                return (outcome, buf);
            }
        }
    }
}

fn token() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9!#$%&'*+.^_`|~-]{1,12}"
}

fn deflate_offer() -> impl Strategy<Value = DeflateOffer> {
    (
        any::<bool>(),
        any::<bool>(),
        proptest::option::of(8u8..=15),
        proptest::option::of(8u8..=15),
    )
        .prop_map(|(snct, cnct, server_bits, client_bits)| DeflateOffer {
            server_no_context_takeover: snct,
            client_no_context_takeover: cnct,
            server_max_window_bits: server_bits,
            client_max_window_bits: client_bits,
        })
}

fn deflate_policy() -> impl Strategy<Value = DeflatePolicy> {
    (
        any::<bool>(),
        any::<bool>(),
        8u8..=15,
        8u8..=15,
        any::<bool>(),
    )
        .prop_map(
            |(snct, cnct, server_bits, client_bits, allow)| DeflatePolicy {
                server_no_context_takeover: snct,
                client_no_context_takeover: cnct,
                server_max_window_bits: server_bits,
                client_max_window_bits: client_bits,
                allow_server_no_context_takeover: allow,
            },
        )
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
        if let Ok(Some(request)) = Request::parse(&data, &Limits::default())
            && let Ok(upgrade) = request.validate()
        {
            let _ = upgrade.accept(&AcceptOptions {
                deflate: Some(DeflatePolicy::default()),
                ..AcceptOptions::default()
            });
        }
        let _ = Response::parse(&data, &Limits::default());
        let _ = ws_handshake::parse_extensions(&String::from_utf8_lossy(&data));
    }

    #[test]
    fn mutated_request_never_panics(index in 0..BROWSER_REQUEST.len(), byte in any::<u8>()) {
        let mut data = BROWSER_REQUEST.to_vec();
        data[index] = byte;
        if let Ok(Some(request)) = Request::parse(&data, &Limits::default()) {
            let _ = request.validate().map(|u| u.accept(&AcceptOptions::default()));
        }
    }

    #[test]
    fn chunking_never_changes_the_parse(chunks in proptest::collection::vec(1usize..64, 1..16)) {
        let whole = Request::parse(BROWSER_REQUEST, &Limits::default());
        let (chunked, rest) = parse_chunked(BROWSER_REQUEST, &chunks);
        prop_assert_eq!(&chunked, &whole);
        let head_len = whole.ok().flatten().map(|r| r.head_len()).unwrap_or_default();
        prop_assert_eq!(&rest[..], &BROWSER_REQUEST[head_len..]);
    }

    #[test]
    fn any_split_point_gives_the_same_parse(split in 0..BROWSER_REQUEST.len() - FRAME.len()) {
        let (first, second) = BROWSER_REQUEST.split_at(split);
        let mut buf = BytesMut::from(first);
        let early = Request::parse_buf(&mut buf, &Limits::default());
        prop_assert_eq!(&early, &Ok(None));
        buf.extend_from_slice(second);
        let late = Request::parse_buf(&mut buf, &Limits::default());
        prop_assert_eq!(late, Request::parse(BROWSER_REQUEST, &Limits::default()));
        prop_assert_eq!(&buf[..], FRAME);
    }

    #[test]
    fn client_request_is_accepted_and_the_answer_verifies(
        path in "/[a-z0-9/]{0,16}(\\?[a-z0-9=&]{0,12})?",
        offered in proptest::collection::vec(token(), 0..4),
        server_wants in proptest::collection::vec(token(), 0..4),
        offer in proptest::option::of(deflate_offer()),
        policy in proptest::option::of(deflate_policy()),
        frame in proptest::collection::vec(any::<u8>(), 0..8),
        split in any::<prop::sample::Index>(),
    ) {
        let offered: Vec<&str> = offered.iter().map(String::as_str).collect();
        let server_wants: Vec<&str> = server_wants.iter().map(String::as_str).collect();
        let (request_bytes, client) = ClientRequest {
            host: "example.com:443",
            target: &path,
            origin: Some("https://example.com"),
            subprotocols: &offered,
            deflate: offer,
            extra_headers: &[("Authorization", "Bearer abc")],
            ..ClientRequest::default()
        }
        .build()
        .map_err(|e| TestCaseError::fail(e.to_string()))?;

        let request = Request::parse(&request_bytes, &Limits::default())
            .map_err(|e| TestCaseError::fail(e.to_string()))?
            .ok_or_else(|| TestCaseError::fail("incomplete"))?;
        prop_assert_eq!(request.target(), path.as_str());
        prop_assert_eq!(request.headers().get_str("authorization"), Some("Bearer abc"));
        let upgrade = request.validate().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let chosen = upgrade.select_subprotocol(&server_wants);
        let accepted = upgrade
            .accept(&AcceptOptions { subprotocol: chosen, deflate: policy, extra_headers: &[] })
            .map_err(|e| TestCaseError::fail(e.to_string()))?;

        let mut answer = accepted.response.clone();
        answer.extend_from_slice(&frame);
        let cut = split.index(answer.len());
        let mut buf = BytesMut::from(&answer[..cut]);
        let mut connected = client.verify_buf(&mut buf);
        buf.extend_from_slice(&answer[cut..]);
        if matches!(connected, Ok(None)) {
            connected = client.verify_buf(&mut buf);
        }
        let connected = connected
            .map_err(|e| TestCaseError::fail(format!("{e}: {}", String::from_utf8_lossy(&answer))))?
            .ok_or_else(|| TestCaseError::fail("incomplete answer"))?;
        prop_assert_eq!(&buf[..], &frame[..]);
        prop_assert_eq!(connected.subprotocol.as_deref(), chosen);
        prop_assert_eq!(connected.deflate, accepted.deflate);
        if offer.is_none() {
            prop_assert_eq!(connected.deflate, None);
        }
    }
}
