// Writes the reference vectors of event-proto's MessagePack parser:
// crates/event-proto/tests/fixtures/msgpack/npm.jsonl, and the same bytes as the seeds of the
// msgpack_packet fuzz target (fuzz/seeds/msgpack_packet/<name>).
//
// Every line is one packet encoded by socket.io-msgpack-parser 3.0.2 (notepack.io 2.2):
//   {"name", "msgpack": hex, "json": socket.io-parser's text, "attachments": [hex],
//    "exact": true when event-proto must write the very same bytes}
// or one that its Decoder refuses: {"name", "msgpack": hex, "error": its message}.
//
// The packets come from two places: hand-built packet objects given to the Encoder, and the
// packets a real socket.io 4.8.4 server and socket.io-client 4.8.4 hand their parser during a
// WebSocket session (connect with auth, events with acks and binary, broadcast, a refused
// namespace, disconnects). "json" is what the default parser writes for the same packet, so
// a test can compare the two parsers' decodings.
//
// Usage: npm ci && node generate.js   (run from this folder)

"use strict";

const fs = require("node:fs");
const http = require("node:http");
const path = require("node:path");
const msgpackParser = require("socket.io-msgpack-parser");
const jsonParser = require("socket.io-parser");
const { Server } = require("socket.io");
const ioc = require("socket.io-client");
const notepack = require("notepack.io");

const OUT = path.join(__dirname, "../../crates/event-proto/tests/fixtures/msgpack/npm.jsonl");
// Every vector is also a seed of the msgpack_packet fuzz target, one file each.
const SEEDS = path.join(__dirname, "../../fuzz/seeds/msgpack_packet");
const lines = [];

// True when nothing in `v` is written by notepack as something event-proto does not write
// back identically (undefined, Date, typed arrays, non-integral numbers that are integral...).
function plain(v) {
  if (v === undefined || v instanceof Date) return false;
  if (Buffer.isBuffer(v)) return true;
  if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) return false;
  if (typeof v === "number") return !Number.isInteger(v) || Math.abs(v) < 2 ** 63;
  if (Array.isArray(v)) return v.every(plain);
  if (v !== null && typeof v === "object") return Object.values(v).every(plain);
  return true;
}

function jsonOf(packet) {
  const [head, ...attachments] = new jsonParser.Encoder().encode(packet);
  return { json: head, attachments: attachments.map((a) => Buffer.from(a).toString("hex")) };
}

function record(name, packet, encoded) {
  const keys = Object.keys(packet);
  const canonical = ["type", "data", "id", "nsp"].filter((k) => keys.includes(k));
  // A string CONNECT_ERROR is read as {message}, so it is written back differently.
  const stringError = packet.type === 4 && typeof packet.data === "string";
  const exact = JSON.stringify(keys) === JSON.stringify(canonical) && !stringError &&
    (!keys.includes("data") || plain(packet.data));
  // The reference decoder must accept what the reference encoder wrote.
  new msgpackParser.Decoder().add(encoded);
  lines.push({ name, msgpack: Buffer.from(encoded).toString("hex"), ...jsonOf(packet), exact });
}

function refused(name, value) {
  const bytes = Buffer.isBuffer(value) ? value : notepack.encode(value);
  try {
    new msgpackParser.Decoder().add(bytes);
  } catch (e) {
    lines.push({ name, msgpack: bytes.toString("hex"), error: e.message });
    return;
  }
  throw new Error(`${name}: the reference decoder accepted it`);
}

// Hand-built packets, given to the Encoder as socket.io would build them.
const encoder = new msgpackParser.Encoder();
function encoded(name, packet) {
  record(name, packet, encoder.encode(packet)[0]);
}

