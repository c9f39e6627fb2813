//! Events between the servers of a cluster (`serverSideEmit`): their handlers and answers.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use event_proto::Value;
use serde::Serialize;
use tokio::sync::oneshot;

use crate::handler::HandlerOutput;
use crate::sync::{read, write};

/// Answers a server-side event that another server emitted with
/// [`server_side_emit_with_ack`](crate::Namespace::server_side_emit_with_ack). Dropping it
/// sends nothing; the emitter then counts this server as not answering.
#[derive(Debug)]
pub struct ServerSideAck {
    tx: oneshot::Sender<Vec<Value>>,
}

impl ServerSideAck {
    /// An answer delivered to `tx`: what a cluster adapter forwards to the emitting server.
    pub fn new(tx: oneshot::Sender<Vec<Value>>) -> ServerSideAck {
        ServerSideAck { tx }
    }

    /// Answers with `args` (a tuple or sequence). The reference servers forward only the
    /// first argument to the emitter.
    pub fn send<T: Serialize + ?Sized>(self, args: &T) -> Result<(), event_proto::Error> {
        let args = match event_proto::value::to_value(args)? {
            Value::Array(items) => items,
            Value::Null => Vec::new(),
            other => vec![other],
        };
        let _ = self.tx.send(args);
        Ok(())
    }
}

type Handler = Arc<dyn Fn(Vec<Value>, Option<ServerSideAck>) + Send + Sync>;

/// The server-side event handlers of one namespace.
#[derive(Default)]
pub(crate) struct ServerSideHandlers {
    handlers: RwLock<HashMap<String, Handler>>,
}

impl ServerSideHandlers {
    pub(crate) fn on<F, R, M>(&self, event: &str, handler: F)
    where
        F: Fn(Vec<Value>, Option<ServerSideAck>) -> R + Send + Sync + 'static,
        R: HandlerOutput<M>,
    {
        let erased: Handler = Arc::new(move |args, ack| handler(args, ack).finish());
        write(&self.handlers).insert(event.to_owned(), erased);
    }

    /// Runs the handler of `data[0]` with the remaining values; an unknown event is ignored.
    pub(crate) fn dispatch(&self, mut data: Vec<Value>, ack: Option<ServerSideAck>) {
        if data.is_empty() {
            return;
        }
        let Some(name) = data[0].as_str().map(str::to_owned) else {
            return;
        };
        let handler = read(&self.handlers).get(&name).cloned();
        if let Some(handler) = handler {
            data.remove(0);
            handler(data, ack);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn dispatches_by_event_name_and_answers() {
        let handlers = ServerSideHandlers::default();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        handlers.on("hello", move |args, ack| {
            log.lock().unwrap().push(args);
            if let Some(ack) = ack {
                ack.send(&("ok",)).unwrap();
            }
        });
        let (tx, mut rx) = oneshot::channel();
        handlers.dispatch(
            vec![Value::from("hello"), Value::from("x")],
            Some(ServerSideAck::new(tx)),
        );
        handlers.dispatch(vec![Value::from("other")], None);
        handlers.dispatch(vec![], None);
        assert_eq!(seen.lock().unwrap().as_slice(), [vec![Value::from("x")]]);
        assert_eq!(rx.try_recv().unwrap(), vec![Value::from("ok")]);
    }
}
