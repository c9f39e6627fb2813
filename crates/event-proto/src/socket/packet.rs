//! Socket.IO v5 packets: kinds, namespace, ack id, payload and its validation.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::text::Str;
use crate::value::{Value, to_value};

/// The seven Socket.IO packet kinds, with their wire digit as discriminant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum PacketKind {
    /// `0`: join a namespace (client), or accept the join (server, payload `{sid}`).
    Connect = 0,
    /// `1`: leave a namespace.
    Disconnect = 1,
    /// `2`: an event: `[name, ...args]`.
    Event = 2,
    /// `3`: the answer to an event that carried an ack id.
    Ack = 3,
    /// `4`: the namespace join was refused: `{message, data?}`.
    ConnectError = 4,
    /// `5`: an event with binary attachments.
    BinaryEvent = 5,
    /// `6`: an ack with binary attachments.
    BinaryAck = 6,
}

impl PacketKind {
    /// The kind for an ASCII digit `b'0'..=b'6'`.
    pub fn from_ascii(b: u8) -> Result<PacketKind> {
        Ok(match b {
            b'0' => PacketKind::Connect,
            b'1' => PacketKind::Disconnect,
            b'2' => PacketKind::Event,
            b'3' => PacketKind::Ack,
            b'4' => PacketKind::ConnectError,
            b'5' => PacketKind::BinaryEvent,
            b'6' => PacketKind::BinaryAck,
            other => return Err(Error::UnknownType(other)),
        })
    }

    /// The ASCII digit of this kind.
    pub fn as_ascii(self) -> u8 {
        b'0' + self as u8
    }

    /// True for the two kinds that announce attachments.
    pub fn is_binary(self) -> bool {
        matches!(self, PacketKind::BinaryEvent | PacketKind::BinaryAck)
    }

    /// The binary counterpart of `Event` and `Ack`; other kinds are returned unchanged.
    pub fn with_binary(self) -> PacketKind {
        match self {
            PacketKind::Event => PacketKind::BinaryEvent,
            PacketKind::Ack => PacketKind::BinaryAck,
            other => other,
        }
    }

    fn name(self) -> &'static str {
        match self {
            PacketKind::Connect => "CONNECT",
            PacketKind::Disconnect => "DISCONNECT",
            PacketKind::Event => "EVENT",
            PacketKind::Ack => "ACK",
            PacketKind::ConnectError => "CONNECT_ERROR",
            PacketKind::BinaryEvent => "BINARY_EVENT",
            PacketKind::BinaryAck => "BINARY_ACK",
        }
    }
}

/// The main namespace.
pub const ROOT_NAMESPACE: &str = "/";

/// One Socket.IO packet, independent of the parser that puts it on the wire.
///
/// ```
/// use event_proto::socket::{Packet, PacketKind};
/// use event_proto::Value;
///
/// let p = Packet::event("/chat", "message", vec![Value::from("hi")]).with_ack(3);
/// assert_eq!(p.kind, PacketKind::Event);
/// assert_eq!(p.event_name(), Some("message"));
/// assert_eq!(p.args(), &[Value::from("hi")]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Packet {
    /// The kind. Encoders upgrade `Event`/`Ack` to their binary kinds when the payload holds
    /// binary data.
    pub kind: PacketKind,
    /// The namespace, starting with `/`.
    pub ns: Str,
    /// The acknowledgement id, if the sender wants an answer (or this is an answer).
    pub id: Option<u64>,
    /// The payload, with binary data in place.
    pub data: Option<Value>,
}

impl Packet {
    fn new(kind: PacketKind, ns: impl Into<Str>, data: Option<Value>) -> Packet {
        Packet {
            kind,
            ns: ns.into(),
            id: None,
            data,
        }
    }

    /// A `CONNECT`, with an optional object payload (auth from a client, `{sid}` from a server).
    pub fn connect(ns: impl Into<Str>, data: Option<Value>) -> Packet {
        Packet::new(PacketKind::Connect, ns, data)
    }

    /// A `DISCONNECT`.
    pub fn disconnect(ns: impl Into<Str>) -> Packet {
        Packet::new(PacketKind::Disconnect, ns, None)
    }

    /// An `EVENT` named `name` with `args`.
    pub fn event(ns: impl Into<Str>, name: &str, args: Vec<Value>) -> Packet {
        let mut items = Vec::with_capacity(args.len() + 1);
        items.push(Value::from(name));
        items.extend(args);
        Packet::new(PacketKind::Event, ns, Some(Value::Array(items)))
    }

    /// An `EVENT` whose arguments come from a serde value: a sequence (tuple, `Vec`) gives
    /// several arguments, anything else a single one.
    pub fn event_from<T: Serialize + ?Sized>(
        ns: impl Into<Str>,
        name: &str,
        args: &T,
    ) -> Result<Packet> {
        Ok(Packet::event(ns, name, into_args(to_value(args)?)))
    }

