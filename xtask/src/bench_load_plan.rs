//! What `cargo xtask bench-load` runs: its servers, its scenarios, and the options that pick
//! among them.

/// The protocol a server speaks, which decides the scenarios it takes part in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Raw WebSocket echo.
    WebSocket,
    /// Socket.IO with the `echo` and `broadcast` events.
    SocketIo,
    /// The same Socket.IO servers started with their MessagePack parser
    /// (socket.io-msgpack-parser's wire format).
    SocketIoMsgPack,
    /// Socket.IO servers that also speak HTTP/2 in clear text (h2c) and WebSockets over it
    /// (RFC 8441); of the servers here, only wsio.
    SocketIoHttp2,
    /// Raw WebSocket echo with permessage-deflate accepted.
    WebSocketDeflate,
    /// Socket.IO servers that also serve WebTransport (HTTP/3); of the servers here, only
    /// wsio (with the certificate [`WEBTRANSPORT_CERT`] names).
    SocketIoWebTransport,
}

/// Where bench-load keeps the throwaway certificate of the WebTransport server, relative to
/// the release directory (made with `wsio cert` before the first run that needs it).
pub const WEBTRANSPORT_CERT: &str = "bench-load-cert";

/// A server under test.
#[derive(Debug, Clone)]
pub struct Server {
    /// Name in tables and in `--servers`.
    pub name: &'static str,
    /// Its protocol.
    pub kind: Kind,
    /// Program and arguments, relative to the repository root, without `--port`.
    pub command: Vec<String>,
}

/// One scenario: a load generator invocation.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Name in tables and in `--scenarios`.
    pub name: &'static str,
    /// Which servers take part.
    pub kind: Kind,
    /// The load generator's scenario.
    pub loadgen: &'static str,
    /// Connections (receivers for broadcasts).
    pub conns: usize,
    /// Payload bytes.
    pub size: usize,
    /// Whether it measures memory per connection rather than throughput.
    pub idle: bool,
    /// Whether it counts connects (clients connecting, joining and leaving in a loop, or in one
    /// wave) rather than messages, and reads the server's memory once it has settled.
    pub storm: bool,
    /// Whether the storm is one wave: every client connects and joins at the same instant and
    /// stays connected; the server's CPU is read over the wave, its memory while it still
    /// holds them all (implies `storm`).
    pub wave: bool,
    /// More load generator arguments.
    pub extra: &'static [&'static str],
    /// Whether it runs only when `--scenarios` names it exactly (slow or large).
    pub on_demand: bool,
    /// The scenario whose row of the same server is this one's baseline (over HTTP/2: the
    /// same load over HTTP/1.1), instead of [`baseline`]'s server in this one.
    pub versus: Option<&'static str>,
}