const E = 2, A = 3;
encoded("event_root", { type: E, data: ["hello"], nsp: "/" });
encoded("event_ns_ack", { type: E, data: ["chat", "hi"], id: 7, nsp: "/chat" });
encoded("event_numbers", {
  type: E,
  data: ["n", 0, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296, 2 ** 53 - 1,
    -1, -32, -33, -128, -129, -32768, -32769, -2147483648, -2147483649, -(2 ** 53 - 1),
    1.5, -0.25, 5e-324, 1.0, -0],
  nsp: "/",
});
// notepack writes every integral number as an integer, those of 2^64 and more wrapped.
encoded("quirk_huge_integral", { type: E, data: ["q", 2 ** 64, 2 ** 64 + 2 ** 12], nsp: "/" });
encoded("event_strings", {
  type: E,
  data: ["s", "", "x".repeat(31), "x".repeat(32), "é✓😀", "y".repeat(255), "z".repeat(256)],
  nsp: "/",
});
encoded("event_containers", {
  type: E,
  data: ["c", [], {}, Array.from({ length: 16 }, (_, i) => i),
    Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, i])),
    { nested: { deeper: [[[null, true, false]]] } }],
  nsp: "/",
});
encoded("event_binary", {
  type: E,
  data: ["file", Buffer.from([1, 2, 3]), { inner: Buffer.alloc(300, 7), list: [Buffer.alloc(0)] }],
  nsp: "/upload",
});
encoded("event_arraybuffer", {
  type: E,
  data: ["ab", new Uint8Array([4, 5, 6]).buffer, new Uint8Array([8, 9])],
  nsp: "/",
});
encoded("event_date_undefined", {
  type: E,
  data: ["d", new Date(Date.UTC(2021, 0, 1, 0, 0, 0, 123)), { gone: undefined, kept: 1 }, [undefined]],
  nsp: "/",
});
encoded("ack_binary", { id: 12, type: A, data: [Buffer.from("ok")], nsp: "/" });
encoded("ack_empty", { type: A, data: [], id: 0, nsp: "/" });
encoded("ack_big_id", { type: A, data: [], id: 2 ** 32, nsp: "/" });
encoded("connect_auth", { type: 0, data: { token: "abc" }, nsp: "/admin" });
encoded("connect_no_auth", { type: 0, data: undefined, nsp: "/" });
encoded("connect_error", { type: 4, data: { message: "Not authorized", data: { code: 3 } }, nsp: "/" });
encoded("connect_error_string", { type: 4, data: "Unable to connect", nsp: "/" });
encoded("disconnect", { type: 1, nsp: "/chat" });

// What the reference decoder refuses.
refused("bad_type_binary_event", { type: 5, data: ["e"], nsp: "/" });
refused("bad_type_missing", { data: ["e"], nsp: "/" });
refused("bad_type_string", { type: "2", data: ["e"], nsp: "/" });
refused("bad_type_fraction", { type: 2.5, data: ["e"], nsp: "/" });
refused("bad_nsp_missing", { type: 2, data: ["e"] });
refused("bad_nsp_number", { type: 2, data: ["e"], nsp: 1 });
refused("bad_data_event_object", { type: 2, data: { e: 1 }, nsp: "/" });
refused("bad_data_ack_missing", { type: 3, id: 1, nsp: "/" });
refused("bad_data_disconnect", { type: 1, data: [], nsp: "/" });
refused("bad_data_connect_array", { type: 0, data: [], nsp: "/" });
refused("bad_data_connect_error_number", { type: 4, data: 1, nsp: "/" });
refused("bad_id_string", { type: 3, data: [], id: "1", nsp: "/" });
refused("bad_id_fraction", { type: 3, data: [], id: 1.5, nsp: "/" });
refused("bad_trailing", Buffer.concat([notepack.encode({ type: 1, nsp: "/" }), Buffer.from([0])]));
refused("bad_marker_c1", Buffer.from([0xc1]));
refused("bad_cut_short", notepack.encode({ type: 2, data: ["e"], nsp: "/" }).subarray(0, 12));

