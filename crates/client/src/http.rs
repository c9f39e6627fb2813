//! A minimal HTTP/1.1 client for the long-polling transport.
//!
//! Long-polling needs two request shapes only (a GET and a POST with `Content-Length`) on a
//! kept-alive connection, one connection per direction. This client does just that, over the
//! same [`MaybeTlsStream`] as the WebSocket transport, so TLS works the same for both. Responses
//! are read with `httparse`, with `Content-Length`, chunked or close-delimited bodies, and the
//! body is refused as soon as it exceeds the limit, before it is buffered.

use std::sync::Arc;

use bytes::{Buf, Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wsio_ws::MaybeTlsStream;

use crate::connector::{self, Tls};
use crate::error::{Error, Result};
use crate::url::ServerUrl;

/// Largest response head accepted.
const MAX_HEAD: usize = 16 * 1024;
/// Most response headers accepted.
const MAX_HEADERS: usize = 64;

/// One kept-alive HTTP/1.1 connection to the server, reopened when the server closes it.
pub(crate) struct HttpConn {
    url: Arc<ServerUrl>,
    tls: Tls,
    headers: Arc<[(String, String)]>,
    stream: Option<MaybeTlsStream>,
    buf: BytesMut,
}

/// A failed exchange, and whether the server sent nothing at all (a stale kept-alive
/// connection, safe to retry on a new one).
struct Failed {
    nothing_received: bool,
    error: Error,
}

struct Head {
    status: u16,
    length: Option<usize>,
    chunked: bool,
    close: bool,
}

impl HttpConn {
    pub(crate) fn new(url: Arc<ServerUrl>, tls: Tls, headers: Arc<[(String, String)]>) -> Self {
        HttpConn {
            url,
            tls,
            headers,
            stream: None,
            buf: BytesMut::new(),
        }
    }

    /// A GET of `target`; returns the body of a 200 answer.
    pub(crate) async fn get(&mut self, target: &str, max_body: usize) -> Result<Bytes> {
        self.request("GET", target, &[], max_body).await
    }

    /// A POST of `body` to `target`; returns the body of a 200 answer.
    pub(crate) async fn post(
        &mut self,
        target: &str,
        body: &[u8],
        max_body: usize,
    ) -> Result<Bytes> {
        self.request("POST", target, body, max_body).await
    }

    async fn request(
        &mut self,
        method: &str,
        target: &str,
        body: &[u8],
        max_body: usize,
    ) -> Result<Bytes> {
        let mut retried = false;
        loop {
            let reused = self.stream.is_some();
            if !reused {
                self.stream = Some(connector::open(&self.url, &self.tls).await?);
                self.buf.clear();
            }
            match self.exchange(method, target, body, max_body).await {
                Ok((head, data)) => {
                    if head.close {
                        self.stream = None;
                    }
                    if head.status != 200 {
                        let text = String::from_utf8_lossy(&data[..data.len().min(200)]);
                        return Err(Error::Status {
                            status: head.status,
                            body: text.into_owned(),
                        });
                    }
                    return Ok(data);
                }
                Err(failed) => {
                    self.stream = None;
                    if reused && failed.nothing_received && !retried {
                        retried = true;
                        continue;
                    }
                    return Err(failed.error);
                }
            }
        }
    }

    async fn exchange(
        &mut self,
        method: &str,
        target: &str,
        body: &[u8],
        max_body: usize,
    ) -> Result<(Head, Bytes), Failed> {
        let fail = |nothing_received: bool| {
            move |error: Error| Failed {
                nothing_received,
                error,
            }
        };
        let request = self.head(method, target, body.len());
        let stream = self
            .stream
            .as_mut()
            .ok_or_else(|| fail(true)(Error::TransportClosed))?;
        let write = async {
            stream.write_all(request.as_bytes()).await?;
            stream.write_all(body).await?;
            stream.flush().await
        };
        write.await.map_err(|e| fail(true)(e.into()))?;
        let head = self.read_head().await?;
        let data = self.read_body(&head, max_body).await.map_err(fail(false))?;
        Ok((head, data))
    }

    fn head(&self, method: &str, target: &str, body_len: usize) -> String {
        let mut head = format!(
            "{method} {target} HTTP/1.1\r\nHost: {}\r\nAccept: */*\r\nConnection: keep-alive\r\n",
            self.url.authority
        );
        if method == "POST" {
            head.push_str("Content-Type: text/plain;charset=UTF-8\r\n");
            head.push_str(&format!("Content-Length: {body_len}\r\n"));
        }
        for (name, value) in self.headers.iter() {
            head.push_str(name);
            head.push_str(": ");
            head.push_str(value);
            head.push_str("\r\n");
        }
        head.push_str("\r\n");
        head
    }

    async fn read_head(&mut self) -> Result<Head, Failed> {
        loop {
            let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
            let mut response = httparse::Response::new(&mut headers);
            let parsed = response.parse(&self.buf).map_err(|e| Failed {
                nothing_received: false,
                error: Error::Http(format!("bad response head: {e}")),
            })?;
            if let httparse::Status::Complete(len) = parsed {
                let head = Head {
                    status: response.code.unwrap_or(0),
                    length: header(&response, "content-length").and_then(|v| v.trim().parse().ok()),
                    chunked: header(&response, "transfer-encoding")
                        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked")),
                    close: header(&response, "connection")
                        .is_some_and(|v| v.eq_ignore_ascii_case("close"))
                        || response.version == Some(0),
                };
                self.buf.advance(len);
                return Ok(head);
            }
            if self.buf.len() > MAX_HEAD {
                return Err(Failed {
                    nothing_received: false,
                    error: Error::Http("response head too large".into()),
                });
            }
            let nothing = self.buf.is_empty();
            let read = self.fill().await.map_err(|error| Failed {
                nothing_received: nothing,
                error,
            })?;
            if read == 0 {
                return Err(Failed {
                    nothing_received: nothing,
                    error: Error::TransportClosed,
                });
            }
        }
    }

    async fn read_body(&mut self, head: &Head, max_body: usize) -> Result<Bytes> {
        if head.chunked {
            return self.read_chunked(max_body).await;
        }
        match head.length {
            Some(len) => {
                if len > max_body {
                    return Err(too_large(len, max_body));
                }
                self.read_exact(len).await
            }
            None => {
                // Delimited by the end of the connection.
                loop {
                    if self.buf.len() > max_body {
                        return Err(too_large(self.buf.len(), max_body));
                    }
                    if self.fill().await? == 0 {
                        self.stream = None;
                        return Ok(self.buf.split().freeze());
                    }
                }
            }
        }
    }

    async fn read_chunked(&mut self, max_body: usize) -> Result<Bytes> {
        let mut body = BytesMut::new();
        loop {
            let line = self.read_line().await?;
            let size_text = line.split(';').next().unwrap_or_default().trim();
            let size = usize::from_str_radix(size_text, 16)
                .map_err(|_| Error::Http("bad chunk size".into()))?;
            if size == 0 {
                // Trailers, up to the empty line.
                while !self.read_line().await?.is_empty() {}
                return Ok(body.freeze());
            }
            if body.len().saturating_add(size) > max_body {
                return Err(too_large(body.len().saturating_add(size), max_body));
            }
            let chunk = self.read_exact(size).await?;
            body.extend_from_slice(&chunk);
            if !self.read_line().await?.is_empty() {
                return Err(Error::Http("chunk not followed by CRLF".into()));
            }
        }
    }

    async fn read_line(&mut self) -> Result<String> {
        loop {
            if let Some(i) = self.buf.iter().position(|&b| b == b'\n') {
                let line = self.buf.split_to(i + 1);
                let text = String::from_utf8_lossy(&line);
                return Ok(text.trim_end_matches(['\r', '\n']).to_owned());
            }
            if self.buf.len() > MAX_HEAD {
                return Err(Error::Http("line too long".into()));
            }
            if self.fill().await? == 0 {
                return Err(Error::TransportClosed);
            }
        }
    }

    async fn read_exact(&mut self, len: usize) -> Result<Bytes> {
        while self.buf.len() < len {
            if self.fill().await? == 0 {
                return Err(Error::TransportClosed);
            }
        }
        Ok(self.buf.split_to(len).freeze())
    }

    async fn fill(&mut self) -> Result<usize> {
        let stream = self.stream.as_mut().ok_or(Error::TransportClosed)?;
        self.buf.reserve(8 * 1024);
        Ok(stream.read_buf(&mut self.buf).await?)
    }
}

fn header<'a>(response: &httparse::Response<'_, 'a>, name: &str) -> Option<&'a str> {
    response
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .and_then(|h| std::str::from_utf8(h.value).ok())
}

fn too_large(size: usize, max: usize) -> Error {
    Error::Protocol(event_proto::Error::PayloadTooLarge { size, max })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use tokio::io::AsyncWriteExt;
    use tokio::net::TcpListener;

    async fn serve(responses: Vec<&'static [u8]>) -> Arc<ServerUrl> {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            for response in responses {
                let (mut tcp, _) = listener.accept().await.unwrap();
                let mut buf = [0u8; 4096];
                let _ = tcp.read(&mut buf).await;
                tcp.write_all(response).await.unwrap();
                // Keep the connection open a little; `Connection: close` ends it.
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        });
        Arc::new(ServerUrl::parse(&format!("http://{addr}")).unwrap())
    }

    fn conn(url: Arc<ServerUrl>) -> HttpConn {
        HttpConn::new(url, Tls::default(), Arc::from(Vec::new()))
    }

    #[tokio::test]
    async fn reads_length_chunked_and_close_delimited_bodies() {
        let url = serve(vec![
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n2;x=1\r\nde\r\n0\r\n\r\n",
            b"HTTP/1.0 200 OK\r\n\r\nuntil-eof",
            b"HTTP/1.1 400 Bad Request\r\nContent-Length: 3\r\nConnection: close\r\n\r\nbad",
            b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\nConnection: close\r\n\r\n",
        ])
        .await;
        let mut c = conn(url);
        assert_eq!(&c.get("/", 100).await.unwrap()[..], b"hello");
        assert_eq!(&c.post("/", b"x", 100).await.unwrap()[..], b"abcde");
        assert_eq!(&c.get("/", 100).await.unwrap()[..], b"until-eof");
        assert!(matches!(
            c.get("/", 100).await,
            Err(Error::Status { status: 400, .. })
        ));
        assert!(matches!(c.get("/", 10).await, Err(Error::Protocol(_))));
    }
}
