//! A parsed header block: the head's bytes and where each field lies in them.

use std::ops::Range;

use bytes::Bytes;

/// Where one field's name and value lie in the head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldSpan {
    pub(crate) name: Range<usize>,
    pub(crate) value: Range<usize>,
}

/// The header fields of a parsed request or response, in arrival order, repeated fields kept.
///
/// Names compare ASCII case-insensitively. Values are bytes (HTTP allows non-UTF-8 octets);
/// [`Headers::get_str`] gives the UTF-8 view when there is one. The fields are views of the head
/// bytes: parsing copies nothing per field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Headers {
    head: Bytes,
    fields: Vec<FieldSpan>,
}

impl Headers {
    pub(crate) fn new(head: Bytes, fields: Vec<FieldSpan>) -> Self {
        Headers { head, fields }
    }

    /// The bytes at `range` of the head, empty if out of bounds.
    pub(crate) fn slice(&self, range: &Range<usize>) -> &[u8] {
        self.head.get(range.clone()).unwrap_or_default()
    }

    /// The text at `range` of the head, empty if out of bounds or not UTF-8.
    pub(crate) fn text(&self, range: &Range<usize>) -> &str {
        std::str::from_utf8(self.slice(range)).unwrap_or_default()
    }

    /// The whole head as received: start line, fields and the blank line that ends them.
    pub fn head(&self) -> &Bytes {
        &self.head
    }

    /// The value of the first field called `name`.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// The value of the first field called `name`, if it is UTF-8.
    pub fn get_str(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(|v| std::str::from_utf8(v).ok())
    }

    /// The values of every field called `name`, in arrival order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// How many fields are called `name`.
    pub fn count(&self, name: &str) -> usize {
        self.iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .count()
    }

    /// Every field as (name as sent, value), in arrival order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> + '_ {
        self.fields
            .iter()
            .map(|f| (self.text(&f.name), self.slice(&f.value)))
    }

    /// The number of fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether there are no fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Headers {
        let head = Bytes::from_static(b"Host: a\r\nX-A: 1\r\nx-a: 2\r\n");
        Headers::new(
            head,
            vec![
                FieldSpan {
                    name: 0..4,
                    value: 6..7,
                },
                FieldSpan {
                    name: 9..12,
                    value: 14..15,
                },
                FieldSpan {
                    name: 17..20,
                    value: 22..23,
                },
            ],
        )
    }

    #[test]
    fn lookup_is_case_insensitive_and_keeps_repeats() {
        let headers = sample();
        assert_eq!(headers.get("host"), Some(&b"a"[..]));
        assert_eq!(headers.get_all("X-a").collect::<Vec<_>>(), [b"1", b"2"]);
        assert_eq!(headers.count("x-A"), 2);
        assert_eq!(headers.get_str("missing"), None);
        assert_eq!(headers.len(), 3);
    }

    #[test]
    fn iteration_keeps_names_as_sent() {
        let headers = sample();
        let names: Vec<&str> = headers.iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["Host", "X-A", "x-a"]);
    }

    #[test]
    fn out_of_range_spans_read_as_empty() {
        let headers = Headers::new(Bytes::from_static(b"ab"), vec![]);
        assert_eq!(headers.slice(&(1..9)), b"");
    }
}
