// One Node node of a test cluster: socket.io 4.8 with @socket.io/redis-adapter 8.3 on
// 127.0.0.1:<port>, following the contract of README.md (as crates/adapter-redis's
// cluster_node example does).
//
//   node node-server.js <port> <redis url> <node name>

"use strict";

const { createServer } = require("node:http");
const { Server } = require("socket.io");
const { createAdapter } = require("@socket.io/redis-adapter");
const { createClient } = require("redis");

const [port, url, name] = process.argv.slice(2);
const requestsTimeout = Number(process.env.REQUESTS_TIMEOUT_MS || 5000);

const sorted = (list) => [...list].sort();
const byText = (a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1);

async function run(io, cmd) {
  const nsp = io.of("/");
  const rooms = cmd.rooms || [];
  const except = cmd.except || [];
  const args = [...(cmd.args || [])];
  if (cmd.binary) args.push(Buffer.from([1, 2, 3]));
  const target = () => nsp.to(rooms).except(except);
  switch (cmd.op) {
    case "emit":
      target().emit(cmd.event, ...args);
      return null;
    case "fetch": {
      const sockets = await target().fetchSockets();
      return sockets
        .map((s) => ({
          id: s.id,
          rooms: sorted(s.rooms),
          data: s.data,
          auth: s.handshake.auth,
          hasHeaders: typeof s.handshake.headers === "object" && s.handshake.headers !== null,
          url: s.handshake.url,
        }))
        .sort((a, b) => (a.id < b.id ? -1 : 1));
    }
    case "join":
      target().socketsJoin(cmd.room);
      return null;
    case "leave":
      target().socketsLeave(cmd.room);
      return null;
    case "disconnect":
      target().disconnectSockets(cmd.close === true);
      return null;
    case "ssemit":
      nsp.serverSideEmit(cmd.event, ...args);
      return null;
    case "ssemitack": {
      const answers = await nsp.serverSideEmitWithAck(cmd.event, ...args);
      return answers.sort(byText);
    }
    case "bcastack": {
      try {
        const answers = await target().timeout(cmd.timeout || 2000).emitWithAck(cmd.event, ...args);
        return answers.sort(byText);
      } catch (e) {
        return { error: String(e), partial: (e.responses || []).sort(byText) };
      }
    }
    case "rooms":
      return sorted(await nsp.adapter.allRooms());
    case "count":
      return await nsp.adapter.serverCount();
    default:
      return { error: `unknown op ${cmd.op}` };
  }
}

async function main() {
  const pub = createClient({ url });
  const sub = pub.duplicate();
  pub.on("error", () => {});
  sub.on("error", () => {});
  await Promise.all([pub.connect(), sub.connect()]);
  const httpServer = createServer();
  const io = new Server(httpServer, {
    adapter: createAdapter(pub, sub, { requestsTimeout }),
  });
  const nsp = io.of("/");
  nsp.on("connection", (socket) => {
    const auth = socket.handshake.auth || {};
    socket.data = { node: name, user: auth.user };
    if (Array.isArray(auth.rooms)) socket.join(auth.rooms);
    socket.emit("ready");
    socket.on("do", async (cmd, ack) => {
      let answer;
      try {
        answer = await run(io, cmd);
      } catch (e) {
        answer = { error: String(e && e.message ? e.message : e) };
      }
      if (typeof ack === "function") ack(answer);
    });
  });
  nsp.on("ss-ping", (arg, ack) => {
    if (typeof ack === "function") ack(`${name}:${arg}`);
  });
  nsp.on("ss-note", (...args) => {
    nsp.local.emit("ss-note-seen", name, args);
  });
  httpServer.listen(Number(port), "127.0.0.1", () => {
    console.log(`cluster node ${name} on port ${port}`);
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