/// The servers of one run; `target` is the release directory with our binaries.
pub fn servers(target: &str) -> Vec<Server> {
    let bin = |name: &str| format!("{target}/{name}");
    let owned = |parts: &[&str]| parts.iter().map(|p| (*p).to_owned()).collect::<Vec<_>>();
    vec![
        Server {
            name: "wsio",
            kind: Kind::WebSocket,
            command: vec![bin("wsio"), "echo".into()],
        },
        Server {
            name: "tokio-tungstenite",
            kind: Kind::WebSocket,
            command: vec![bin("tokio-tungstenite-echo")],
        },
        Server {
            name: "fastwebsockets",
            kind: Kind::WebSocket,
            command: vec![bin("fastwebsockets-echo")],
        },
        Server {
            name: "node-ws",
            kind: Kind::WebSocket,
            command: owned(&["node", "benches/load/node/ws-echo.js"]),
        },
        Server {
            name: "wsio",
            kind: Kind::SocketIo,
            command: vec![bin("wsio"), "serve".into()],
        },
        Server {
            name: "socketioxide",
            kind: Kind::SocketIo,
            command: vec![bin("socketioxide-server")],
        },
        Server {
            name: "node-socket.io",
            kind: Kind::SocketIo,
            command: owned(&["node", "interop/reference/server.js"]),
        },
        Server {
            name: "wsio",
            kind: Kind::SocketIoMsgPack,
            command: vec![
                bin("wsio"),
                "serve".into(),
                "--parser".into(),
                "msgpack".into(),
            ],
        },
        Server {
            name: "socketioxide",
            kind: Kind::SocketIoMsgPack,
            command: vec![
                bin("socketioxide-server"),
                "--parser".into(),
                "msgpack".into(),
            ],
        },
        Server {
            name: "node-socket.io",
            kind: Kind::SocketIoMsgPack,
            command: owned(&["node", "interop/reference/server.js", "--parser", "msgpack"]),
        },
        Server {
            name: "wsio",
            kind: Kind::SocketIoWebTransport,
            command: vec![
                bin("wsio"),
                "serve".into(),
                "--tls-cert".into(),
                bin(&format!("{WEBTRANSPORT_CERT}/cert.pem")),
                "--tls-key".into(),
                bin(&format!("{WEBTRANSPORT_CERT}/key.pem")),
                "--webtransport".into(),
            ],
        },
        Server {
            name: "wsio",
            kind: Kind::SocketIoHttp2,
            command: vec![bin("wsio"), "serve".into()],
        },
        // `wsio echo` always accepts permessage-deflate (without context takeover).
        Server {
            name: "wsio",
            kind: Kind::WebSocketDeflate,
            command: vec![bin("wsio"), "echo".into()],
        },
        Server {
            name: "node-ws",
            kind: Kind::WebSocketDeflate,
            command: owned(&["node", "benches/load/node/ws-echo.js", "--deflate"]),
        },
    ]
}

/// The server every other one of `kind` is compared with.
pub fn baseline(kind: Kind) -> &'static str {
    match kind {
        Kind::WebSocket => "tokio-tungstenite",
        Kind::SocketIo | Kind::SocketIoMsgPack => "node-socket.io",
        Kind::SocketIoHttp2 | Kind::SocketIoWebTransport => "wsio",
        Kind::WebSocketDeflate => "node-ws",
    }
}

