//! Broadcasts, requests and responses of the classic adapter.

use bytes::Bytes;
use event_proto::Value;

use super::values::{scalar_text, string_list, strings};
use super::{WireError, decode_any, json, msgpack, object};

/// Socket.IO's EVENT packet type: a broadcast packet always says 2 on the wire, even with
/// binary inside.
const EVENT: u64 = 2;

/// Which sockets a message addresses, with the broadcast flags, as `{rooms, except, flags}`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WireOptions {
    /// Sockets in any of these rooms; every socket of the namespace when empty.
    pub rooms: Vec<String>,
    /// Minus the sockets in any of these rooms.
    pub except: Vec<String>,
    /// The flags object (`volatile`, `compress`, `local`, `timeout`, ...), kept as received.
    pub flags: Value,
}

impl WireOptions {
    /// `{rooms, except, flags}`.
    pub fn to_value(&self) -> Value {
        let flags = match &self.flags {
            Value::Object(_) => self.flags.clone(),
            _ => Value::Object(Vec::new()),
        };
        object([
            ("rooms", strings(&self.rooms)),
            ("except", strings(&self.except)),
            ("flags", flags),
        ])
    }

    /// `{rooms, except}`, as join, leave, disconnect and fetch requests carry them.
    pub fn to_value_without_flags(&self) -> Value {
        object([
            ("rooms", strings(&self.rooms)),
            ("except", strings(&self.except)),
        ])
    }

    /// Reads `{rooms, except, flags}`; missing parts are empty.
    pub fn from_value(value: Option<&Value>) -> WireOptions {
        let Some(value) = value else {
            return WireOptions::default();
        };
        WireOptions {
            rooms: string_list(value.get("rooms")),
            except: string_list(value.get("except")),
            flags: value.get("flags").cloned().unwrap_or_default(),
        }
    }

    /// Whether `flags.<name>` is `true`.
    pub fn flag(&self, name: &str) -> bool {
        matches!(self.flags.get(name), Some(Value::Bool(true)))
    }

    /// `flags.timeout`, in milliseconds, when it is a non-negative number.
    pub fn timeout_ms(&self) -> Option<u64> {
        match self.flags.get("timeout") {
            Some(Value::Number(n)) => n
                .as_u64()
                .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64)),
            _ => None,
        }
    }
}

/// The event a broadcast carries: `{type: 2, data: [event, ...args], nsp}`; binary values
/// stay raw inside `data`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WirePacket {
    /// `[event, ...args]`.
    pub data: Vec<Value>,
    /// The namespace; the emitter and cluster adapters may leave it out (read as `/`).
    pub nsp: Option<String>,
}

impl WirePacket {
    /// `{type: 2, data, nsp}` (no `nsp` key when there is none).
    pub fn to_value(&self) -> Value {
        let mut members = vec![
            ("type".to_owned(), Value::Number(EVENT.into())),
            ("data".to_owned(), Value::Array(self.data.clone())),
        ];
        if let Some(nsp) = &self.nsp {
            members.push(("nsp".to_owned(), Value::from(nsp.as_str())));
        }
        Value::Object(members)
    }

    fn from_value(value: Option<&Value>) -> Result<WirePacket, WireError> {
        let value = value.ok_or(WireError::Shape("no packet"))?;
        if let Some(kind) = value.get("type")
            && number(kind) != Some(EVENT)
            && number(kind) != Some(5)
        {
            return Err(WireError::Shape("the packet is not an event"));
        }
        let data = match value.get("data") {
            Some(Value::Array(items)) if !items.is_empty() => items.clone(),
            _ => return Err(WireError::Shape("the packet has no event data")),
        };
        Ok(WirePacket {
            data,
            nsp: value.get("nsp").and_then(Value::as_str).map(str::to_owned),
        })
    }

    /// The namespace, `/` when none was given.
    pub fn nsp_or_root(&self) -> &str {
        self.nsp.as_deref().unwrap_or("/")
    }
}

