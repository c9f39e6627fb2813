// Disconnection from either side, with the reasons socket.io-client reports.
"use strict";

const { test } = require("node:test");
const assert = require("node:assert/strict");
const { ack, connect, connected, manager, once } = require("../lib/helpers");

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
