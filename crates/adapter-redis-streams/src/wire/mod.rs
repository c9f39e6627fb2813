//! The ClusterAdapter message model of socket.io-adapter 2.5, without I/O.
//!
//! Every message is an envelope `{type, data, uid, nsp}` (in that key order, as Node writes
//! it) whose `data` depends on the [`MessageType`]. This module turns [`ClusterMessage`]s
//! into bytes and back for each carrier:
//!
//! * a Redis Streams entry ([`ClusterMessage::to_entry`], [`ClusterMessage::from_entry`]):
//!   flat fields `uid nsp type data`, `type` in decimal, `data` JSON, or base64 MessagePack
//!   when it must keep binary values (see [`ClusterMessage::needs_binary_encoding`]);
//! * a pub/sub payload of the Streams adapter ([`ClusterMessage::to_msgpack`]): MessagePack
//!   of the whole envelope;
//! * a pub/sub payload of the sharded adapter ([`ClusterMessage::to_sharded`]): JSON, or
//!   MessagePack under the same binary rule.
//!
//! Any payload is read by [`ClusterMessage::decode`]: JSON when its first byte is `{`,
//! MessagePack otherwise. Decoding never panics, refuses input over the size limit it is
//! given before decoding anything, and reports a message of the wrong shape as an error.
//!
//! [`requests`] holds the bookkeeping of the requests that wait for answers.

pub mod requests;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use event_proto::Value;
use wsio_adapter_redis::wire::values::{scalar_text, string_list, strings};
pub use wsio_adapter_redis::wire::{WireError, WireOptions, WireSocket};
use wsio_adapter_redis::wire::{json, msgpack};

/// The uid of messages written by `@socket.io/redis-streams-emitter` (not a server).
pub const EMITTER_UID: &str = "emitter";

/// Socket.IO's EVENT packet type; broadcast packets always say 2 on the wire.
const EVENT: u64 = 2;

/// The kinds of cluster message, with their codes on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum MessageType {
    /// A node announces itself (heartbeat flavour of the model; no data).
    InitialHeartbeat = 1,
    /// A node is alive (no data).
    Heartbeat = 2,
    /// A broadcast, with a request id when it waits for acknowledgements.
    Broadcast = 3,
    /// The addressed sockets join rooms.
    SocketsJoin = 4,
    /// The addressed sockets leave rooms.
    SocketsLeave = 5,
    /// The addressed sockets are disconnected.
    DisconnectSockets = 6,
    /// A request for the addressed sockets' descriptions.
    FetchSockets = 7,
    /// One node's answer to [`FetchSockets`](Self::FetchSockets).
    FetchSocketsResponse = 8,
    /// An event for the other nodes' server-side handlers.
    ServerSideEmit = 9,
    /// One node's answer to a [`ServerSideEmit`](Self::ServerSideEmit) with a request id.
    ServerSideEmitResponse = 10,
    /// How many clients a node sent an acknowledged broadcast to.
    BroadcastClientCount = 11,
    /// One client's acknowledgement of a broadcast.
    BroadcastAck = 12,
    /// A node leaves (no data).
    AdapterClose = 13,
}

impl MessageType {
    /// The type of wire code `code`, if it is one.
    pub fn from_code(code: u64) -> Option<MessageType> {
        use MessageType::*;
        Some(match code {
            1 => InitialHeartbeat,
            2 => Heartbeat,
            3 => Broadcast,
            4 => SocketsJoin,
            5 => SocketsLeave,
            6 => DisconnectSockets,
            7 => FetchSockets,
            8 => FetchSocketsResponse,
            9 => ServerSideEmit,
            10 => ServerSideEmitResponse,
            11 => BroadcastClientCount,
            12 => BroadcastAck,
            13 => AdapterClose,
            _ => return None,
        })
    }

    /// The wire code.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// Whether a message of this type is encoded as MessagePack when its data holds binary
    /// values (the other types always travel as JSON in entries and sharded payloads).
    pub fn may_carry_binary(self) -> bool {
        use MessageType::*;
        matches!(
            self,
            Broadcast
                | FetchSocketsResponse
                | ServerSideEmit
                | ServerSideEmitResponse
                | BroadcastAck
        )
    }

