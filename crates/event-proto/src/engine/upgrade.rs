//! The transport upgrade probe exchange, as a small sans-I/O state machine.

use super::packet::Packet;

/// Where the WebSocket side of a polling-to-WebSocket upgrade stands (server view).
///
/// The client sends `2probe`, the server answers `3probe` and releases any pending poll with
/// `6` (noop); the client then sends `5` (upgrade) and the WebSocket becomes the transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UpgradeState {
    /// Waiting for the `2probe` ping.
    #[default]
    AwaitingProbe,
    /// Probe answered; waiting for the `5` upgrade packet.
    Probed,
    /// The upgrade completed.
    Upgraded,
}

/// What the server must do after a packet arrived on the probing WebSocket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpgradeAction {
    /// Send `reply` on the WebSocket and `noop` to any pending poll (the `3probe` step).
    Probe {
        /// The packet for the WebSocket (`3probe`).
        reply: Packet,
        /// The packet for a pending polling GET, if one is waiting (`6`).
        release_poll: Packet,
    },
    /// Switch the session to the WebSocket and flush the buffered packets to it.
    Switch,
    /// The packet is not valid at this point: abort the upgrade and close the WebSocket.
    Abort,
}

impl UpgradeState {
    /// Advances on a packet received on the new transport.
    ///
    /// ```
    /// use event_proto::engine::{Packet, UpgradeAction, UpgradeState};
    ///
    /// let mut state = UpgradeState::default();
    /// assert!(matches!(state.on_packet(&Packet::probe_ping()), UpgradeAction::Probe { .. }));
    /// assert_eq!(state.on_packet(&Packet::Upgrade), UpgradeAction::Switch);
    /// assert_eq!(state, UpgradeState::Upgraded);
    /// ```
    pub fn on_packet(&mut self, packet: &Packet) -> UpgradeAction {
        match (*self, packet) {
            (UpgradeState::AwaitingProbe, p) if p.is_probe_ping() => {
                *self = UpgradeState::Probed;
                UpgradeAction::Probe {
                    reply: Packet::probe_pong(),
                    release_poll: Packet::Noop,
                }
            }
            (UpgradeState::Probed, Packet::Upgrade) => {
                *self = UpgradeState::Upgraded;
                UpgradeAction::Switch
            }
            _ => UpgradeAction::Abort,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Str;

    #[test]
    fn full_exchange() {
        let mut s = UpgradeState::default();
        assert_eq!(
            s.on_packet(&Packet::probe_ping()),
            UpgradeAction::Probe {
                reply: Packet::probe_pong(),
                release_poll: Packet::Noop
            }
        );
        assert_eq!(s, UpgradeState::Probed);
        assert_eq!(s.on_packet(&Packet::Upgrade), UpgradeAction::Switch);
    }

    #[test]
    fn out_of_order_aborts() {
        let mut s = UpgradeState::default();
        assert_eq!(s.on_packet(&Packet::Upgrade), UpgradeAction::Abort);
        assert_eq!(
            s.on_packet(&Packet::Ping(Str::from(""))),
            UpgradeAction::Abort
        );
        s.on_packet(&Packet::probe_ping());
        assert_eq!(s.on_packet(&Packet::probe_ping()), UpgradeAction::Abort);
    }
}
