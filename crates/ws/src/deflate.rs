//! From the handshake's permessage-deflate agreement to the frame layer's extension.

use ws_frame::{DeflateConfig, Extension, PerMessageDeflate, Role};
use ws_handshake::PerMessageDeflateConfig;

/// Builds the extension for an agreed permessage-deflate configuration.
pub(crate) fn extension(
    role: Role,
    agreed: &PerMessageDeflateConfig,
    threshold: usize,
) -> Result<Box<dyn Extension>, ws_frame::Error> {
    let config = DeflateConfig {
        server_no_context_takeover: agreed.server_no_context_takeover,
        client_no_context_takeover: agreed.client_no_context_takeover,
        server_max_window_bits: agreed.server_max_window_bits,
        client_max_window_bits: agreed.client_max_window_bits,
        threshold,
        ..DeflateConfig::default()
    };
    Ok(Box::new(PerMessageDeflate::new(role, &config)?))
}
