//! The accept loop: one hyper HTTP/1 connection (with upgrades) per TCP connection.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;

use crate::accept_loop::accept_until;
use crate::engine::Endpoint;
use crate::reason::DisconnectReason;

/// Answers requests outside the Engine.IO path.
pub(crate) type Fallback = Arc<dyn Fn(&Request<Incoming>) -> Response<Full<Bytes>> + Send + Sync>;

/// Serves `endpoint` on `listener` until `stop` resolves (requests outside its path go to
/// `fallback`, or get 404), then closes its sessions with `server shutting down`.
///
/// Each connection must send every request head within the configured
/// [`header_read_timeout`](crate::Config::header_read_timeout), counted from its accept and
/// from each response after which it stays idle; hyper closes it otherwise.
pub(crate) async fn serve<E: Endpoint + Clone>(
    endpoint: E,
    listener: TcpListener,
    stop: impl Future<Output = ()>,
    fallback: Option<Fallback>,
) -> std::io::Result<()> {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(endpoint.engine().config.header_read_timeout);
    let http = Arc::new(http);
    accept_until(&listener, stop, |tcp, peer| {
        let _ = tcp.set_nodelay(true);
        let endpoint = endpoint.clone();
        let fallback = fallback.clone();
        let http = http.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                let endpoint = endpoint.clone();
                let fallback = fallback.clone();
                async move {
                    let response = match &fallback {
                        Some(f) if !endpoint.engine().serves(req.uri().path()) => f(&req),
                        _ => super::service::handle(&endpoint, req, Some(peer)).await,
                    };
                    Ok::<_, std::convert::Infallible>(response)
                }
            });
            let _ = http
                .serve_connection(TokioIo::new(tcp), service)
                .with_upgrades()
                .await;
        });
    })
    .await;
    endpoint
        .engine()
        .close_all(DisconnectReason::ServerShuttingDown);
    // Let pending polls and WebSocket close frames go out.
    tokio::time::sleep(Duration::from_millis(100)).await;
    Ok(())
}
