//! Which end of the connection we are: it fixes the masking rules (RFC 6455 §5.1, §5.3).

/// The side of the connection this codec speaks for.
///
/// A client masks every frame it sends and rejects masked frames it receives; a server does the
/// opposite. Getting this wrong either way closes the connection with 1002.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The accepting side: receives masked frames, sends unmasked ones.
    Server,
    /// The connecting side: receives unmasked frames, sends masked ones.
    Client,
}

impl Role {
    /// Whether frames this side *receives* must carry a masking key.
    pub const fn expects_masked_input(self) -> bool {
        matches!(self, Role::Server)
    }

    /// Whether frames this side *sends* carry a masking key.
    pub const fn masks_output(self) -> bool {
        matches!(self, Role::Client)
    }
}
