//! hyper [`Incoming`] bodies made from bytes.
//!
//! The engine reads request bodies as hyper's `Incoming`, which only a hyper connection can
//! create. A request that arrived through another stack (a tower service under axum, a
//! test) has its body collected first, then replayed over an HTTP/1 connection held in
//! memory: the `Incoming` that connection produces carries the same bytes. The cost is one
//! small task and one in-memory pipe per request, sized to the body (at most `maxPayload`).

use std::convert::Infallible;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::Empty;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::AsyncWriteExt;
use tokio::sync::oneshot;

use crate::sync::lock;

/// Room in the pipe for the request line and headers of the replayed request.
const HEAD_ROOM: usize = 128;

/// Keeps the in-memory connection of a body made by [`incoming`]; dropping it lets the
/// connection finish.
pub(crate) struct Connection {
    _done: oneshot::Sender<()>,
}

/// An `Incoming` body carrying `bytes`, and its connection; `None` if the in-memory
/// connection failed.
///
/// Keep the [`Connection`] until the body has been read: the body's bytes flow from it.
pub(crate) async fn incoming(bytes: Bytes) -> Option<(Incoming, Connection)> {
    let head = format!(
        "POST / HTTP/1.1\r\nhost: wsio\r\ncontent-length: {}\r\n\r\n",
        bytes.len()
    );
    // The pipe holds the whole request, so these writes never wait for the reader.
    let (mut client, server) = tokio::io::duplex(HEAD_ROOM.saturating_add(bytes.len()));
    client.write_all(head.as_bytes()).await.ok()?;
    client.write_all(&bytes).await.ok()?;

    let (body_tx, body_rx) = oneshot::channel::<Incoming>();
    let (done_tx, done_rx) = oneshot::channel::<()>();
    let slot = std::sync::Mutex::new(Some((body_tx, done_rx)));
    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
        let taken = lock(&slot).take();
        async move {
            if let Some((body_tx, done_rx)) = taken
                && body_tx.send(req.into_body()).is_ok()
            {
                // Keep the connection reading the body until its reader is done.
                let _ = done_rx.await;
            }
            Ok::<_, Infallible>(Response::new(Empty::<Bytes>::new()))
        }
    });
    tokio::spawn(async move {
        let _ = hyper::server::conn::http1::Builder::new()
            .keep_alive(false)
            .serve_connection(TokioIo::new(server), service)
            .await;
        // The client half stays open until the connection is over: closing it earlier
        // could end the connection before the body is read.
        drop(client);
    });
    let body = body_rx.await.ok()?;
    Some((body, Connection { _done: done_tx }))
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt;

    use super::*;

    #[tokio::test]
    async fn carries_the_bytes() {
        for bytes in [Bytes::new(), Bytes::from(vec![7u8; 100_000])] {
            let Some((body, _connection)) = incoming(bytes.clone()).await else {
                panic!("no body");
            };
            let collected = body.collect().await.map(|c| c.to_bytes()).ok();
            assert_eq!(collected, Some(bytes));
        }
    }
}