/// A broadcast: `[uid, packet, opts]`, always MessagePack.
#[derive(Debug, Clone, PartialEq)]
pub struct Broadcast {
    /// The sending node (`emitter` for `@socket.io/redis-emitter`).
    pub uid: String,
    /// The event.
    pub packet: WirePacket,
    /// Whom it addresses.
    pub opts: WireOptions,
}

impl Broadcast {
    /// The MessagePack bytes to publish.
    pub fn encode(&self) -> Vec<u8> {
        msgpack::to_vec(&Value::Array(vec![
            Value::from(self.uid.as_str()),
            self.packet.to_value(),
            self.opts.to_value(),
        ]))
    }
}

/// Decodes a broadcast received on a `<key>#<nsp>#...` channel.
pub fn decode_broadcast(input: &Bytes, max_len: usize) -> Result<Broadcast, WireError> {
    let value = decode_any(input, max_len)?;
    let Value::Array(mut parts) = value else {
        return Err(WireError::Shape("a broadcast is an array"));
    };
    if parts.len() < 2 {
        return Err(WireError::Shape("a broadcast has a uid and a packet"));
    }
    parts.truncate(3);
    let opts = WireOptions::from_value(parts.get(2));
    let packet = WirePacket::from_value(parts.get(1))?;
    let uid = match parts.swap_remove(0) {
        Value::String(uid) => uid,
        _ => String::new(),
    };
    Ok(Broadcast { uid, packet, opts })
}

/// What a request asks for, by its `type` code.
#[derive(Debug, Clone, PartialEq)]
pub enum RequestKind {
    /// 0 `SOCKETS`: the ids of the sockets in `rooms`.
    Sockets {
        /// The rooms (all sockets when empty).
        rooms: Vec<String>,
    },
    /// 1 `ALL_ROOMS`: every room of every node.
    AllRooms,
    /// 2 `REMOTE_JOIN`: the addressed sockets join `rooms`.
    Join {
        /// The addressed sockets.
        opts: WireOptions,
        /// The rooms to join.
        rooms: Vec<String>,
    },
    /// 3 `REMOTE_LEAVE`: the addressed sockets leave `rooms`.
    Leave {
        /// The addressed sockets.
        opts: WireOptions,
        /// The rooms to leave.
        rooms: Vec<String>,
    },
    /// 4 `REMOTE_DISCONNECT`: the addressed sockets are disconnected.
    Disconnect {
        /// The addressed sockets.
        opts: WireOptions,
        /// Whether the whole connection closes, not only the namespace.
        close: bool,
    },
    /// 2 or 3 in the form of adapters before 7.x: one socket joins or leaves one room, and
    /// the node holding it answers.
    SingleRoom {
        /// Join (`true`) or leave.
        join: bool,
        /// The socket.
        sid: String,
        /// The room.
        room: String,
    },
    /// 4 in the form of adapters before 7.x: one socket is disconnected.
    SingleDisconnect {
        /// The socket.
        sid: String,
        /// Whether the whole connection closes.
        close: bool,
    },
    /// 5 `REMOTE_FETCH`: descriptions of the addressed sockets.
    Fetch {
        /// The addressed sockets.
        opts: WireOptions,
    },
    /// 6 `SERVER_SIDE_EMIT`: an event for the server-side handlers; answered when the
    /// request has a `requestId`.
    ServerSideEmit {
        /// `[event, ...args]`.
        data: Vec<Value>,
    },
    /// 7 `BROADCAST`: a broadcast whose client acks flow back (MessagePack).
    Broadcast {
        /// The event.
        packet: WirePacket,
        /// Whom it addresses (`flags.timeout` says how long acks are awaited).
        opts: WireOptions,
    },
}

/// A request published on `<key>-request#<nsp>#`.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The asking node; the emitter sends none.
    pub uid: Option<String>,
    /// Set when an answer is expected.
    pub request_id: Option<String>,
    /// What is asked.
    pub kind: RequestKind,
}

