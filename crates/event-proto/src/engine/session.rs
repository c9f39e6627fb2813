//! A sans-I/O Engine.IO session: heartbeat deadlines and packet dispatch.
//!
//! Time is always an argument: the session never reads a clock, so the driver passes `now`
//! and sleeps until [`Session::poll_timeout`].

use std::time::{Duration, Instant};

use super::handshake::Handshake;
use super::packet::Packet;
use crate::message::Message;

/// Which side of the session this is; it decides who sends pings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Sends a ping every `pingInterval` and expects a pong within `pingTimeout`.
    Server,
    /// Answers pings, and gives up when none arrives within `pingInterval + pingTimeout`.
    Client,
}

/// Why a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReason {
    /// The heartbeat deadline passed.
    PingTimeout,
    /// The peer sent a `close` packet.
    ClosedByPeer,
}

/// What the driver must do after feeding the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Send this packet to the peer.
    Send(Packet),
    /// Hand this message to the layer above (Socket.IO).
    Deliver(Message),
    /// Tear the session down.
    Close(CloseReason),
}

/// Heartbeat and dispatch state of one Engine.IO session.
///
/// ```
/// use std::time::{Duration, Instant};
/// use event_proto::engine::{Action, CloseReason, Packet, Role, Session};
///
/// let start = Instant::now();
/// let mut s = Session::new(Role::Server, Duration::from_secs(25), Duration::from_secs(20), start);
/// let ping_at = s.poll_timeout().unwrap();
/// assert_eq!(s.handle_timeout(ping_at), Some(Action::Send(Packet::Ping(Default::default()))));
/// // No pong within the timeout: the session closes.
/// let give_up = s.poll_timeout().unwrap();
/// assert_eq!(s.handle_timeout(give_up), Some(Action::Close(CloseReason::PingTimeout)));
/// ```
#[derive(Debug, Clone)]
pub struct Session {
    role: Role,
    interval: Duration,
    timeout: Duration,
    deadline: Instant,
    awaiting_pong: bool,
    closed: bool,
}

impl Session {
    /// A session that starts its heartbeat at `now`.
    pub fn new(role: Role, interval: Duration, timeout: Duration, now: Instant) -> Session {
        let mut s = Session {
            role,
            interval,
            timeout,
            deadline: now,
            awaiting_pong: false,
            closed: false,
        };
        s.rearm(now);
        s
    }

    /// A session with the intervals announced in `handshake`.
    pub fn from_handshake(role: Role, handshake: &Handshake, now: Instant) -> Session {
        Session::new(
            role,
            Duration::from_millis(handshake.ping_interval),
            Duration::from_millis(handshake.ping_timeout),
            now,
        )
    }

    fn rearm(&mut self, now: Instant) {
        let wait = match self.role {
            Role::Server => self.interval,
            Role::Client => self.interval.saturating_add(self.timeout),
        };
        self.deadline = now.checked_add(wait).unwrap_or(now);
    }

    /// When [`Session::handle_timeout`] must next be called; `None` once closed.
    pub fn poll_timeout(&self) -> Option<Instant> {
        (!self.closed).then_some(self.deadline)
    }

    /// True once the session ended.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Advances the clock to `now`: sends a ping or closes on an expired deadline.
    pub fn handle_timeout(&mut self, now: Instant) -> Option<Action> {
        if self.closed || now < self.deadline {
            return None;
        }
        if self.role == Role::Server && !self.awaiting_pong {
            self.awaiting_pong = true;
            self.deadline = now.checked_add(self.timeout).unwrap_or(now);
            return Some(Action::Send(Packet::Ping(Default::default())));
        }
        self.closed = true;
        Some(Action::Close(CloseReason::PingTimeout))
    }