    /// Whether the type is an answer to a request of one node.
    pub fn is_response(self) -> bool {
        use MessageType::*;
        matches!(
            self,
            FetchSocketsResponse | ServerSideEmitResponse | BroadcastClientCount | BroadcastAck
        )
    }
}

/// The `data` of a cluster message, by type.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// Type 1, no data.
    InitialHeartbeat,
    /// Type 2, no data.
    Heartbeat,
    /// Type 3: `{packet: {type: 2, data}, opts, requestId?}`.
    Broadcast {
        /// `[event, ...args]`, binary values in place.
        packet: Vec<Value>,
        /// The addressed sockets and the flags.
        opts: WireOptions,
        /// Present when the sender waits for client acknowledgements.
        request_id: Option<String>,
    },
    /// Type 4: `{opts, rooms}`.
    SocketsJoin {
        /// The addressed sockets.
        opts: WireOptions,
        /// The rooms to join.
        rooms: Vec<String>,
    },
    /// Type 5: `{opts, rooms}`.
    SocketsLeave {
        /// The addressed sockets.
        opts: WireOptions,
        /// The rooms to leave.
        rooms: Vec<String>,
    },
    /// Type 6: `{opts, close}`.
    DisconnectSockets {
        /// The addressed sockets.
        opts: WireOptions,
        /// Close the whole connection, not only the namespace.
        close: bool,
    },
    /// Type 7: `{opts, requestId}`.
    FetchSockets {
        /// The addressed sockets.
        opts: WireOptions,
        /// The request to answer.
        request_id: String,
    },
    /// Type 8: `{requestId, sockets}`.
    FetchSocketsResponse {
        /// The request answered.
        request_id: String,
        /// The sender's matching sockets.
        sockets: Vec<WireSocket>,
    },
    /// Type 9: `{packet: [event, ...args], requestId?}`.
    ServerSideEmit {
        /// `[event, ...args]`.
        packet: Vec<Value>,
        /// Present when the sender waits for one answer per node.
        request_id: Option<String>,
    },
    /// Type 10: `{requestId, packet}`.
    ServerSideEmitResponse {
        /// The request answered.
        request_id: String,
        /// The first argument the handler acknowledged with.
        packet: Value,
    },
    /// Type 11: `{requestId, clientCount}`.
    BroadcastClientCount {
        /// The request answered.
        request_id: String,
        /// Clients the sender delivered the broadcast to.
        client_count: u64,
    },
    /// Type 12: `{requestId, packet}`.
    BroadcastAck {
        /// The request answered.
        request_id: String,
        /// The first argument the client acknowledged with.
        packet: Value,
    },
    /// Type 13, no data.
    AdapterClose,
}

impl Body {
    /// The message type of this body.
    pub fn kind(&self) -> MessageType {
        match self {
            Body::InitialHeartbeat => MessageType::InitialHeartbeat,
            Body::Heartbeat => MessageType::Heartbeat,
            Body::Broadcast { .. } => MessageType::Broadcast,
            Body::SocketsJoin { .. } => MessageType::SocketsJoin,
            Body::SocketsLeave { .. } => MessageType::SocketsLeave,
            Body::DisconnectSockets { .. } => MessageType::DisconnectSockets,
            Body::FetchSockets { .. } => MessageType::FetchSockets,
            Body::FetchSocketsResponse { .. } => MessageType::FetchSocketsResponse,
            Body::ServerSideEmit { .. } => MessageType::ServerSideEmit,
            Body::ServerSideEmitResponse { .. } => MessageType::ServerSideEmitResponse,
            Body::BroadcastClientCount { .. } => MessageType::BroadcastClientCount,
            Body::BroadcastAck { .. } => MessageType::BroadcastAck,
            Body::AdapterClose => MessageType::AdapterClose,
        }
    }

