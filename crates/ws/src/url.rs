//! The parts of a `ws://` URL a client needs.

use crate::Error;

/// A parsed `ws://host[:port][/path][?query]` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsUrl {
    /// The host name or address (IPv6 without brackets).
    pub host: String,
    /// The port (80 when absent).
    pub port: u16,
    /// The `Host` header value (host, and port if given).
    pub authority: String,
    /// Path and query, at least `/`.
    pub target: String,
}

impl WsUrl {
    /// Parses `url`. Only the `ws` scheme is supported; `wss` needs a TLS stream, which
    /// [`connect_on`](crate::connect_on) takes from the caller.
    ///
    /// ```
    /// let url = wsio_ws::WsUrl::parse("ws://127.0.0.1:9001/chat?room=1").unwrap();
    /// assert_eq!((url.host.as_str(), url.port, url.target.as_str()), ("127.0.0.1", 9001, "/chat?room=1"));
    /// ```
    pub fn parse(url: &str) -> Result<WsUrl, Error> {
        let rest = url
            .strip_prefix("ws://")
            .ok_or(Error::InvalidUrl("scheme must be ws://"))?;
        let (authority, target) = match rest.find(['/', '?']) {
            Some(i) if rest.as_bytes()[i] == b'?' => (&rest[..i], format!("/{}", &rest[i..])),
            Some(i) => (&rest[..i], rest[i..].to_owned()),
            None => (rest, "/".to_owned()),
        };
        if authority.is_empty() || authority.contains('@') {
            return Err(Error::InvalidUrl("missing host, or credentials in URL"));
        }
        let (host, port) = split_host_port(authority)?;
        Ok(WsUrl {
            host: host.to_owned(),
            port,
            authority: authority.to_owned(),
            target,
        })
    }
}

fn split_host_port(authority: &str) -> Result<(&str, u16), Error> {
    if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6
            .split_once(']')
            .ok_or(Error::InvalidUrl("unclosed IPv6 bracket"))?;
        return match after.strip_prefix(':') {
            Some(port) => Ok((
                host,
                port.parse().map_err(|_| Error::InvalidUrl("bad port"))?,
            )),
            None if after.is_empty() => Ok((host, 80)),
            None => Err(Error::InvalidUrl("junk after IPv6 address")),
        };
    }
    match authority.rsplit_once(':') {
        Some((host, port)) => Ok((
            host,
            port.parse().map_err(|_| Error::InvalidUrl("bad port"))?,
        )),
        None => Ok((authority, 80)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_usual_shapes() {
        let url = WsUrl::parse("ws://example.com").unwrap();
        assert_eq!(
            (url.port, url.target.as_str(), url.authority.as_str()),
            (80, "/", "example.com")
        );
        let url = WsUrl::parse("ws://[::1]:3000?x=1").unwrap();
        assert_eq!(
            (url.host.as_str(), url.port, url.target.as_str()),
            ("::1", 3000, "/?x=1")
        );
        assert!(WsUrl::parse("http://x").is_err());
        assert!(WsUrl::parse("ws://x:notaport/").is_err());
        assert!(WsUrl::parse("ws:///path").is_err());
    }
}
