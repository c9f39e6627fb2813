//! [`Transport`]: the Engine.IO transports by the names the protocol gives them.

use std::fmt;
use std::str::FromStr;

/// An Engine.IO transport, as named in the `transport` query parameter and in a handshake's
/// `upgrades` list.
///
/// ```
/// use event_proto::engine::Transport;
///
/// assert_eq!(Transport::WebSocket.as_str(), "websocket");
/// assert_eq!("polling".parse::<Transport>(), Ok(Transport::Polling));
/// assert!("carrier-pigeon".parse::<Transport>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Transport {
    /// HTTP long-polling (`polling`): every client opens over it unless told otherwise.
    Polling,
    /// WebSocket (`websocket`).
    WebSocket,
    /// WebTransport (`webtransport`): one bidirectional stream of an HTTP/3 WebTransport
    /// session, each packet framed with its length ([`webtransport`](super::webtransport)).
    WebTransport,
}

impl Transport {
    /// The protocol's name for the transport: `"polling"`, `"websocket"` or
    /// `"webtransport"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Transport::Polling => "polling",
            Transport::WebSocket => "websocket",
            Transport::WebTransport => "webtransport",
        }
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing a name that is not a known [`Transport`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownTransport(pub String);

impl fmt::Display for UnknownTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown Engine.IO transport {:?} (known: polling, websocket, webtransport)",
            self.0
        )
    }
}

impl std::error::Error for UnknownTransport {}

impl FromStr for Transport {
    type Err = UnknownTransport;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name {
            "polling" => Ok(Transport::Polling),
            "websocket" => Ok(Transport::WebSocket),
            "webtransport" => Ok(Transport::WebTransport),
            other => Err(UnknownTransport(other.to_owned())),
        }
    }
}

/// Serializes as the protocol's name (`"polling"`, `"websocket"`, `"webtransport"`), as JSON payloads and logs
/// show a transport.
impl serde::Serialize for Transport {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl From<Transport> for crate::Value {
    fn from(transport: Transport) -> crate::Value {
        crate::Value::from(transport.as_str())
    }
}

impl PartialEq<str> for Transport {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Transport {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in [
            Transport::Polling,
            Transport::WebSocket,
            Transport::WebTransport,
        ] {
            assert_eq!(t.as_str().parse::<Transport>(), Ok(t));
            assert_eq!(t.to_string(), t.as_str());
            assert!(t == t.as_str());
        }
    }

    #[test]
    fn serializes_as_its_name() {
        assert_eq!(
            serde_json::to_string(&Transport::WebSocket).unwrap(),
            "\"websocket\""
        );
        assert_eq!(
            serde_json::to_string(&Transport::WebTransport).unwrap(),
            "\"webtransport\""
        );
        assert_eq!(
            crate::Value::from(Transport::Polling),
            crate::Value::from("polling")
        );
    }

    #[test]
    fn unknown_names_are_refused_with_the_name() {
        let err = "WebSocket".parse::<Transport>().unwrap_err();
        assert_eq!(err, UnknownTransport("WebSocket".into()));
        assert!(err.to_string().contains("\"WebSocket\""));
        assert!(err.to_string().contains("webtransport"));
        assert!("WebTransport".parse::<Transport>().is_err());
    }
}