    /// The request id a response answers (or a request carries).
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Body::Broadcast { request_id, .. } | Body::ServerSideEmit { request_id, .. } => {
                request_id.as_deref()
            }
            Body::FetchSockets { request_id, .. }
            | Body::FetchSocketsResponse { request_id, .. }
            | Body::ServerSideEmitResponse { request_id, .. }
            | Body::BroadcastClientCount { request_id, .. }
            | Body::BroadcastAck { request_id, .. } => Some(request_id),
            _ => None,
        }
    }

    /// The `data` value, `None` for the types without data.
    pub fn to_value(&self) -> Option<Value> {
        let id = |id: &str| Value::from(id);
        Some(match self {
            Body::InitialHeartbeat | Body::Heartbeat | Body::AdapterClose => return None,
            Body::Broadcast {
                packet,
                opts,
                request_id,
            } => {
                let mut members = vec![
                    (
                        "packet".to_owned(),
                        object([
                            ("type", Value::Number(EVENT.into())),
                            ("data", Value::Array(packet.clone())),
                        ]),
                    ),
                    ("opts".to_owned(), opts.to_value()),
                ];
                if let Some(request_id) = request_id {
                    members.push(("requestId".to_owned(), id(request_id)));
                }
                Value::Object(members)
            }
            Body::SocketsJoin { opts, rooms } | Body::SocketsLeave { opts, rooms } => {
                object([("opts", opts.to_value()), ("rooms", strings(rooms))])
            }
            Body::DisconnectSockets { opts, close } => {
                object([("opts", opts.to_value()), ("close", Value::Bool(*close))])
            }
            Body::FetchSockets { opts, request_id } => {
                object([("opts", opts.to_value()), ("requestId", id(request_id))])
            }
            Body::FetchSocketsResponse {
                request_id,
                sockets,
            } => object([
                ("requestId", id(request_id)),
                (
                    "sockets",
                    Value::Array(sockets.iter().map(WireSocket::to_value).collect()),
                ),
            ]),
            Body::ServerSideEmit { packet, request_id } => {
                let mut members = vec![("packet".to_owned(), Value::Array(packet.clone()))];
                if let Some(request_id) = request_id {
                    members.push(("requestId".to_owned(), id(request_id)));
                }
                Value::Object(members)
            }
            Body::ServerSideEmitResponse { request_id, packet }
            | Body::BroadcastAck { request_id, packet } => {
                object([("requestId", id(request_id)), ("packet", packet.clone())])
            }
            Body::BroadcastClientCount {
                request_id,
                client_count,
            } => object([
                ("requestId", id(request_id)),
                ("clientCount", Value::Number((*client_count).into())),
            ]),
        })
    }

    /// Reads the `data` of a message of type `kind`.
    pub fn from_value(kind: MessageType, data: Option<&Value>) -> Result<Body, WireError> {
        use MessageType as T;
        match kind {
            T::InitialHeartbeat => return Ok(Body::InitialHeartbeat),
            T::Heartbeat => return Ok(Body::Heartbeat),
            T::AdapterClose => return Ok(Body::AdapterClose),
            _ => {}
        }
        let data = data.ok_or(WireError::Shape("message without data"))?;
        if !matches!(data, Value::Object(_)) {
            return Err(WireError::Shape("data is not an object"));
        }
        let opts = || WireOptions::from_value(data.get("opts"));
        let request_id = || data.get("requestId").and_then(scalar_text);
        let required_id = || request_id().ok_or(WireError::Shape("no requestId"));
        Ok(match kind {
            T::Broadcast => Body::Broadcast {
                packet: event_data(data.get("packet"))?,
                opts: opts(),
                request_id: request_id(),
            },
            T::SocketsJoin => Body::SocketsJoin {
                opts: opts(),
                rooms: string_list(data.get("rooms")),
            },
            T::SocketsLeave => Body::SocketsLeave {
                opts: opts(),
                rooms: string_list(data.get("rooms")),
            },
            T::DisconnectSockets => Body::DisconnectSockets {
                opts: opts(),
                close: matches!(data.get("close"), Some(Value::Bool(true))),
            },
            T::FetchSockets => Body::FetchSockets {
                opts: opts(),
                request_id: required_id()?,
            },
            T::FetchSocketsResponse => Body::FetchSocketsResponse {
                request_id: required_id()?,
                sockets: match data.get("sockets") {
                    Some(Value::Array(items)) => {
                        items.iter().filter_map(WireSocket::from_value).collect()
                    }
                    _ => Vec::new(),
                },
            },
            T::ServerSideEmit => Body::ServerSideEmit {
                packet: match data.get("packet") {
                    Some(Value::Array(items)) if !items.is_empty() => items.clone(),
                    _ => return Err(WireError::Shape("server-side emit without event")),
                },
                request_id: request_id(),
            },
            T::ServerSideEmitResponse => Body::ServerSideEmitResponse {
                request_id: required_id()?,
                packet: data.get("packet").cloned().unwrap_or_default(),
            },
            T::BroadcastClientCount => Body::BroadcastClientCount {
                request_id: required_id()?,
                client_count: match data.get("clientCount") {
                    Some(Value::Number(n)) => n
                        .as_u64()
                        .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
                        .unwrap_or(0),
                    _ => 0,
                },
            },
            T::BroadcastAck => Body::BroadcastAck {
                request_id: required_id()?,
                packet: data.get("packet").cloned().unwrap_or_default(),
            },
            T::InitialHeartbeat | T::Heartbeat | T::AdapterClose => {
                return Err(WireError::Shape("unreachable"));
            }
        })
    }
}

