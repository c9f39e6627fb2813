#!/usr/bin/env node
// Memory after a burst of Socket.IO clients: connects N socket.io-client sockets to a server,
// closes them all, and reads the server's resident memory (VmRSS of its pid) before, at its
// peak (sampled every 50 ms) and 5 s after the last client left, round after round.
//
//   node burst.js --url http://127.0.0.1:3000 --pid PID [--clients 2000] [--rounds 3]
//                 [--transports polling,websocket] [--settle-ms 5000]
//
// The default transports are socket.io-client's own: long-polling first, then the upgrade to
// WebSocket. Prints one line per round and a final JSON line with every figure, in KiB.
"use strict";

const fs = require("node:fs");
const { io } = require("socket.io-client");

function parse(argv) {
  const options = { clients: 2000, rounds: 3, transports: "polling,websocket", "settle-ms": 5000 };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, "");
    if (!(name in options) && name !== "url" && name !== "pid") {
      console.error(`unknown argument ${argv[i]}`);
      process.exit(2);
    }
    options[name] = argv[i + 1];
  }
  if (!options.url || !options.pid) {
    console.error("usage: node burst.js --url URL --pid PID [--clients N] [--rounds N]");
    process.exit(2);
  }
  for (const name of ["clients", "rounds", "settle-ms", "pid"]) options[name] = Number(options[name]);
  return options;
}

function rssKib(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function connectOne(url, transports) {
  return new Promise((resolve, reject) => {
    const socket = io(url, { transports: transports.split(","), forceNew: true, reconnection: false, timeout: 20000 });
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", (err) => {
      socket.close();
      reject(err);
    });
  });
}

async function round(options) {
  const before = rssKib(options.pid);
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssKib(options.pid));
  }, 50);
  const sockets = [];
  let errors = 0;
  // 200 handshakes in flight at a time.
  for (let start = 0; start < options.clients; start += 200) {
    const batch = Math.min(200, options.clients - start);
    const results = await Promise.allSettled(
      Array.from({ length: batch }, () => connectOne(options.url, options.transports)),
    );
    for (const result of results) {
      if (result.status === "fulfilled") sockets.push(result.value);
      else errors += 1;
    }
  }
  await sleep(500);
  peak = Math.max(peak, rssKib(options.pid));
  for (const socket of sockets) socket.close();
  await sleep(options["settle-ms"]);
  clearInterval(sampler);
  const after = rssKib(options.pid);
  return { before, peak, after, connected: sockets.length, errors };
}

async function main() {
  const options = parse(process.argv.slice(2));
  const rounds = [];
  for (let n = 1; n <= options.rounds; n++) {
    const r = await round(options);
    rounds.push(r);
    console.log(
      `round ${n}: ${r.connected} connected, ${r.errors} errors; RSS before ${(r.before / 1024).toFixed(1)} MiB, ` +
        `peak ${(r.peak / 1024).toFixed(1)} MiB, ${options["settle-ms"] / 1000} s after ${(r.after / 1024).toFixed(1)} MiB`,
    );
  }
  console.log(JSON.stringify({ clients: options.clients, transports: options.transports, rounds }));
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