    /// Handles a packet received at `now`. Upgrade probes are left to
    /// [`crate::engine::UpgradeState`] and yield no action here.
    pub fn handle_packet(&mut self, now: Instant, packet: Packet) -> Option<Action> {
        if self.closed {
            return None;
        }
        match (self.role, packet) {
            (_, Packet::Message(text)) => Some(Action::Deliver(Message::Text(text))),
            (_, Packet::Binary(data)) => Some(Action::Deliver(Message::Binary(data))),
            (_, Packet::Close) => {
                self.closed = true;
                Some(Action::Close(CloseReason::ClosedByPeer))
            }
            (Role::Server, Packet::Pong(_)) if self.awaiting_pong => {
                self.awaiting_pong = false;
                self.rearm(now);
                None
            }
            (Role::Client, p @ Packet::Ping(_)) if !p.is_probe_ping() => {
                self.rearm(now);
                let Packet::Ping(data) = p else { return None };
                Some(Action::Send(Packet::Pong(data)))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Str;

    const SEC: Duration = Duration::from_secs(1);

    #[test]
    fn server_pings_and_rearms_on_pong() {
        let t0 = Instant::now();
        let mut s = Session::new(Role::Server, 10 * SEC, 5 * SEC, t0);
        assert_eq!(s.poll_timeout(), Some(t0 + 10 * SEC));
        assert_eq!(s.handle_timeout(t0 + 9 * SEC), None);
        let ping = s.handle_timeout(t0 + 10 * SEC);
        assert_eq!(ping, Some(Action::Send(Packet::Ping(Str::default()))));
        assert_eq!(s.poll_timeout(), Some(t0 + 15 * SEC));
        assert_eq!(
            s.handle_packet(t0 + 11 * SEC, Packet::Pong(Str::default())),
            None
        );
        assert_eq!(s.poll_timeout(), Some(t0 + 21 * SEC));
        assert!(!s.is_closed());
    }

    #[test]
    fn server_times_out_without_pong() {
        let t0 = Instant::now();
        let mut s = Session::new(Role::Server, SEC, SEC, t0);
        s.handle_timeout(t0 + SEC);
        assert_eq!(
            s.handle_timeout(t0 + 2 * SEC),
            Some(Action::Close(CloseReason::PingTimeout))
        );
        assert!(s.is_closed());
        assert_eq!(s.poll_timeout(), None);
        assert_eq!(s.handle_timeout(t0 + 3 * SEC), None);
        assert_eq!(s.handle_packet(t0, Packet::Close), None);
    }

    #[test]
    fn client_answers_pings_and_times_out() {
        let t0 = Instant::now();
        let hs = Handshake {
            sid: "s".into(),
            upgrades: vec![],
            ping_interval: 1000,
            ping_timeout: 500,
            max_payload: 1,
        };
        let mut c = Session::from_handshake(Role::Client, &hs, t0);
        assert_eq!(c.poll_timeout(), Some(t0 + Duration::from_millis(1500)));
        let pong = c.handle_packet(t0 + SEC, Packet::Ping(Str::default()));
        assert_eq!(pong, Some(Action::Send(Packet::Pong(Str::default()))));
        assert_eq!(c.poll_timeout(), Some(t0 + Duration::from_millis(2500)));
        assert_eq!(c.handle_packet(t0, Packet::probe_ping()), None);
        assert_eq!(
            c.handle_timeout(t0 + 3 * SEC),
            Some(Action::Close(CloseReason::PingTimeout))
        );
    }

    #[test]
    fn dispatches_messages_and_close() {
        let t0 = Instant::now();
        let mut s = Session::new(Role::Server, SEC, SEC, t0);
        let m = s.handle_packet(t0, Packet::Message(Str::from("x")));
        assert_eq!(m, Some(Action::Deliver(Message::Text(Str::from("x")))));
        let b = s.handle_packet(t0, Packet::Binary(bytes::Bytes::new()));
        assert_eq!(
            b,
            Some(Action::Deliver(Message::Binary(bytes::Bytes::new())))
        );
        assert_eq!(s.handle_packet(t0, Packet::Noop), None);
        assert_eq!(
            s.handle_packet(t0, Packet::Pong(Str::default())),
            None,
            "unsolicited"
        );
        assert_eq!(
            s.handle_packet(t0, Packet::Close),
            Some(Action::Close(CloseReason::ClosedByPeer))
        );
    }
}
