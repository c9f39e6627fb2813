//! The accept loop: one hyper HTTP/1 connection (with upgrades) per TCP connection.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::Server;
use crate::reason::DisconnectReason;

/// Answers requests outside the Engine.IO path.
pub(crate) type Fallback = Arc<dyn Fn(&Request<Incoming>) -> Response<Full<Bytes>> + Send + Sync>;

pub(crate) async fn serve(
    server: Server,
    listener: TcpListener,
    stop: impl Future<Output = ()>,
    fallback: Option<Fallback>,
) -> std::io::Result<()> {
    tokio::pin!(stop);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (tcp, peer) = match accepted {
                    Ok(pair) => pair,
                    Err(_) => { tokio::time::sleep(Duration::from_millis(50)).await; continue; }
                };
                let _ = tcp.set_nodelay(true);
                let server = server.clone();
                let fallback = fallback.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                        let server = server.clone();
                        let fallback = fallback.clone();
                        async move {
                            let response = match &fallback {
                                Some(f) if !server.0.is_engine_path(req.uri().path()) => f(&req),
                                _ => server.handle(req, Some(peer)).await,
                            };
                            Ok::<_, std::convert::Infallible>(response)
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(tcp), service)
                        .with_upgrades()
                        .await;
                });
            }
            () = &mut stop => break,
        }
    }
    server.close(DisconnectReason::ServerShuttingDown);
    // Let pending polls and WebSocket close frames go out.
    tokio::time::sleep(Duration::from_millis(100)).await;
    Ok(())
}
