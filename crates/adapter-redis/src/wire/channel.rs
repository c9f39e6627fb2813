//! Channel names of the classic adapter, for key prefix `key` (`socket.io` by default).

/// Broadcasts to no room or to several rooms: `<key>#<nsp>#`.
pub fn broadcast(key: &str, nsp: &str) -> String {
    format!("{key}#{nsp}#")
}

/// Broadcasts to exactly one room: `<key>#<nsp>#<room>#`.
pub fn room(key: &str, nsp: &str, room: &str) -> String {
    format!("{key}#{nsp}#{room}#")
}

/// The pattern every node PSUBSCRIBEs to for broadcasts: `<key>#<nsp>#*`.
pub fn broadcast_pattern(key: &str, nsp: &str) -> String {
    format!("{key}#{nsp}#*")
}

/// Requests: `<key>-request#<nsp>#`. Its subscriber count is the number of nodes.
pub fn request(key: &str, nsp: &str) -> String {
    format!("{key}-request#{nsp}#")
}

/// Responses: `<key>-response#<nsp>#`.
pub fn response(key: &str, nsp: &str) -> String {
    format!("{key}-response#{nsp}#")
}

/// Responses meant for node `uid` alone: `<key>-response#<nsp>#<uid>#`.
pub fn specific_response(key: &str, nsp: &str, uid: &str) -> String {
    format!("{key}-response#{nsp}#{uid}#")
}

/// The room a broadcast channel names: `Some("")` for `<key>#<nsp>#`, `Some(room)` for
/// `<key>#<nsp>#<room>#`, `None` for a channel of another namespace or key.
pub fn room_of<'a>(channel: &'a str, key: &str, nsp: &str) -> Option<&'a str> {
    let rest = channel
        .strip_prefix(key)?
        .strip_prefix('#')?
        .strip_prefix(nsp)?
        .strip_prefix('#')?;
    if rest.is_empty() {
        return Some("");
    }
    rest.strip_suffix('#')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(broadcast("socket.io", "/"), "socket.io#/#");
        assert_eq!(room("socket.io", "/chat", "r1"), "socket.io#/chat#r1#");
        assert_eq!(broadcast_pattern("socket.io", "/"), "socket.io#/#*");
        assert_eq!(request("socket.io", "/"), "socket.io-request#/#");
        assert_eq!(response("socket.io", "/"), "socket.io-response#/#");
        assert_eq!(
            specific_response("socket.io", "/", "TYTqiG"),
            "socket.io-response#/#TYTqiG#"
        );
    }

    #[test]
    fn rooms_from_channels() {
        assert_eq!(room_of("socket.io#/#", "socket.io", "/"), Some(""));
        assert_eq!(room_of("socket.io#/#R#", "socket.io", "/"), Some("R"));
        assert_eq!(room_of("socket.io#/#a#b#", "socket.io", "/"), Some("a#b"));
        assert_eq!(room_of("socket.io#/chat#", "socket.io", "/"), None);
        assert_eq!(room_of("socket.io#/#R", "socket.io", "/"), None);
        assert_eq!(room_of("other#/#", "socket.io", "/"), None);
    }
}
