//! Command-line options of the load generator.

/// The usage line printed on bad arguments.
pub const USAGE: &str = "usage: loadgen ws-echo|ws-deflate|idle|sio-echo|sio-echo-msgpack|sio-idle|sio-broadcast|sio-broadcast-msgpack|sio-polling-echo|sio-polling-broadcast|sio-connect-storm|sio-upgrade-storm|sio-connect-wave|sio-upgrade-wave [--host H] [--port P] \
[--conns N] [--size BYTES] [--seconds S] [--warmup S] [--senders K] [--interval-ms MS] [--http MODE] \
[--deflate off|takeover|no-takeover]";

/// What to run, against which server, how hard and how long.
#[derive(Debug, Clone)]
pub struct Options {
    /// The scenario's name.
    pub scenario: String,
    /// The server's host (loopback).
    pub host: String,
    /// The server's port.
    pub port: u16,
    /// Connections (for `sio-broadcast`: receivers; for the storms and waves: clients).
    pub conns: usize,
    /// Payload bytes per message.
    pub size: usize,
    /// Length of the measurement window, in seconds.
    pub seconds: f64,
    /// Load before the window opens, in seconds.
    pub warmup: f64,
    /// `sio-broadcast`: connections that emit `broadcast`.
    pub senders: usize,
    /// `sio-broadcast`: milliseconds from one broadcast of a sender to its next (0: the next
    /// as soon as the last one has reached everyone).
    pub interval_ms: u64,
    /// `--http 1|2`: WebSockets by HTTP/1.1 upgrade or over HTTP/2 (RFC 8441), and polling
    /// on two HTTP/1.1 connections or on one HTTP/2 connection (h2c, prior knowledge).
    pub via: crate::conn::Via,
    /// `--deflate off|takeover|no-takeover`: the permessage-deflate offer of the WebSockets
    /// (none by default; `ws-deflate` and the idle scenarios use it).
    pub deflate: crate::conn::Deflate,
}

impl Options {
    /// Parses `SCENARIO --flag value ...`; longest window 600 s, at most 100,000 connections.
    pub fn parse(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
        let scenario = args.next().ok_or("missing scenario")?;
        let mut options = Options {
            scenario,
            host: "127.0.0.1".to_owned(),
            port: 9001,
            conns: 64,
            size: 64,
            seconds: 5.0,
            warmup: 1.0,
            senders: 4,
            interval_ms: 0,
            via: crate::conn::Via::Http1,
            deflate: crate::conn::Deflate::Off,
        };
        while let Some(flag) = args.next() {
            let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
            let bad = || format!("bad value {value} for {flag}");
            match flag.as_str() {
                "--host" => options.host = value.clone(),
                "--port" => options.port = value.parse().map_err(|_| bad())?,
                "--conns" => options.conns = value.parse().map_err(|_| bad())?,
                "--size" => options.size = value.parse().map_err(|_| bad())?,
                "--seconds" => options.seconds = value.parse().map_err(|_| bad())?,
                "--warmup" => options.warmup = value.parse().map_err(|_| bad())?,
                "--senders" => options.senders = value.parse().map_err(|_| bad())?,
                "--interval-ms" => options.interval_ms = value.parse().map_err(|_| bad())?,
                "--http" => {
                    options.via = match value.as_str() {
                        "1" => crate::conn::Via::Http1,
                        "2" => crate::conn::Via::Http2,
                        _ => return Err(bad()),
                    }
                }
                "--deflate" => {
                    options.deflate = match value.as_str() {
                        "off" => crate::conn::Deflate::Off,
                        "takeover" => crate::conn::Deflate::Takeover,
                        "no-takeover" => crate::conn::Deflate::NoTakeover,
                        _ => return Err(bad()),
                    }
                }
                other => return Err(format!("unknown option {other}")),
            }
        }
        if !(0.0..=600.0).contains(&options.seconds) || !(0.0..=600.0).contains(&options.warmup) {
            return Err("--seconds and --warmup must be within 0..=600".to_owned());
        }
        if options.conns == 0 || options.conns > 100_000 || options.senders == 0 {
            return Err("--conns must be 1..=100000 and --senders at least 1".to_owned());
        }
        Ok(options)
    }
}
