//! From the handshake's permessage-deflate agreement to the frame layer's extension.

use ws_frame::{DeflateConfig, Extension, PerMessageDeflate, Role};
use ws_handshake::PerMessageDeflateConfig;

/// A negotiated extension as two objects, one per direction, so a connection's read and write
/// halves can each own theirs. permessage-deflate allocates lazily, so the half that an object
/// never serves costs nothing.
pub struct ExtensionPair {
    /// Decodes what the peer sends (its `decode_fragment` is used).
    pub inbound: Box<dyn Extension>,
    /// Encodes what we send (its `encode_message` is used).
    pub outbound: Box<dyn Extension>,
}

impl std::fmt::Debug for ExtensionPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ExtensionPair { .. }")
    }
}

impl ExtensionPair {
    /// permessage-deflate for `role` with the parameters the handshake agreed on; messages
    /// shorter than `threshold` bytes are sent uncompressed.
    ///
    /// For servers that run the opening handshake themselves (behind hyper, say) and hand
    /// the upgraded stream to [`WebSocket::from_raw`](crate::WebSocket::from_raw).
    pub fn deflate(
        role: Role,
        agreed: &PerMessageDeflateConfig,
        threshold: usize,
    ) -> Result<ExtensionPair, ws_frame::Error> {
        extension(role, agreed, threshold)
    }
}

/// The extension pair for what a handshake agreed on: `None` when it agreed on no
/// permessage-deflate.
pub(crate) fn agreed(
    role: Role,
    agreed: Option<&PerMessageDeflateConfig>,
    threshold: usize,
) -> Result<Option<ExtensionPair>, ws_frame::Error> {
    agreed
        .map(|agreed| extension(role, agreed, threshold))
        .transpose()
}

/// Builds the extension pair for an agreed permessage-deflate configuration.
pub(crate) fn extension(
    role: Role,
    agreed: &PerMessageDeflateConfig,
    threshold: usize,
) -> Result<ExtensionPair, ws_frame::Error> {
    let config = DeflateConfig {
        server_no_context_takeover: agreed.server_no_context_takeover,
        client_no_context_takeover: agreed.client_no_context_takeover,
        server_max_window_bits: agreed.server_max_window_bits,
        client_max_window_bits: agreed.client_max_window_bits,
        threshold,
        // A tokio runtime runs many connections on few threads: directions without context
        // takeover borrow their thread's spare (de)compressor for each message.
        shared_contexts: true,
        ..DeflateConfig::default()
    };
    Ok(ExtensionPair {
        inbound: Box::new(PerMessageDeflate::new(role, &config)?),
        outbound: Box::new(PerMessageDeflate::new(role, &config)?),
    })
}
