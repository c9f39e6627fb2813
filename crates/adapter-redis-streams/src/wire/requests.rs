//! Bookkeeping of the requests that wait for the other nodes' answers, without I/O or
//! clocks: the caller feeds each answer to its collector and stops at completion or at its
//! own deadline.
//!
//! * fetching sockets and server-side emits with acks expect one answer per other node
//!   (the node count minus one, known when the request is sent);
//! * a broadcast with acks expects one client count per other node, then as many client
//!   acknowledgements as the counts add up to.

use event_proto::Value;

use super::{Body, WireSocket};

/// Where a collector stands after an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The answer counted; more are expected.
    Waiting,
    /// Every expected answer is in.
    Complete,
    /// The answer is not for this collector (another request or type); nothing changed.
    Ignored,
}

/// The answers to a fetch request: one [`Body::FetchSocketsResponse`] per other node.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchCollector {
    request_id: String,
    expected: usize,
    received: usize,
    sockets: Vec<WireSocket>,
}

impl FetchCollector {
    /// Waits for `expected` answers to `request_id`.
    pub fn new(request_id: impl Into<String>, expected: usize) -> FetchCollector {
        FetchCollector {
            request_id: request_id.into(),
            expected,
            received: 0,
            sockets: Vec::new(),
        }
    }

    /// Takes one answer.
    pub fn accept(&mut self, body: Body) -> Step {
        match body {
            Body::FetchSocketsResponse {
                request_id,
                sockets,
            } if request_id == self.request_id && self.received < self.expected => {
                self.received += 1;
                self.sockets.extend(sockets);
                self.step()
            }
            _ => Step::Ignored,
        }
    }

    fn step(&self) -> Step {
        if self.received >= self.expected {
            Step::Complete
        } else {
            Step::Waiting
        }
    }

    /// `(received, expected)` answers.
    pub fn progress(&self) -> (usize, usize) {
        (self.received, self.expected)
    }

    /// The sockets the answers described, in arrival order.
    pub fn into_sockets(self) -> Vec<WireSocket> {
        self.sockets
    }
}

/// The answers to a server-side emit with acks: one [`Body::ServerSideEmitResponse`] per
/// other node.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerSideEmitCollector {
    request_id: String,
    expected: usize,
    answers: Vec<Value>,
}

impl ServerSideEmitCollector {
    /// Waits for `expected` answers to `request_id`.
    pub fn new(request_id: impl Into<String>, expected: usize) -> ServerSideEmitCollector {
        ServerSideEmitCollector {
            request_id: request_id.into(),
            expected,
            answers: Vec::new(),
        }
    }

    /// Takes one answer.
    pub fn accept(&mut self, body: Body) -> Step {
        match body {
            Body::ServerSideEmitResponse { request_id, packet }
                if request_id == self.request_id && self.answers.len() < self.expected =>
            {
                self.answers.push(packet);
                if self.answers.len() >= self.expected {
                    Step::Complete
                } else {
                    Step::Waiting
                }
            }
            _ => Step::Ignored,
        }
    }

    /// `(received, expected)` answers.
    pub fn progress(&self) -> (usize, usize) {
        (self.answers.len(), self.expected)
    }

    /// The answers, in arrival order.
    pub fn into_answers(self) -> Vec<Value> {
        self.answers
    }
}

/// What one answer to a broadcast with acks means.
#[derive(Debug, Clone, PartialEq)]
pub enum AckEvent {
    /// A node counted this many clients: expect as many more acknowledgements.
    Clients(u64),
    /// A client's acknowledgement (its first argument).
    Ack(Value),
}

/// The answers to a broadcast with acks from this node.
#[derive(Debug, Clone, PartialEq)]
pub struct AckCollector {
    request_id: String,
    nodes: usize,
    counts: usize,
    clients: u64,
    acks: u64,
}

impl AckCollector {
    /// Waits for client counts from `nodes` other nodes, and for their clients' acks.
    pub fn new(request_id: impl Into<String>, nodes: usize) -> AckCollector {
        AckCollector {
            request_id: request_id.into(),
            nodes,
            counts: 0,
            clients: 0,
            acks: 0,
        }
    }

    /// Takes one answer; `None` when it is not one of this request's (or one too many).
    pub fn accept(&mut self, body: Body) -> Option<AckEvent> {
        match body {
            Body::BroadcastClientCount {
                request_id,
                client_count,
            } if request_id == self.request_id && self.counts < self.nodes => {
                self.counts += 1;
                self.clients = self.clients.saturating_add(client_count);
                Some(AckEvent::Clients(client_count))
            }
            Body::BroadcastAck { request_id, packet } if request_id == self.request_id => {
                self.acks += 1;
                Some(AckEvent::Ack(packet))
            }
            _ => None,
        }
    }

    /// True once every other node sent its client count.
    pub fn counts_complete(&self) -> bool {
        self.counts >= self.nodes
    }

    /// True once every count is in and every counted client acknowledged.
    pub fn complete(&self) -> bool {
        self.counts_complete() && self.acks >= self.clients
    }

    /// Remote clients counted so far.
    pub fn clients(&self) -> u64 {
        self.clients
    }
}
