// The Socket.IO Admin UI of @socket.io/admin-ui, in headless Chromium, against a server
// instrumented for it (`wsio serve --admin-ui`, or node-server.js).
//
// It serves the package's prebuilt UI (ui/dist) on 127.0.0.1, connects three socket.io-client
// users to the server's `/` (ada and bob in room `red`, cy in room `blue`: their `auth` names
// the room, and with `--join-event yes` each also asks to join it with the `join` event,
// acknowledged, as the demo of `wsio serve` offers), logs in through the
// UI's connection form, and checks what the page shows: the server in the Servers view, every
// user's socket in the Sockets view, the rooms with their member counts in the Rooms view,
// and, with `--reload yes`, the server again after a reload (logged in by the session id
// alone). Then it clicks the disconnect button of ada's row and checks that ada's client hears
// `io server disconnect` and that her row goes away. Every request the page makes elsewhere
// than 127.0.0.1 is answered locally (the icon font, from @mdi/font) or refused (web fonts).
//
//   node e2e.js --server http://127.0.0.1:3000 --ui-port 8080 --chromium /usr/bin/chromium \
//     --server-id wsio-serve --auth admin:changeit [--reload yes] [--join-event yes] \
//     [--screenshot PATH]
//
// The reload step is left out against Node's instrumentation: it emits `session` from its
// middleware, before the CONNECT packet, and socket.io-client hands such early events out
// before its `connect` event, where the UI only then registers its `session` listener; the
// UI never keeps the id, and a reload meets "invalid credentials". wsio-admin-ui emits
// `session` after the CONNECT reply.
//
// Prints one line `PASS <label> ...` and exits 0, or `FAIL <label>: <reason>` and exits 1.

"use strict";

const fs = require("fs");
const http = require("http");
const os = require("os");
const path = require("path");
const puppeteer = require("puppeteer-core");
const { io } = require("socket.io-client");

const UI_DIR = path.join(__dirname, "node_modules/@socket.io/admin-ui/ui/dist");
const MDI_DIR = path.join(__dirname, "node_modules/@mdi/font");
const STEP_TIMEOUT = 15000;
const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "application/javascript",
  ".css": "text/css",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".map": "application/json",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
  ".ttf": "font/ttf",
  ".eot": "application/vnd.ms-fontobject",
};

function options(argv) {
  const opts = { label: "server", screenshot: null, reload: "no", joinEvent: "no" };
  const names = {
    "--server": "server",
    "--ui-port": "uiPort",
    "--chromium": "chromium",
    "--server-id": "serverId",
    "--auth": "auth",
    "--screenshot": "screenshot",
    "--label": "label",
    "--reload": "reload",
    "--join-event": "joinEvent",
  };
  for (let i = 0; i < argv.length; i += 2) {
    const key = names[argv[i]];
    if (!key || argv[i + 1] === undefined) throw new Error(`bad option ${argv[i]}`);
    opts[key] = argv[i + 1];
  }
  for (const key of ["server", "uiPort", "chromium", "serverId", "auth"]) {
    if (!opts[key]) throw new Error(`missing option for ${key}`);
  }
  return opts;
}

/** Serves `dir` on 127.0.0.1:`port`. */
function serveStatic(dir, port) {
  const server = http.createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url, "http://x").pathname);
    const file = path.join(dir, rel === "/" ? "index.html" : rel);
    if (!file.startsWith(dir) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": TYPES[path.extname(file)] || "application/octet-stream" });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(Number(port), "127.0.0.1", () => resolve(server));
  });
}

/** A user of `/` with `auth`, connected, recording its disconnect reasons. */
function connectUser(url, name, room) {
  return new Promise((resolve, reject) => {
    const socket = io(url, { auth: { name, room }, reconnection: false, forceNew: true });
    const user = { name, room, socket, reasons: [] };
    socket.on("disconnect", (reason) => user.reasons.push(reason));
    socket.once("connect", () => resolve(user));
    socket.once("connect_error", (err) => reject(new Error(`${name}: ${err.message}`)));
  });
}

/** `user` joins its room with the `join` event, which the server acknowledges. */
async function joinRoom(user) {
  try {
    await user.socket.timeout(STEP_TIMEOUT).emitWithAck("join", user.room);
  } catch (e) {
    throw new Error(`${user.name}: join ${user.room}: ${e.message}`);
  }
}

