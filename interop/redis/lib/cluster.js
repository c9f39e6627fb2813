// Processes and clients of the mixed-cluster tests: a private redis-server, Node and wsio
// nodes, socket.io-client connections. Every process started here is stopped by its pid.

"use strict";

const { spawn } = require("node:child_process");
const net = require("node:net");
const path = require("node:path");
const { io: connect } = require("socket.io-client");

const REQUESTS_TIMEOUT_MS = 2000;
const children = new Set();

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitForPort(port, ms = 15000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, "127.0.0.1");
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`nothing listens on port ${port}`);
}

function start(program, args, env = {}) {
  const child = spawn(program, args, {
    env: { ...process.env, ...env },
    stdio: ["ignore", "inherit", "inherit"],
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

function stop(child, signal = "SIGKILL") {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    process.kill(child.pid, signal);
  });
}

async function stopAll() {
  await Promise.all([...children].map((c) => stop(c)));
}

/** A redis-server of its own on `port` (a free one when not given), without persistence. */
async function startRedis(port) {
  const program = process.env.WSIO_REDIS_SERVER || "redis-server";
  port = port || (await freePort());
  const env = {};
  if (process.env.WSIO_REDIS_LD_LIBRARY_PATH) {
    env.LD_LIBRARY_PATH = process.env.WSIO_REDIS_LD_LIBRARY_PATH;
  }
  const child = start(
    program,
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning"],
    env,
  );
  await waitForPort(port);
  return { child, port, url: `redis://127.0.0.1:${port}` };
}

/** A cluster node: `kind` is "node" (socket.io + @socket.io/redis-adapter) or "wsio". */
async function startNode(kind, redisUrl, name) {
  const port = await freePort();
  const env = { REQUESTS_TIMEOUT_MS: String(REQUESTS_TIMEOUT_MS) };
  let child;
  if (kind === "node") {
    child = start(process.execPath, [path.join(__dirname, "..", "node-server.js"), String(port), redisUrl, name], env);
  } else {
    const program = process.env.WSIO_CLUSTER_NODE;
    if (!program) throw new Error("WSIO_CLUSTER_NODE is not set (run through cargo xtask redis)");
    child = start(program, [String(port), redisUrl, name], env);
  }
  await waitForPort(port);
  return { kind, name, port, child };
}

function once(socket, event, ms = 3000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, listener);
      reject(new Error(`no ${event} within ${ms} ms`));
    }, ms);
    const listener = (...args) => {
      clearTimeout(timer);
      resolve(args);
    };
    socket.once(event, listener);
  });
}

/** Resolves true when `event` does not arrive within `ms`. */
async function never(socket, event, ms = 400) {
  try {
    await once(socket, event, ms);
    return false;
  } catch {
    return true;
  }
}

/** A connected client of `node`, answering "ask" with "<user>:<arg>". */
async function client(node, user, rooms) {
  const socket = connect(`http://127.0.0.1:${node.port}`, {
    transports: ["websocket"],
    forceNew: true,
    reconnection: false,
    auth: rooms ? { user, rooms } : { user },
  });
  socket.on("ask", (arg, ack) => ack(`${user}:${arg}`));
  await once(socket, "ready", 5000);
  return socket;
}

/**
 * A socket.io-client of `node` in a process of its own, on `transport` only, that prints its
 * socket id once the node says it is ready; resolves with the process and that id.
 */
function clientProcess(node, user, transport) {
  const program = `
    const { io } = require("socket.io-client");
    const client = io(process.env.NODE_URL, {
      transports: [process.env.TRANSPORT],
      reconnection: false,
      auth: { user: process.env.USER_NAME },
    });
    client.on("ready", () => process.stdout.write(client.id + "\\n"));
    client.on("connect_error", (err) => { console.error(err.message); process.exit(1); });
  `;
  const child = spawn(process.execPath, ["-e", program], {
    cwd: path.join(__dirname, ".."),
    env: {
      ...process.env,
      NODE_URL: `http://127.0.0.1:${node.port}`,
      TRANSPORT: transport,
      USER_NAME: user,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the client process never got ready")), 5000);
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      if (out.includes("\n")) {
        clearTimeout(timer);
        resolve({ child, id: out.trim() });
      }
    });
    child.once("exit", (code) => reject(new Error(`client process exited with ${code}`)));
  });
}

/** Runs an operation of the contract on the node `socket` is connected to. */
function call(socket, cmd, ms = 8000) {
  return socket.timeout(ms).emitWithAck("do", cmd);
}

/** Polls `check` until it returns true or `ms` pass. */
async function eventually(check, ms = 10000) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (e) {
      last = e;
    }
    await sleep(100);
  }
  throw new Error(`condition not met within ${ms} ms${last ? `: ${last}` : ""}`);
}

module.exports = {
  REQUESTS_TIMEOUT_MS,
  call,
  client,
  clientProcess,
  eventually,
  never,
  once,
  sleep,
  startNode,
  startRedis,
  stop,
  stopAll,
};