/// One cluster message: the sending node, the namespace and the body.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterMessage {
    /// The sending node's uid ([`EMITTER_UID`] for the emitter).
    pub uid: String,
    /// The namespace the message is for.
    pub nsp: String,
    /// The type and its data.
    pub body: Body,
}

impl ClusterMessage {
    /// The envelope `{type, data, uid, nsp}` (no `data` key for the types without data).
    pub fn to_value(&self) -> Value {
        let mut members = vec![(
            "type".to_owned(),
            Value::Number(u64::from(self.body.kind().code()).into()),
        )];
        if let Some(data) = self.body.to_value() {
            members.push(("data".to_owned(), data));
        }
        members.push(("uid".to_owned(), Value::from(self.uid.as_str())));
        members.push(("nsp".to_owned(), Value::from(self.nsp.as_str())));
        Value::Object(members)
    }

    /// Reads an envelope. A missing `nsp` is `/`; a missing `uid` is empty.
    pub fn from_value(value: &Value) -> Result<ClusterMessage, WireError> {
        if !matches!(value, Value::Object(_)) {
            return Err(WireError::Shape("message is not an object"));
        }
        let code = value
            .get("type")
            .and_then(number)
            .ok_or(WireError::Shape("no message type"))?;
        let kind = MessageType::from_code(code).ok_or(WireError::Shape("unknown message type"))?;
        Ok(ClusterMessage {
            uid: value.get("uid").and_then(scalar_text).unwrap_or_default(),
            nsp: value
                .get("nsp")
                .and_then(Value::as_str)
                .unwrap_or("/")
                .to_owned(),
            body: Body::from_value(kind, value.get("data"))?,
        })
    }

    /// Whether the data is encoded as MessagePack rather than JSON: a type that may carry
    /// binary, holding binary values.
    pub fn needs_binary_encoding(&self) -> bool {
        self.body.kind().may_carry_binary() && self.body.to_value().is_some_and(|d| has_binary(&d))
    }

    /// Whether the Streams adapter sends this message over pub/sub instead of the stream:
    /// broadcasts with acks, fetch requests and server-side emits. Nothing ephemeral is kept
    /// for connection state recovery.
    pub fn is_ephemeral(&self) -> bool {
        match &self.body {
            Body::Broadcast { request_id, .. } => request_id.is_some(),
            Body::FetchSockets { .. } | Body::ServerSideEmit { .. } => true,
            _ => false,
        }
    }