impl Request {
    /// The bytes to publish: MessagePack for [`RequestKind::Broadcast`], JSON otherwise.
    pub fn encode(&self) -> Vec<u8> {
        let mut members: Vec<(String, Value)> = Vec::with_capacity(5);
        if let Some(uid) = &self.uid {
            members.push(("uid".into(), Value::from(uid.as_str())));
        }
        if let Some(id) = &self.request_id {
            members.push(("requestId".into(), Value::from(id.as_str())));
        }
        let code: u64 = match &self.kind {
            RequestKind::Sockets { .. } => 0,
            RequestKind::AllRooms => 1,
            RequestKind::Join { .. } | RequestKind::SingleRoom { join: true, .. } => 2,
            RequestKind::Leave { .. } | RequestKind::SingleRoom { join: false, .. } => 3,
            RequestKind::Disconnect { .. } | RequestKind::SingleDisconnect { .. } => 4,
            RequestKind::Fetch { .. } => 5,
            RequestKind::ServerSideEmit { .. } => 6,
            RequestKind::Broadcast { .. } => 7,
        };
        members.push(("type".into(), Value::Number(code.into())));
        match &self.kind {
            RequestKind::Sockets { rooms } => members.push(("rooms".into(), strings(rooms))),
            RequestKind::AllRooms => {}
            RequestKind::Join { opts, rooms } | RequestKind::Leave { opts, rooms } => {
                members.push(("opts".into(), opts.to_value_without_flags()));
                members.push(("rooms".into(), strings(rooms)));
            }
            RequestKind::Disconnect { opts, close } => {
                members.push(("opts".into(), opts.to_value_without_flags()));
                members.push(("close".into(), Value::Bool(*close)));
            }
            RequestKind::SingleRoom { sid, room, .. } => {
                members.push(("sid".into(), Value::from(sid.as_str())));
                members.push(("room".into(), Value::from(room.as_str())));
            }
            RequestKind::SingleDisconnect { sid, close } => {
                members.push(("sid".into(), Value::from(sid.as_str())));
                members.push(("close".into(), Value::Bool(*close)));
            }
            RequestKind::Fetch { opts } => {
                members.push(("opts".into(), opts.to_value_without_flags()));
            }
            RequestKind::ServerSideEmit { data } => {
                members.push(("data".into(), Value::Array(data.clone())));
            }
            RequestKind::Broadcast { packet, opts } => {
                members.push(("packet".into(), packet.to_value()));
                members.push(("opts".into(), opts.to_value()));
                return msgpack::to_vec(&Value::Object(members));
            }
        }
        json::to_vec(&Value::Object(members))
    }
}

/// Decodes a request; `Ok(None)` for a request type this adapter does not know (ignored,
/// as Node's adapter ignores it).
pub fn decode_request(input: &Bytes, max_len: usize) -> Result<Option<Request>, WireError> {
    let value = decode_any(input, max_len)?;
    if !matches!(value, Value::Object(_)) {
        return Err(WireError::Shape("a request is an object"));
    }
    let code = value
        .get("type")
        .and_then(number)
        .ok_or(WireError::Shape("a request has a numeric type"))?;
    let opts = || WireOptions::from_value(value.get("opts"));
    let rooms = || string_list(value.get("rooms"));
    let text = |key: &str| value.get(key).and_then(scalar_text);
    let close = || matches!(value.get("close"), Some(Value::Bool(true)));
    let kind = match code {
        0 => RequestKind::Sockets { rooms: rooms() },
        1 => RequestKind::AllRooms,
        2 | 3 if value.get("opts").is_some() => {
            if code == 2 {
                RequestKind::Join {
                    opts: opts(),
                    rooms: rooms(),
                }
            } else {
                RequestKind::Leave {
                    opts: opts(),
                    rooms: rooms(),
                }
            }
        }
        2 | 3 => RequestKind::SingleRoom {
            join: code == 2,
            sid: text("sid").ok_or(WireError::Shape("no sid"))?,
            room: text("room").ok_or(WireError::Shape("no room"))?,
        },
        4 if value.get("opts").is_some() => RequestKind::Disconnect {
            opts: opts(),
            close: close(),
        },
        4 => RequestKind::SingleDisconnect {
            sid: text("sid").ok_or(WireError::Shape("no sid"))?,
            close: close(),
        },
        5 => RequestKind::Fetch { opts: opts() },
        6 => RequestKind::ServerSideEmit {
            data: match value.get("data") {
                Some(Value::Array(items)) if !items.is_empty() => items.clone(),
                _ => return Err(WireError::Shape("a server-side emit has event data")),
            },
        },
        7 => RequestKind::Broadcast {
            packet: WirePacket::from_value(value.get("packet"))?,
            opts: opts(),
        },
        _ => return Ok(None),
    };
    Ok(Some(Request {
        uid: text("uid"),
        request_id: text("requestId"),
        kind,
    }))
}

