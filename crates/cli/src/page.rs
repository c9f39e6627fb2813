//! The chat page served at `/` by `wsio serve`, on the real socket.io-client: loaded from
//! jsDelivr (pinned version, checked by its Subresource Integrity hash), or served by the
//! binary at [`CLIENT_JS_PATH`] when `--client-js` names the bundle.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::Full;

/// The page, with `{{CLIENT_SCRIPT}}` and `{{PATH}}` to fill in.
const PAGE: &str = include_str!("page.html");

/// The socket.io-client release the page loads from jsDelivr.
pub const CLIENT_VERSION: &str = "4.8.4";

/// The Subresource Integrity hash of `dist/socket.io.min.js` of socket.io-client
/// [`CLIENT_VERSION`] (the npm package's file, which jsDelivr serves unchanged).
pub const CLIENT_INTEGRITY: &str =
    "sha384-fBrXvbDtHoeKWJ/hcA6M+YGueiDW+h45I7V6F2kD1S8bOkrF9rZYPLVkCR6BLR/1";

/// Where the binary serves the bundle given with `--client-js`.
pub const CLIENT_JS_PATH: &str = "/socket.io.min.js";

/// The page and, when given, the socket.io-client bundle served next to it.
#[derive(Debug, Clone)]
pub(crate) struct Page {
    html: Bytes,
    client_js: Option<Bytes>,
}

impl Page {
    /// The page for a Socket.IO endpoint at `path`, loading `client_js` from
    /// [`CLIENT_JS_PATH`] when given, from jsDelivr otherwise.
    pub(crate) fn new(path: &str, client_js: Option<Bytes>) -> Page {
        let script = if client_js.is_some() {
            format!(r#"<script src="{CLIENT_JS_PATH}"></script>"#)
        } else {
            format!(
                r#"<script src="https://cdn.jsdelivr.net/npm/socket.io-client@{CLIENT_VERSION}/dist/socket.io.min.js" integrity="{CLIENT_INTEGRITY}" crossorigin="anonymous"></script>"#
            )
        };
        // A JSON string, with `<` escaped so that nothing in it can end the script element.
        let path = serde_json::Value::from(path)
            .to_string()
            .replace('<', "\\u003c");
        let html = PAGE
            .replace("{{CLIENT_SCRIPT}}", &script)
            .replace("{{PATH}}", &path);
        Page {
            html: Bytes::from(html),
            client_js,
        }
    }

    /// The answer to a request outside the Engine.IO path: the page at `/`, the bundle at
    /// [`CLIENT_JS_PATH`] when served, 404 elsewhere.
    pub(crate) fn respond(&self, path: &str) -> Response<Full<Bytes>> {
        let (body, content_type) = match (path, &self.client_js) {
            ("/" | "/index.html", _) => (self.html.clone(), "text/html; charset=utf-8"),
            (CLIENT_JS_PATH, Some(js)) => (js.clone(), "text/javascript; charset=utf-8"),
            _ => {
                let mut response = Response::new(Full::new(Bytes::from_static(b"Not Found")));
                *response.status_mut() = StatusCode::NOT_FOUND;
                return response;
            }
        };
        let mut response = Response::new(Full::new(body));
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        response
    }
}

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