    /// An `ACK` answering `id` with `args`.
    pub fn ack(ns: impl Into<Str>, id: u64, args: Vec<Value>) -> Packet {
        Packet::new(PacketKind::Ack, ns, Some(Value::Array(args))).with_ack(id)
    }

    /// A `CONNECT_ERROR` with a message and optional extra data.
    pub fn connect_error(ns: impl Into<Str>, message: &str, data: Option<Value>) -> Packet {
        let mut members = vec![("message".to_owned(), Value::from(message))];
        if let Some(data) = data {
            members.push(("data".to_owned(), data));
        }
        Packet::new(PacketKind::ConnectError, ns, Some(Value::Object(members)))
    }

    /// Sets the ack id.
    pub fn with_ack(mut self, id: u64) -> Packet {
        self.id = Some(id);
        self
    }

    /// The event name of an event packet.
    pub fn event_name(&self) -> Option<&str> {
        match self.kind {
            PacketKind::Event | PacketKind::BinaryEvent => self.items().first()?.as_str(),
            _ => None,
        }
    }

    /// The arguments: the payload array without the event name for events, the whole array for
    /// acks, empty otherwise.
    pub fn args(&self) -> &[Value] {
        let items = self.items();
        match self.kind {
            PacketKind::Event | PacketKind::BinaryEvent => items.get(1..).unwrap_or_default(),
            _ => items,
        }
    }

    /// Deserializes the arguments as one tuple or sequence type, without copying them; `&str`
    /// and `&[u8]` fields borrow from the packet.
    ///
    /// ```
    /// use event_proto::socket::Packet;
    ///
    /// let p = Packet::event_from("/", "move", &(1, "up")).unwrap();
    /// let (n, dir): (u32, String) = p.deserialize_args().unwrap();
    /// assert_eq!((n, dir.as_str()), (1, "up"));
    /// ```
    ///
    /// A tuple takes exactly its number of arguments, `()` none. When the arguments do not
    /// fit, [`Error::Arguments`] says how in the event's terms:
    ///
    /// ```
    /// use event_proto::socket::Packet;
    ///
    /// let p = Packet::event_from("/", "join", &("lobby", 2)).unwrap();
    /// let error = p.deserialize_args::<(String,)>().unwrap_err();
    /// assert_eq!(error.to_string(), r#"event "join" has 2 arguments, the handler takes 1"#);
    /// let error = p.deserialize_args::<(String, String)>().unwrap_err();
    /// assert_eq!(
    ///     error.to_string(),
    ///     r#"event "join": argument 2: expected a string, got the number 2"#
    /// );
    /// ```
    pub fn deserialize_args<'de, T: serde::Deserialize<'de>>(&'de self) -> Result<T> {
        crate::value::from_args(self.args(), self.event_name())
    }

    fn items(&self) -> &[Value] {
        self.data
            .as_ref()
            .and_then(Value::as_array)
            .unwrap_or_default()
    }

    /// True if the payload holds binary data anywhere.
    pub fn has_binary(&self) -> bool {
        self.data.as_ref().is_some_and(Value::has_binary)
    }

    /// Checks the namespace and the payload shape the protocol requires for this kind.
    pub fn validate(&self) -> Result<()> {
        validate_namespace(self.ns.as_bytes())?;
        let ok = match (self.kind, &self.data) {
            (PacketKind::Connect, None | Some(Value::Object(_))) => true,
            (PacketKind::Disconnect, None) => true,
            (PacketKind::Event | PacketKind::BinaryEvent, Some(Value::Array(items))) => {
                match items.first() {
                    Some(Value::String(name)) => {
                        validate_event_name(name)?;
                        true
                    }
                    _ => false,
                }
            }
            (PacketKind::Ack | PacketKind::BinaryAck, Some(Value::Array(_))) => true,
            (PacketKind::ConnectError, Some(v @ Value::Object(_))) => {
                matches!(v.get("message"), Some(Value::String(_)))
            }
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(Error::InvalidPayload(self.kind.name()))
        }
    }
}

/// The event names the reference parser (socket.io-parser) refuses, in what it encodes and in
/// what it decodes: the clients' and servers' own lifecycle events and those of Node's
/// `EventEmitter`. An event so named fails to encode here, and decoding one is an error, as
/// in Node, where socket.io-client drops the connection on receiving one.
pub const RESERVED_EVENTS: [&str; 6] = [
    "connect",
    "connect_error",
    "disconnect",
    "disconnecting",
    "newListener",
    "removeListener",
];

/// Checks that an event name is not one of [`RESERVED_EVENTS`].
pub(crate) fn validate_event_name(name: &str) -> Result<()> {
    match RESERVED_EVENTS.iter().find(|reserved| **reserved == name) {
        Some(reserved) => Err(Error::ReservedEvent(reserved)),
        None => Ok(()),
    }
}

