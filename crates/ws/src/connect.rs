//! The client side: connect over TCP, or run the handshake on a stream the caller opened.

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use ws_frame::Role;
use ws_handshake::{ClientRequest, DeflateOffer};

use crate::{Config, Error, WebSocket, WsUrl, deflate};

/// Opens a TCP connection to a `ws://` URL and performs the opening handshake.
///
/// ```no_run
/// # async fn demo() -> Result<(), wsio_ws::Error> {
/// let mut ws = wsio_ws::connect("ws://127.0.0.1:9001/", wsio_ws::Config::default()).await?;
/// ws.send("hello").await?;
/// let echo = ws.recv().await;
/// # Ok(()) }
/// ```
pub async fn connect(url: &str, config: Config) -> Result<WebSocket<TcpStream>, Error> {
    let parsed = WsUrl::parse(url)?;
    let tcp = TcpStream::connect((parsed.host.as_str(), parsed.port)).await?;
    tcp.set_nodelay(true)?;
    connect_on(tcp, &parsed, config, &[]).await
}

/// Performs the client handshake on an already open stream (plain TCP, TLS, a test duplex),
/// with extra request headers (cookies, authorization) and the subprotocols to offer.
pub async fn connect_on<S>(
    mut stream: S,
    url: &WsUrl,
    config: Config,
    extra_headers: &[(&str, &str)],
) -> Result<WebSocket<S>, Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let offer = config.deflate.map(|policy| DeflateOffer {
        client_no_context_takeover: policy.client_no_context_takeover,
        server_no_context_takeover: policy.server_no_context_takeover,
        client_max_window_bits: Some(policy.client_max_window_bits),
        server_max_window_bits: (policy.server_max_window_bits < 15)
            .then_some(policy.server_max_window_bits),
    });
    let request = ClientRequest {
        host: &url.authority,
        target: &url.target,
        deflate: offer,
        extra_headers,
        limits: config.handshake_limits,
        ..ClientRequest::default()
    };
    let (bytes, handshake) = request.build()?;
    stream.write_all(&bytes).await?;
    let mut buf = BytesMut::new();
    let connected = loop {
        if let Some(connected) = handshake.verify_buf(&mut buf)? {
            break connected;
        }
        buf.reserve(1024);
        if stream.read_buf(&mut buf).await? == 0 {
            return Err(Error::ResetWithoutClose);
        }
    };
    let extension = match &connected.deflate {
        Some(agreed) => Some(deflate::extension(
            Role::Client,
            agreed,
            config.compression_threshold,
        )?),
        None => None,
    };
    Ok(WebSocket::from_raw(
        stream,
        Role::Client,
        config,
        buf,
        extension,
    ))
}
