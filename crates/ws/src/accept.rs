//! The server side of the opening handshake over a byte stream.

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use ws_frame::Role;
use ws_handshake::{AcceptOptions, Request, UpgradeRequest};

use crate::config::within_handshake_deadline;
use crate::{Config, Error, ExtensionPair, WebSocket, deflate};

/// What the server's policy callback decides about an upgrade request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Decision {
    /// Accept, optionally naming the subprotocol (one the client offered).
    #[default]
    Accept,
    /// Accept with this subprotocol.
    AcceptWith {
        /// The chosen subprotocol.
        subprotocol: String,
    },
    /// Refuse with an HTTP status (such as 401 or 403) and a short text body.
    Reject {
        /// The status code.
        status: u16,
        /// The body.
        body: String,
    },
}

/// Accepts a WebSocket connection on `stream` with no policy: any valid upgrade request is
/// accepted, without a subprotocol.
///
/// ```no_run
/// # async fn demo() -> Result<(), wsio_ws::Error> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:9001").await?;
/// let (tcp, _) = listener.accept().await?;
/// let mut ws = wsio_ws::accept(tcp, wsio_ws::Config::default()).await?;
/// while let Some(message) = ws.recv().await {
///     let message = message?;
///     if message.is_data() {
///         ws.send(message).await?;
///     }
/// }
/// # Ok(()) }
/// ```
pub async fn accept<S>(stream: S, config: Config) -> Result<WebSocket<S>, Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    accept_with(stream, config, |_| Decision::Accept).await
}

/// Accepts a WebSocket connection on `stream`, letting `decide` see the validated request
/// (path, query, headers, Origin, offered subprotocols) and accept or refuse it.
///
/// Invalid requests are answered with the right status (400, 426, 431) and an error is
/// returned; so is a refusal. The whole exchange must finish within
/// [`Config::handshake_timeout`]: a peer that sends its request too slowly, or not at all,
/// gets [`Error::HandshakeTimeout`] and its stream is dropped without an answer.
pub async fn accept_with<S, F>(
    mut stream: S,
    config: Config,
    decide: F,
) -> Result<WebSocket<S>, Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
    F: FnOnce(&UpgradeRequest<'_>) -> Decision,
{
    let answered = answer(&mut stream, &config, decide);
    let (buf, extension) = within_handshake_deadline(config.handshake_timeout, answered).await?;
    Ok(WebSocket::from_raw(
        stream,
        Role::Server,
        config,
        buf,
        extension,
    ))
}

/// Reads and answers the upgrade request; gives the bytes read past its head and the agreed
/// extension.
async fn answer<S, F>(
    stream: &mut S,
    config: &Config,
    decide: F,
) -> Result<(BytesMut, Option<ExtensionPair>), Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
    F: FnOnce(&UpgradeRequest<'_>) -> Decision,
{
    let mut buf = BytesMut::new();
    let request = match read_request(stream, &mut buf, config).await {
        Ok(request) => request,
        Err(Error::Handshake(e)) => {
            tracing::debug!(error = %e, "handshake refused: request head unreadable");
            let _ = stream.write_all(&e.response()).await;
            let _ = stream.shutdown().await;
            return Err(Error::Handshake(e));
        }
        Err(e) => return Err(e),
    };
    let upgrade = match request.validate() {
        Ok(upgrade) => upgrade,
        Err(e) => {
            tracing::debug!(error = %e, "handshake refused: not a valid upgrade request");
            let _ = stream.write_all(&e.response()).await;
            let _ = stream.shutdown().await;
            return Err(Error::Handshake(e));
        }
    };
    let subprotocol = match decide(&upgrade) {
        Decision::Accept => None,
        Decision::AcceptWith { subprotocol } => Some(subprotocol),
        Decision::Reject { status, body } => {
            tracing::debug!(status, "handshake refused by the application");
            let response = ws_handshake::reject(status, &body, &[])?;
            stream.write_all(&response).await?;
            let _ = stream.shutdown().await;
            return Err(Error::Rejected(status));
        }
    };
    let accepted = upgrade.accept(&AcceptOptions {
        subprotocol: subprotocol.as_deref(),
        deflate: config.deflate,
        ..AcceptOptions::default()
    })?;
    let extension = deflate::agreed(
        Role::Server,
        accepted.deflate.as_ref(),
        config.compression_threshold,
    )?;
    stream.write_all(&accepted.response).await?;
    Ok((buf, extension))
}

/// Reads until a whole request head is in `buf`; the head is split off and what follows it
/// stays in `buf`.
async fn read_request<S>(
    stream: &mut S,
    buf: &mut BytesMut,
    config: &Config,
) -> Result<Request, Error>
where
    S: AsyncRead + Unpin,
{
    loop {
        if let Some(request) = Request::parse_buf(buf, &config.handshake_limits)? {
            return Ok(request);
        }
        buf.reserve(1024);
        if tokio::io::AsyncReadExt::read_buf(stream, buf).await? == 0 {
            return Err(Error::ResetWithoutClose);
        }
    }
}