/// Checks that a namespace starts with `/` and holds no `,` (the wire's namespace terminator).
pub(crate) fn validate_namespace(ns: &[u8]) -> Result<()> {
    match ns.first() {
        Some(b'/') if memchr::memchr(b',', ns).is_none() => Ok(()),
        _ => Err(Error::InvalidNamespace),
    }
}

fn into_args(value: Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items,
        other => vec![other],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for d in b'0'..=b'6' {
            let kind = PacketKind::from_ascii(d).expect("kind");
            assert_eq!(kind.as_ascii(), d);
        }
        assert_eq!(PacketKind::from_ascii(b'7'), Err(Error::UnknownType(b'7')));
        assert_eq!(PacketKind::Ack.with_binary(), PacketKind::BinaryAck);
        assert_eq!(PacketKind::Connect.with_binary(), PacketKind::Connect);
        assert!(PacketKind::BinaryEvent.is_binary());
    }

    #[test]
    fn constructors_validate() {
        let ok = [
            Packet::connect("/", None),
            Packet::connect("/admin", Some(Value::Object(vec![]))),
            Packet::disconnect("/x"),
            Packet::event("/", "e", vec![]),
            Packet::ack("/", 1, vec![]),
            Packet::connect_error("/", "Not authorized", Some(Value::Null)),
        ];
        for p in ok {
            assert_eq!(p.validate(), Ok(()), "{p:?}");
        }
    }

    #[test]
    fn reserved_event_names_neither_encode_nor_decode() {
        use crate::{Decoder, JsonParser, Limits, Message, MsgPackParser, Parser};

        let ns = Str::from("/");
        for name in RESERVED_EVENTS {
            let refused = Error::ReservedEvent(name);
            let validated = Packet::event("/", name, vec![]).validate();
            assert_eq!(validated.err(), Some(refused.clone()));
            let json = JsonParser.encode_event(&ns, name, &(1,), None);
            assert_eq!(json.err(), Some(refused.clone()));
            let packed = MsgPackParser.encode_event(&ns, name, &(1,), Some(2));
            assert_eq!(packed.err(), Some(refused.clone()));
            let text = format!(r#"2["{name}",1]"#);
            let decoded = JsonParser
                .decoder(Limits::default())
                .push(Message::Text(Str::from(text.as_str())));
            assert_eq!(decoded.err(), Some(refused), "{text}");
        }
        assert_eq!(
            Error::ReservedEvent("disconnect").to_string(),
            r#""disconnect" is a reserved event name"#
        );
        // Only the exact names: others that merely look alike are events as any.
        for name in ["Connect", "disconnected", "connect ", "error", "message"] {
            assert_eq!(
                Packet::event("/", name, vec![]).validate(),
                Ok(()),
                "{name}"
            );
            assert!(
                JsonParser.encode_event(&ns, name, &(), None).is_ok(),
                "{name}"
            );
        }
    }

    #[test]
    fn validation_rejects_bad_shapes() {
        let mut p = Packet::event("/", "e", vec![]);
        p.data = Some(Value::Array(vec![]));
        assert_eq!(p.validate(), Err(Error::InvalidPayload("EVENT")));
        p.data = Some(Value::Array(vec![Value::Null]));
        assert!(p.validate().is_err());
        p.data = None;
        assert!(p.validate().is_err());
        assert_eq!(
            Packet::disconnect("admin").validate(),
            Err(Error::InvalidNamespace)
        );
        assert_eq!(
            Packet::disconnect("/a,b").validate(),
            Err(Error::InvalidNamespace)
        );
        let mut d = Packet::disconnect("/");
        d.data = Some(Value::Null);
        assert_eq!(d.validate(), Err(Error::InvalidPayload("DISCONNECT")));
        let mut e = Packet::connect_error("/", "m", None);
        e.data = Some(Value::Object(vec![]));
        assert_eq!(e.validate(), Err(Error::InvalidPayload("CONNECT_ERROR")));
        let c = Packet::connect("/", Some(Value::Array(vec![])));
        assert_eq!(c.validate(), Err(Error::InvalidPayload("CONNECT")));
    }

    #[test]
    fn args_and_names() {
        let p = Packet::event_from("/", "chat", &serde_json::json!({"a": 1})).expect("event");
        assert_eq!(p.event_name(), Some("chat"));
        assert_eq!(p.args().len(), 1);
        let a = Packet::ack("/", 2, vec![Value::from("x")]);
        assert_eq!(a.event_name(), None);
        assert_eq!(a.args().len(), 1);
        assert_eq!(a.id, Some(2));
        assert!(Packet::disconnect("/").args().is_empty());
        let (s,): (String,) = a.deserialize_args().expect("args");
        assert_eq!(s, "x");
    }
}
