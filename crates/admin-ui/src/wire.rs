//! What the admin UI reads: sockets described as the UI lists them, dates as JavaScript
//! writes them, and the small values the instrumentation sends.

use std::time::{SystemTime, UNIX_EPOCH};

use event_proto::Value;
use wsio_server::{RemoteSocket, Room, Socket};

/// `at` in ISO 8601 with milliseconds, UTC (`2026-12-07T11:28:05.123Z`): what
/// `JSON.stringify(new Date())` writes, and what the UI parses.
pub(crate) fn iso8601(at: SystemTime) -> String {
    let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60,
        since.subsec_millis()
    )
}

/// The proleptic Gregorian date of `days` since 1970-01-01 (Howard Hinnant's algorithm,
/// for days on or after the epoch).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// Milliseconds since the epoch, truncated to the second: the timestamp of an aggregated
/// event.
pub(crate) fn second_millis(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs() * 1000
}

/// 16 random hexadecimal digits: an admin session id.
pub(crate) fn random_id() -> String {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        // No entropy source: a session id nobody can guess is impossible, so none matches.
        return String::new();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// This machine's host name: `/proc/sys/kernel/hostname`, else `$HOSTNAME`, else
/// `localhost`.
pub(crate) fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|n| !n.is_empty()))
        .unwrap_or_else(|| "localhost".to_owned())
}

/// A socket as the UI lists it: `{id, clientId, transport, nsp, data, handshake, rooms}`.
///
/// `rooms` replaces the socket's rooms when given (a new socket is described with the rooms
/// it had when it connected; later joins follow as `room_joined`). A socket of this server
/// has its Engine.IO session's id and transport; a socket on another server of the cluster
/// has them only when that server put them in the socket's data under `_admin`, as Node's
/// instrumentation does (otherwise its client is named after the socket and its transport
/// is unknown).
pub(crate) fn describe_socket(remote: &RemoteSocket, nsp: &str, rooms: Option<&[Room]>) -> Value {
    let admin = remote.data.get("_admin");
    let (client_id, transport) = match remote.local() {
        Some(socket) => (client_id(socket), Value::from(socket.transport().as_str())),
        None => (
            admin
                .and_then(|a| a.get("clientId"))
                .cloned()
                .unwrap_or_else(|| Value::from(prefix(remote.id.as_str(), 12))),
            admin
                .and_then(|a| a.get("transport"))
                .cloned()
                .unwrap_or(Value::Null),
        ),
    };
    let rooms = match rooms {
        Some(rooms) => rooms.to_vec(),
        None => remote.rooms.clone(),
    };
    object(vec![
        ("id", Value::from(remote.id.as_str())),
        ("clientId", client_id),
        ("transport", transport),
        ("nsp", Value::from(nsp)),
        ("data", user_data(&remote.data)),
        ("handshake", handshake(&remote.handshake)),
        (
            "rooms",
            Value::Array(rooms.into_iter().map(Value::from).collect()),
        ),
    ])
}

/// The first 12 characters of the socket's Engine.IO session id: its client id in the UI.
fn client_id(socket: &Socket) -> Value {
    Value::from(prefix(socket.engine_id().as_str(), 12))
}

/// Keeps the socket's client id and transport in its data under `_admin`
/// (`{clientId, transport}`), as Node's instrumentation does: a Node server of the cluster
/// reads them there to list the socket (any server's [`describe_socket`] too). Data that is
/// not an object is left alone; the field is written only when it differs.
pub(crate) fn store_admin_data(socket: &Socket) {
    let admin = object(vec![
        ("clientId", client_id(socket)),
        ("transport", Value::from(socket.transport().as_str())),
    ]);
    socket.update_data_value(|data| {
        let Value::Object(fields) = data else {
            return;
        };
        match fields.iter_mut().find(|(key, _)| key == "_admin") {
            Some((_, value)) if *value == admin => {}
            Some((_, value)) => *value = admin,
            None => fields.push(("_admin".to_owned(), admin)),
        }
    });
}

/// The socket's data without the `_admin` field Node's instrumentation keeps there.
pub(crate) fn user_data(data: &Value) -> Value {
    match data {
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .filter(|(key, _)| key != "_admin")
                .cloned()
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The handshake fields the UI shows, from the reference-shaped handshake of a
/// [`RemoteSocket`] (its `auth` is left out). The address is the one a proxy reports
/// (`cf-connecting-ip`, then `x-forwarded-for`) when there is one.
fn handshake(full: &Value) -> Value {
    let field = |name: &str| full.get(name).cloned().unwrap_or(Value::Null);
    let headers = field("headers");
    let address = ["cf-connecting-ip", "x-forwarded-for"]
        .iter()
        .find_map(|name| headers.get(name).cloned())
        .unwrap_or_else(|| field("address"));
    object(vec![
        ("address", address),
        ("headers", headers),
        ("query", field("query")),
        ("issued", field("issued")),
        ("secure", field("secure")),
        ("time", field("time")),
        ("url", field("url")),
        ("xdomain", field("xdomain")),
    ])
}

/// An object value from `(name, value)` pairs.
pub(crate) fn object(fields: Vec<(&str, Value)>) -> Value {
    Value::Object(
        fields
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value))
            .collect(),
    )
}

/// The first `n` characters of `text` (all of it when shorter).
fn prefix(text: &str, n: usize) -> &str {
    text.char_indices().nth(n).map_or(text, |(i, _)| &text[..i])
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn dates_are_written_as_javascript_writes_them() {
        assert_eq!(iso8601(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        // 2000-02-29T12:34:56.789Z: a leap day in a century divisible by 400.
        let leap = UNIX_EPOCH + Duration::from_millis(951_827_696_789);
        assert_eq!(iso8601(leap), "2000-02-29T12:34:56.789Z");
        let later = UNIX_EPOCH + Duration::from_millis(1_796_642_885_123);
        assert_eq!(iso8601(later), "2026-12-07T11:28:05.123Z");
        assert_eq!(second_millis(later), 1_796_642_885_000);
    }

    #[test]
    fn session_ids_are_sixteen_hex_digits() {
        let id = random_id();
        assert_eq!(id.len(), 16);
        assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(id, random_id());
    }

    #[test]
    fn prefixes_stop_at_the_text() {
        assert_eq!(prefix("abcdefghijklmnop", 12), "abcdefghijkl");
        assert_eq!(prefix("abc", 12), "abc");
    }

    #[test]
    fn the_admin_field_is_left_out_of_the_data() {
        let data = object(vec![
            ("_admin", object(vec![("clientId", Value::from("x"))])),
            ("user", Value::from("ada")),
        ]);
        assert_eq!(user_data(&data), object(vec![("user", Value::from("ada"))]));
    }
}
