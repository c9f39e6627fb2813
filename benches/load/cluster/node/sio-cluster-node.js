#!/usr/bin/env node
// A Node node of a Redis cluster for the sio-cluster-broadcast scenario of
// cargo xtask bench-load: socket.io 4.8 with @socket.io/redis-adapter 8.3 (node-redis
// publisher and subscriber), default heartbeat, and the events of interop/reference/server.js
// that the load generator uses: `echo` (emitted back, acked when asked) and `broadcast`
// (`bcast` to every other socket of the cluster).
//
//   node sio-cluster-node.js [--host 127.0.0.1] [--port 3000] [--redis redis://127.0.0.1:6379]
"use strict";

const { createServer } = require("node:http");
const { Server } = require("socket.io");
const { createAdapter } = require("@socket.io/redis-adapter");
const { createClient } = require("redis");

function options(argv) {
  const values = { host: "127.0.0.1", port: "3000", redis: "redis://127.0.0.1:6379" };
  for (let i = 0; i < argv.length; i += 2) {
    const name = /^--(host|port|redis)$/.exec(argv[i]);
    if (!name || argv[i + 1] === undefined) {
      console.error(`bad argument ${argv[i]}\nusage: node sio-cluster-node.js [--host H] [--port P] [--redis URL]`);
      process.exit(2);
    }
    values[name[1]] = argv[i + 1];
  }
  return values;
}

async function main() {
  const { host, port, redis } = options(process.argv.slice(2));
  const pub = createClient({ url: redis });
  const sub = pub.duplicate();
  pub.on("error", (e) => console.error(`redis: ${e}`));
  sub.on("error", (e) => console.error(`redis: ${e}`));
  await Promise.all([pub.connect(), sub.connect()]);
  const httpServer = createServer();
  const io = new Server(httpServer, { adapter: createAdapter(pub, sub) });
  io.on("connection", (socket) => {
    socket.on("echo", (...args) => {
      const ack = typeof args[args.length - 1] === "function" ? args.pop() : undefined;
      socket.emit("echo", ...args);
      if (ack) ack(...args);
    });
    socket.on("broadcast", (...args) => {
      if (typeof args[args.length - 1] === "function") args.pop();
      socket.broadcast.emit("bcast", ...args);
    });
  });
  httpServer.listen(Number(port), host, () => console.log(`listening on ${host}:${port}`));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
