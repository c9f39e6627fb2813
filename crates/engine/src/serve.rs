//! The accept loop of an engine: one hyper HTTP/1 connection (with upgrades) per TCP
//! connection.

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
use crate::close_reason::CloseReason;
use crate::engine::{Engine, Handler};

impl<H: Handler> Engine<H> {
    /// Serves HTTP on `listener` until `stop` resolves, then closes every session with
    /// `server shutting down`. Requests outside the Engine.IO path get 404.
    ///
    /// Each connection must send every request head within
    /// [`EngineConfig::header_read_timeout`](crate::EngineConfig::header_read_timeout), counted from its accept and from each response
    /// after which it stays idle.
    pub async fn serve(
        &self,
        listener: TcpListener,
        stop: impl Future<Output = ()>,
    ) -> std::io::Result<()> {
        serve(self.clone(), listener, stop, None).await
    }

    /// Like [`serve`](Self::serve), answering requests outside the Engine.IO path with
    /// `fallback` (a page, a health check).
    pub async fn serve_with<F>(
        &self,
        listener: TcpListener,
        stop: impl Future<Output = ()>,
        fallback: F,
    ) -> std::io::Result<()>
    where
        F: Fn(&Request<Incoming>) -> Response<Full<Bytes>> + Send + Sync + 'static,
    {
        serve(self.clone(), listener, stop, Some(Arc::new(fallback))).await
    }
}

/// Answers requests outside the Engine.IO path.
type Fallback = Arc<dyn Fn(&Request<Incoming>) -> Response<Full<Bytes>> + Send + Sync>;

/// Serves `engine` on `listener` until `stop` resolves (requests outside its path go to
/// `fallback`, or get 404), then closes its sessions with `server shutting down`.
///
/// Each connection must send every request head within the configured
/// [`header_read_timeout`](crate::EngineConfig::header_read_timeout), counted from its accept
/// and from each response after which it stays idle; hyper closes it otherwise.
async fn serve<H: Handler>(
    engine: Engine<H>,
    listener: TcpListener,
    stop: impl Future<Output = ()>,
    fallback: Option<Fallback>,
) -> std::io::Result<()> {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(engine.config().header_read_timeout);
    let http = Arc::new(http);
    accept_until(&listener, stop, |tcp, peer| {
        let _ = tcp.set_nodelay(true);
        let engine = engine.clone();
        let fallback = fallback.clone();
        let http = http.clone();
        let span = tracing::debug_span!("connection", remote = %peer);
        let connection = async move {
            let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                let engine = engine.clone();
                let fallback = fallback.clone();
                async move {
                    let response = match &fallback {
                        Some(f) if !engine.serves(req.uri().path()) => f(&req),
                        _ => engine.handle(req, Some(peer)).await,
                    };
                    Ok::<_, std::convert::Infallible>(response)
                }
            });
            if let Err(e) = http
                .serve_connection(TokioIo::new(tcp), service)
                .with_upgrades()
                .await
            {
                tracing::debug!(error = %e, "http connection ended with an error");
            }
        };
        tokio::spawn(tracing::Instrument::instrument(connection, span));
    })
    .await;
    engine.close_all(CloseReason::ServerShuttingDown);
    // Let pending polls and WebSocket close frames go out.
    tokio::time::sleep(Duration::from_millis(100)).await;
    Ok(())
}
