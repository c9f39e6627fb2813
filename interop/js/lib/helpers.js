// Shared helpers of the socket.io-client suite: the server URL, connecting with bounded waits,
// waiting for events, and closing every client a test opened.
"use strict";

const { afterEach, before } = require("node:test");
const { io, Manager } = require("socket.io-client");

const URL = process.env.WSIO_URL;
if (!URL) {
  throw new Error("WSIO_URL is not set (e.g. WSIO_URL=http://127.0.0.1:3000)");
}

/// Upper bound for any single wait on the server.
const WAIT_MS = 5000;

/// The Socket.IO parser the server under test uses: `json` (the default) or `msgpack`
/// (`socket.io-msgpack-parser`), from `WSIO_PARSER`.
const PARSER = process.env.WSIO_PARSER || "json";
if (PARSER !== "json" && PARSER !== "msgpack") {
  throw new Error(`WSIO_PARSER must be json or msgpack, not ${PARSER}`);
}

/// The client option selecting the server's parser (none for JSON).
const PARSER_OPTIONS = PARSER === "msgpack" ? { parser: require("socket.io-msgpack-parser") } : {};

/// Options shared by every client: no reconnection (a broken server must fail the test), no
/// connection sharing between tests, and the server's parser.
const BASE_OPTIONS = { reconnection: false, forceNew: true, timeout: WAIT_MS, ...PARSER_OPTIONS };

const opened = new Set();

/// Before any test of a file: one Engine.IO handshake, so a server that does not answer fails
/// the file at once instead of every test timing out in turn.
before(async () => {
  const probe = `${URL}/socket.io/?EIO=4&transport=polling`;
  let body;
  try {
    const response = await fetch(probe, { signal: AbortSignal.timeout(3000) });
    body = await response.text();
  } catch (err) {
    throw new Error(`no Engine.IO handshake from ${probe}: ${err.message}`);
  }
  if (!body.startsWith("0{")) {
    throw new Error(`no Engine.IO handshake from ${probe}: got ${JSON.stringify(body.slice(0, 200))}`);
  }
});

/// Closes every socket and manager the current test opened.
afterEach(() => {
  for (const item of opened) item.disconnect();
  opened.clear();
});

/// A never-settling promise turned into a rejection after `ms`.
function withTimeout(promise, what, ms = WAIT_MS) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/// Resolves with the arguments of the next `event` on `emitter`.
function once(emitter, event, ms = WAIT_MS) {
  return withTimeout(
    new Promise((resolve) => emitter.once(event, (...args) => resolve(args))),
    `event "${event}"`,
    ms,
  );
}

/// Resolves with the arguments of the first `event` whose arguments satisfy `accept`.
function onceMatching(emitter, event, accept, ms = WAIT_MS) {
  let listener;
  const matched = new Promise((resolve) => {
    listener = (...args) => {
      if (accept(...args)) resolve(args);
    };
    emitter.on(event, listener);
  });
  return withTimeout(matched, `matching event "${event}"`, ms).finally(() =>
    emitter.off(event, listener),
  );
}

/// A socket that is closed after the test, not yet connected.
function socket(namespace = "/", options = {}) {
  const client = io(URL + namespace, { ...BASE_OPTIONS, ...options });
  opened.add(client);
  return client;
}

/// A manager (one Engine.IO connection) that is closed after the test.
function manager(options = {}) {
  const created = new Manager(URL, { ...BASE_OPTIONS, ...options });
  opened.add(created);
  return created;
}

/// Resolves once `client` is connected; rejects with the connect error otherwise.
function connected(client) {
  if (client.connected) return Promise.resolve(client);
  return withTimeout(
    new Promise((resolve, reject) => {
      client.once("connect", () => resolve(client));
      client.once("connect_error", (err) => reject(err));
    }),
    "connect",
  );
}

/// A connected socket.
function connect(namespace = "/", options = {}) {
  return connected(socket(namespace, options));
}

/// Emits `event` and resolves with the single ack value, bounded in time.
function ack(client, event, ...args) {
  return client.timeout(WAIT_MS).emitWithAck(event, ...args);
}

/// A token unique to this process and call, for rooms and payloads shared with other tests.
let counter = 0;
function unique(prefix) {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

module.exports = {
  PARSER,
  PARSER_OPTIONS,
  URL,
  WAIT_MS,
  ack,
  connect,
  connected,
  manager,
  once,
  onceMatching,
  socket,
  unique,
  withTimeout,
};
