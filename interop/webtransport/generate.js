// Writes the reference vectors of event-proto's WebTransport stream framing:
// crates/event-proto/tests/fixtures/webtransport/npm.jsonl, and the small ones as seeds of the
// webtransport_stream fuzz target (fuzz/seeds/webtransport_stream/<name>).
//
// Two kinds of line, both made with engine.io-parser 5.2.3:
//   {"name", "packets": [packet], "wire": hex}
//     packets given to createPacketEncoderStream() and the bytes it wrote; its decoder stream
//     must read the same packets back (or, with "refused": true, its error packet). A large vector has "header" (hex) instead of "wire":
//     its wire is that header followed by the body of its one "fill" packet (below).
//   {"name", "wire": hex, "maxPayload": n, "packets": [packet], "error": bool}
//     bytes given to createPacketDecoderStream(maxPayload), the packets it read and whether it
//     then produced its error packet (after which nothing more is read).
// A packet is {"type", "data"?: text} or {"type": "message", "binary": hex}; "data" and
// "binary" may instead be {"fill": n}: n characters "abc...zab..." (text) or n bytes whose
// byte i is (7 i + 3) mod 256 (binary).
//
// Usage: npm ci && node generate.js   (run from this folder)

"use strict";

const fs = require("node:fs");
const path = require("node:path");
const { describe, encode, decode } = require("./streams.js");

const OUT = path.join(__dirname, "../../crates/event-proto/tests/fixtures/webtransport/npm.jsonl");
const SEEDS = path.join(__dirname, "../../fuzz/seeds/webtransport_stream");
// Vectors up to this size are also fuzz seeds.
const SEED_MAX = 4096;

function fillText(n) {
  let s = "";
  for (let i = 0; i < n; i++) s += String.fromCharCode(97 + (i % 26));
  return s;
}

function fillBinary(n) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (7 * i + 3) & 0xff;
  return b;
}

// The packet object engine.io hands the encoder, from its description in the fixture.
function toPacket(d) {
  const p = { type: d.type };
  if (d.binary !== undefined) p.data = d.binary.fill !== undefined ? fillBinary(d.binary.fill) : Buffer.from(d.binary, "hex");
  else if (d.data !== undefined) p.data = d.data.fill !== undefined ? fillText(d.data.fill) : d.data;
  return p;
}

const lines = [];
const seeds = [];

// `refused`: the decoder must answer the encoder's bytes with its error packet (an empty body).
async function encoded(name, packets, refused = false) {
  const wire = await encode(packets.map(toPacket));
  // Read back whole and a byte at a time: the same packets, no error.
  for (const step of [wire.length || 1, 1]) {
    const back = await decode(wire, Number.MAX_SAFE_INTEGER, [step]);
    const want = refused ? [] : packets.map((d) => describe(toPacket(d)));
    if (back.error !== refused || JSON.stringify(back.packets) !== JSON.stringify(want)) {
      throw new Error(`${name}: the reference decoder read ${JSON.stringify(back)}`);
    }
  }
  const fill = packets.length === 1 && [packets[0].data, packets[0].binary].some((v) => v && v.fill !== undefined);
  if (fill) {
    const body = packets[0].binary !== undefined ? fillBinary(packets[0].binary.fill) : Buffer.from("4" + fillText(packets[0].data.fill));
    const header = wire.subarray(0, wire.length - body.length);
    if (!wire.subarray(header.length).equals(body)) throw new Error(`${name}: unexpected body`);
    lines.push({ name, packets, header: header.toString("hex") });
  } else {
    lines.push({ name, packets, wire: wire.toString("hex"), ...(refused ? { refused } : {}) });
  }
  if (wire.length <= SEED_MAX) seeds.push([name, wire]);
}