/// A socket as a fetch response describes it: `{id, handshake, rooms, data}`.
#[derive(Debug, Clone, PartialEq)]
pub struct WireSocket {
    /// The socket id.
    pub id: String,
    /// `{headers, time, address, xdomain, secure, issued, url, query, auth}`.
    pub handshake: Value,
    /// Its rooms, its own id included.
    pub rooms: Vec<String>,
    /// Its `data`.
    pub data: Value,
}

impl WireSocket {
    /// The socket as a fetch response carries it.
    pub fn to_value(&self) -> Value {
        object([
            ("id", Value::from(self.id.as_str())),
            ("handshake", self.handshake.clone()),
            ("rooms", strings(&self.rooms)),
            ("data", self.data.clone()),
        ])
    }

    /// A socket from a fetch response; `None` without an id.
    pub fn from_value(value: &Value) -> Option<WireSocket> {
        Some(WireSocket {
            id: value.get("id").and_then(scalar_text)?,
            handshake: value.get("handshake").cloned().unwrap_or_default(),
            rooms: string_list(value.get("rooms")),
            data: value.get("data").cloned().unwrap_or_default(),
        })
    }
}

/// A response on `<key>-response#<nsp>#...`. Node's adapter reads a response according to the
/// request it answers (only client counts and client acks say what they are), so this keeps
/// the whole object and offers a reader per kind.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// The request answered.
    pub request_id: String,
    /// The `type` field, when present (6, 8 and 9 carry one).
    pub kind: Option<u64>,
    body: Value,
}

/// Response type of a broadcast's client count.
pub const CLIENT_COUNT: u64 = 8;
/// Response type of one client ack of a broadcast.
pub const CLIENT_ACK: u64 = 9;

impl Response {
    fn new(request_id: &str, kind: Option<u64>, rest: Vec<(&str, Value)>) -> Response {
        let mut members = Vec::with_capacity(rest.len() + 2);
        if let Some(kind) = kind {
            members.push(("type".to_owned(), Value::Number(kind.into())));
        }
        members.push(("requestId".to_owned(), Value::from(request_id)));
        members.extend(rest.into_iter().map(|(k, v)| (k.to_owned(), v)));
        Response {
            request_id: request_id.to_owned(),
            kind,
            body: Value::Object(members),
        }
    }

    /// `{requestId, sockets: [id...]}`, the answer to [`RequestKind::Sockets`].
    pub fn socket_ids(request_id: &str, ids: &[String]) -> Response {
        Response::new(request_id, None, vec![("sockets", strings(ids))])
    }

    /// `{requestId, rooms}`, the answer to [`RequestKind::AllRooms`].
    pub fn rooms(request_id: &str, rooms: &[String]) -> Response {
        Response::new(request_id, None, vec![("rooms", strings(rooms))])
    }

    /// `{requestId, sockets: [{id, handshake, rooms, data}...]}`, the answer to
    /// [`RequestKind::Fetch`].
    pub fn sockets(request_id: &str, sockets: &[WireSocket]) -> Response {
        let list = Value::Array(sockets.iter().map(WireSocket::to_value).collect());
        Response::new(request_id, None, vec![("sockets", list)])
    }

