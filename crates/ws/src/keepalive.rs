//! Liveness checking: a ping after a silent period, failure after a second one.

use std::pin::Pin;
use std::task::Context;
use std::time::Duration;

use tokio::time::{Instant, Sleep};

/// What the keepalive timer asks for.
pub(crate) enum Tick {
    /// Nothing yet; the waker is registered.
    Wait,
    /// The peer has been silent for a period: send a ping.
    Ping,
    /// Silent for two periods, ping unanswered: give up.
    Dead,
}

/// The timer and whether a ping is out.
pub(crate) struct KeepAlive {
    period: Duration,
    timer: Pin<Box<Sleep>>,
    ping_outstanding: bool,
}

impl KeepAlive {
    pub(crate) fn new(period: Duration) -> Self {
        KeepAlive {
            period,
            timer: Box::pin(tokio::time::sleep(period)),
            ping_outstanding: false,
        }
    }

    /// Restarts the period after any bytes from the peer.
    pub(crate) fn heard_from_peer(&mut self) {
        self.timer.as_mut().reset(Instant::now() + self.period);
        self.ping_outstanding = false;
    }

    /// Checks the timer.
    pub(crate) fn poll_tick(&mut self, cx: &mut Context<'_>) -> Tick {
        if self.timer.as_mut().poll(cx).is_pending() {
            return Tick::Wait;
        }
        if self.ping_outstanding {
            return Tick::Dead;
        }
        self.ping_outstanding = true;
        self.timer.as_mut().reset(Instant::now() + self.period);
        Tick::Ping
    }
}