async function until(what, check) {
  const deadline = Date.now() + STEP_TIMEOUT;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out: ${what}`);
}

/** Waits until the page's text holds every one of `texts`. */
async function pageShows(page, what, texts) {
  try {
    await page.waitForFunction(
      (texts) => texts.every((t) => document.body.innerText.includes(t)),
      { timeout: STEP_TIMEOUT, polling: 100 },
      texts
    );
  } catch (e) {
    const body = await page.evaluate(() => document.body.innerText);
    throw new Error(`the page does not show ${what} (${texts.join(", ")}); it shows: ${body.replace(/\s+/g, " ").slice(0, 600)}`);
  }
}

/** Only loopback: the icon font comes from @mdi/font, other outside requests fail. */
async function keepLocal(page) {
  await page.setRequestInterception(true);
  page.on("request", (req) => {
    const url = new URL(req.url());
    if (url.hostname === "127.0.0.1") return req.continue();
    const mdi = url.pathname.match(/\/@mdi\/font@[^/]+\/(.+)$/);
    if (url.hostname === "cdn.jsdelivr.net" && mdi) {
      const file = path.join(MDI_DIR, mdi[1]);
      if (file.startsWith(MDI_DIR) && fs.existsSync(file)) {
        return req.respond({
          status: 200,
          contentType: TYPES[path.extname(file)] || "application/octet-stream",
          headers: { "access-control-allow-origin": "*" },
          body: fs.readFileSync(file),
        });
      }
    }
    return req.abort();
  });
}

/** The Sockets view's row holding `id`, with its disconnect button clicked. */
async function clickDisconnect(page, id) {
  const clicked = await page.evaluate((id) => {
    const row = [...document.querySelectorAll("tbody tr")].find((tr) => tr.innerText.includes(id));
    const button = row && row.querySelector("button");
    if (!button) return false;
    button.click();
    return true;
  }, id);
  if (!clicked) throw new Error(`no disconnect button in the row of ${id}`);
}

async function main() {
  const opts = options(process.argv.slice(2));
  const started = Date.now();
  const [username, password] = opts.auth.split(":");
  const ui = await serveStatic(UI_DIR, opts.uiPort);
  const users = [];
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "wsio-admin-ui-"));
  let browser;
  try {
    for (const [name, room] of [["ada", "red"], ["bob", "red"], ["cy", "blue"]]) {
      users.push(await connectUser(opts.server, name, room));
    }
    if (opts.joinEvent === "yes") {
      for (const user of users) await joinRoom(user);
    }
    browser = await puppeteer.launch({
      executablePath: opts.chromium,
      headless: true,
      userDataDir: profile,
      args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
    });
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 720 });
    await keepLocal(page);
    await page.goto(`http://127.0.0.1:${opts.uiPort}/`, { waitUntil: "load" });

    // The connection form: server URL, user name, password (the other fields keep their
    // defaults: /admin, path /socket.io, polling then WebSocket).
    await page.waitForSelector("form input", { visible: true, timeout: STEP_TIMEOUT });
    const inputs = await page.$$("form input[type=text], form input[type=password]");
    if (inputs.length < 3) throw new Error(`the connection form has ${inputs.length} text fields`);
    await inputs[0].type(opts.server);
    await inputs[1].type(username);
    await inputs[2].type(password);
    await page.click("form button[type=submit]");

    const go = (hash) => page.evaluate((hash) => { location.hash = hash; }, hash);
    await go("#/servers/");
    await pageShows(page, "the server", [opts.serverId]);
    const ids = users.map((u) => u.socket.id);
    await go("#/sockets/");
    await pageShows(page, "every user's socket", ids);
    await go("#/rooms/");
    await pageShows(page, "the rooms", ["red", "blue"]);
    const rooms = await page.evaluate(() =>
      [...document.querySelectorAll("tbody tr")].map((tr) =>
        [...tr.querySelectorAll("td")].map((td) => td.innerText.trim()).filter((t) => t)
      )
    );
    const count = (name) => (rooms.find((cells) => cells[0] === name) || [])[2];
    if (count("red") !== "2" || count("blue") !== "1") {
      throw new Error(`room members: ${JSON.stringify(rooms)}`);
    }

    if (opts.reload === "yes") {
      // A reload logs in again with the session id the server gave (no form this time).
      await go("#/servers/");
      await page.reload({ waitUntil: "load" });
      await pageShows(page, "the server after a reload", [opts.serverId]);
    }

    await go("#/sockets/");
    await pageShows(page, "every user's socket", ids);
    if (opts.screenshot) {
      // Past the view's slide-in transition.
      await new Promise((r) => setTimeout(r, 800));
      fs.mkdirSync(path.dirname(opts.screenshot), { recursive: true });
      await page.screenshot({ path: opts.screenshot });
    }
    const [ada] = users;
    const adaId = ada.socket.id;
    await clickDisconnect(page, adaId);
    await until("ada's client to be disconnected", () => ada.reasons.length > 0);
    if (ada.reasons[0] !== "io server disconnect") {
      throw new Error(`ada left with ${ada.reasons[0]}`);
    }
    await go("#/sockets/");
    await pageShows(page, "the sockets left", ids.slice(1));
    await page.waitForFunction((id) => !document.body.innerText.includes(id), { timeout: STEP_TIMEOUT }, adaId)
      .catch(() => { throw new Error("ada's row stays in the Sockets view"); });
    const others = users.slice(1).filter((u) => !u.socket.connected);
    if (others.length) throw new Error(`${others.map((u) => u.name)} were disconnected too`);
    console.log(
      `PASS ${opts.label}: the UI showed server ${opts.serverId}, ${ids.length} sockets, rooms red (2) and blue (1)` +
        (opts.reload === "yes" ? ", the server again after a reload; " : "; ") +
        `its disconnect reached ada as "${ada.reasons[0]}" (${Date.now() - started} ms)`
    );
  } finally {
    for (const user of users) user.socket.disconnect();
    if (browser) await browser.close();
    ui.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    const label = process.argv.includes("--label") ? process.argv[process.argv.indexOf("--label") + 1] : "server";
    console.log(`FAIL ${label}: ${err.message}`);
    process.exit(1);
  }
);
