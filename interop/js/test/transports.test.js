// Each Engine.IO transport, alone and with the polling-to-websocket upgrade.
"use strict";

const { test } = require("node:test");
const assert = require("node:assert/strict");
const { ack, connect, connected, once, socket, withTimeout } = require("../lib/helpers");

for (const transport of ["websocket", "polling"]) {
  test(`${transport}-only connection echoes and reports the ${transport} transport`, { timeout: 10000 }, async () => {
    const client = await connect("/", { transports: [transport] });
    assert.equal(client.io.engine.transport.name, transport);
    assert.equal(await ack(client, "echo", `over ${transport}`), `over ${transport}`);
    const who = await ack(client, "whoami");
    assert.deepEqual(who, {
      id: client.id,
      namespace: "/",
      engineId: client.io.engine.id,
      transport,
    });
  });
}

test("polling connection upgrades to websocket and keeps working", { timeout: 10000 }, async () => {
  const client = socket("/", { transports: ["polling", "websocket"], upgrade: true });
  const engine = client.io.engine;
  let transportAtOpen;
  engine.once("open", () => {
    transportAtOpen = engine.transport.name;
  });
  const upgraded = once(engine, "upgrade");
  await connected(client);
  const [transport] = await upgraded;
  assert.equal(transportAtOpen, "polling");
  assert.equal(transport.name, "websocket");
  assert.equal(client.io.engine.transport.name, "websocket");
  const who = await ack(client, "whoami");
  assert.equal(who.transport, "websocket");
  assert.equal(who.engineId, engine.id);
  assert.equal(await ack(client, "echo", "after upgrade"), "after upgrade");
});

test("events sent while polling arrive in order across the upgrade", { timeout: 10000 }, async () => {
  const client = socket("/", { transports: ["polling", "websocket"], upgrade: true });
  const upgraded = once(client.io.engine, "upgrade");
  await connected(client);
  const received = [];
  const count = 40;
  const all = new Promise((resolve) => {
    client.on("echo", (n) => {
      received.push(n);
      if (received.length === count) resolve();
    });
  });
  for (let n = 0; n < count / 2; n++) client.emit("echo", n);
  await upgraded;
  for (let n = count / 2; n < count; n++) client.emit("echo", n);
  await withTimeout(all, `${count} echoes`).catch(() => {});
  assert.deepEqual(received, [...Array(count).keys()]);
});
