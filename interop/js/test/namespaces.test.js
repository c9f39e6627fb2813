// Namespaces: `/admin` with its auth middleware, multiplexed with `/` over one connection.
"use strict";

const { test } = require("node:test");
const assert = require("node:assert/strict");
const { ack, connect, connected, manager, once, socket } = require("../lib/helpers");

const ADMIN_AUTH = { auth: { token: "secret" } };

for (const transport of ["websocket", "polling"]) {
  test(`two namespaces share one ${transport} connection`, { timeout: 10000 }, async () => {
    const shared = manager({ transports: [transport] });
    let opens = 0;
    shared.on("open", () => {
      opens += 1;
    });
    const root = shared.socket("/");
    const admin = shared.socket("/admin", ADMIN_AUTH);
    await Promise.all([connected(root), connected(admin)]);
    assert.equal(opens, 1, "one Engine.IO connection was opened");
    assert.notEqual(root.id, admin.id);

    const [whoRoot, whoAdmin] = await Promise.all([ack(root, "whoami"), ack(admin, "whoami")]);
    assert.equal(whoRoot.namespace, "/");
    assert.equal(whoAdmin.namespace, "/admin");
    assert.equal(whoRoot.id, root.id);
    assert.equal(whoAdmin.id, admin.id);
    assert.equal(whoRoot.engineId, shared.engine.id, "the server sees the client's session");
    assert.equal(whoAdmin.engineId, whoRoot.engineId, "both namespaces on one server session");

    // Each namespace gets its own echo, never the other's.
    const rootEchoes = [];
    const adminEchoes = [];
    root.on("echo", (value) => rootEchoes.push(value));
    admin.on("echo", (value) => adminEchoes.push(value));
    const answers = await Promise.all([ack(root, "echo", "to root"), ack(admin, "echo", "to admin")]);
    assert.deepEqual(answers, ["to root", "to admin"]);
    assert.deepEqual(rootEchoes, ["to root"]);
    assert.deepEqual(adminEchoes, ["to admin"]);
  });
}

test("auth accepted: /admin with the right token connects and echoes", { timeout: 10000 }, async () => {
  const admin = await connect("/admin", { transports: ["websocket"], ...ADMIN_AUTH });
  assert.equal(admin.connected, true);
  assert.deepEqual(await ack(admin, "echo", { secure: true }), { secure: true });
  const who = await ack(admin, "whoami");
  assert.equal(who.namespace, "/admin");
});

for (const [label, options] of [
  ["a wrong token", { auth: { token: "wrong" } }],
  ["no auth at all", {}],
]) {
  test(`auth rejected with ${label}: connect_error "unauthorized" with its data`, { timeout: 10000 }, async () => {
    const admin = socket("/admin", { transports: ["websocket"], ...options });
    const [err] = await once(admin, "connect_error");
    assert.equal(err.message, "unauthorized");
    assert.deepEqual(err.data, { reason: "bad token" });
    assert.equal(admin.connected, false);
  });
}

test("a rejected /admin leaves / on the same connection working", { timeout: 10000 }, async () => {
  const shared = manager({ transports: ["websocket"] });
  const root = shared.socket("/");
  await connected(root);
  const admin = shared.socket("/admin", { auth: { token: "wrong" } });
  const [err] = await once(admin, "connect_error");
  assert.equal(err.message, "unauthorized");
  assert.equal(await ack(root, "echo", "still here"), "still here");
});

test("an unknown namespace is refused", { timeout: 10000 }, async () => {
  const client = socket("/no-such-namespace", { transports: ["websocket"] });
  const [err] = await once(client, "connect_error");
  assert.equal(err.message, "Invalid namespace");
  assert.equal(client.connected, false);
});
