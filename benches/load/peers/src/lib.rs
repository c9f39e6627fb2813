//! Shared bits of the peer servers of `cargo xtask bench-load`.

/// Reads `--host H --port P` (defaults `127.0.0.1` and `default_port`) into `host:port`.
/// `--parser NAME` is left to the servers that take it ([`option`]).
///
/// Unknown flags are an error message, returned so that `main` can print it and exit 2.
pub fn address(default_port: u16) -> Result<String, String> {
    let mut host = "127.0.0.1".to_owned();
    let mut port = default_port;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--host" => host = value,
            "--port" => port = value.parse().map_err(|_| format!("bad port {value}"))?,
            "--parser" => {}
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(format!("{host}:{port}"))
}

/// The value given to flag `name` (such as `--parser`) on the command line, if any.
pub fn option(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    args.chunks(2)
        .find(|pair| pair[0] == name)
        .and_then(|pair| pair.get(1).cloned())
}

/// Serves `default_port` (or `--host`/`--port`): every accepted connection, with TCP_NODELAY
/// set, goes to `handle` on a task of its own. Exits on bad arguments or a failed bind.
pub async fn serve<F, Fut>(default_port: u16, handle: F)
where
    F: Fn(tokio::net::TcpStream) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let address = address(default_port).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2)
    });
    let listener = listen(&address).await;
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(handle(stream));
    }
}

/// Binds `address` and prints `listening on ADDRESS`, or prints the error and exits 1.
pub async fn listen(address: &str) -> tokio::net::TcpListener {
    match tokio::net::TcpListener::bind(address).await {
        Ok(listener) => {
            println!("listening on {address}");
            listener
        }
        Err(e) => {
            eprintln!("cannot bind {address}: {e}");
            std::process::exit(1);
        }
    }
}
