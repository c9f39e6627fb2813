// Decodes packets written by event-proto with socket.io-msgpack-parser's Decoder (which runs
// its checks) and writes each back with socket.io-parser, the default JSON parser, so the
// caller can compare the packets the two parsers carry.
//
// Input (a file named on the command line): one hex-encoded MessagePack packet per line.
// Output (stdout): one JSON line per input line, {"json": text, "attachments": [hex]} or
// {"error": the decoder's message}.
//
// Run by crates/event-proto/tests/msgpack_interop.rs when node_modules is installed.

"use strict";

const fs = require("node:fs");
const msgpackParser = require("socket.io-msgpack-parser");
const jsonParser = require("socket.io-parser");

const input = fs.readFileSync(process.argv[2], "utf8").split("\n").filter(Boolean);
for (const line of input) {
  let packet;
  try {
    const decoder = new msgpackParser.Decoder();
    decoder.on("decoded", (p) => (packet = p));
    decoder.add(Buffer.from(line, "hex"));
  } catch (e) {
    console.log(JSON.stringify({ error: e.message }));
    continue;
  }
  const [json, ...attachments] = new jsonParser.Encoder().encode(packet);
  console.log(JSON.stringify({ json, attachments: attachments.map((a) => Buffer.from(a).toString("hex")) }));
}
