// Connection state recovery (socket.io 4.6 semantics) against a second server started with
// recovery on (`--recovery-ms`), whose URL is in WSIO_RECOVERY_URL. Skipped when it is unset.
"use strict";

const { test, afterEach } = require("node:test");
const assert = require("node:assert/strict");
const { io } = require("socket.io-client");
const { PARSER_OPTIONS, WAIT_MS, once, unique, withTimeout } = require("../lib/helpers");

const RECOVERY_URL = process.env.WSIO_RECOVERY_URL;
const skip = RECOVERY_URL ? false : "WSIO_RECOVERY_URL is not set";
/// How long the server keeps a session (the xtask starts it with this value).
const RECOVERY_MS = Number(process.env.WSIO_RECOVERY_MS || 2000);

const clients = new Set();
afterEach(() => {
  for (const client of clients) client.disconnect();
  clients.clear();
});

/// A client that reconnects quickly (or after `delay` ms) over `transports`.
function client(transports, delay = 300) {
  const c = io(RECOVERY_URL, {
    forceNew: true,
    transports,
    reconnectionDelay: delay,
    reconnectionDelayMax: delay,
    randomizationFactor: 0,
    timeout: WAIT_MS,
    ...PARSER_OPTIONS,
  });
  clients.add(c);
  return c;
}

function ack(c, event, ...args) {
  return c.timeout(WAIT_MS).emitWithAck(event, ...args);
}

/// Waits until `c` is connected (again).
function connectedAgain(c) {
  return withTimeout(new Promise((resolve) => c.once("connect", resolve)), "reconnection");
}

/// An event so the client holds an offset: the server must send at least one before recovery.
async function primeOffset(c) {
  const token = unique("prime");
  const echoed = once(c, "echo");
  c.emit("echo", token);
  const args = await echoed;
  assert.equal(args[0], token);
  assert.equal(typeof args[args.length - 1], "string", "events carry an offset");
}

for (const transports of [["websocket"], ["polling"]]) {
  const name = transports[0];

  test(`${name}: missed events arrive once, in order, with the same id, rooms and data`, { skip, timeout: 15000 }, async () => {
    const a = client(transports);
    await once(a, "connect");
    const room = unique("room");
    assert.equal(await ack(a, "join", room), true);
    assert.equal(await ack(a, "set-data", { user: "ada", n: 1 }), true);
    await primeOffset(a);
    const id = a.id;
    const before = await ack(a, "state");
    assert.equal(before.recovered, false);

    const b = client(["websocket"]);
    await once(b, "connect");

    const got = [];
    a.on("room-message", (...args) => got.push(args));
    const disconnected = once(a, "disconnect");
    a.io.engine.close(); // the transport drops: recoverable ("transport close" on the server)
    await disconnected;
    const back = connectedAgain(a);
    for (const n of [1, 2, 3]) b.emit("to-room", room, `m${n}`, { n });
    await back;

    assert.equal(a.recovered, true);
    assert.equal(a.id, id);
    const state = await ack(a, "state");
    assert.deepEqual(state, { id, recovered: true, data: { user: "ada", n: 1 } });
    assert.deepEqual(await ack(a, "rooms"), [room]);
    // Live traffic after recovery still flows, after the missed messages.
    b.emit("to-room", room, "m4", { n: 4 });
    await withTimeout(
      (async () => {
        while (got.length < 4) await new Promise((r) => setTimeout(r, 20));
      })(),
      "four room messages",
    );
    assert.deepEqual(
      got.map((args) => args[0]),
      ["m1", "m2", "m3", "m4"],
    );
    for (const args of got) {
      assert.equal(args.length, 3, "payload, data, offset");
      assert.equal(typeof args[2], "string");
    }
  });
}

test("a gap longer than the session lifetime gives a fresh session", { skip, timeout: 20000 }, async () => {
  const a = client(["websocket"], RECOVERY_MS + 1500);
  await once(a, "connect");
  await primeOffset(a);
  const id = a.id;
  a.io.engine.close();
  await connectedAgain(a);
  assert.notEqual(a.recovered, true);
  assert.notEqual(a.id, id);
  const state = await ack(a, "state");
  assert.equal(state.recovered, false);
});

test("a client-side disconnect is not recoverable", { skip, timeout: 15000 }, async () => {
  const a = client(["websocket"]);
  await once(a, "connect");
  await primeOffset(a);
  const id = a.id;
  a.disconnect();
  a.connect();
  await connectedAgain(a);
  assert.notEqual(a.recovered, true);
  assert.notEqual(a.id, id);
});

test("acknowledgements carry no offset; events do", { skip, timeout: 10000 }, async () => {
  const a = client(["websocket"]);
  await once(a, "connect");
  const echoed = once(a, "echo");
  const answer = await withTimeout(
    new Promise((resolve, reject) =>
      a.timeout(WAIT_MS).emit("echo", "x", 1, (err, ...args) => (err ? reject(err) : resolve(args))),
    ),
    "ack",
  );
  assert.deepEqual(answer, ["x", 1]);
  const event = await echoed;
  assert.equal(event.length, 3);
  assert.deepEqual(event.slice(0, 2), ["x", 1]);
  assert.equal(typeof event[2], "string");
});
