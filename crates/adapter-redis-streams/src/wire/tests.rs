#![allow(clippy::unwrap_used)]

use super::requests::*;
use super::*;
use serde_json::json;

fn opts(rooms: &[&str], except: &[&str]) -> WireOptions {
    WireOptions {
        rooms: rooms.iter().map(|r| r.to_string()).collect(),
        except: except.iter().map(|r| r.to_string()).collect(),
        flags: Value::Object(Vec::new()),
    }
}

fn message(body: Body) -> ClusterMessage {
    ClusterMessage {
        uid: "fefdb1e25945526c".into(),
        nsp: "/".into(),
        body,
    }
}

fn entry_text(fields: &[(&'static str, Vec<u8>)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(k, v)| (k.to_string(), String::from_utf8(v.clone()).unwrap()))
        .collect()
}

#[test]
fn a_plain_broadcast_is_a_json_entry() {
    let m = message(Body::Broadcast {
        packet: vec![Value::from("bcast"), Value::from(json!({"x": 1}))],
        opts: opts(&[], &["abc"]),
        request_id: None,
    });
    assert!(!m.is_ephemeral());
    assert_eq!(
        entry_text(&m.to_entry(false)),
        [
            ("uid".into(), "fefdb1e25945526c".into()),
            ("nsp".into(), "/".into()),
            ("type".into(), "3".into()),
            (
                "data".into(),
                r#"{"packet":{"type":2,"data":["bcast",{"x":1}]},"opts":{"rooms":[],"except":["abc"],"flags":{}}}"#.into()
            ),
        ]
    );
    let back = ClusterMessage::from_entry(&m.to_entry(false), 1 << 20).unwrap();
    assert_eq!(back, m);
}

#[test]
fn binary_goes_base64_msgpack_unless_plaintext() {
    let m = message(Body::Broadcast {
        packet: vec![
            Value::from("bin"),
            Value::Binary(Bytes::from_static(&[1, 2, 3])),
        ],
        opts: opts(&["r"], &[]),
        request_id: None,
    });
    assert!(m.needs_binary_encoding());
    let fields = m.to_entry(false);
    let data = &fields[3].1;
    assert_ne!(data.first(), Some(&b'{'));
    // The base64 text starts with a fixmap of two members: "gq" (0x82 = packet, opts).
    assert!(data.starts_with(b"gq"), "{}", String::from_utf8_lossy(data));
    assert_eq!(ClusterMessage::from_entry(&fields, 1 << 20).unwrap(), m);
    let plain = m.to_entry(true);
    assert!(String::from_utf8_lossy(&plain[3].1).contains(r#"{"type":"Buffer","data":[1,2,3]}"#));
    // Types that never carry binary stay JSON even with binary inside.
    let join = message(Body::SocketsJoin {
        opts: opts(&[], &[]),
        rooms: vec!["a".into()],
    });
    assert!(!join.needs_binary_encoding());
}

#[test]
fn reads_the_reference_broadcast_entry() {
    // As seen with XADD from a Node node (REDIS-PROTOCOL.md §1.3).
    let fields: Vec<(&[u8], &[u8])> = vec![
        (b"uid", b"fefdb1e25945526c"),
        (b"nsp", b"/"),
        (b"type", b"3"),
        (
            b"data",
            br#"{"packet":{"type":2,"data":["bcast",{"a":1}]},"opts":{"rooms":[],"except":["x"],"flags":{}}}"#,
        ),
    ];
    let m = ClusterMessage::from_entry(&fields, 1 << 20).unwrap();
    let Body::Broadcast {
        packet,
        opts,
        request_id,
    } = m.body
    else {
        panic!("not a broadcast")
    };
    assert_eq!(packet[0], Value::from("bcast"));
    assert_eq!(opts.except, ["x"]);
    assert_eq!(request_id, None);
}

#[test]
fn envelope_key_order_and_msgpack_bytes() {
    let m = message(Body::BroadcastClientCount {
        request_id: "7626dfb5458b7111".into(),
        client_count: 1,
    });
    assert_eq!(
        String::from_utf8(json::to_vec(&m.to_value())).unwrap(),
        r#"{"type":11,"data":{"requestId":"7626dfb5458b7111","clientCount":1},"uid":"fefdb1e25945526c","nsp":"/"}"#
    );
    let packed = m.to_msgpack();
    assert_eq!(&packed[..7], b"\x84\xa4type\x0b");
    assert_eq!(
        ClusterMessage::decode(&Bytes::from(packed), 1 << 20).unwrap(),
        m
    );
    // The sharded flavour is JSON without binary.
    assert_eq!(m.to_sharded().first(), Some(&b'{'));
}

#[test]
fn every_type_round_trips_every_way() {
    let socket = WireSocket {
        id: "p1ugyCItKRCqqnoZAAAA".into(),
        handshake: Value::from(json!({"auth": {}})),
        rooms: vec!["p1ugyCItKRCqqnoZAAAA".into(), "r".into()],
        data: Value::Binary(Bytes::from_static(b"d")),
    };
    let bodies = vec![
        Body::InitialHeartbeat,
        Body::Heartbeat,
        Body::AdapterClose,
        Body::Broadcast {
            packet: vec![Value::from("e")],
            opts: opts(&["a", "b"], &["c"]),
            request_id: Some("r1".into()),
        },
        Body::SocketsJoin {
            opts: opts(&["a"], &[]),
            rooms: vec!["j".into()],
        },
        Body::SocketsLeave {
            opts: opts(&[], &[]),
            rooms: vec!["j".into()],
        },
        Body::DisconnectSockets {
            opts: opts(&[], &[]),
            close: true,
        },
        Body::FetchSockets {
            opts: opts(&["x"], &[]),
            request_id: "r2".into(),
        },
        Body::FetchSocketsResponse {
            request_id: "r2".into(),
            sockets: vec![socket],
        },
        Body::ServerSideEmit {
            packet: vec![Value::from("hello"), Value::from(json!(1.5))],
            request_id: None,
        },
        Body::ServerSideEmitResponse {
            request_id: "r3".into(),
            packet: Value::from("ok"),
        },
        Body::BroadcastClientCount {
            request_id: "r4".into(),
            client_count: 3,
        },
        Body::BroadcastAck {
            request_id: "r4".into(),
            packet: Value::Binary(Bytes::from_static(&[9])),
        },
    ];
    for body in bodies {
        let m = message(body);
        let packed = Bytes::from(m.to_msgpack());
        assert_eq!(ClusterMessage::decode(&packed, 1 << 20).unwrap(), m);
        let sharded = Bytes::from(m.to_sharded());
        assert_eq!(ClusterMessage::decode(&sharded, 1 << 20).unwrap(), m);
        assert_eq!(
            ClusterMessage::from_entry(&m.to_entry(false), 1 << 20).unwrap(),
            m
        );
    }
}

#[test]
fn ephemeral_messages() {
    let ack = message(Body::Broadcast {
        packet: vec![Value::from("e")],
        opts: opts(&[], &[]),
        request_id: Some("x".into()),
    });
    assert!(ack.is_ephemeral());
    for body in [
        Body::FetchSockets {
            opts: opts(&[], &[]),
            request_id: "x".into(),
        },
        Body::ServerSideEmit {
            packet: vec![Value::from("e")],
            request_id: None,
        },
    ] {
        assert!(message(body).is_ephemeral());
    }
    assert!(
        !message(Body::DisconnectSockets {
            opts: opts(&[], &[]),
            close: false
        })
        .is_ephemeral()
    );
}

#[test]
fn refuses_bad_input_without_panicking() {
    let max = 1 << 10;
    for bad in [
        &b""[..],
        b"{",
        b"{}",
        br#"{"type":99,"uid":"u","nsp":"/"}"#,
        br#"{"type":3,"uid":"u","nsp":"/"}"#,
        br#"{"type":3,"data":{"packet":{"type":2,"data":[]}}}"#,
        br#"{"type":3,"data":{"packet":{"type":3,"data":["a"]}}}"#,
        br#"{"type":7,"data":{"opts":{}}}"#,
        br#"{"type":9,"data":{"packet":"x"}}"#,
        br#"{"type":3,"data":[1]}"#,
        b"\x93\x01\x02\x03",
        b"\xc1",
    ] {
        assert!(
            ClusterMessage::decode(&Bytes::from_static(bad), max).is_err(),
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
    let big = Bytes::from(vec![b' '; max + 1]);
    assert_eq!(
        ClusterMessage::decode(&big, max),
        Err(WireError::TooLarge(max + 1))
    );
    let fields: Vec<(&[u8], &[u8])> = vec![(b"type", b"3"), (b"data", b"!!not base64")];
    assert!(ClusterMessage::from_entry(&fields, max).is_err());
    let fields: Vec<(&[u8], &[u8])> = vec![(b"type", b"x"), (b"data", b"{}")];
    assert!(ClusterMessage::from_entry(&fields, max).is_err());
    let long = vec![b'{'; 20];
    let fields: Vec<(&[u8], &[u8])> = vec![(b"type", b"3"), (b"data", &long)];
    assert_eq!(
        ClusterMessage::from_entry(&fields, 10),
        Err(WireError::TooLarge(20))
    );
}

#[test]
fn tolerates_what_the_emitter_leaves_out() {
    // No uid or nsp, a packet with its own nsp, type as a string, no flags.
    let m = ClusterMessage::decode(
        &Bytes::from_static(
            br#"{"type":"3","data":{"packet":{"type":2,"data":["e"],"nsp":"/"},"opts":{"rooms":["r"]}}}"#,
        ),
        1 << 10,
    )
    .unwrap();
    assert_eq!(m.uid, "");
    assert_eq!(m.nsp, "/");
    let fields: Vec<(&[u8], &[u8])> =
        vec![(b"uid", b"emitter"), (b"nsp", b"/chat"), (b"type", b"9")];
    assert!(ClusterMessage::from_entry(&fields, 1 << 10).is_err());
    let fields: Vec<(&[u8], &[u8])> =
        vec![(b"uid", b"emitter"), (b"nsp", b"/chat"), (b"type", b"2")];
    let m = ClusterMessage::from_entry(&fields, 1 << 10).unwrap();
    assert_eq!(
        (m.uid.as_str(), m.nsp.as_str(), m.body),
        ("emitter", "/chat", Body::Heartbeat)
    );
}

#[test]
fn sharded_channels_follow_the_twenty_character_rule() {
    let to = |rooms: &[&str], request_id: Option<&str>| {
        message(Body::Broadcast {
            packet: vec![Value::from("e")],
            opts: opts(rooms, &[]),
            request_id: request_id.map(str::to_owned),
        })
    };
    let sid = "p1ugyCItKRCqqnoZAAAA";
    use SubscriptionMode::*;
    assert_eq!(
        sharded_channel("socket.io", &to(&["R"], None), Dynamic),
        "socket.io#/#R#"
    );
    assert_eq!(
        sharded_channel("socket.io", &to(&[sid], None), Dynamic),
        "socket.io#/#"
    );
    assert_eq!(
        sharded_channel("socket.io", &to(&[sid], None), DynamicPrivate),
        format!("socket.io#/#{sid}#")
    );
    assert_eq!(
        sharded_channel("socket.io", &to(&["R"], None), Static),
        "socket.io#/#"
    );
    assert_eq!(
        sharded_channel("socket.io", &to(&["R", "S"], None), Dynamic),
        "socket.io#/#"
    );
    assert_eq!(
        sharded_channel("socket.io", &to(&["R"], Some("q")), Dynamic),
        "socket.io#/#"
    );
    assert!(looks_like_socket_id(sid));
    assert_eq!(private_channel("socket.io", "/", "abc"), "socket.io#/#abc#");
}

#[test]
fn stream_names_hash_like_java() {
    assert_eq!(stream_name("socket.io", 1, "/chat"), "socket.io");
    // "/".hashCode() = 47; "/chat".hashCode() = 46_457_863 (fits in i32).
    assert_eq!(stream_name("socket.io", 4, "/"), "socket.io-3");
    assert_eq!(stream_name("socket.io", 5, "/chat"), "socket.io-3");
    // A hash that overflows to a negative number keeps its sign.
    let long = "/a-rather-long-namespace-name";
    let mut h: i32 = 0;
    for u in long.encode_utf16() {
        h = h.wrapping_mul(31).wrapping_add(i32::from(u));
    }
    assert_eq!(stream_name("s", 7, long), format!("s-{}", h % 7));
}

#[test]
fn entry_ids() {
    assert_eq!(
        parse_entry_id("1795645532159-0"),
        Some((1_795_645_532_159, 0))
    );
    for bad in ["", "1", "1-", "-1", "a-1", "1-1-1", "1-+1", "MzUPkW0"] {
        assert_eq!(parse_entry_id(bad), None, "{bad}");
    }
    assert_eq!(next_entry_id((5, 7)), "5-8");
    assert_eq!(next_entry_id((5, u64::MAX)), "6-0");
}

#[test]
fn fetch_and_server_side_emit_bookkeeping() {
    let mut fetch = FetchCollector::new("q", 2);
    let answer = |id: &str, sid: &str| Body::FetchSocketsResponse {
        request_id: id.into(),
        sockets: vec![WireSocket {
            id: sid.into(),
            handshake: Value::Null,
            rooms: vec![],
            data: Value::Null,
        }],
    };
    assert_eq!(fetch.accept(answer("other", "x")), Step::Ignored);
    assert_eq!(fetch.accept(Body::Heartbeat), Step::Ignored);
    assert_eq!(fetch.accept(answer("q", "a")), Step::Waiting);
    assert_eq!(fetch.progress(), (1, 2));
    assert_eq!(fetch.accept(answer("q", "b")), Step::Complete);
    assert_eq!(fetch.accept(answer("q", "c")), Step::Ignored);
    let ids: Vec<String> = fetch.into_sockets().into_iter().map(|s| s.id).collect();
    assert_eq!(ids, ["a", "b"]);

    let mut none = FetchCollector::new("z", 0);
    assert_eq!(none.accept(answer("z", "a")), Step::Ignored);

    let mut emit = ServerSideEmitCollector::new("s", 1);
    let reply = |id: &str| Body::ServerSideEmitResponse {
        request_id: id.into(),
        packet: Value::from("ok"),
    };
    assert_eq!(emit.accept(reply("t")), Step::Ignored);
    assert_eq!(emit.accept(reply("s")), Step::Complete);
    assert_eq!(emit.progress(), (1, 1));
    assert_eq!(emit.into_answers(), [Value::from("ok")]);
}

#[test]
fn broadcast_ack_bookkeeping() {
    let mut acks = AckCollector::new("b", 2);
    let count = |n| Body::BroadcastClientCount {
        request_id: "b".into(),
        client_count: n,
    };
    let ack = |v: &str| Body::BroadcastAck {
        request_id: "b".into(),
        packet: Value::from(v),
    };
    // An ack may overtake its node's count.
    assert_eq!(
        acks.accept(ack("early")),
        Some(AckEvent::Ack(Value::from("early")))
    );
    assert!(!acks.counts_complete());
    assert_eq!(acks.accept(count(1)), Some(AckEvent::Clients(1)));
    assert_eq!(acks.accept(count(2)), Some(AckEvent::Clients(2)));
    assert!(acks.counts_complete());
    assert_eq!(acks.accept(count(9)), None);
    assert_eq!(acks.clients(), 3);
    assert!(!acks.complete());
    acks.accept(ack("a"));
    acks.accept(ack("b"));
    assert!(acks.complete());
    assert_eq!(
        acks.accept(Body::BroadcastAck {
            request_id: "other".into(),
            packet: Value::Null
        }),
        None
    );
}