    /// `{type: 6, requestId, data}`, a server-side handler's answer.
    pub fn server_side_ack(request_id: &str, data: Option<Value>) -> Response {
        let rest = data.map(|d| vec![("data", d)]).unwrap_or_default();
        Response::new(request_id, Some(6), rest)
    }

    /// `{type: 8, requestId, clientCount}`: how many local clients a broadcast with acks
    /// reached.
    pub fn client_count(request_id: &str, count: u64) -> Response {
        Response::new(
            request_id,
            Some(CLIENT_COUNT),
            vec![("clientCount", Value::Number(count.into()))],
        )
    }

    /// `{type: 9, requestId, packet}`: one client's ack (its first argument).
    pub fn client_ack(request_id: &str, packet: Option<Value>) -> Response {
        let rest = packet.map(|p| vec![("packet", p)]).unwrap_or_default();
        Response::new(request_id, Some(CLIENT_ACK), rest)
    }

    /// `{requestId}`, the answer to the single-socket requests of older adapters.
    pub fn done(request_id: &str) -> Response {
        Response::new(request_id, None, Vec::new())
    }

    /// The bytes to publish: MessagePack for client acks, JSON otherwise.
    pub fn encode(&self) -> Vec<u8> {
        if self.kind == Some(CLIENT_ACK) {
            msgpack::to_vec(&self.body)
        } else {
            json::to_vec(&self.body)
        }
    }

    /// `sockets` as a list of ids.
    pub fn socket_id_list(&self) -> Vec<String> {
        string_list(self.body.get("sockets"))
    }

    /// `rooms`.
    pub fn room_list(&self) -> Vec<String> {
        string_list(self.body.get("rooms"))
    }

    /// `sockets` as socket descriptions (entries without an id are skipped).
    pub fn socket_list(&self) -> Vec<WireSocket> {
        match self.body.get("sockets") {
            Some(Value::Array(items)) => items.iter().filter_map(WireSocket::from_value).collect(),
            _ => Vec::new(),
        }
    }

    /// `data` (a server-side handler's answer); `None` when absent.
    pub fn data(&self) -> Option<&Value> {
        self.body.get("data")
    }

    /// `clientCount`.
    pub fn count(&self) -> Option<u64> {
        self.body.get("clientCount").and_then(number)
    }

    /// `packet` (a client's ack); `None` when absent (the client acked with no argument).
    pub fn packet(&self) -> Option<&Value> {
        self.body.get("packet")
    }
}

/// Decodes a response; one without a `requestId` is refused.
pub fn decode_response(input: &Bytes, max_len: usize) -> Result<Response, WireError> {
    let body = decode_any(input, max_len)?;
    let request_id = body
        .get("requestId")
        .and_then(scalar_text)
        .ok_or(WireError::Shape("a response has a requestId"))?;
    let kind = body.get("type").and_then(number);
    Ok(Response {
        request_id,
        kind,
        body,
    })
}

