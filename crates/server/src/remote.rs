//! [`RemoteSocket`]: what an adapter reports about a socket that may live on another server,
//! and the handshake description Socket.IO servers exchange for it.

use std::any::Any;
use std::fmt::Debug;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use event_proto::Value;
use wsio_engine::{RequestInfo, Sid};

use crate::addressing::Room;

/// A socket of this server inside a [`RemoteSocket`], its type erased: this module sits
/// below the socket module, which gives the socket back typed
/// ([`RemoteSocket::local`]).
pub(crate) trait LocalHandle: Any + Debug + Send + Sync {}

impl<T: Any + Debug + Send + Sync> LocalHandle for T {}

/// A socket as [`fetch_sockets`](crate::BroadcastOperator::fetch_sockets) reports it: on this
/// server ([`local`](Self::local) is `Some`) or on another server of the cluster.
///
/// To act on it, address its id: `ns.to([remote.id.to_string()]).emit(..)`,
/// `.sockets_join(..)`, `.disconnect_sockets(..)` reach it wherever it lives.
#[derive(Debug, Clone)]
pub struct RemoteSocket {
    /// The socket id.
    pub id: Sid,
    /// The opening request, shaped like the reference server's `socket.handshake`:
    /// `{headers, time, address, xdomain, secure, issued, url, query, auth}`.
    pub handshake: Value,
    /// The rooms the socket is in, its own id included.
    pub rooms: Vec<Room>,
    /// The socket's serializable data ([`Socket::set_data`](crate::Socket::set_data)).
    pub data: Value,
    local: Option<Arc<dyn LocalHandle>>,
}

impl RemoteSocket {
    /// A socket living on another server, as a cluster adapter decoded it.
    pub fn new(id: Sid, handshake: Value, rooms: Vec<Room>, data: Value) -> RemoteSocket {
        RemoteSocket {
            id,
            handshake,
            rooms,
            data,
            local: None,
        }
    }

    /// The description of a socket of this server, which `local` holds.
    pub(crate) fn with_local(
        id: Sid,
        handshake: Value,
        rooms: Vec<Room>,
        data: Value,
        local: Arc<dyn LocalHandle>,
    ) -> RemoteSocket {
        RemoteSocket {
            local: Some(local),
            ..RemoteSocket::new(id, handshake, rooms, data)
        }
    }

    /// What [`with_local`](Self::with_local) was given, when the socket is on this server.
    pub(crate) fn local_handle(&self) -> Option<&dyn Any> {
        self.local.as_deref().map(|local| local as &dyn Any)
    }
}

/// The reference server's handshake object for a request.
pub(crate) fn handshake_value(info: &RequestInfo, auth: &Value, issued: SystemTime) -> Value {
    let mut headers: Vec<(String, Value)> = Vec::new();
    for (name, value) in &info.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        match headers.iter_mut().find(|(n, _)| n == name.as_str()) {
            Some((_, Value::String(joined))) => {
                joined.push_str(", ");
                joined.push_str(&value);
            }
            _ => headers.push((name.as_str().to_owned(), Value::String(value))),
        }
    }
    let query: Vec<(String, Value)> = info
        .uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter_map(|pair| {
            let key = pair.split_once('=').map_or(pair, |(k, _)| k);
            let value = info.query(key)?;
            Some((key.to_owned(), Value::String(value)))
        })
        .collect();
    let millis = issued
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    let address = info
        .remote_addr
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    Value::Object(vec![
        ("headers".into(), Value::Object(headers)),
        ("time".into(), Value::String(date_string(issued))),
        ("address".into(), Value::String(address)),
        (
            "xdomain".into(),
            Value::Bool(info.headers.contains_key(http::header::ORIGIN)),
        ),
        ("secure".into(), Value::Bool(false)),
        (
            "issued".into(),
            Value::from(serde_json::Value::from(u64::try_from(millis).unwrap_or(0))),
        ),
        (
            "url".into(),
            Value::String(
                info.uri
                    .path_and_query()
                    .map(|p| p.as_str().to_owned())
                    .unwrap_or_default(),
            ),
        ),
        ("query".into(), Value::Object(query)),
        ("auth".into(), auth.clone()),
    ])
}

/// `time` in the form of JavaScript's `Date.prototype.toString` in UTC, e.g.
/// `Thu Nov 26 2026 02:36:09 GMT+0000 (Coordinated Universal Time)`.
fn date_string(time: SystemTime) -> String {
    let secs = time
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let weekday = WEEKDAYS[usize::try_from(days.rem_euclid(7)).unwrap_or(0)];
    let month = MONTHS[usize::try_from(month - 1).unwrap_or(0).min(11)];
    format!(
        "{weekday} {month} {day:02} {year} {:02}:{:02}:{:02} GMT+0000 (Coordinated Universal Time)",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to (year, month 1–12, day 1–31), proleptic Gregorian.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn formats_dates_like_javascript() {
        let t = UNIX_EPOCH + Duration::from_secs(1_795_660_569);
        assert_eq!(
            date_string(t),
            "Thu Nov 26 2026 02:36:09 GMT+0000 (Coordinated Universal Time)"
        );
        assert_eq!(
            date_string(UNIX_EPOCH),
            "Thu Jan 01 1970 00:00:00 GMT+0000 (Coordinated Universal Time)"
        );
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert!(date_string(leap).starts_with("Tue Feb 29 2000"));
    }

    #[test]
    fn describes_the_request() {
        let mut headers = http::HeaderMap::new();
        headers.insert("origin", "http://a".parse().unwrap());
        headers.append("x-k", "1".parse().unwrap());
        headers.append("x-k", "2".parse().unwrap());
        let info = RequestInfo {
            headers,
            uri: "/socket.io/?EIO=4&transport=polling&t=x%20y"
                .parse()
                .unwrap(),
            remote_addr: Some("127.0.0.1:5000".parse().unwrap()),
        };
        let auth = Value::Object(vec![("token".into(), Value::from("t"))]);
        let v = handshake_value(&info, &auth, UNIX_EPOCH + Duration::from_millis(1500));
        assert_eq!(v.get("address"), Some(&Value::from("127.0.0.1")));
        assert_eq!(v.get("xdomain"), Some(&Value::Bool(true)));
        assert_eq!(
            v.get("headers").and_then(|h| h.get("x-k")),
            Some(&Value::from("1, 2"))
        );
        assert_eq!(
            v.get("query").and_then(|q| q.get("t")),
            Some(&Value::from("x y"))
        );
        assert_eq!(v.get("auth"), Some(&auth));
        assert_eq!(v.get("issued"), Some(&Value::from(serde_json::json!(1500))));
    }
}
