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
/// has something to decode (`%XX` or `+`).
pub(crate) fn query_param<'q>(query: &'q str, key: &str) -> Option<Cow<'q, str>> {
    pairs(query).find_map(|pair| {
        let (k, v) = split_pair(pair);
        (decode(k) == key).then(|| decode(v))
    })
}

/// The Engine.IO parameters of a request's query string, read in one pass: every polling
/// request carries them, so they are not searched for one by one. The first occurrence of
/// each counts, as with [`query_param`]; a request's `EIO`, `transport` and `sid` cost no
/// allocation unless they have something to decode.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct EngineQuery<'q> {
    /// `EIO`: the protocol version.
    pub(crate) eio: Option<Cow<'q, str>>,
    /// `transport`: `polling`, `websocket` or `webtransport`.
    pub(crate) transport: Option<Cow<'q, str>>,
    /// `sid`: the session, absent on a handshake.
    pub(crate) sid: Option<Cow<'q, str>>,
}

impl<'q> EngineQuery<'q> {
    /// Reads `query` (the part of the URI after `?`).
    pub(crate) fn parse(query: &'q str) -> Self {
        let mut found = EngineQuery::default();
        for pair in pairs(query) {
            let (key, value) = split_pair(pair);
            let slot = match &*decode(key) {
                "EIO" => &mut found.eio,
                "transport" => &mut found.transport,
                "sid" => &mut found.sid,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(decode(value));
            }
        }
        found
    }
}

/// The `&`-separated pairs of a query string, as `query.split('&')` gives them, found with a
/// plain byte scan (these strings are a few dozen bytes long).
fn pairs(query: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(query);
    std::iter::from_fn(move || {
        let current = rest?;
        match current.bytes().position(|b| b == b'&') {
            Some(at) => {
                rest = Some(&current[at + 1..]);
                Some(&current[..at])
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}

/// A pair's key and value, split at its first `=` (the whole pair is the key without one).
fn split_pair(pair: &str) -> (&str, &str) {
    match pair.bytes().position(|b| b == b'=') {
        Some(at) => (&pair[..at], &pair[at + 1..]),
        None => (pair, ""),
    }
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

    #[test]
    fn the_engine_parameters_read_in_one_pass_match_one_by_one() {
        let queries = [
            "",
            "EIO=4&transport=polling",
            "EIO=4&transport=polling&sid=AbC-_123&t=PxQ1",
            "t=1&sid=x&EIO=3&EIO=4&transport=websocket&transport=polling",
            "E%49O=4&trans%70ort=poll%69ng&s%69d=a+b",
            "EIO&transport=&sid",
            "&&EIO=4&&",
            "=4&sid==x=y&transport=web%ZZ",
            "EIO=4&transport=polling&sid=caf%C3%A9&\u{e9}=1",
        ];
        for query in queries {
            let parsed = EngineQuery::parse(query);
            assert_eq!(parsed.eio, query_param(query, "EIO"), "{query}");
            assert_eq!(parsed.transport, query_param(query, "transport"), "{query}");
            assert_eq!(parsed.sid, query_param(query, "sid"), "{query}");
        }
        let parsed = EngineQuery::parse("EIO=4&transport=polling&sid=AbC");
        assert!(matches!(parsed.eio, Some(Cow::Borrowed("4"))));
        assert!(matches!(parsed.transport, Some(Cow::Borrowed("polling"))));
        assert!(matches!(parsed.sid, Some(Cow::Borrowed("AbC"))));
        let parsed = EngineQuery::parse("sid=a+b&sid=c");
        assert_eq!(parsed.sid.as_deref(), Some("a b"));
    }

    #[test]
    fn pairs_split_as_the_standard_library_splits() {
        for query in ["", "a", "a&", "&a", "a&&b", "a=1&b=2=3&c", "é=1&ü"] {
            let ours: Vec<_> = pairs(query).map(split_pair).collect();
            let std: Vec<_> = query
                .split('&')
                .map(|p| p.split_once('=').unwrap_or((p, "")))
                .collect();
            assert_eq!(ours, std, "{query}");
        }
    }
}
