//! Which sockets an operation addresses: rooms, and the options and flags of a broadcast.

use std::time::Duration;

/// A room name. Every socket is also in the room named after its id.
pub type Room = String;

/// Flags of a broadcast.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BroadcastFlags {
    /// Drop the packet for recipients whose queue is full instead of closing them; volatile
    /// packets are never kept for connection state recovery.
    pub volatile: bool,
    /// Deliver on this server only, even with an adapter spanning several servers.
    pub local: bool,
    /// How long the emitter waits for acknowledgements (broadcasts with acks only).
    pub timeout: Option<Duration>,
}

/// Which sockets an operation addresses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BroadcastOptions {
    /// Sockets in any of these rooms; all sockets of the namespace when empty.
    pub rooms: Vec<Room>,
    /// Minus the sockets in any of these rooms.
    pub except: Vec<Room>,
    /// Delivery flags.
    pub flags: BroadcastFlags,
}
