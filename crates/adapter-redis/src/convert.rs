//! Conversions between the server's types and their wire forms, shared by every adapter
//! speaking one of Node's Redis protocols.

use std::collections::BTreeSet;
use std::time::Duration;

use event_proto::socket::Packet;
use event_proto::{AnyParser, Encoded, Parser, Value};
use wsio_server::{BroadcastFlags, BroadcastOptions};

use crate::wire::WireOptions;

/// The wire form of [`BroadcastOptions`]: `flags` carries `volatile` and `timeout` (ms) when
/// set, and each `except` room appears once.
pub fn wire_options(opts: &BroadcastOptions) -> WireOptions {
    let mut flags = Vec::new();
    if opts.flags.volatile {
        flags.push(("volatile".to_owned(), Value::Bool(true)));
    }
    if let Some(timeout) = opts.flags.timeout {
        let ms = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
        flags.push(("timeout".to_owned(), Value::Number(ms.into())));
    }
    let mut except = opts.except.clone();
    let mut seen = BTreeSet::new();
    except.retain(|room| seen.insert(room.clone()));
    WireOptions {
        rooms: opts.rooms.clone(),
        except,
        flags: Value::Object(flags),
    }
}

/// [`BroadcastOptions`] from their wire form, for delivery on this server only.
pub fn local_options(opts: &WireOptions) -> BroadcastOptions {
    BroadcastOptions {
        rooms: opts.rooms.clone(),
        except: opts.except.clone(),
        flags: BroadcastFlags {
            volatile: opts.flag("volatile"),
            local: true,
            timeout: opts.timeout_ms().map(Duration::from_millis),
        },
    }
}

/// An EVENT of namespace `nsp` carrying `data` (`[event, ...args]`) for the clients, written
/// by the server's `parser` ([`LocalAdapter::parser`](wsio_server::LocalAdapter::parser)),
/// with an ack id when given (with JSON, a BINARY_EVENT with attachments when it holds binary
/// data).
pub fn encode_for_clients(
    parser: AnyParser,
    nsp: &str,
    data: Vec<Value>,
    ack: Option<u64>,
) -> Result<Encoded, event_proto::Error> {
    let mut packet = Packet::event(nsp, "", Vec::new());
    packet.data = Some(Value::Array(data));
    packet.id = ack;
    parser.encode(&packet)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_round_trip_for_local_delivery() {
        let opts = BroadcastOptions {
            rooms: vec!["a".into()],
            except: vec!["x".into(), "x".into()],
            flags: BroadcastFlags {
                volatile: true,
                local: false,
                timeout: Some(Duration::from_millis(1500)),
            },
        };
        let wire = wire_options(&opts);
        assert_eq!(wire.except, ["x"]);
        let back = local_options(&wire);
        assert_eq!(back.rooms, opts.rooms);
        assert!(back.flags.volatile && back.flags.local);
        assert_eq!(back.flags.timeout, Some(Duration::from_millis(1500)));
    }

    #[test]
    fn events_with_and_without_ack_ids() {
        let data = vec![Value::from("e"), Value::from("x")];
        let plain = encode_for_clients(AnyParser::Json, "/", data.clone(), None).unwrap();
        assert_eq!(plain.text(), Some(r#"2["e","x"]"#));
        let asking = encode_for_clients(AnyParser::Json, "/n", data, Some(7)).unwrap();
        assert_eq!(asking.text(), Some(r#"2/n,7["e","x"]"#));
    }
}
