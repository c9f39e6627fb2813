//! Reading Socket.IO packets in the default text format.

use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::socket::{Packet, PacketKind, ROOT_NAMESPACE};
use crate::text::Str;
use crate::value::Value;

/// Parses a text packet into a packet (payload still holding placeholders) and the number of
/// attachments it announced (0 for non-binary kinds).
pub(crate) fn decode(text: &Str, limits: &Limits) -> Result<(Packet, usize)> {
    let bytes = text.as_bytes();
    let kind = PacketKind::from_ascii(*bytes.first().ok_or(Error::Empty)?)?;
    let mut i = 1;

    let mut count = 0;
    if kind.is_binary() {
        let digits = count_digits(&bytes[i..]);
        if digits == 0 || bytes.get(i + digits) != Some(&b'-') {
            return Err(Error::InvalidAttachmentCount);
        }
        count = bytes[i..i + digits].iter().fold(0usize, |n, d| {
            n.saturating_mul(10).saturating_add(usize::from(d - b'0'))
        });
        if count > limits.max_attachments {
            return Err(Error::TooManyAttachments {
                count,
                max: limits.max_attachments,
            });
        }
        i += digits + 1;
    }

    let ns = if bytes.get(i) == Some(&b'/') {
        let end = memchr::memchr(b',', &bytes[i..]).map_or(bytes.len(), |e| i + e);
        let ns = Str::from_utf8_trusted(text.clone().into_bytes().slice(i..end));
        i = (end + 1).min(bytes.len());
        ns
    } else {
        Str::from_static(ROOT_NAMESPACE)
    };

    let digits = count_digits(&bytes[i..]);
    let id = if digits > 0 {
        let id = bytes[i..i + digits].iter().try_fold(0u64, |n, d| {
            n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
        });
        i += digits;
        Some(id.ok_or(Error::InvalidAckId)?)
    } else {
        None
    };

    let data = if i < bytes.len() {
        Some(serde_json::from_slice::<Value>(&bytes[i..]).map_err(|_| Error::InvalidJson)?)
    } else {
        None
    };

    let packet = Packet { kind, ns, id, data };
    packet.validate()?;
    Ok((packet, count))
}

fn count_digits(bytes: &[u8]) -> usize {
    bytes.iter().take_while(|b| b.is_ascii_digit()).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<(Packet, usize)> {
        decode(&Str::from(s), &Limits::default())
    }

    #[test]
    fn header_fields() {
        let (p, n) = parse(r#"52-/admin,7["a",{"_placeholder":true,"num":0}]"#).expect("ok");
        assert_eq!(
            (p.kind, n, p.ns.as_str(), p.id),
            (PacketKind::BinaryEvent, 2, "/admin", Some(7))
        );
        let (p, _) = parse("1/admin").expect("namespace without comma");
        assert_eq!(p.ns, "/admin");
        let (p, _) = parse("3/a,18446744073709551615[]").expect("max id");
        assert_eq!(p.id, Some(u64::MAX));
    }

    #[test]
    fn header_errors() {
        assert_eq!(parse("").err(), Some(Error::Empty));
        assert_eq!(parse("7").err(), Some(Error::UnknownType(b'7')));
        assert_eq!(parse("5[\"a\"]").err(), Some(Error::InvalidAttachmentCount));
        assert_eq!(
            parse("5-[\"a\"]").err(),
            Some(Error::InvalidAttachmentCount)
        );
        assert_eq!(
            parse("51[\"a\"]").err(),
            Some(Error::InvalidAttachmentCount)
        );
        assert_eq!(
            parse("599999999999999999999999-[\"a\"]").err(),
            Some(Error::TooManyAttachments {
                count: usize::MAX,
                max: 10
            })
        );
        assert_eq!(
            parse("218446744073709551616[\"a\"]").err(),
            Some(Error::InvalidAckId)
        );
        assert_eq!(parse("2[\"a\"").err(), Some(Error::InvalidJson));
        assert_eq!(parse("2abc").err(), Some(Error::InvalidJson));
        assert_eq!(parse("2[\"a\"] x").err(), Some(Error::InvalidJson));
    }
}
