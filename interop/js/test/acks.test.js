// Acknowledgements in both directions.
"use strict";

const { test } = require("node:test");
const assert = require("node:assert/strict");
const { WAIT_MS, ack, connect } = require("../lib/helpers");

test("client-to-server ack resolves emitWithAck with the echoed value", { timeout: 10000 }, async () => {
  const client = await connect("/", { transports: ["websocket"] });
  assert.equal(await client.emitWithAck("echo", "acked"), "acked");
  assert.deepEqual(await ack(client, "echo", { n: [1, 2, 3] }), { n: [1, 2, 3] });
});

test("client-to-server ack carries several arguments", { timeout: 10000 }, async () => {
  const client = await connect("/", { transports: ["websocket"] });
  const answer = await new Promise((resolve, reject) => {
    client.timeout(WAIT_MS).emit("echo", "a", 2, { c: 3 }, (err, ...args) => (err ? reject(err) : resolve(args)));
  });
  assert.deepEqual(answer, ["a", 2, { c: 3 }]);
});

test("concurrent acks are matched to their own requests", { timeout: 10000 }, async () => {
  const client = await connect("/", { transports: ["websocket"] });
  const values = Array.from({ length: 30 }, (_, i) => `request-${i}`);
  const answers = await Promise.all(values.map((value) => ack(client, "echo", value)));
  assert.deepEqual(answers, values);
});

test("server-to-client ack: the client's answer comes back through request-ack", { timeout: 10000 }, async () => {
  const client = await connect("/", { transports: ["websocket"] });
  let asked;
  client.on("server-ack-request", (message, callback) => {
    asked = message;
    callback("pong");
  });
  assert.equal(await ack(client, "request-ack"), "pong");
  assert.equal(asked, "ping");
});

test("server-to-client ack with a binary answer", { timeout: 10000 }, async () => {
  const client = await connect("/", { transports: ["websocket"] });
  client.on("server-ack-request", (_message, callback) => {
    callback({ ok: true, data: Buffer.from([1, 2, 3, 250]) });
  });
  const answer = await ack(client, "request-ack");
  assert.equal(answer.ok, true);
  assert.deepEqual(Buffer.from(answer.data), Buffer.from([1, 2, 3, 250]));
});

test("server-to-client ack over polling", { timeout: 10000 }, async () => {
  const client = await connect("/", { transports: ["polling"] });
  client.on("server-ack-request", (message, callback) => callback(`${message}-pong`));
  assert.equal(await ack(client, "request-ack"), "ping-pong");
});

test("server-to-client ack times out when the client never answers", { timeout: 15000 }, async () => {
  const client = await connect("/", { transports: ["websocket"] });
  client.on("server-ack-request", () => {
    // Deliberately no answer: the server gives up after 5 s.
  });
  const started = Date.now();
  const answer = await client.timeout(10000).emitWithAck("request-ack");
  assert.equal(answer, "timeout");
  assert.ok(Date.now() - started >= 4000, "the server waited for its 5 s ack timeout");
});
