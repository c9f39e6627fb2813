// A Node socket.io node on the Redis Streams adapter, with connection state recovery.
// Usage: node node-server.js <port> <redis url> <stream name>
// Prints "listening" once ready. Namespace "/": every socket joins "red" and answers
// "emit" commands ({event, args, rooms}) by broadcasting them from this node.
const { createServer } = require("node:http");
const { Server } = require("socket.io");
const { createClient } = require("redis");
const { createAdapter } = require("@socket.io/redis-streams-adapter");

async function main() {
  const [port, url, stream] = process.argv.slice(2);
  const redis = createClient({ url });
  await redis.connect();
  const http = createServer();
  const io = new Server(http, {
    adapter: createAdapter(redis, { streamName: stream, channelPrefix: stream, sessionKeyPrefix: `${stream}:session:` }),
    connectionStateRecovery: { maxDisconnectionDuration: 30000, skipMiddlewares: true },
  });
  io.on("connection", (socket) => {
    if (!socket.recovered) socket.data = { node: "node" };
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
