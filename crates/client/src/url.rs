//! The server URL and the Engine.IO request targets built from it.

use crate::error::{Error, Result};

/// A parsed `http(s)://host[:port][/namespace][?query]` (or `ws(s)://`) server URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ServerUrl {
    /// TLS (`https`, `wss`).
    pub secure: bool,
    /// Host name or address (IPv6 without brackets).
    pub host: String,
    /// Port (80 or 443 when absent).
    pub port: u16,
    /// The `Host` header value.
    pub authority: String,
    /// The URL's path when it names a namespace (anything but `/`).
    pub namespace: Option<String>,
    /// Query pairs of the URL, sent with every Engine.IO request.
    pub query: Vec<(String, String)>,
}

impl ServerUrl {
    pub(crate) fn parse(url: &str) -> Result<ServerUrl> {
        let (scheme, rest) = url.split_once("://").ok_or(Error::InvalidUrl(
            "expected http://, https://, ws:// or wss://",
        ))?;
        let secure = match scheme.to_ascii_lowercase().as_str() {
            "http" | "ws" => false,
            "https" | "wss" => true,
            _ => {
                return Err(Error::InvalidUrl(
                    "expected http://, https://, ws:// or wss://",
                ));
            }
        };
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        if authority.is_empty() || authority.contains('@') {
            return Err(Error::InvalidUrl("missing host, or credentials in the URL"));
        }
        let tail = tail.split('#').next().unwrap_or_default();
        let (path, query) = tail.split_once('?').unwrap_or((tail, ""));
        let (host, port) = split_host_port(authority, if secure { 443 } else { 80 })?;
        let path = path.trim_end_matches('/');
        Ok(ServerUrl {
            secure,
            host: host.to_owned(),
            port,
            authority: authority.to_owned(),
            namespace: (!path.is_empty()).then(|| path.to_owned()),
            query: query
                .split('&')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (k, v) = p.split_once('=').unwrap_or((p, ""));
                    (k.to_owned(), v.to_owned())
                })
                .collect(),
        })
    }

    /// The request target of an Engine.IO request: `path?EIO=4&transport=..[&sid=..]&query`.
    /// URL query pairs are kept as written; `extra` pairs are percent-encoded.
    pub(crate) fn target(
        &self,
        path: &str,
        transport: &str,
        sid: Option<&str>,
        extra: &[(String, String)],
    ) -> String {
        let mut t = String::with_capacity(64);
        if !path.starts_with('/') {
            t.push('/');
        }
        t.push_str(path);
        t.push_str("?EIO=4&transport=");
        t.push_str(transport);
        if let Some(sid) = sid {
            t.push_str("&sid=");
            encode_into(sid, &mut t);
        }
        self.push_query(extra, &mut t);
        t
    }

    /// Appends `&k=v` for each query pair of the URL (as written), then of `extra`
    /// (percent-encoded).
    pub(crate) fn push_query(&self, extra: &[(String, String)], t: &mut String) {
        for (k, v) in &self.query {
            t.push('&');
            t.push_str(k);
            t.push('=');
            t.push_str(v);
        }
        for (k, v) in extra {
            t.push('&');
            encode_into(k, t);
            t.push('=');
            encode_into(v, t);
        }
    }

    /// The `ws(s)://` URL for a request target.
    pub(crate) fn ws_url(&self, target: &str) -> String {
        let scheme = if self.secure { "wss" } else { "ws" };
        format!("{scheme}://{}{target}", self.authority)
    }
}

fn split_host_port(authority: &str, default_port: u16) -> Result<(&str, u16)> {
    let bad_port = || Error::InvalidUrl("bad port");
    if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6
            .split_once(']')
            .ok_or(Error::InvalidUrl("unclosed IPv6 bracket"))?;
        return match after.strip_prefix(':') {
            Some(port) => Ok((host, port.parse().map_err(|_| bad_port())?)),
            None if after.is_empty() => Ok((host, default_port)),
            None => Err(Error::InvalidUrl("junk after an IPv6 address")),
        };
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (host, port.parse().map_err(|_| bad_port())?),
        None => (authority, default_port),
    };
    if host.is_empty() {
        return Err(Error::InvalidUrl("missing host"));
    }
    Ok((host, port))
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn encode_into(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls_and_builds_targets() {
        let u = ServerUrl::parse("http://127.0.0.1:3000").expect("url");
        assert_eq!(
            (u.host.as_str(), u.port, u.secure),
            ("127.0.0.1", 3000, false)
        );
        assert_eq!(u.namespace, None);
        let extra = [("token".to_owned(), "a b&c".to_owned())];
        assert_eq!(
            u.target("/socket.io/", "polling", Some("x"), &extra),
            "/socket.io/?EIO=4&transport=polling&sid=x&token=a%20b%26c"
        );
        assert_eq!(
            u.ws_url("/socket.io/?EIO=4"),
            "ws://127.0.0.1:3000/socket.io/?EIO=4"
        );
        let u = ServerUrl::parse("HTTPS://example.com/admin/?v=1#frag").expect("url");
        assert_eq!((u.port, u.secure), (443, true));
        assert_eq!(u.namespace.as_deref(), Some("/admin"));
        assert_eq!(u.query, [("v".to_owned(), "1".to_owned())]);
        let u = ServerUrl::parse("ws://[::1]:80/").expect("url");
        assert_eq!((u.host.as_str(), u.namespace), ("::1", None));
    }

    #[test]
    fn rejects_bad_urls() {
        for bad in [
            "ftp://x",
            "x",
            "http://",
            "http://:80",
            "http://a:b",
            "http://u@h",
        ] {
            assert!(ServerUrl::parse(bad).is_err(), "{bad}");
        }
    }
}