fn number(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const MAX: usize = 1 << 20;

    /// What a Node node published for `socket.broadcast.emit("bcast", {x:1, bin})`.
    const NODE_BROADCAST: &[u8] = b"\x93\xa6F2YkGL\x83\xa4type\x02\xa4data\x92\xa5bcast\x82\xa1x\x01\xa3bin\xc4\x03\x01\x02\x03\xa3nsp\xa1/\x83\xa5rooms\x90\xa6except\x91\xb4uEJpKk9WfBWwGl55AAAA\xa5flags\x80";

    fn bcast_value() -> Value {
        object([
            ("x", Value::from(json!(1))),
            ("bin", Value::Binary(Bytes::from_static(&[1, 2, 3]))),
        ])
    }

    #[test]
    fn node_broadcast_decodes_and_encodes_byte_for_byte() {
        let b = decode_broadcast(&Bytes::from_static(NODE_BROADCAST), MAX).expect("decodes");
        assert_eq!(b.uid, "F2YkGL");
        assert_eq!(b.packet.data, vec![Value::from("bcast"), bcast_value()]);
        assert_eq!(b.packet.nsp.as_deref(), Some("/"));
        assert!(b.opts.rooms.is_empty());
        assert_eq!(b.opts.except, vec!["uEJpKk9WfBWwGl55AAAA".to_owned()]);
        assert_eq!(b.encode(), NODE_BROADCAST);
    }

    #[test]
    fn emitter_broadcasts_without_nsp_or_flags() {
        let msg = msgpack::to_vec(&Value::Array(vec![
            Value::from("emitter"),
            object([
                ("type", Value::from(json!(2))),
                ("data", Value::from(json!(["hi", 1]))),
            ]),
            object([
                ("rooms", Value::from(json!(["r"]))),
                ("except", Value::from(json!([]))),
            ]),
        ]));
        let b = decode_broadcast(&Bytes::from(msg), MAX).expect("decodes");
        assert_eq!(b.uid, "emitter");
        assert_eq!(b.packet.nsp_or_root(), "/");
        assert_eq!(b.opts.rooms, vec!["r".to_owned()]);
        assert!(!b.opts.flag("volatile"));
        assert_eq!(b.opts.timeout_ms(), None);
    }

    #[test]
    fn broadcast_shapes_that_are_refused() {
        for bad in [
            json!({}),
            json!(["u"]),
            json!(["u", {"type": 3, "data": ["e"]}]),
            json!(["u", {"data": []}]),
        ] {
            let bytes = Bytes::from(msgpack::to_vec(&Value::from(bad.clone())));
            assert!(decode_broadcast(&bytes, MAX).is_err(), "{bad}");
        }
    }

    /// The broadcast-with-ack request a Node node published (MONITOR).
    const NODE_ACK_REQUEST: &[u8] = b"\x85\xa3uid\xa6F2YkGL\xa9requestId\xa6o9tJmS\xa4type\x07\xa6packet\x83\xa4type\x02\xa4data\x92\xa8need-ack\xa1p\xa3nsp\xa1/\xa4opts\x83\xa5rooms\x91\xa1R\xa6except\x90\xa5flags\x81\xa7timeout\xcd\x0b\xb8";

    #[test]
    fn node_broadcast_with_ack_request_round_trips() {
        let r = decode_request(&Bytes::from_static(NODE_ACK_REQUEST), MAX)
            .expect("decodes")
            .expect("known type");
        assert_eq!(r.uid.as_deref(), Some("F2YkGL"));
        assert_eq!(r.request_id.as_deref(), Some("o9tJmS"));
        let RequestKind::Broadcast { packet, opts } = &r.kind else {
            panic!("not a broadcast: {r:?}");
        };
        assert_eq!(packet.data, vec![Value::from("need-ack"), Value::from("p")]);
        assert_eq!(opts.rooms, vec!["R".to_owned()]);
        assert_eq!(opts.timeout_ms(), Some(3000));
        assert_eq!(r.encode(), NODE_ACK_REQUEST);
    }

    #[test]
    fn json_requests_as_node_writes_them() {
        let cases: [(&str, RequestKind); 5] = [
            (
                r#"{"uid":"F2YkGL","requestId":"m0zeEe","type":6,"data":["hello","hi2"]}"#,
                RequestKind::ServerSideEmit {
                    data: vec![Value::from("hello"), Value::from("hi2")],
                },
            ),
            (
                r#"{"uid":"F2YkGL","requestId":"JaSghO","type":5,"opts":{"rooms":[],"except":[]}}"#,
                RequestKind::Fetch {
                    opts: WireOptions::default(),
                },
            ),
            (
                r#"{"uid":"F2YkGL","requestId":"abcdef","type":1}"#,
                RequestKind::AllRooms,
            ),
            (
                r#"{"uid":"F2YkGL","requestId":"abcdef","type":0,"rooms":["a"]}"#,
                RequestKind::Sockets {
                    rooms: vec!["a".into()],
                },
            ),
            (
                r#"{"uid":"F2YkGL","requestId":"abcdef","type":4,"opts":{"rooms":["x"],"except":[]},"close":true}"#,
                RequestKind::Disconnect {
                    opts: WireOptions {
                        rooms: vec!["x".into()],
                        ..WireOptions::default()
                    },
                    close: true,
                },
            ),
        ];
        for (text, kind) in cases {
            let r = decode_request(&Bytes::from_static(text.as_bytes()), MAX)
                .expect("decodes")
                .expect("known");
            assert_eq!(r.kind, kind, "{text}");
            assert_eq!(String::from_utf8(r.encode()).as_deref(), Ok(text));
        }
    }

    #[test]
    fn emitter_requests_have_no_uid() {
        let text = br#"{"type":2,"opts":{"rooms":["a"],"except":["b"]},"rooms":["room1"]}"#;
        let r = decode_request(&Bytes::from_static(text), MAX)
            .expect("decodes")
            .expect("known");
        assert_eq!(r.uid, None);
        assert_eq!(r.request_id, None);
        assert_eq!(
            r.kind,
            RequestKind::Join {
                opts: WireOptions {
                    rooms: vec!["a".into()],
                    except: vec!["b".into()],
                    flags: Value::Null
                },
                rooms: vec!["room1".into()]
            }
        );
        assert_eq!(r.encode(), text);
        let legacy = br#"{"requestId":"q","type":3,"sid":"abc","room":"r"}"#;
        let r = decode_request(&Bytes::from_static(legacy), MAX)
            .expect("decodes")
            .expect("known");
        assert_eq!(
            r.kind,
            RequestKind::SingleRoom {
                join: false,
                sid: "abc".into(),
                room: "r".into()
            }
        );
        let unknown = br#"{"type":42}"#;
        assert_eq!(decode_request(&Bytes::from_static(unknown), MAX), Ok(None));
        assert!(decode_request(&Bytes::from_static(b"[1]"), MAX).is_err());
    }

    #[test]
    fn responses_as_node_writes_them() {
        let count = Response::client_count("o9tJmS", 1);
        assert_eq!(
            count.encode(),
            br#"{"type":8,"requestId":"o9tJmS","clientCount":1}"#
        );
        let ack = Response::client_ack("o9tJmS", Some(Value::from("b:p")));
        assert_eq!(
            ack.encode(),
            b"\x83\xa4type\x09\xa9requestId\xa6o9tJmS\xa6packet\xa3b:p"
        );
        let emit = Response::server_side_ack("m0zeEe", Some(Value::from("ok")));
        assert_eq!(
            emit.encode(),
            br#"{"type":6,"requestId":"m0zeEe","data":"ok"}"#
        );
        for r in [count, ack, emit] {
            assert_eq!(decode_response(&Bytes::from(r.encode()), MAX), Ok(r));
        }
        let fetched = WireSocket {
            id: "p1ugyCItKRCqqnoZAAAA".into(),
            handshake: Value::from(json!({"address": "::1"})),
            rooms: vec!["p1ugyCItKRCqqnoZAAAA".into(), "R".into()],
            data: Value::from(json!({"n": 1})),
        };
        let r = Response::sockets("JaSghO", std::slice::from_ref(&fetched));
        let back = decode_response(&Bytes::from(r.encode()), MAX).expect("decodes");
        assert_eq!(back.socket_list(), vec![fetched]);
        assert_eq!(back.kind, None);
        let rooms = decode_response(
            &Bytes::from(Response::rooms("x", &["a".into(), "b".into()]).encode()),
            MAX,
        )
        .expect("decodes");
        assert_eq!(rooms.room_list(), vec!["a".to_owned(), "b".to_owned()]);
        assert!(decode_response(&Bytes::from_static(b"{}"), MAX).is_err());
    }
}
