//! The chat page served at `/` by `wsio serve`.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::Full;

/// A self-contained page with a hand-written Socket.IO client over the browser's WebSocket.
const PAGE: &str = include_str!("page.html");

/// `GET /healthz`: 200 `ok` while the server takes clients (once it drains, [`draining`]).
pub(crate) fn healthy() -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(b"ok")));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// `GET /healthz` while the server drains: 503 `draining`, so a load balancer stops sending
/// clients here.
pub(crate) fn draining() -> Response<Full<Bytes>> {
    let mut response = healthy();
    *response.body_mut() = Full::new(Bytes::from_static(b"draining"));
    *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    response
}

/// Prometheus text `text`, with the content type Prometheus asks for.
pub(crate) fn metrics(text: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(text)));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    response
}

/// The answer to a request outside the Engine.IO path: the page at `/`, 404 elsewhere.
pub(crate) fn respond(path: &str) -> Response<Full<Bytes>> {
    if path == "/" || path == "/index.html" {
        let mut response = Response::new(Full::new(Bytes::from_static(PAGE.as_bytes())));
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        return response;
    }
    let mut response = Response::new(Full::new(Bytes::from_static(b"Not Found")));
    *response.status_mut() = StatusCode::NOT_FOUND;
    response
}
