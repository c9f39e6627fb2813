//! Shared bits of the cluster nodes of `cargo xtask bench-load --scenarios sio-cluster-broadcast`.

/// Where a node listens and which Redis it joins.
#[derive(Debug, Clone)]
pub struct NodeArgs {
    /// `--host` (default `127.0.0.1`) and `--port` (default 3000), as `host:port`.
    pub address: String,
    /// `--redis URL` (default `redis://127.0.0.1:6379`).
    pub redis: String,
}

/// Reads `--host H --port P --redis URL`; on a bad argument prints it and exits 2.
pub fn node_args() -> NodeArgs {
    parse(std::env::args().skip(1)).unwrap_or_else(|e| {
        eprintln!(
            "{e}\nusage: NODE [--host 127.0.0.1] [--port 3000] [--redis redis://127.0.0.1:6379]"
        );
        std::process::exit(2)
    })
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<NodeArgs, String> {
    let mut host = "127.0.0.1".to_owned();
    let mut port: u16 = 3000;
    let mut redis = "redis://127.0.0.1:6379".to_owned();
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--host" => host = value,
            "--port" => port = value.parse().map_err(|_| format!("bad port {value}"))?,
            "--redis" => redis = value,
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(NodeArgs {
        address: format!("{host}:{port}"),
        redis,
    })
}

/// Binds `address`, or prints the error and exits 1.
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

/// Prints `what: error` and exits 1.
pub fn fail(what: &str, error: impl std::fmt::Display) -> ! {
    eprintln!("{what}: {error}");
    std::process::exit(1)
}
