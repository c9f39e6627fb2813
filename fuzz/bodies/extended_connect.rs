//! Server side over HTTP/2: validate and answer arbitrary fields as an RFC 8441 extended
//! CONNECT.
//!
//! The input is lines: the method, then the `:protocol` value (an empty line for none), then
//! one `name:value` field per line. Invariants: never panics; a refusal names 400 or 426; an
//! accepted request yields lowercase header names and values without CR, LF or NUL, and a
//! `sec-websocket-extensions` answer exactly when deflate was agreed, which parses back as one
//! extension.

use ws_handshake::{AcceptOptions, DeflatePolicy, parse_extensions, validate_extended_connect};

/// The fuzz body.
pub fn run(data: &[u8]) {
    let mut lines = data.split(|&b| b == b'\n');
    let method = lines.next().unwrap_or_default();
    let protocol = lines.next().filter(|p| !p.is_empty());
    let fields: Vec<(&str, &[u8])> = lines
        .filter_map(|line| {
            let colon = line.iter().position(|&b| b == b':')?;
            let name = std::str::from_utf8(&line[..colon]).ok()?;
            Some((name, &line[colon + 1..]))
        })
        .collect();
    let upgrade = match validate_extended_connect(method, protocol, fields.iter().copied()) {
        Ok(upgrade) => upgrade,
        Err(error) => {
            assert!(matches!(error.status(), 400 | 426), "{error}");
            return;
        }
    };
    let options = AcceptOptions {
        subprotocol: upgrade.offered_subprotocols().first().copied(),
        deflate: Some(DeflatePolicy {
            server_no_context_takeover: data.len().is_multiple_of(2),
            ..DeflatePolicy::default()
        }),
        extra_headers: &[("X-Served-By", "fuzz")],
    };
    let accepted = match upgrade.accept(&options) {
        Ok(accepted) => accepted,
        Err(error) => panic!("a valid extended CONNECT must be acceptable: {error}"),
    };
    for (name, value) in &accepted.headers {
        assert_eq!(name, &name.to_ascii_lowercase());
        assert!(
            !value.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0)),
            "{value:?}"
        );
    }
    let extensions = accepted
        .headers
        .iter()
        .find(|(name, _)| name == "sec-websocket-extensions");
    assert_eq!(extensions.is_some(), accepted.deflate.is_some());
    if let Some((_, value)) = extensions {
        assert!(parse_extensions(value).is_ok_and(|e| e.len() == 1));
    }
    assert_eq!(accepted.subprotocol.as_deref(), options.subprotocol);
}
