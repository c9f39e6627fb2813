//! The attachment state machine: holds a binary packet until all its attachments arrived.

use bytes::Bytes;

use super::binary::rebuild;
use super::packet::Packet;
use crate::error::{Error, Result};
use crate::limits::Limits;

/// Collects the attachments that follow a binary packet, then rebuilds its payload.
///
/// The announced count is checked against [`Limits::max_attachments`] before anything is
/// stored, and attachments are kept as shared `Bytes` (no copy) in a vector that grows as
/// they arrive. Their total size is bounded by [`Limits::max_attachment_bytes`]. After any
/// error the partial packet is dropped.
///
/// ```
/// use bytes::Bytes;
/// use event_proto::socket::{AttachmentCollector, Packet};
/// use event_proto::{Limits, Value};
///
/// let mut c = AttachmentCollector::new(Limits::default());
/// let header = Packet::event("/", "up", vec![
///     Value::from(serde_json::json!({"_placeholder": true, "num": 0})),
/// ]);
/// assert_eq!(c.start(header, 1).unwrap(), None);
/// assert!(c.is_pending());
/// let packet = c.push(Bytes::from_static(b"\x01")).unwrap().unwrap();
/// assert_eq!(packet.args()[0], Value::Binary(Bytes::from_static(b"\x01")));
/// ```
#[derive(Debug, Clone)]
pub struct AttachmentCollector {
    limits: Limits,
    partial: Option<Partial>,
}

#[derive(Debug, Clone)]
struct Partial {
    packet: Packet,
    expected: usize,
    received: Vec<Bytes>,
    bytes: usize,
}

impl AttachmentCollector {
    /// An idle collector enforcing `limits`.
    pub fn new(limits: Limits) -> AttachmentCollector {
        AttachmentCollector {
            limits,
            partial: None,
        }
    }

    /// True while a packet waits for attachments.
    pub fn is_pending(&self) -> bool {
        self.partial.is_some()
    }

    /// Starts collecting `expected` attachments for `packet`, whose payload holds placeholders.
    /// Returns the rebuilt packet at once if `expected` is zero.
    pub fn start(&mut self, packet: Packet, expected: usize) -> Result<Option<Packet>> {
        if self.partial.take().is_some() {
            return Err(Error::UnexpectedText);
        }
        if expected > self.limits.max_attachments {
            return Err(Error::TooManyAttachments {
                count: expected,
                max: self.limits.max_attachments,
            });
        }
        let partial = Partial {
            packet,
            expected,
            received: Vec::new(),
            bytes: 0,
        };
        if expected == 0 {
            return partial.finish().map(Some);
        }
        self.partial = Some(partial);
        Ok(None)
    }

    /// Adds the next attachment; returns the packet once the last one arrived.
    pub fn push(&mut self, data: Bytes) -> Result<Option<Packet>> {
        let mut partial = self.partial.take().ok_or(Error::UnexpectedBinary)?;
        partial.bytes = partial.bytes.saturating_add(data.len());
        if partial.bytes > self.limits.max_attachment_bytes {
            return Err(Error::AttachmentsTooLarge {
                max: self.limits.max_attachment_bytes,
            });
        }
        partial.received.push(data);
        if partial.received.len() < partial.expected {
            self.partial = Some(partial);
            return Ok(None);
        }
        partial.finish().map(Some)
    }

    /// Drops any partial packet.
    pub fn reset(&mut self) {
        self.partial = None;
    }
}

impl Partial {
    fn finish(mut self) -> Result<Packet> {
        if let Some(data) = self.packet.data.as_mut() {
            rebuild(data, &self.received)?;
        }
        Ok(self.packet)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;
    use serde_json::json;

    fn header(nums: &[u64]) -> Packet {
        let args = nums
            .iter()
            .map(|n| Value::from(json!({"_placeholder": true, "num": n})))
            .collect();
        Packet::event("/", "e", args)
    }

    fn small() -> Limits {
        Limits {
            max_attachments: 2,
            max_attachment_bytes: 4,
            ..Limits::default()
        }
    }

    #[test]
    fn collects_in_order() {
        let mut c = AttachmentCollector::new(small());
        assert_eq!(c.start(header(&[1, 0]), 2), Ok(None));
        assert_eq!(c.push(Bytes::from_static(b"a")), Ok(None));
        let p = c
            .push(Bytes::from_static(b"b"))
            .expect("ok")
            .expect("complete");
        assert_eq!(p.args()[0], Value::Binary(Bytes::from_static(b"b")));
        assert!(!c.is_pending());
    }

    #[test]
    fn zero_attachments_complete_at_once() {
        let mut c = AttachmentCollector::new(small());
        assert_eq!(c.start(header(&[]), 0), Ok(Some(header(&[]))));
        assert_eq!(c.start(header(&[0]), 0), Err(Error::InvalidPlaceholder));
    }

    #[test]
    fn enforces_limits_without_reserving() {
        let mut c = AttachmentCollector::new(small());
        assert_eq!(
            c.start(header(&[]), 99_999_999),
            Err(Error::TooManyAttachments {
                count: 99_999_999,
                max: 2
            })
        );
        assert_eq!(c.start(header(&[0, 1]), 2), Ok(None));
        assert_eq!(c.push(Bytes::from_static(b"abc")), Ok(None));
        assert_eq!(
            c.push(Bytes::from_static(b"de")),
            Err(Error::AttachmentsTooLarge { max: 4 })
        );
        assert!(!c.is_pending());
    }

    #[test]
    fn rejects_out_of_order_messages() {
        let mut c = AttachmentCollector::new(small());
        assert_eq!(c.push(Bytes::new()), Err(Error::UnexpectedBinary));
        assert_eq!(c.start(header(&[0]), 1), Ok(None));
        assert_eq!(c.start(header(&[0]), 1), Err(Error::UnexpectedText));
        assert!(!c.is_pending());
        assert_eq!(c.start(header(&[0]), 1), Ok(None));
        c.reset();
        assert!(!c.is_pending());
    }
}