    /// The fields of a stream entry, in order: `uid`, `nsp`, `type` (decimal) and, when the
    /// type has data, `data` (JSON, or base64 MessagePack when
    /// [`needs_binary_encoding`](Self::needs_binary_encoding) and not `only_plaintext`; binary
    /// then turns into Node's `{"type":"Buffer","data":[...]}`).
    pub fn to_entry(&self, only_plaintext: bool) -> Vec<(&'static str, Vec<u8>)> {
        let mut fields = vec![
            ("uid", self.uid.as_bytes().to_vec()),
            ("nsp", self.nsp.as_bytes().to_vec()),
            ("type", self.body.kind().code().to_string().into_bytes()),
        ];
        if let Some(data) = self.body.to_value() {
            let encoded = if !only_plaintext && self.needs_binary_encoding() {
                BASE64.encode(msgpack::to_vec(&data)).into_bytes()
            } else {
                json::to_vec(&data)
            };
            fields.push(("data", encoded));
        }
        fields
    }

    /// Reads a stream entry's fields (name, value) in any order. Fields longer than
    /// `max_len` bytes make it an error before they are decoded.
    pub fn from_entry<K: AsRef<[u8]>, V: AsRef<[u8]>>(
        fields: &[(K, V)],
        max_len: usize,
    ) -> Result<ClusterMessage, WireError> {
        let field = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| k.as_ref() == name.as_bytes())
                .map(|(_, v)| v.as_ref())
        };
        let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
        let kind = field("type")
            .and_then(parse_int)
            .and_then(MessageType::from_code)
            .ok_or(WireError::Shape("entry without a known type"))?;
        let data = match field("data") {
            None => None,
            Some(bytes) if bytes.len() > max_len => return Err(WireError::TooLarge(bytes.len())),
            Some(bytes) if bytes.first() == Some(&b'{') => {
                Some(json::decode(&Bytes::copy_from_slice(bytes))?)
            }
            Some(bytes) => {
                let raw = BASE64
                    .decode(bytes)
                    .map_err(|_| WireError::Malformed("data is neither JSON nor base64"))?;
                Some(msgpack::decode(&Bytes::from(raw))?)
            }
        };
        Ok(ClusterMessage {
            uid: field("uid").map(text).unwrap_or_default(),
            nsp: field("nsp").map_or_else(|| "/".to_owned(), text),
            body: Body::from_value(kind, data.as_ref())?,
        })
    }

    /// MessagePack of the whole envelope: how the Streams adapter publishes ephemeral
    /// messages and responses.
    pub fn to_msgpack(&self) -> Vec<u8> {
        msgpack::to_vec(&self.to_value())
    }

    /// How the sharded adapter publishes: MessagePack under the binary rule, JSON otherwise.
    pub fn to_sharded(&self) -> Vec<u8> {
        if self.needs_binary_encoding() {
            self.to_msgpack()
        } else {
            json::to_vec(&self.to_value())
        }
    }

    /// Reads a pub/sub payload: JSON when it starts with `{`, MessagePack otherwise;
    /// payloads over `max_len` bytes are refused undecoded.
    pub fn decode(input: &Bytes, max_len: usize) -> Result<ClusterMessage, WireError> {
        let value = wsio_adapter_redis::wire::decode_any(input, max_len)?;
        ClusterMessage::from_value(&value)
    }
}

/// How the sharded adapter picks room channels (`subscriptionMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SubscriptionMode {
    /// Only the main and private channels.
    Static,
    /// Also one channel per public room (a room that does not look like a socket id, i.e.
    /// is not 20 characters long). The reference's default.
    #[default]
    Dynamic,
    /// Also one channel per room, socket-id rooms included.
    DynamicPrivate,
}

impl SubscriptionMode {
    /// Whether room `room` has a channel of its own in this mode: never in
    /// [`Static`](Self::Static), for rooms that do not look like socket ids in
    /// [`Dynamic`](Self::Dynamic), always in [`DynamicPrivate`](Self::DynamicPrivate).
    pub fn has_room_channel(self, room: &str) -> bool {
        match self {
            SubscriptionMode::Static => false,
            SubscriptionMode::Dynamic => !looks_like_socket_id(room),
            SubscriptionMode::DynamicPrivate => true,
        }
    }
}

/// Whether the sharded adapter takes `room` for a socket id: exactly 20 characters (UTF-16
/// code units, as JavaScript counts them).
pub fn looks_like_socket_id(room: &str) -> bool {
    room.encode_utf16().count() == 20
}

