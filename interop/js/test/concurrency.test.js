// Many clients emitting at once, each seeing its own events in order.
"use strict";

const { test } = require("node:test");
const assert = require("node:assert/strict");
const { ack, connect, withTimeout } = require("../lib/helpers");

const CLIENTS = 20;
const MESSAGES = 50;

test(`${CLIENTS} clients x ${MESSAGES} echoes each keep per-client order`, { timeout: 30000 }, async () => {
  const clients = await Promise.all(
    Array.from({ length: CLIENTS }, (_, i) =>
      connect("/", { transports: [i % 2 === 0 ? "websocket" : "polling"] }),
    ),
  );
  // A dropped client fails its acks; its reason says why (e.g. a heartbeat timeout).
  const drops = [];
  clients.forEach((client, c) => {
    client.on("disconnect", (reason, details) => {
      drops.push({ client: c, reason, details: String(details?.description ?? "") });
    });
  });
  const runs = clients.map(async (client, c) => {
    const events = [];
    const allEvents = new Promise((resolve) => {
      client.on("echo", (message) => {
        events.push(message);
        if (events.length === MESSAGES) resolve();
      });
    });
    const acks = [];
    for (let n = 0; n < MESSAGES; n++) {
      acks.push(ack(client, "echo", { client: c, n }));
    }
    const acked = await Promise.all(acks);
    await withTimeout(allEvents, `${MESSAGES} echo events for client ${c}`, 15000);
    const expected = Array.from({ length: MESSAGES }, (_, n) => ({ client: c, n }));
    assert.deepEqual(acked, expected, `acks of client ${c}`);
    assert.deepEqual(events, expected, `echo events of client ${c} in order`);
  });
  const outcomes = await Promise.allSettled(runs);
  assert.deepEqual(drops, [], "no client was disconnected");
  for (const outcome of outcomes) {
    if (outcome.status === "rejected") throw outcome.reason;
  }
});
