// `broadcast`: every other socket of the namespace gets `bcast`, the sender does not.
"use strict";

const { test } = require("node:test");
const assert = require("node:assert/strict");
const { ack, connect, onceMatching, unique } = require("../lib/helpers");

test("bcast reaches every other client and not the sender", { timeout: 10000 }, async () => {
  const [sender, viaWebsocket, viaPolling] = await Promise.all([
    connect("/", { transports: ["websocket"] }),
    connect("/", { transports: ["websocket"] }),
    connect("/", { transports: ["polling"] }),
  ]);
  const senderGot = [];
  sender.on("bcast", (...args) => senderGot.push(args));

  const token = unique("bcast");
  const received = [viaWebsocket, viaPolling].map((client) =>
    onceMatching(client, "bcast", (t) => t === token),
  );
  sender.emit("broadcast", token, { from: "sender" }, [1, 2, 3]);
  for (const args of await Promise.all(received)) {
    assert.deepEqual(args, [token, { from: "sender" }, [1, 2, 3]]);
  }
  // Anything the server had wrongly sent back to the sender arrives before this round trip ends.
  await ack(sender, "echo", "flush");
  assert.deepEqual(
    senderGot.filter(([t]) => t === token),
    [],
  );
});

test("bcast carries binary arguments", { timeout: 10000 }, async () => {
  const [sender, receiver] = await Promise.all([
    connect("/", { transports: ["websocket"] }),
    connect("/", { transports: ["websocket"] }),
  ]);
  const token = unique("bcast-binary");
  const received = onceMatching(receiver, "bcast", (t) => t === token);
  sender.emit("broadcast", token, { blob: Buffer.from([1, 2, 3]) });
  const [, payload] = await received;
  assert.deepEqual(Buffer.from(payload.blob), Buffer.from([1, 2, 3]));
});

test("bcast does not cross into another namespace", { timeout: 10000 }, async () => {
  const [sender, root, admin] = await Promise.all([
    connect("/", { transports: ["websocket"] }),
    connect("/", { transports: ["websocket"] }),
    connect("/admin", { transports: ["websocket"], auth: { token: "secret" } }),
  ]);
  const adminGot = [];
  admin.on("bcast", (...args) => adminGot.push(args));
  const token = unique("bcast-ns");
  const atRoot = onceMatching(root, "bcast", (t) => t === token);
  sender.emit("broadcast", token);
  await atRoot;
  await ack(admin, "echo", "flush");
  assert.deepEqual(adminGot, []);
});
