//! Driving `httparse` over a growing buffer under [`Limits`]: shared by request and response
//! parsing.

use std::ops::Range;

use crate::error::{Error, Result};
use crate::headers::FieldSpan;
use crate::limits::Limits;

/// Header slots kept on the stack; larger `max_headers` settings use the heap.
const STACK_SLOTS: usize = 64;

/// Where `part` (a subslice of `base`) lies in `base`.
pub(crate) fn span_of(base: &[u8], part: &[u8]) -> Range<usize> {
    let start = (part.as_ptr() as usize).wrapping_sub(base.as_ptr() as usize);
    if start > base.len() {
        return 0..0;
    }
    start..start.saturating_add(part.len()).min(base.len())
}

/// The spans of parsed header fields within `base`.
pub(crate) fn field_spans(base: &[u8], fields: &[httparse::Header<'_>]) -> Vec<FieldSpan> {
    fields
        .iter()
        .map(|h| FieldSpan {
            name: span_of(base, h.name.as_bytes()),
            value: span_of(base, h.value),
        })
        .collect()
}

/// Runs `parse` over at most `limits.max_header_bytes` of `buf` with `limits.max_headers` slots.
///
/// `parse` returns `Ok(None)` for an incomplete head and `Some((head_len, value))` for a complete
/// one. An incomplete head already longer than the limit, or a complete one longer than the
/// limit, is [`Error::HeaderBlockTooLarge`]; too many fields is [`Error::TooManyHeaders`]; any
/// other syntax error goes through `malformed`.
pub(crate) fn parse_head<'b, T>(
    buf: &'b [u8],
    limits: &Limits,
    malformed: fn(httparse::Error) -> Error,
    parse: impl FnOnce(
        &'b [u8],
        &mut [httparse::Header<'b>],
    ) -> std::result::Result<Option<(usize, T)>, httparse::Error>,
) -> Result<Option<(usize, T)>> {
    let window = buf.get(..limits.max_header_bytes).unwrap_or(buf);
    let outcome = if limits.max_headers <= STACK_SLOTS {
        let mut slots = [httparse::EMPTY_HEADER; STACK_SLOTS];
        let slots = slots.get_mut(..limits.max_headers).unwrap_or_default();
        parse(window, slots)
    } else {
        let mut slots = vec![httparse::EMPTY_HEADER; limits.max_headers];
        parse(window, &mut slots)
    };
    match outcome {
        Ok(Some(done)) => Ok(Some(done)),
        Ok(None) if buf.len() >= limits.max_header_bytes => Err(Error::HeaderBlockTooLarge {
            limit: limits.max_header_bytes,
        }),
        Ok(None) => Ok(None),
        Err(httparse::Error::TooManyHeaders) => Err(Error::TooManyHeaders {
            limit: limits.max_headers,
        }),
        Err(e) => Err(malformed(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn span_of_subslice() {
        let base = b"hello world";
        assert_eq!(span_of(base, &base[6..]), 6..11);
        assert_eq!(span_of(base, &base[..0]), 0..0);
        assert_eq!(span_of(base, &base[11..]), 11..11);
    }
}