// Seeds only (not vectors): input the reference decoder takes or trips on, where event-proto
// applies its limits instead.
const seedsOnly = [];
let deep = ["deep"];
for (let i = 0; i < 200; i++) deep = [deep];
seedsOnly.push(["seed_deep_nesting", notepack.encode({ type: E, data: ["d", deep], nsp: "/" })]);
const lying = notepack.encode({ type: E, data: ["l", Buffer.from([1])], nsp: "/" });
lying.writeUInt8(0xc6, lying.indexOf(Buffer.from([0xc4, 0x01, 0x01])));
seedsOnly.push(["seed_lying_length", Buffer.concat([lying.subarray(0, lying.length - 8), Buffer.from([0xff, 0xff, 0xff, 0xff])])]);

// A live session: every packet the server and the client hand their parser.
function recordingParser(side) {
  let count = 0;
  class Encoder extends msgpackParser.Encoder {
    encode(packet) {
      const out = super.encode(packet);
      const kind = ["connect", "disconnect", "event", "ack", "connect_error"][packet.type];
      record(`${side}_${String(++count).padStart(2, "0")}_${kind}`, packet, out[0]);
      return out;
    }
  }
  return { Encoder, Decoder: msgpackParser.Decoder };
}

async function session() {
  const httpServer = http.createServer();
  const io = new Server(httpServer, { parser: recordingParser("server") });
  io.of("/private").use((socket, next) => {
    const err = new Error("not authorized");
    err.data = { reason: "bad token", token: socket.handshake.auth.token };
    next(err);
  });
  io.on("connection", (socket) => {
    socket.on("echo", (...args) => args.pop()(...args));
    socket.on("ask", () => {
      socket.emit("welcome", { n: 1, f: 1.5, neg: -300, s: "é✓😀", bin: Buffer.from([1, 2, 3]),
        date: new Date(0), nothing: null, undef: undefined }, Buffer.alloc(20, 1));
      socket.emit("question", "ready?", () => io.emit("broadcast", "all", [1, 2, { x: Buffer.from("y") }]));
    });
    socket.on("leave", () => socket.disconnect());
  });
  await new Promise((r) => httpServer.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${httpServer.address().port}`;
  const options = { parser: recordingParser("client"), transports: ["websocket"], forceNew: true };

  const client = ioc(url, { ...options, auth: { token: "abc" } });
  const broadcast = new Promise((r) => client.on("broadcast", r));
  client.on("question", (_q, ack) => ack("yes", Buffer.from([9])));
  await new Promise((r) => client.on("connect", r));
  await client.emitWithAck("echo", "text", 42, Buffer.from([0, 255]), new Uint8Array([1, 2]), { deep: [Buffer.from("z")] });
  client.emit("ask");
  await broadcast;
  const gone = new Promise((r) => client.on("disconnect", r));
  client.emit("leave");
  await gone;

  const refusedClient = ioc(`${url}/private`, { ...options, auth: { token: "nope" } });
  await new Promise((r) => refusedClient.on("connect_error", r));
  refusedClient.close();
  const missing = ioc(`${url}/missing`, options);
  await new Promise((r) => missing.on("connect_error", r));
  missing.close();

  const last = ioc(url, options);
  await new Promise((r) => last.on("connect", r));
  last.disconnect();
  await new Promise((r) => setTimeout(r, 100));
  io.close();
}

session().then(() => {
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
  fs.rmSync(SEEDS, { recursive: true, force: true });
  fs.mkdirSync(SEEDS, { recursive: true });
  for (const l of lines) fs.writeFileSync(path.join(SEEDS, l.name), Buffer.from(l.msgpack, "hex"));
  for (const [name, bytes] of seedsOnly) fs.writeFileSync(path.join(SEEDS, name), bytes);
  console.log(`${lines.length} vectors written to ${path.relative(process.cwd(), OUT)}`);
  process.exit(0);
});