/// The scenarios, at full size or (`quick`) small.
pub fn scenarios(quick: bool) -> Vec<Scenario> {
    let idle_conns = if quick { 1_000 } else { 10_000 };
    let receivers = if quick { 200 } else { 1_000 };
    let wave_conns = if quick { 1_000 } else { STORM_CONNS };
    let s = |name, kind, loadgen, conns, size, idle| Scenario {
        name,
        kind,
        loadgen,
        conns,
        size,
        idle,
        storm: false,
        wave: false,
        extra: &[],
        on_demand: false,
        versus: None,
    };
    // `scenario` over HTTP/2, compared with `versus` (the same over HTTP/1.1).
    // `scenario` over WebTransport, compared with `versus` (the same over WebSocket).
    let wt = |scenario: Scenario, versus| Scenario {
        kind: Kind::SocketIoWebTransport,
        versus: Some(versus),
        ..scenario
    };
    let h2 = |scenario: Scenario, versus| Scenario {
        kind: Kind::SocketIoHttp2,
        extra: &["--http", "2"],
        versus: Some(versus),
        ..scenario
    };
    // `scenario` as a reconnection storm (counting connects, memory read once it is over).
    let storm = |scenario: Scenario| Scenario {
        storm: true,
        ..scenario
    };
    // `scenario` as a wave (every client joining at once and staying).
    let wave = |scenario: Scenario| Scenario {
        storm: true,
        wave: true,
        ..scenario
    };
    // `scenario` only when named (slow or large).
    let on_demand = |scenario: Scenario| Scenario {
        on_demand: true,
        ..scenario
    };
    // 16 KiB JSON-like text echoed with permessage-deflate, offered as `offer` says.
    let deflate = |name, offer| Scenario {
        extra: offer,
        ..s(
            name,
            Kind::WebSocketDeflate,
            "ws-deflate",
            16,
            16 * 1024,
            false,
        )
    };
    vec![
        s("ws-echo-64B", Kind::WebSocket, "ws-echo", 64, 64, false),
        s(
            "ws-echo-16KiB",
            Kind::WebSocket,
            "ws-echo",
            16,
            16 * 1024,
            false,
        ),
        s(
            "ws-echo-1MiB",
            Kind::WebSocket,
            "ws-echo",
            4,
            1 << 20,
            false,
        ),
        s("ws-idle", Kind::WebSocket, "idle", idle_conns, 0, true),
        // What browsers offer (context takeover unless the server declines it), and no
        // context takeover either way.
        deflate("ws-deflate-16KiB", &["--deflate", "takeover"]),
        deflate(
            "ws-deflate-16KiB-no-takeover",
            &["--deflate", "no-takeover"],
        ),
        // Connections that negotiated permessage-deflate without context takeover and echoed
        // one 16 KiB message each, held idle.
        on_demand(Scenario {
            extra: &["--deflate", "no-takeover"],
            ..s(
                "ws-deflate-idle",
                Kind::WebSocketDeflate,
                "idle",
                idle_conns,
                16 * 1024,
                true,
            )
        }),
        s("sio-echo-64B", Kind::SocketIo, "sio-echo", 64, 64, false),
        // sio-echo-64B with every server on its MessagePack parser: binary frames, not text.
        s(
            "sio-echo-msgpack",
            Kind::SocketIoMsgPack,
            "sio-echo-msgpack",
            64,
            64,
            false,
        ),
        s(
            "sio-broadcast",
            Kind::SocketIo,
            "sio-broadcast",
            receivers,
            64,
            false,
        ),
        // sio-broadcast with every server on its MessagePack parser.
        s(
            "sio-broadcast-msgpack",
            Kind::SocketIoMsgPack,
            "sio-broadcast-msgpack",
            receivers,
            64,
            false,
        ),
        s("sio-idle", Kind::SocketIo, "sio-idle", idle_conns, 0, true),
        // Each socket's WebSocket as the one extended CONNECT stream (RFC 8441) of its own
        // h2c connection.
        h2(
            s("sio-echo-h2", Kind::SocketIo, "sio-echo", 64, 64, false),
            "sio-echo-64B",
        ),
        h2(
            s(
                "sio-idle-h2",
                Kind::SocketIo,
                "sio-idle",
                idle_conns,
                0,
                true,
            ),
            "sio-idle",
        ),
        // Each socket on a WebTransport session (HTTP/3 over QUIC) of its own.
        wt(
            s("sio-echo-wt", Kind::SocketIo, "sio-echo-wt", 64, 64, false),
            "sio-echo-64B",
        ),
        wt(
            s(
                "sio-broadcast-wt",
                Kind::SocketIo,
                "sio-broadcast-wt",
                receivers,
                64,
                false,
            ),
            "sio-broadcast",
        ),
        wt(
            s(
                "sio-idle-wt",
                Kind::SocketIo,
                "sio-idle-wt",
                if quick { 200 } else { 2_000 },
                0,
                true,
            ),
            "sio-idle",
        ),
        // sio-echo-64B over HTTP long-polling, without an upgrade.
        s(
            "sio-polling-echo",
            Kind::SocketIo,
            "sio-polling-echo",
            if quick { 16 } else { 64 },
            64,
            false,
        ),
        // Each polling session's GETs and POSTs as streams of one h2c connection.
        h2(
            s(
                "sio-polling-echo-h2",
                Kind::SocketIo,
                "sio-polling-echo",
                if quick { 16 } else { 64 },
                64,
                false,
            ),
            "sio-polling-echo",
        ),
        // sio-broadcast to receivers on long-polling, never upgraded.
        s(
            "sio-polling-broadcast",
            Kind::SocketIo,
            "sio-polling-broadcast",
            if quick { 50 } else { 500 },
            64,
            false,
        ),
        // Clients connecting, joining the main namespace and leaving, over and over.
        storm(s(
            "sio-connect-storm",
            Kind::SocketIo,
            "sio-connect-storm",
            if quick { 200 } else { 1_000 },
            0,
            false,
        )),
        // What a server meets after a restart: 10,000 clients connecting at once over the
        // websocket transport and staying connected.
        on_demand(wave(s(
            "sio-connect-storm-10k",
            Kind::SocketIo,
            "sio-connect-wave",
            wave_conns,
            0,
            false,
        ))),
        // The same, each client joining on long-polling and upgrading to WebSocket.
        storm(s(
            "sio-upgrade-storm",
            Kind::SocketIo,
            "sio-upgrade-storm",
            if quick { 200 } else { 1_000 },
            0,
            false,
        )),
        // The same wave, each client joining on long-polling and upgrading to WebSocket.
        on_demand(wave(s(
            "sio-upgrade-storm-10k",
            Kind::SocketIo,
            "sio-upgrade-wave",
            wave_conns,
            0,
            false,
        ))),
        // Many connections held at once, each receiving one broadcast a second.
        Scenario {
            extra: &["--senders", "1", "--interval-ms", "1000"],
            on_demand: true,
            ..s(
                "sio-scale",
                Kind::SocketIo,
                "sio-broadcast",
                if quick { 2_000 } else { SCALE_CONNS },
                64,
                false,
            )
        },
    ]
}

