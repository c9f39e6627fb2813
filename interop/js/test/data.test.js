// Payload types round-tripped through `echo`, as an event and as an ack, on each transport.
"use strict";

const { describe, test } = require("node:test");
const assert = require("node:assert/strict");
const crypto = require("node:crypto");
const { PARSER, WAIT_MS, ack, connect, once } = require("../lib/helpers");

/// Every Buffer-like value (Buffer, ArrayBuffer, typed array) turned into a Buffer, recursively,
/// so received binary compares equal to what was sent whatever type the client decoded it to.
function normalize(value) {
  if (Buffer.isBuffer(value)) return Buffer.from(value);
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (Array.isArray(value)) return value.map(normalize);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v)]));
  }
  return value;
}

/// Sends `args` with `echo` and checks both the `echo` event and the ack carry them back.
async function assertEchoes(client, ...args) {
  const event = once(client, "echo");
  const answer = await new Promise((resolve, reject) => {
    client.timeout(WAIT_MS).emit("echo", ...args, (err, ...acked) => (err ? reject(err) : resolve(acked)));
  });
  assert.deepEqual(normalize(answer), normalize(args), "ack arguments");
  assert.deepEqual(normalize(await event), normalize(args), "echo event arguments");
}

const UNICODE = [
  "héllo wörld",
  "日本語のテキスト",
  "emoji 🎉👍🏽 and a family 👨‍👩‍👧‍👦",
  "combining e\u0301 and RTL \u05e9\u05dc\u05d5\u05dd",
  "controls \u0000 \u001e \u2028 \u2029 \t\n\r",
  "lone-looking quotes \" ' \\ and a json-ish [1,{\"a\":2}]",
];

const NESTED = {
  name: "nested",
  list: [1, "two", { three: [3, 3, 3] }, [], {}],
  deep: { a: { b: { c: { d: { e: "bottom" } } } } },
  flags: { yes: true, no: false, nothing: null },
  "key with spaces and ü": 1,
};

for (const transport of ["websocket", "polling"]) {
  describe(`payloads over ${transport}`, () => {
    const open = () => connect("/", { transports: [transport] });

    test("strings, including the empty string", { timeout: 10000 }, async () => {
      const client = await open();
      await assertEchoes(client, "hello");
      await assertEchoes(client, "");
      await assertEchoes(client, "a".repeat(10000));
    });

    test("numbers, booleans and null", { timeout: 10000 }, async () => {
      const client = await open();
      // socket.io-msgpack-parser writes integral numbers as MessagePack integers and wraps
      // those beyond 2^64 (1e21 comes back as 3875820019684212700, from Node's own server too).
      const large = PARSER === "msgpack" ? [] : [1e21];
      for (const value of [0, -1, 42, 3.14159, -2.5e-8, ...large, Number.MAX_SAFE_INTEGER, true, false, null]) {
        await assertEchoes(client, value);
      }
    });

    test("nested objects and arrays", { timeout: 10000 }, async () => {
      const client = await open();
      await assertEchoes(client, NESTED);
      await assertEchoes(client, [NESTED, [NESTED]]);
    });

    test("several arguments in one event", { timeout: 10000 }, async () => {
      const client = await open();
      await assertEchoes(client, 1, "two", { three: 3 }, [4], null, true);
    });

    test("an event with no arguments", { timeout: 10000 }, async () => {
      const client = await open();
      await assertEchoes(client);
    });

    test("unicode and escaped control characters", { timeout: 10000 }, async () => {
      const client = await open();
      for (const text of UNICODE) await assertEchoes(client, text);
      await assertEchoes(client, UNICODE);
      await assertEchoes(client, { [UNICODE[1]]: UNICODE[2] });
    });

    test("a 1 MiB string", { timeout: 15000 }, async () => {
      const client = await open();
      const big = "x".repeat(1024 * 1024 - 7) + "-end-ü";
      await assertEchoes(client, big);
    });

    test("binary Buffer", { timeout: 10000 }, async () => {
      const client = await open();
      await assertEchoes(client, Buffer.from([0, 1, 2, 3, 254, 255]));
      await assertEchoes(client, Buffer.alloc(0));
    });

    test("binary nested in objects and arrays, mixed with JSON", { timeout: 10000 }, async () => {
      const client = await open();
      const payload = {
        file: Buffer.from("first attachment"),
        list: [Buffer.from([9, 8, 7]), { deep: Buffer.from([0xde, 0xad, 0xbe, 0xef]) }, "text"],
        count: 3,
      };
      await assertEchoes(client, payload, Buffer.from("second argument"), "plain");
    });

    test("a 1 MiB binary Buffer", { timeout: 15000 }, async () => {
      const client = await open();
      await assertEchoes(client, crypto.randomBytes(1024 * 1024));
    });
  });
}
