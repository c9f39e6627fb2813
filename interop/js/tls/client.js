// socket.io-client against `wsio serve --tls-cert --tls-key --test-events` over TLS, trusting
// only the certificate authority given (the client's `ca` option; verification stays on).
//
//   node interop/js/tls/client.js <https-url> <ca.pem> <polling|websocket|upgrade>
//
// Connects with the transports of the mode, sends `echo` with an acknowledgement, and prints
// one JSON line: {"ok":true,"transport":"...","echo":"over TLS"} or {"ok":false,"error":"..."}.
// Exits 0 on success, 1 otherwise.
"use strict";

const fs = require("node:fs");
const { io } = require("socket.io-client");

const [url, caFile, mode] = process.argv.slice(2);
const TRANSPORTS = {
  polling: ["polling"],
  websocket: ["websocket"],
  upgrade: ["polling", "websocket"],
};
if (!url || !caFile || !TRANSPORTS[mode]) {
  console.error("usage: client.js <https-url> <ca.pem> <polling|websocket|upgrade>");
  process.exit(2);
}

const WAIT_MS = 10000;

function finish(result) {
  console.log(JSON.stringify(result));
  process.exit(result.ok ? 0 : 1);
}

const timer = setTimeout(() => finish({ ok: false, error: `timed out after ${WAIT_MS} ms` }), WAIT_MS);

const socket = io(url, {
  ca: fs.readFileSync(caFile),
  transports: TRANSPORTS[mode],
  upgrade: mode === "upgrade",
  reconnection: false,
  forceNew: true,
  timeout: WAIT_MS,
});

socket.on("connect_error", (err) => {
  clearTimeout(timer);
  finish({ ok: false, error: `connect_error: ${err.message} ${err.description ?? ""}` });
});

/// Resolves once the session runs over `name` (at once when it already does).
function onTransport(name) {
  const engine = socket.io.engine;
  if (engine.transport.name === name) return Promise.resolve();
  return new Promise((resolve) => engine.once("upgrade", () => resolve()));
}

socket.on("connect", async () => {
  try {
    if (mode === "upgrade") await onTransport("websocket");
    const echo = await socket.timeout(WAIT_MS).emitWithAck("echo", "over TLS");
    clearTimeout(timer);
    const transport = socket.io.engine.transport.name;
    socket.disconnect();
    finish({ ok: true, transport, echo });
  } catch (err) {
    clearTimeout(timer);
    finish({ ok: false, error: String(err) });
  }
});
