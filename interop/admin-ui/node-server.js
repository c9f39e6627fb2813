// Node's socket.io 4.8 with the official instrumentation of @socket.io/admin-ui, the same
// application as wsio-admin-ui's `admin_ui` example: a client of `/` whose `auth` carries a
// `name` keeps it as its data, and joins the `room` it names. The reference the browser check
// (e2e.js) is run against, to show that it tells a working server. With `--redis URL` it
// joins a cluster through @socket.io/redis-adapter (channel prefix `--redis-key`, default
// `socket.io`), as wsio-admin-ui's mixed cluster test does beside a wsio server; without
// `--auth` the admin namespace accepts anyone.
//
//   node node-server.js --port 3001 --cors-origin http://127.0.0.1:8080 \
//     --auth admin:changeit --server-id node-reference [--redis redis://127.0.0.1:6379]

"use strict";

const http = require("http");
const { Server } = require("socket.io");
const { instrument } = require("@socket.io/admin-ui");
const bcrypt = require("bcryptjs");

function options(argv) {
  const opts = {
    port: 3000,
    origins: [],
    auth: null,
    serverId: undefined,
    redis: null,
    redisKey: "socket.io",
  };
  for (let i = 0; i < argv.length; i += 2) {
    const [name, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${name} needs a value`);
    if (name === "--port") opts.port = Number(value);
    else if (name === "--cors-origin") opts.origins.push(value);
    else if (name === "--auth") opts.auth = value;
    else if (name === "--server-id") opts.serverId = value;
    else if (name === "--redis") opts.redis = value;
    else if (name === "--redis-key") opts.redisKey = value;
    else throw new Error(`unknown option ${name}`);
  }
  return opts;
}

// The Redis adapter, on connected publisher and subscriber clients.
async function redisAdapter(url, key) {
  const { createAdapter } = require("@socket.io/redis-adapter");
  const { createClient } = require("redis");
  const pub = createClient({ url });
  const sub = pub.duplicate();
  pub.on("error", () => {});
  sub.on("error", () => {});
  await Promise.all([pub.connect(), sub.connect()]);
  return createAdapter(pub, sub, { key, requestsTimeout: 2000 });
}

async function main() {
  const opts = options(process.argv.slice(2));
  // Loopback only: `new Server(port)` would listen on every interface (and, dual-stack on
  // `::`, collide with any other use of the port number on this machine).
  const httpServer = http.createServer();
  const io = new Server(httpServer, {
    cors: { origin: opts.origins, credentials: true },
    ...(opts.redis ? { adapter: await redisAdapter(opts.redis, opts.redisKey) } : {}),
  });
  io.on("connection", (socket) => {
    const { name, room } = socket.handshake.auth;
    if (name) socket.data.name = name;
    if (room) socket.join(room);
    socket.emit("welcome", socket.id);
  });

  let auth = false;
  if (opts.auth) {
    const [username, password] = opts.auth.split(":");
    auth = { type: "basic", username, password: bcrypt.hashSync(password, 4) };
  }
  instrument(io, { auth, mode: "development", serverId: opts.serverId });
  httpServer.listen(opts.port, "127.0.0.1", () => {
    console.log(`listening on http://127.0.0.1:${opts.port}`);
  });
  process.on("SIGTERM", () => io.close(() => process.exit(0)));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
