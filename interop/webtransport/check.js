// Reads streams written by event-proto's engine::webtransport with engine.io-parser's decoder
// stream, as the Node server and the JavaScript client do.
//
// Input (a file named on the command line): one hex-encoded stream per line.
// Output (stdout): one JSON line per input line, {"packets": [packet], "error": bool}, packets
// described as in generate.js, up to the decoder's first error packet. Each stream is given
// to the decoder in pieces of 1, 2, 3 and 4093 bytes in turn, so that pieces end at many
// places within headers and bodies.
//
// Run by crates/event-proto/tests/webtransport.rs when node_modules is installed.

"use strict";

const fs = require("node:fs");
const { decode } = require("./streams.js");

async function main() {
  const lines = fs.readFileSync(process.argv[2], "utf8").split("\n").filter(Boolean);
  for (const line of lines) {
    const read = await decode(Buffer.from(line, "hex"), Number.MAX_SAFE_INTEGER, [1, 2, 3, 4093]);
    console.log(JSON.stringify(read));
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
