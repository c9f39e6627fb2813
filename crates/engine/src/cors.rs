//! Cross-origin resource sharing for polling requests.

use http::{HeaderMap, HeaderValue, header};

/// Which origins may reach the server from a browser, and with which credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cors {
    /// Allowed origins, e.g. `https://example.com`. Empty allows every origin (the request's
    /// `Origin` is echoed back).
    pub origins: Vec<String>,
    /// Allow cookies and HTTP authentication (`Access-Control-Allow-Credentials: true`).
    pub credentials: bool,
}

impl Cors {
    /// Allows every origin, without credentials.
    pub fn any() -> Cors {
        Cors::default()
    }

    /// The origin to echo back, if `request` comes from an allowed one.
    pub(crate) fn allowed<'a>(&self, request: &'a HeaderMap) -> Option<&'a HeaderValue> {
        let origin = request.get(header::ORIGIN)?;
        let text = origin.to_str().ok()?;
        (self.origins.is_empty() || self.origins.iter().any(|o| o == text)).then_some(origin)
    }

    /// Adds the CORS headers of an answer to a request with `request` headers.
    pub(crate) fn apply(&self, request: &HeaderMap, response: &mut HeaderMap) {
        if let Some(origin) = self.allowed(request) {
            self.apply_origin(origin.clone(), response);
        }
    }

    /// Adds the CORS headers of an answer to a request from the allowed `origin` (what
    /// [`allowed`](Self::allowed) found).
    pub(crate) fn apply_origin(&self, origin: HeaderValue, response: &mut HeaderMap) {
        response.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        response.insert(header::VARY, HeaderValue::from_static("Origin"));
        if self.credentials {
            response.insert(
                header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
        }
    }

    /// Adds the headers of an answer to a preflight (`OPTIONS`) request.
    pub(crate) fn apply_preflight(&self, request: &HeaderMap, response: &mut HeaderMap) {
        if self.allowed(request).is_none() {
            return;
        }
        self.apply(request, response);
        response.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, OPTIONS"),
        );
        if let Some(asked) = request.get(header::ACCESS_CONTROL_REQUEST_HEADERS) {
            response.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, asked.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(origin: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ORIGIN, HeaderValue::from_static(origin));
        h
    }

    #[test]
    fn echoes_allowed_origins_only() {
        let cors = Cors {
            origins: vec!["https://a.example".into()],
            credentials: true,
        };
        let mut out = HeaderMap::new();
        cors.apply(&request("https://b.example"), &mut out);
        assert!(out.is_empty());
        cors.apply_preflight(&request("https://a.example"), &mut out);
        assert_eq!(
            out[header::ACCESS_CONTROL_ALLOW_ORIGIN],
            "https://a.example"
        );
        assert_eq!(out[header::ACCESS_CONTROL_ALLOW_CREDENTIALS], "true");
        assert!(out.contains_key(header::ACCESS_CONTROL_ALLOW_METHODS));
    }
}
