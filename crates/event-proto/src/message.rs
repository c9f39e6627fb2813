//! `Message`: the content of one WebSocket frame or one Engine.IO message packet.

use bytes::Bytes;

use crate::text::Str;

/// Text or binary content, as carried by a WebSocket frame or an Engine.IO message packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// UTF-8 text.
    Text(Str),
    /// Raw bytes.
    Binary(Bytes),
}

impl Message {
    /// Length in bytes.
    pub fn len(&self) -> usize {
        match self {
            Message::Text(s) => s.len(),
            Message::Binary(b) => b.len(),
        }
    }

    /// True when the content is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths() {
        assert_eq!(Message::Text(Str::from("abc")).len(), 3);
        assert!(Message::Binary(Bytes::new()).is_empty());
    }
}
