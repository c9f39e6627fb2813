#!/usr/bin/env node
// Node's own socket.io server implementing the wsio test server contract (interop/README.md),
// so every interoperability suite can be checked against the reference implementation.
//
//   node server.js [--host H] [--port P] [--ping-interval-ms N] [--ping-timeout-ms N]
//                  [--max-payload-bytes N] [--recovery-ms N] [--parser json|msgpack]
//
// Each option also comes from the environment: WSIO_HOST, WSIO_PORT (or PORT),
// WSIO_PING_INTERVAL_MS, WSIO_PING_TIMEOUT_MS, WSIO_MAX_PAYLOAD_BYTES, WSIO_RECOVERY_MS
// (connection state recovery keeping sessions N ms; 0, the default, is off), WSIO_PARSER (json, the
// default, or msgpack for socket.io-msgpack-parser). Command-line arguments
// win. Without them the heartbeat uses socket.io's defaults (25 s / 20 s); the suites run it
// with the contract's test settings (300 ms / 400 ms). Once listening it prints one line,
// `listening on http://HOST:PORT`, so port 0 (any free port) works too.
"use strict";

const http = require("node:http");
const { Server } = require("socket.io");

const OPTIONS = {
  host: { env: ["WSIO_HOST"], fallback: "127.0.0.1" },
  port: { env: ["WSIO_PORT", "PORT"], fallback: "3000" },
  "ping-interval-ms": { env: ["WSIO_PING_INTERVAL_MS"], fallback: "25000" },
  "ping-timeout-ms": { env: ["WSIO_PING_TIMEOUT_MS"], fallback: "20000" },
  "max-payload-bytes": { env: ["WSIO_MAX_PAYLOAD_BYTES"], fallback: String(8 * 1024 * 1024) },
  "recovery-ms": { env: ["WSIO_RECOVERY_MS"], fallback: "0" },
  parser: { env: ["WSIO_PARSER"], fallback: "json" },
};

function usage(message) {
  const names = Object.keys(OPTIONS)
    .map((name) => `[--${name} VALUE]`)
    .join(" ");
  console.error(`${message}\nusage: node server.js ${names}`);
  process.exit(2);
}

function parseOptions(argv, env) {
  const values = {};
  for (const [name, spec] of Object.entries(OPTIONS)) {
    const fromEnv = spec.env.map((key) => env[key]).find((value) => value !== undefined);
    values[name] = fromEnv ?? spec.fallback;
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") usage("Node socket.io reference server for wsio interop");
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match || !(match[1] in OPTIONS)) usage(`unknown argument: ${arg}`);
    const value = match[2] ?? argv[++i];
    if (value === undefined) usage(`missing value for --${match[1]}`);
    values[match[1]] = value;
  }
  const number = (name) => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < 0) usage(`--${name} must be a non-negative integer`);
    return n;
  };
  return {
    host: values.host,
    port: number("port"),
    pingInterval: number("ping-interval-ms"),
    pingTimeout: number("ping-timeout-ms"),
    maxHttpBufferSize: number("max-payload-bytes"),
    recoveryMs: number("recovery-ms"),
    parser: parserOption(values.parser),
  };
}

/// The socket.io `parser` option for `name`: undefined (the default JSON parser) or the
/// MessagePack parser.
function parserOption(name) {
  if (name === "json") return undefined;
  if (name === "msgpack") return require("socket.io-msgpack-parser");
  usage(`--parser must be json or msgpack, not ${name}`);
}

/// Calls `ack` with `args` when the client asked for an acknowledgement.
function ackIfAsked(ack, ...args) {
  if (typeof ack === "function") ack(...args);
}

/// Splits socket.io's handler arguments into the payload and the optional trailing ack.
function splitAck(args) {
  if (args.length > 0 && typeof args[args.length - 1] === "function") {
    return { payload: args.slice(0, -1), ack: args[args.length - 1] };
  }
  return { payload: args, ack: undefined };
}

/// Events that every namespace of the contract implements.
function addCommonEvents(socket) {
  socket.on("echo", (...args) => {
    const { payload, ack } = splitAck(args);
    socket.emit("echo", ...payload);
    ackIfAsked(ack, ...payload);
  });
  socket.on("whoami", (ack) => {
    ackIfAsked(ack, {
      id: socket.id,
      namespace: socket.nsp.name,
      engineId: socket.conn.id,
      transport: socket.conn.transport.name,
    });
  });
}

function addRootEvents(io, socket) {
  addCommonEvents(socket);
  socket.on("broadcast", (...args) => {
    const { payload } = splitAck(args);
    socket.broadcast.emit("bcast", ...payload);
  });
  socket.on("join", async (room, ack) => {
    await socket.join(String(room));
    ackIfAsked(ack, true);
  });
  socket.on("leave", async (room, ack) => {
    await socket.leave(String(room));
    ackIfAsked(ack, true);
  });
  socket.on("to-room", (room, ...args) => {
    const { payload } = splitAck(args);
    io.of("/").to(String(room)).emit("room-message", ...payload);
  });
  socket.on("request-ack", (ack) => {
    socket.timeout(5000).emit("server-ack-request", "ping", (err, ...answer) => {
      if (err) ackIfAsked(ack, "timeout");
      else ackIfAsked(ack, ...answer);
    });
  });
  socket.on("disconnect-me", () => {
    socket.disconnect();
  });
  socket.on("set-data", (data, ack) => {
    socket.data = data;
    ackIfAsked(ack, true);
  });
  socket.on("state", (ack) => {
    ackIfAsked(ack, { id: socket.id, recovered: socket.recovered === true, data: socket.data ?? null });
  });
  socket.on("watch-disconnects", async (ack) => {
    await socket.join("disconnect-watchers");
    ackIfAsked(ack, true);
  });
  socket.on("room-size", async (room, ack) => {
    const sockets = await io.of("/").in(String(room)).fetchSockets();
    ackIfAsked(ack, sockets.length);
  });
  socket.on("disconnect", (reason) => {
    io.of("/").to("disconnect-watchers").emit("socket-left", socket.id, reason);
  });
  socket.on("rooms", (ack) => {
    const rooms = [...socket.rooms].filter((room) => room !== socket.id).sort();
    ackIfAsked(ack, rooms);
  });
}

function main() {
  const options = parseOptions(process.argv.slice(2), process.env);
  const httpServer = http.createServer((req, res) => {
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("not found\n");
  });
  const io = new Server(httpServer, {
    cors: { origin: "*" },
    pingInterval: options.pingInterval,
    pingTimeout: options.pingTimeout,
    maxHttpBufferSize: options.maxHttpBufferSize,
    ...(options.parser ? { parser: options.parser } : {}),
    ...(options.recoveryMs > 0
      ? { connectionStateRecovery: { maxDisconnectionDuration: options.recoveryMs, skipMiddlewares: true } }
      : {}),
  });

  io.of("/").on("connection", (socket) => addRootEvents(io, socket));

  const admin = io.of("/admin");
  admin.use((socket, next) => {
    if (socket.handshake.auth && socket.handshake.auth.token === "secret") {
      next();
      return;
    }
    const err = new Error("unauthorized");
    err.data = { reason: "bad token" };
    next(err);
  });
  admin.on("connection", (socket) => addCommonEvents(socket));

  httpServer.on("error", (err) => {
    console.error(`reference server: ${err.message}`);
    process.exit(1);
  });
  httpServer.listen(options.port, options.host, () => {
    const { address, port } = httpServer.address();
    console.log(`listening on http://${address}:${port}`);
  });

  const stop = () => {
    io.close();
    httpServer.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 1000).unref();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main();
