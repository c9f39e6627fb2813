//! The parts of a `ws://` or `wss://` URL a client needs.

use crate::Error;

/// A parsed `ws://host[:port][/path][?query]` or `wss://…` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsUrl {
    /// `true` for `wss://` (WebSocket over TLS), `false` for `ws://`.
    pub secure: bool,
    /// The host name or address (IPv6 without brackets); also the TLS server name (SNI).
    pub host: String,
    /// The port (80 for `ws://` and 443 for `wss://` when absent).
    pub port: u16,
    /// The `Host` header value (host, and port if given).
    pub authority: String,
    /// Path and query, at least `/`.
    pub target: String,
}

impl WsUrl {
    /// Parses `url`, with the scheme `ws` or `wss` (in any letter case). Parsing needs no TLS
    /// support: [`connect`](crate::connect) opens `wss://` with the `rustls` feature, and
    /// [`connect_on`](crate::connect_on) runs over any TLS stream the caller opened.
    ///
    /// ```
    /// let url = wsio_ws::WsUrl::parse("ws://127.0.0.1:9001/chat?room=1").unwrap();
    /// assert_eq!((url.host.as_str(), url.port, url.target.as_str()), ("127.0.0.1", 9001, "/chat?room=1"));
    /// let url = wsio_ws::WsUrl::parse("wss://example.com/socket").unwrap();
    /// assert_eq!((url.secure, url.port, url.authority.as_str()), (true, 443, "example.com"));
    /// ```
    pub fn parse(url: &str) -> Result<WsUrl, Error> {
        let (secure, rest) = split_scheme(url)?;
        let (authority, target) = match rest.find(['/', '?']) {
            Some(i) if rest.as_bytes()[i] == b'?' => (&rest[..i], format!("/{}", &rest[i..])),
            Some(i) => (&rest[..i], rest[i..].to_owned()),
            None => (rest, "/".to_owned()),
        };
        if authority.is_empty() || authority.contains('@') {
            return Err(Error::InvalidUrl("missing host, or credentials in URL"));
        }
        let default_port = if secure { 443 } else { 80 };
        let (host, port) = split_host_port(authority, default_port)?;
        if host.is_empty() {
            return Err(Error::InvalidUrl("missing host"));
        }
        Ok(WsUrl {
            secure,
            host: host.to_owned(),
            port,
            authority: authority.to_owned(),
            target,
        })
    }
}

/// Splits off `ws://` or `wss://` (scheme letters in any case) and says whether it was `wss`.
fn split_scheme(url: &str) -> Result<(bool, &str), Error> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or(Error::InvalidUrl("scheme must be ws:// or wss://"))?;
    if scheme.eq_ignore_ascii_case("ws") {
        Ok((false, rest))
    } else if scheme.eq_ignore_ascii_case("wss") {
        Ok((true, rest))
    } else {
        Err(Error::InvalidUrl("scheme must be ws:// or wss://"))
    }
}

fn split_host_port(authority: &str, default_port: u16) -> Result<(&str, u16), Error> {
    if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6
            .split_once(']')
            .ok_or(Error::InvalidUrl("unclosed IPv6 bracket"))?;
        return match after.strip_prefix(':') {
            Some(port) => Ok((
                host,
                port.parse().map_err(|_| Error::InvalidUrl("bad port"))?,
            )),
            None if after.is_empty() => Ok((host, default_port)),
            None => Err(Error::InvalidUrl("junk after IPv6 address")),
        };
    }
    match authority.rsplit_once(':') {
        Some((host, port)) => Ok((
            host,
            port.parse().map_err(|_| Error::InvalidUrl("bad port"))?,
        )),
        None => Ok((authority, default_port)),
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
        assert!(WsUrl::parse("ws://:80/").is_err());
        assert!(!WsUrl::parse("ws://x").unwrap().secure);
    }

    #[test]
    fn parses_wss() {
        let url = WsUrl::parse("wss://example.com/chat").unwrap();
        assert_eq!(
            (url.secure, url.host.as_str(), url.port, url.target.as_str()),
            (true, "example.com", 443, "/chat")
        );
        let url = WsUrl::parse("WSS://[::1]?q").unwrap();
        assert_eq!(
            (url.secure, url.host.as_str(), url.port, url.target.as_str()),
            (true, "::1", 443, "/?q")
        );
        let url = WsUrl::parse("wss://localhost:8443").unwrap();
        assert_eq!((url.port, url.authority.as_str()), (8443, "localhost:8443"));
        assert!(WsUrl::parse("wss:/x").is_err());
        assert!(WsUrl::parse("https://x").is_err());
        assert!(WsUrl::parse("wss://").is_err());
    }
}