/// The channel the sharded adapter publishes `message` on, for prefix `prefix`
/// (`socket.io`): a room channel `<prefix>#<nsp>#<room>#` for a plain broadcast to exactly
/// one room (a public one in [`SubscriptionMode::Dynamic`]), the main channel
/// `<prefix>#<nsp>#` for anything else.
pub fn sharded_channel(prefix: &str, message: &ClusterMessage, mode: SubscriptionMode) -> String {
    if let Body::Broadcast {
        opts,
        request_id: None,
        ..
    } = &message.body
        && let [room] = opts.rooms.as_slice()
        && mode.has_room_channel(room)
    {
        return room_channel(prefix, &message.nsp, room);
    }
    public_channel(prefix, &message.nsp)
}

/// The sharded adapter's channel of room `room`: `<prefix>#<nsp>#<room>#`.
pub fn room_channel(prefix: &str, nsp: &str, room: &str) -> String {
    format!("{prefix}#{nsp}#{room}#")
}

/// The channel every node of namespace `nsp` listens to: `<prefix>#<nsp>#`.
pub fn public_channel(prefix: &str, nsp: &str) -> String {
    format!("{prefix}#{nsp}#")
}

/// Node `uid`'s own channel, where answers to its requests go: `<prefix>#<nsp>#<uid>#`.
pub fn private_channel(prefix: &str, nsp: &str, uid: &str) -> String {
    format!("{prefix}#{nsp}#{uid}#")
}

/// The stream of namespace `nsp`: `name` with one stream, else `name-<i>` where `i` is the
/// Java-style 32-bit string hash of `nsp` (over UTF-16 code units) modulo `count`, keeping
/// the sign as JavaScript's `%` does.
pub fn stream_name(name: &str, count: usize, nsp: &str) -> String {
    if count <= 1 {
        return name.to_owned();
    }
    let mut hash: i32 = 0;
    for unit in nsp.encode_utf16() {
        hash = hash.wrapping_mul(31).wrapping_add(i32::from(unit));
    }
    let count = i64::try_from(count).unwrap_or(i64::MAX);
    format!("{name}-{}", i64::from(hash) % count)
}

/// Whether `offset` has the form of a stream entry id, `<ms>-<seq>`.
pub fn parse_entry_id(offset: &str) -> Option<(u64, u64)> {
    let (ms, seq) = offset.split_once('-')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(ms) || !digits(seq) {
        return None;
    }
    Some((ms.parse().ok()?, seq.parse().ok()?))
}

/// The smallest entry id after `(ms, seq)`, for an inclusive XRANGE that excludes it.
pub fn next_entry_id((ms, seq): (u64, u64)) -> String {
    match seq.checked_add(1) {
        Some(seq) => format!("{ms}-{seq}"),
        None => format!("{}-0", ms.saturating_add(1)),
    }
}

/// Whether `value` holds a binary value anywhere.
pub fn has_binary(value: &Value) -> bool {
    match value {
        Value::Binary(_) => true,
        Value::Array(items) => items.iter().any(has_binary),
        Value::Object(members) => members.iter().any(|(_, v)| has_binary(v)),
        _ => false,
    }
}

/// `parseInt` of a decimal string: leading spaces and digits, optional sign ignored.
fn parse_int(bytes: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(bytes).ok()?.trim_start();
    let digits: &str = &text[..text.bytes().take_while(u8::is_ascii_digit).count()];
    digits.parse().ok()
}

fn event_data(packet: Option<&Value>) -> Result<Vec<Value>, WireError> {
    let packet = packet.ok_or(WireError::Shape("broadcast without packet"))?;
    if let Some(kind) = packet.get("type").and_then(number)
        && kind != EVENT
        && kind != 5
    {
        return Err(WireError::Shape("the packet is not an event"));
    }
    match packet.get("data") {
        Some(Value::Array(items)) if !items.is_empty() => Ok(items.clone()),
        _ => Err(WireError::Shape("the packet has no event data")),
    }
}

fn object<const N: usize>(members: [(&str, Value); N]) -> Value {
    Value::Object(
        members
            .into_iter()
            .map(|(key, value)| (key.to_owned(), value))
            .collect(),
    )
}

fn number(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => parse_int(s.as_bytes()),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
