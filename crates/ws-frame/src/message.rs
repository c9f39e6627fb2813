//! [`Message`]: what an application sends and receives.

use bytes::Bytes;

use crate::{CloseFrame, Frame, OpCode, Utf8Bytes};

/// A complete WebSocket message or control frame, as the application sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A text message (validated UTF-8).
    Text(Utf8Bytes),
    /// A binary message.
    Binary(Bytes),
    /// A ping; the receiving side answers with a pong carrying the same payload.
    Ping(Bytes),
    /// A pong.
    Pong(Bytes),
    /// A close frame; `None` when it carried no status code.
    Close(Option<CloseFrame>),
}

impl Message {
    /// Whether this is a text or binary message (not a control frame).
    pub fn is_data(&self) -> bool {
        matches!(self, Message::Text(_) | Message::Binary(_))
    }

    /// The payload bytes (for a close, its encoded body).
    pub fn payload(&self) -> Bytes {
        match self {
            Message::Text(text) => text.as_bytes().clone(),
            Message::Binary(data) | Message::Ping(data) | Message::Pong(data) => data.clone(),
            Message::Close(close) => close
                .as_ref()
                .map(CloseFrame::to_payload)
                .unwrap_or_default(),
        }
    }
}

impl From<Message> for Frame {
    /// The single frame that carries `message` (no extension applied).
    fn from(message: Message) -> Frame {
        match message {
            Message::Text(text) => Frame::new(OpCode::Text, text.into_bytes()),
            Message::Binary(data) => Frame::new(OpCode::Binary, data),
            Message::Ping(data) => Frame::new(OpCode::Ping, data),
            Message::Pong(data) => Frame::new(OpCode::Pong, data),
            Message::Close(close) => Frame::close(close.as_ref()),
        }
    }
}

impl From<String> for Message {
    fn from(text: String) -> Self {
        Message::Text(text.into())
    }
}

impl From<&'static str> for Message {
    fn from(text: &'static str) -> Self {
        Message::Text(text.into())
    }
}

impl From<Vec<u8>> for Message {
    fn from(data: Vec<u8>) -> Self {
        Message::Binary(data.into())
    }
}

impl From<Bytes> for Message {
    fn from(data: Bytes) -> Self {
        Message::Binary(data)
    }
}
