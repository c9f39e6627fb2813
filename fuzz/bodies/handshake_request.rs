//! Server side: parse, validate and answer arbitrary bytes as an opening request.
//!
//! Invariants: never panics; a complete head is no longer than the input; every shorter prefix
//! of it is incomplete; the zero-copy parse agrees with the copying one; an accepted upgrade
//! yields a 101 that parses back with the right accept value; a refusal parses back with the
//! status the error names.

use bytes::BytesMut;
use ws_handshake::{
    AcceptOptions, DeflatePolicy, Limits, Request, Response, accept_key, parse_extensions,
};

/// The fuzz body.
pub fn run(data: &[u8]) {
    let limits = Limits {
        max_header_bytes: 2048,
        max_headers: 24,
    };
    let parsed = Request::parse(data, &limits);
    let mut buf = BytesMut::from(data);
    let parsed_in_place = Request::parse_buf(&mut buf, &limits);
    assert_eq!(parsed, parsed_in_place);
    let request = match parsed {
        Ok(Some(request)) => request,
        Ok(None) => return,
        Err(error) => return check_refusal(&error),
    };
    let head_len = request.head_len();
    assert!(head_len <= data.len());
    assert_eq!(buf.len(), data.len() - head_len);
    for cut in [0, head_len / 2, head_len - 1] {
        assert_eq!(Request::parse(&data[..cut], &limits), Ok(None), "cut {cut}");
    }
    let upgrade = match request.validate() {
        Ok(upgrade) => upgrade,
        Err(error) => return check_refusal(&error),
    };
    let small_windows = DeflatePolicy {
        server_max_window_bits: 10,
        client_max_window_bits: 12,
        ..DeflatePolicy::default()
    };
    let options = AcceptOptions {
        subprotocol: upgrade.offered_subprotocols().first().copied(),
        deflate: Some(if data.len().is_multiple_of(2) {
            small_windows
        } else {
            DeflatePolicy::default()
        }),
        extra_headers: &[("X-Served-By", "fuzz")],
    };
    let accepted = match upgrade.accept(&options) {
        Ok(accepted) => accepted,
        Err(error) => panic!("a valid upgrade must be acceptable: {error}"),
    };
    let response = Response::parse(&accepted.response, &Limits::default());
    let Ok(Some(response)) = response else {
        panic!("our 101 does not parse: {response:?}");
    };
    assert_eq!(response.status(), 101);
    assert_eq!(response.head_len(), accepted.response.len());
    let expected = accept_key(upgrade.key());
    assert_eq!(
        response.headers().get("sec-websocket-accept"),
        Some(expected.as_bytes())
    );
    if let Some(value) = response.headers().get_str("sec-websocket-extensions") {
        assert!(accepted.deflate.is_some());
        assert!(parse_extensions(value).is_ok_and(|e| e.len() == 1));
    }
}

/// A refusal must parse as a response carrying the error's status.
fn check_refusal(error: &ws_handshake::Error) {
    let bytes = error.response();
    let response = Response::parse(&bytes, &Limits::default());
    let Ok(Some(response)) = response else {
        panic!("refusal does not parse: {response:?}");
    };
    assert_eq!(response.status(), error.status());
}
