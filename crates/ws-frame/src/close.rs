//! Close codes and close frame payloads (RFC 6455 §5.5.1, §7.4).

use std::fmt;

use bytes::{BufMut, Bytes, BytesMut};

use crate::{Error, Utf8Bytes};

/// A close status code.
///
/// The named constants are the codes registered with IANA. Any `u16` can be held, but only
/// [valid](CloseCode::is_valid_on_wire) codes may appear in a close frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CloseCode(pub u16);

impl CloseCode {
    /// 1000: the purpose of the connection is fulfilled.
    pub const NORMAL: CloseCode = CloseCode(1000);
    /// 1001: the endpoint is going away (server shutdown, page navigation).
    pub const GOING_AWAY: CloseCode = CloseCode(1001);
    /// 1002: the peer broke the protocol.
    pub const PROTOCOL_ERROR: CloseCode = CloseCode(1002);
    /// 1003: a data type this endpoint cannot accept.
    pub const UNSUPPORTED_DATA: CloseCode = CloseCode(1003);
    /// 1005: no status code was present (never sent on the wire).
    pub const NO_STATUS: CloseCode = CloseCode(1005);
    /// 1006: the connection dropped without a close frame (never sent on the wire).
    pub const ABNORMAL: CloseCode = CloseCode(1006);
    /// 1007: message data inconsistent with its type (such as invalid UTF-8 in text).
    pub const INVALID_PAYLOAD: CloseCode = CloseCode(1007);
    /// 1008: a policy was violated.
    pub const POLICY_VIOLATION: CloseCode = CloseCode(1008);
    /// 1009: a frame or message larger than this endpoint accepts.
    pub const MESSAGE_TOO_BIG: CloseCode = CloseCode(1009);
    /// 1010: the client expected an extension the server did not negotiate.
    pub const MANDATORY_EXTENSION: CloseCode = CloseCode(1010);
    /// 1011: the server hit an unexpected condition.
    pub const INTERNAL_ERROR: CloseCode = CloseCode(1011);
    /// 1012: the service is restarting.
    pub const SERVICE_RESTART: CloseCode = CloseCode(1012);
    /// 1013: try again later (temporary overload).
    pub const TRY_AGAIN_LATER: CloseCode = CloseCode(1013);
    /// 1014: a gateway got a bad answer upstream.
    pub const BAD_GATEWAY: CloseCode = CloseCode(1014);
    /// 1015: TLS handshake failure (never sent on the wire).
    pub const TLS_HANDSHAKE: CloseCode = CloseCode(1015);

    /// Whether this code may appear in a close frame: the registered codes that are meant for
    /// the wire (1000–1003, 1007–1014) and the ranges for libraries (3000–3999) and
    /// applications (4000–4999). 1004–1006, 1015, everything below 1000, the unassigned
    /// 1016–2999 and everything from 5000 are rejected with 1002.
    ///
    /// ```
    /// use ws_frame::CloseCode;
    /// assert!(CloseCode(1000).is_valid_on_wire());
    /// assert!(CloseCode(4321).is_valid_on_wire());
    /// assert!(!CloseCode(1005).is_valid_on_wire());
    /// assert!(!CloseCode(2000).is_valid_on_wire());
    /// ```
    pub const fn is_valid_on_wire(self) -> bool {
        matches!(self.0, 1000..=1003 | 1007..=1014 | 3000..=4999)
    }
}

impl From<u16> for CloseCode {
    fn from(code: u16) -> Self {
        CloseCode(code)
    }
}

impl From<CloseCode> for u16 {
    fn from(code: CloseCode) -> u16 {
        code.0
    }
}

impl fmt::Display for CloseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The most reason bytes a close frame can carry: 125 payload bytes minus the 2-byte code.
pub const MAX_CLOSE_REASON: usize = 123;

/// The body of a close frame: a status code and a UTF-8 reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseFrame {
    /// The status code.
    pub code: CloseCode,
    /// Why, for humans; at most [`MAX_CLOSE_REASON`] bytes.
    pub reason: Utf8Bytes,
}

impl CloseFrame {
    /// A close frame with `code` and `reason`.
    pub fn new(code: CloseCode, reason: impl Into<Utf8Bytes>) -> Self {
        CloseFrame {
            code,
            reason: reason.into(),
        }
    }

    /// Parses a received close payload. An empty payload means "no status" and gives `None`;
    /// a one-byte payload or an invalid code is a protocol error (1002), a reason that is not
    /// UTF-8 is 1007.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use ws_frame::{CloseCode, CloseFrame};
    /// let close = CloseFrame::parse(Bytes::from_static(b"\x03\xe8bye")).unwrap().unwrap();
    /// assert_eq!(close.code, CloseCode::NORMAL);
    /// assert_eq!(close.reason, "bye");
    /// assert!(CloseFrame::parse(Bytes::new()).unwrap().is_none());
    /// ```
    pub fn parse(mut payload: Bytes) -> Result<Option<CloseFrame>, Error> {
        match payload.len() {
            0 => return Ok(None),
            1 => return Err(Error::CloseFrameTruncated),
            _ => {}
        }
        let code = CloseCode(u16::from_be_bytes([payload[0], payload[1]]));
        if !code.is_valid_on_wire() {
            return Err(Error::InvalidCloseCode(code.0));
        }
        let reason =
            Utf8Bytes::try_from_bytes(payload.split_off(2)).map_err(|_| Error::InvalidUtf8)?;
        Ok(Some(CloseFrame { code, reason }))
    }

    /// Encodes the payload: the code in network order, then the reason, cut at a character
    /// boundary to at most [`MAX_CLOSE_REASON`] bytes so the frame stays a valid control frame.
    pub fn to_payload(&self) -> Bytes {
        let reason = truncate_at_char_boundary(self.reason.as_str(), MAX_CLOSE_REASON);
        let mut out = BytesMut::with_capacity(2 + reason.len());
        out.put_u16(self.code.0);
        out.put_slice(reason.as_bytes());
        out.freeze()
    }
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
fn truncate_at_char_boundary(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_validity_follows_the_registry() {
        let valid = [
            1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014,
        ];
        let invalid = [
            0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535,
        ];
        for code in valid.into_iter().chain([3000, 3999, 4000, 4999]) {
            assert!(CloseCode(code).is_valid_on_wire(), "{code}");
        }
        for code in invalid {
            assert!(!CloseCode(code).is_valid_on_wire(), "{code}");
        }
    }

    #[test]
    fn parse_rejects_truncated_and_invalid() {
        assert!(matches!(
            CloseFrame::parse(Bytes::from_static(b"\x03")),
            Err(Error::CloseFrameTruncated)
        ));
        assert!(matches!(
            CloseFrame::parse(Bytes::from_static(b"\x03\xed")),
            Err(Error::InvalidCloseCode(1005))
        ));
        assert!(matches!(
            CloseFrame::parse(Bytes::from_static(b"\x03\xe8\xce\xba\xe1")),
            Err(Error::InvalidUtf8)
        ));
    }

    #[test]
    fn payload_round_trips() {
        let close = CloseFrame::new(CloseCode::GOING_AWAY, "restart");
        let parsed = CloseFrame::parse(close.to_payload());
        assert_eq!(parsed.unwrap(), Some(close));
    }

    #[test]
    fn long_reason_is_cut_on_a_character_boundary() {
        let reason = "é".repeat(100); // 200 bytes, two per character
        let payload = CloseFrame::new(CloseCode::NORMAL, reason).to_payload();
        assert_eq!(payload.len(), 2 + 122);
        assert!(CloseFrame::parse(payload).is_ok());
    }
}
