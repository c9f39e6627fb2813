#!/usr/bin/env node
// WebSocket echo server on Node's `ws` with its defaults (no permessage-deflate), for
// `cargo xtask bench-load`. `--deflate` accepts permessage-deflate with ws's own defaults
// (`perMessageDeflate: true`: context takeover as the client offers, zlib's default level,
// messages under 1 KiB sent uncompressed).
//
//   node ws-echo.js [--host 127.0.0.1] [--port 9001] [--deflate]
"use strict";

const { WebSocketServer } = require("ws");

function option(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && index + 1 < process.argv.length ? process.argv[index + 1] : fallback;
}

const host = option("host", "127.0.0.1");
const port = Number(option("port", "9001"));
const perMessageDeflate = process.argv.includes("--deflate");
const server = new WebSocketServer({ host, port, maxPayload: 16 * 1024 * 1024, perMessageDeflate });
server.on("connection", (socket) => {
  socket.on("message", (data, isBinary) => socket.send(data, { binary: isBinary }));
  socket.on("error", () => socket.terminate());
});
server.on("listening", () => console.log(`listening on ws://${host}:${port}`));
