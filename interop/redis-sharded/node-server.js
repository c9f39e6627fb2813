// A Node socket.io node on the sharded Redis adapter (createShardedAdapter).
// Usage: node node-server.js <port> <redis url> <channel prefix>
// Prints "listening" once ready. Namespace "/": every socket joins "red" and answers
// "emit" commands ({event, args, rooms}) by broadcasting them from this node.
const { createServer } = require("node:http");
const { Server } = require("socket.io");
const { createClient } = require("redis");
const { createShardedAdapter } = require("@socket.io/redis-adapter");

async function main() {
  const [port, url, prefix] = process.argv.slice(2);
  const pubClient = createClient({ url });
  const subClient = pubClient.duplicate();
  await Promise.all([pubClient.connect(), subClient.connect()]);
  const http = createServer();
  const io = new Server(http, {
    adapter: createShardedAdapter(pubClient, subClient, { channelPrefix: prefix }),
  });
  io.on("connection", (socket) => {
    socket.join("red");
    socket.on("emit", async ({ event, args, rooms }, ack) => {
      await io.to(rooms || []).emit(event, ...args);
      if (ack) ack(null);
    });
    socket.emit("welcome", socket.id);
  });
  http.listen(Number(port), "127.0.0.1", () => console.log("listening"));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
