// Disconnection from either side, with the reasons socket.io-client reports.
"use strict";

const { spawn } = require("node:child_process");
const path = require("node:path");
const { test } = require("node:test");
const assert = require("node:assert/strict");
const {
  URL,
  ack,
  connect,
  connected,
  manager,
  once,
  onceMatching,
  unique,
  withTimeout,
} = require("../lib/helpers");

/// A socket.io-client in a process of its own, on `transport` only, that joins `room` and
/// then prints its socket id; resolves with the process and that id.
function clientProcess(room, transport) {
  const program = `
    const { io } = require("socket.io-client");
    const parser = process.env.WSIO_PARSER === "msgpack" ? { parser: require("socket.io-msgpack-parser") } : {};
    const client = io(process.env.WSIO_URL, { transports: [process.env.TRANSPORT], reconnection: false, ...parser });
    client.on("connect", () => {
      client.emit("join", process.env.ROOM, () => process.stdout.write(client.id + "\\n"));
    });
    client.on("connect_error", (err) => { console.error(err.message); process.exit(1); });
  `;
  const child = spawn(process.execPath, ["-e", program], {
    cwd: path.join(__dirname, ".."),
    env: { ...process.env, WSIO_URL: URL, ROOM: room, TRANSPORT: transport },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const id = new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      if (out.includes("\n")) resolve(out.trim());
    });
    child.once("exit", (code) => reject(new Error(`client process exited with ${code}`)));
  });
  return withTimeout(id, "the client process to join").then((sid) => ({ child, id: sid }));
}

for (const transport of ["websocket", "polling"]) {
  test(`server-initiated disconnect over ${transport}: reason "io server disconnect"`, { timeout: 10000 }, async () => {
    const client = await connect("/", { transports: [transport] });
    const disconnected = once(client, "disconnect");
    client.emit("disconnect-me");
    const [reason] = await disconnected;
    assert.equal(reason, "io server disconnect");
    assert.equal(client.connected, false);
  });
}

test('client-initiated disconnect: reason "io client disconnect"', { timeout: 10000 }, async () => {
  const client = await connect("/", { transports: ["websocket"] });
  const disconnected = once(client, "disconnect");
  client.disconnect();
  const [reason] = await disconnected;
  assert.equal(reason, "io client disconnect");
  assert.equal(client.connected, false);
});

test("server-initiated disconnect of / keeps /admin on the same connection", { timeout: 10000 }, async () => {
  const shared = manager({ transports: ["websocket"] });
  const root = shared.socket("/");
  const admin = shared.socket("/admin", { auth: { token: "secret" } });
  await Promise.all([connected(root), connected(admin)]);
  const engine = shared.engine;
  const disconnected = once(root, "disconnect");
  root.emit("disconnect-me");
  const [reason] = await disconnected;
  assert.equal(reason, "io server disconnect");
  assert.equal(await ack(admin, "echo", "admin survives"), "admin survives");
  assert.equal(shared.engine, engine);
  assert.equal(engine.readyState, "open");
});

test("client-initiated disconnect of / keeps /admin on the same connection", { timeout: 10000 }, async () => {
  const shared = manager({ transports: ["websocket"] });
  const root = shared.socket("/");
  const admin = shared.socket("/admin", { auth: { token: "secret" } });
  await Promise.all([connected(root), connected(admin)]);
  root.disconnect();
  assert.equal(await ack(admin, "echo", "admin survives"), "admin survives");
  assert.equal(shared.engine.readyState, "open");
  // The namespace can be joined again on the same connection.
  root.connect();
  await connected(root);
  const who = await ack(root, "whoami");
  assert.equal(who.engineId, shared.engine.id);
});

// A client whose process dies: over polling the held GET's connection closes (the reference
// calls that a transport error), over WebSocket the connection itself (a transport close).
// Either way the server lets the socket go at once, not when the heartbeat gives up.
for (const [transport, expected] of [
  ["polling", "transport error"],
  ["websocket", "transport close"],
]) {
  test(`a ${transport} client killed with SIGKILL leaves at once with "${expected}"`, { timeout: 15000 }, async (t) => {
    const watcher = await connect("/", { transports: ["websocket"] });
    assert.equal(await ack(watcher, "watch-disconnects"), true);
    const room = unique("vanishing");
    const { child, id } = await clientProcess(room, transport);
    try {
      assert.equal(await ack(watcher, "room-size", room), 1);
      // A polling client's next GET is held by now; the heartbeat is far off (2.3 s).
      await new Promise((resolve) => setTimeout(resolve, 100));
      const left = onceMatching(watcher, "socket-left", (who) => who === id);
      const killedAt = Date.now();
      process.kill(child.pid, "SIGKILL");
      const [, reason] = await left;
      const elapsed = Date.now() - killedAt;
      t.diagnostic(`disconnect seen ${elapsed} ms after SIGKILL`);
      assert.ok(elapsed < 1000, `the server saw the disconnect after ${elapsed} ms`);
      assert.equal(reason, expected);
      assert.equal(await ack(watcher, "room-size", room), 0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  });
}
