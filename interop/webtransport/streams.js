// engine.io-parser's encoder and decoder streams driven to completion, shared by generate.js
// and check.js.

"use strict";

const parser = require("engine.io-parser");

// Writes `inputs` into a TransformStream while reading everything it produces.
async function collect(stream, inputs) {
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  const out = [];
  const reading = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      out.push(value);
    }
  })();
  for (const input of inputs) await writer.write(input);
  await writer.close();
  await reading;
  return out;
}

// The description of a packet the decoder produced: {"type", "data"?} or {"type", "binary": hex}.
function describe(p) {
  const d = { type: p.type };
  if (Buffer.isBuffer(p.data)) d.binary = p.data.toString("hex");
  else if (p.data !== undefined) d.data = p.data;
  return d;
}

// The bytes createPacketEncoderStream() writes for `packets`.
async function encode(packets) {
  const chunks = await collect(parser.createPacketEncoderStream(), packets);
  return Buffer.concat(chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength)));
}

// What createPacketDecoderStream(maxPayload) reads from `wire` given in pieces of the sizes
// in `steps`, taken in turn: {"packets": [description], "error": bool}, up to its first error
// packet.
async function decode(wire, maxPayload, steps) {
  const pieces = [];
  for (let i = 0, k = 0; i < wire.length; i += steps[k], k = (k + 1) % steps.length) {
    pieces.push(new Uint8Array(wire.subarray(i, i + steps[k])));
  }
  const out = await collect(parser.createPacketDecoderStream(maxPayload, "nodebuffer"), pieces);
  const errorAt = out.findIndex((p) => p.type === "error");
  const packets = (errorAt < 0 ? out : out.slice(0, errorAt)).map(describe);
  return { packets, error: errorAt >= 0 };
}

module.exports = { describe, encode, decode };