/// Clients of the connect waves: within an open-files limit of 20,000 for the load generator
/// and the server alike, even while a client upgrading from long-polling holds two sockets for
/// a moment.
pub const STORM_CONNS: usize = 10_000;

/// Connections `sio-scale` holds: as many as an open-files limit of 20,000 leaves room for.
pub const SCALE_CONNS: usize = 19_000;

/// The command-line options.
#[derive(Debug, Clone)]
pub struct Options {
    /// `--scenarios`: names or name prefixes (`ws-echo` selects all three sizes); empty = all.
    pub scenarios: Vec<String>,
    /// `--servers`: names; empty = all (with `--quick`: wsio and tokio-tungstenite).
    pub servers: Vec<String>,
    /// `--reps`: runs per scenario and server, of which the median is reported.
    pub reps: usize,
    /// `--quick`: one rep, 1 s windows, small connection counts.
    pub quick: bool,
    /// Seconds of measurement per run.
    pub seconds: f64,
    /// Seconds of warm-up per run.
    pub warmup: f64,
    /// `--no-write`: print the tables but leave `docs/` alone.
    pub no_write: bool,
}

impl Options {
    /// Parses the arguments after `bench-load`.
    pub fn parse(args: &[String]) -> Result<Options, String> {
        let mut options = Options {
            scenarios: Vec::new(),
            servers: Vec::new(),
            reps: 3,
            quick: false,
            seconds: 5.0,
            warmup: 1.0,
            no_write: false,
        };
        let mut reps = None;
        let mut iter = args.iter();
        let list = |value: Option<&String>| -> Result<Vec<String>, String> {
            let value = value.ok_or("a list of names is missing")?;
            Ok(value
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect())
        };
        while let Some(arg) = iter.next() {
            match arg.as_str() {
                "--scenarios" => options.scenarios = list(iter.next())?,
                "--servers" => options.servers = list(iter.next())?,
                "--reps" => {
                    let value = iter.next().ok_or("--reps needs a number")?;
                    let n: usize = value.parse().map_err(|_| format!("bad --reps {value}"))?;
                    reps = Some(n.clamp(1, 50));
                }
                "--quick" => options.quick = true,
                "--no-write" => options.no_write = true,
                other => return Err(format!("unknown option {other}\n{USAGE}")),
            }
        }
        if options.quick {
            options.reps = 1;
            options.seconds = 1.0;
            options.warmup = 0.5;
            if options.servers.is_empty() {
                options.servers = vec!["wsio".to_owned(), "tokio-tungstenite".to_owned()];
            }
        }
        if let Some(reps) = reps {
            options.reps = reps;
        }
        Ok(options)
    }

    /// Whether `scenario` was asked for.
    pub fn wants_scenario(&self, scenario: &Scenario) -> bool {
        if scenario.on_demand {
            return self.scenarios.iter().any(|s| s == scenario.name);
        }
        self.scenarios.is_empty()
            || self.scenarios.iter().any(|s| {
                scenario.name == s
                    || scenario.name.starts_with(&format!("{s}-"))
                    || scenario.loadgen == s
            })
    }

    /// Whether `server` was asked for.
    pub fn wants_server(&self, server: &Server) -> bool {
        self.servers.is_empty() || self.servers.iter().any(|s| s == server.name)
    }
}

/// The usage line.
pub const USAGE: &str = "usage: cargo xtask bench-load [--scenarios a,b] [--servers x,y] [--reps N] [--quick] [--no-write]";
