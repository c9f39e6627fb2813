// Heartbeat with the contract's test settings (pingInterval 300 ms, pingTimeout 2000 ms).
"use strict";

const { test } = require("node:test");
const assert = require("node:assert/strict");
const { setTimeout: sleep } = require("node:timers/promises");
const { ack, connect, connected, once, socket } = require("../lib/helpers");

for (const transport of ["websocket", "polling"]) {
  test(`the ${transport} handshake advertises the test heartbeat settings`, { timeout: 10000 }, async () => {
    const client = socket("/", { transports: [transport] });
    const [handshake] = await once(client.io.engine, "handshake");
    await connected(client);
    assert.equal(handshake.sid, client.io.engine.id);
    assert.equal(handshake.pingInterval, 300);
    assert.equal(handshake.pingTimeout, 2000);
    assert.ok(handshake.maxPayload >= 2 * 1024 * 1024, `maxPayload ${handshake.maxPayload} fits 1 MiB messages`);
    const upgrades = transport === "polling" ? ["websocket"] : [];
    assert.deepEqual(handshake.upgrades, upgrades);
  });
}

for (const transport of ["websocket", "polling"]) {
  test(`an idle ${transport} connection stays up for 2 s of heartbeats`, { timeout: 10000 }, async () => {
    const client = await connect("/", { transports: [transport] });
    const engine = client.io.engine;
    let pings = 0;
    engine.on("ping", () => {
      pings += 1;
    });
    const disconnects = [];
    client.on("disconnect", (reason) => disconnects.push(reason));

    await sleep(2000); // the idle period under test: no application traffic

    assert.deepEqual(disconnects, []);
    assert.equal(client.connected, true);
    assert.ok(pings >= 3, `expected at least 3 pings in 2 s, got ${pings}`);
    assert.equal(await ack(client, "echo", "still alive"), "still alive");
  });
}
