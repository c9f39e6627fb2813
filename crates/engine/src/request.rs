//! What the server knows about the HTTP request that opened a session.

use std::borrow::Cow;
use std::net::SocketAddr;

use http::{HeaderMap, HeaderValue, Uri};

/// The opening request of a session: headers, URI (with the query) and the peer's address.
#[derive(Debug, Clone)]
pub struct RequestInfo {
    /// The request headers (cookies, `Origin`, `User-Agent`, ...).
    pub headers: HeaderMap,
    /// The request URI, query included.
    pub uri: Uri,
    /// The TCP peer, when known.
    pub remote_addr: Option<SocketAddr>,
}

impl RequestInfo {
    /// The request's headers and URI, copied into their own allocations.
    ///
    /// hyper parses a request's URI and header values as slices of its 8 KiB connection read
    /// buffer; keeping those would keep the whole buffer for as long as the session lives.
    pub(crate) fn detached(
        headers: &HeaderMap,
        uri: &Uri,
        remote_addr: Option<SocketAddr>,
    ) -> Self {
        let mut copied = HeaderMap::with_capacity(headers.len());
        for (name, value) in headers {
            let mut owned =
                HeaderValue::from_bytes(value.as_bytes()).unwrap_or_else(|_| value.clone());
            owned.set_sensitive(value.is_sensitive());
            copied.append(name.clone(), owned);
        }
        let uri = Uri::try_from(uri.to_string()).unwrap_or_else(|_| uri.clone());
        RequestInfo {
            headers: copied,
            uri,
            remote_addr,
        }
    }

    /// The first value of the query parameter `key`, percent-decoding `%XX` and `+`.
    pub fn query(&self, key: &str) -> Option<String> {
        query_param(self.uri.query()?, key).map(Cow::into_owned)
    }
}

/// The first value of `key` in a query string, decoded. Borrows from `query` unless the value
/// has something to decode (`%XX` or `+`): a polling request's `EIO`, `transport` and `sid`
/// cost no allocation.
pub(crate) fn query_param<'q>(query: &'q str, key: &str) -> Option<Cow<'q, str>> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (decode(k) == key).then(|| decode(v))
    })
}

fn decode(s: &str) -> Cow<'_, str> {
    if !s.bytes().any(|b| b == b'%' || b == b'+') {
        return Cow::Borrowed(s);
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            other => out.push(other),
        }
        i += 1;
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_decodes_parameters() {
        let q = "EIO=4&transport=polling&name=a%20b+c&bad=%zz&tail=%4";
        assert_eq!(query_param(q, "EIO").as_deref(), Some("4"));
        assert_eq!(query_param(q, "name").as_deref(), Some("a b c"));
        assert_eq!(query_param(q, "bad").as_deref(), Some("%zz"));
        assert_eq!(query_param(q, "tail").as_deref(), Some("%4"));
        assert_eq!(query_param(q, "sid"), None);
        assert_eq!(query_param("flag", "flag").as_deref(), Some(""));
        // Nothing to decode: the value is borrowed, not allocated.
        assert!(matches!(query_param(q, "EIO"), Some(Cow::Borrowed("4"))));
        assert!(matches!(query_param(q, "name"), Some(Cow::Owned(_))));
    }
}
