//! Engine.IO over WebSocket over HTTP/2 (RFC 8441): an extended CONNECT with
//! `:protocol: websocket` opens the WebSocket as one stream of the connection, answered `200`.
//!
//! Only the opening differs from HTTP/1.1: once accepted, the stream (`hyper::upgrade::on`)
//! carries RFC 6455 frames, and the WebSocket transport runs the session on it as it does on an
//! upgraded HTTP/1.1 connection (direct sessions and the upgrade of polling sessions alike).

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Method, Request, StatusCode};
use http_body_util::Full;
use ws_frame::Role;
use ws_handshake::{AcceptOptions, DeflatePolicy, validate_extended_connect};
use wsio_ws::ExtensionPair;

use crate::response::{HttpResponse, RefusalReason};

/// True when `req` opens a WebSocket the RFC 8441 way (a CONNECT, over HTTP/2 when hyper
/// serves it): [`accept`] answers it.
pub(crate) fn is_extended_connect<B>(req: &Request<B>) -> bool {
    req.method() == Method::CONNECT
}

/// Checks an extended CONNECT (RFC 8441: `:protocol` `websocket`, `sec-websocket-version: 13`)
/// received by a hyper server and builds its `200` answer, agreeing permessage-deflate from
/// `sec-websocket-extensions` as `deflate` allows (`None`: never). A refusal is a 400 whose body
/// names the rule broken.
///
/// On `Ok`, send the response; `hyper::upgrade::on(req)` then gives the stream, on which
/// `wsio_ws::WebSocket::from_raw` (role server, the returned extension) runs the WebSocket.
/// The engine's WebSocket transport opens its HTTP/2 WebSockets with it.
///
/// Messages shorter than `wsio_ws::Config::default().compression_threshold` (64 bytes) go
/// uncompressed; the engine's own transport uses
/// [`EngineConfig::deflate_threshold`](crate::EngineConfig::deflate_threshold) instead.
pub fn accept_extended_connect<B>(
    req: &Request<B>,
    deflate: Option<DeflatePolicy>,
) -> Result<(HttpResponse, Option<ExtensionPair>), Box<HttpResponse>> {
    accept_with_threshold(
        req,
        deflate,
        wsio_ws::Config::default().compression_threshold,
    )
}

/// [`accept_extended_connect`], sending messages shorter than `threshold` bytes uncompressed.
pub(crate) fn accept_with_threshold<B>(
    req: &Request<B>,
    deflate: Option<DeflatePolicy>,
    threshold: usize,
) -> Result<(HttpResponse, Option<ExtensionPair>), Box<HttpResponse>> {
    let protocol = req
        .extensions()
        .get::<hyper::ext::Protocol>()
        .map(|p| p.as_str().as_bytes());
    let fields = req
        .headers()
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_bytes()));
    let options = AcceptOptions {
        deflate,
        ..AcceptOptions::default()
    };
    let accepted = validate_extended_connect(req.method().as_str().as_bytes(), protocol, fields)
        .and_then(|upgrade| upgrade.accept(&options));
    let accepted = match accepted {
        Ok(accepted) => accepted,
        Err(error) => {
            let why = error.to_string();
            return Err(Box::new(RefusalReason::BadRequest.response(Some(&why))));
        }
    };
    let mut response = HttpResponse::new(Full::new(Bytes::new()));
    *response.status_mut() = StatusCode::OK;
    let mut extension = None;
    if let Some(agreed) = &accepted.deflate {
        extension = ExtensionPair::deflate(Role::Server, agreed, threshold).ok();
    }
    for (name, value) in &accepted.headers {
        let is_extensions = name == "sec-websocket-extensions";
        if is_extensions && extension.is_none() {
            continue;
        }
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            response.headers_mut().append(name, value);
        } else if is_extensions {
            extension = None;
        }
    }
    Ok((response, extension))
}