async function decoded(name, wireHex, maxPayload) {
  const wire = Buffer.from(wireHex, "hex");
  const whole = await decode(wire, maxPayload, [wire.length || 1]);
  const bytewise = await decode(wire, maxPayload, [1]);
  if (JSON.stringify(whole) !== JSON.stringify(bytewise)) {
    throw new Error(`${name}: the decoder depends on the chunks: ${JSON.stringify([whole, bytewise])}`);
  }
  lines.push({ name, wire: wireHex, maxPayload, ...whole });
  seeds.push([name, wire]);
}

async function main() {
  // Every packet type, and the first packets of a session.
  await encoded("open_new_session", [{ type: "open" }]);
  await encoded("open_upgrade", [{ type: "open", data: '{"sid":"lv_VI97HAXpY6yYWAAAC"}' }]);
  await encoded("server_handshake", [
    { type: "open", data: '{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}' },
    { type: "message", data: "0" },
  ]);
  await encoded("probe", [{ type: "ping", data: "probe" }, { type: "pong", data: "probe" }, { type: "upgrade" }]);
  await encoded("heartbeat", [{ type: "ping" }, { type: "pong" }]);
  await encoded("close_and_noop", [{ type: "noop" }, { type: "close" }]);
  await encoded("socket_io_event", [{ type: "message", data: '42["hello","wörld ✓ 🦀"]' }]);
  await encoded("binary_attachment", [
    { type: "message", data: '451-["file",{"_placeholder":true,"num":0}]' },
    { type: "message", binary: "00ff7f80" },
  ]);
  await encoded("binary_one_byte", [{ type: "message", binary: "2a" }]);
  // Written as 0x80, which the decoder refuses like any body of length zero.
  await encoded("binary_empty", [{ type: "message", binary: "" }], true);
  // The length forms at their boundaries (text bodies count the type digit).
  for (const n of [125, 126, 127, 65535, 65536, 70000]) {
    await encoded(`binary_${n}`, [{ type: "message", binary: { fill: n } }]);
    await encoded(`text_${n}`, [{ type: "message", data: { fill: n - 1 } }]);
  }
  await encoded("mixed_forms", [
    { type: "message", data: { fill: 124 } },
    { type: "message", binary: { fill: 126 } },
    { type: "message", data: { fill: 200 } },
    { type: "message", binary: "01" },
  ]);

  // What the reference decoder makes of bytes its encoder never writes.
  const MAX = Number.MAX_SAFE_INTEGER;
  await decoded("long_forms_for_short_bodies", "7e00023461ff000000000000000109", MAX);
  await decoded("over_limit_7bit", "0b34" + "61".repeat(10), 10);
  await decoded("at_limit_7bit", "0a34" + "61".repeat(9), 10);
  await decoded("over_limit_16bit", "fe03e9" + "00".repeat(1001), 1000);
  await decoded("over_limit_64bit_no_body", "7f00000000001e8481", 1000000);
  await decoded("length_2_pow_53", "ff0020000000000000", MAX);
  await decoded("length_u64_max", "ffffffffffffffffff", MAX);
  await decoded("length_2_pow_53_minus_1_waits", "7f001fffffffffffff3461", MAX);
  await decoded("zero_text", "00", MAX);
  await decoded("zero_binary", "80", MAX);
  await decoded("message_then_zero", "02347800", MAX);
  await decoded("unknown_type", "0139", MAX);
  await decoded("invalid_utf8", "0234ff", MAX);
  await decoded("truncated_utf8", "0234c3", MAX);
  await decoded("base64_in_text", "056241513d3d", MAX);
  await decoded("partial_header", "7e00", MAX);

  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
  fs.rmSync(SEEDS, { recursive: true, force: true });
  fs.mkdirSync(SEEDS, { recursive: true });
  // A seed's first byte is the fuzz body's control byte: unlimited payload, pieces of 1 + i
  // bytes (see fuzz/bodies/webtransport_stream.rs).
  seeds.forEach(([name, wire], i) => {
    fs.writeFileSync(path.join(SEEDS, name), Buffer.concat([Buffer.from([((i % 64) << 2) | 3]), wire]));
  });
  console.log(`${lines.length} vectors written to ${path.relative(process.cwd(), OUT)}, ${seeds.length} seeds`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
