// Two-node clusters over Redis: a Node node next to a wsio node, then two wsio nodes. Each
// operation runs from both nodes, with real socket.io-client connections on each.

"use strict";

const { describe, before, after, test } = require("node:test");
const assert = require("node:assert/strict");
const {
  call,
  client,
  never,
  once,
  startNode,
  startRedis,
  stopAll,
} = require("../lib/cluster");

after(stopAll);

for (const kinds of [
  ["node", "wsio"],
  ["wsio", "wsio"],
]) {
  describe(`${kinds[0]} + ${kinds[1]}`, () => {
    let redis;
    const nodes = [];
    const clients = {};

    before(async () => {
      redis = await startRedis();
      nodes.push(await startNode(kinds[0], redis.url, "A"));
      nodes.push(await startNode(kinds[1], redis.url, "B"));
      clients.a1 = await client(nodes[0], "a1", ["ra"]);
      clients.b1 = await client(nodes[1], "b1", ["rb"]);
      clients.b2 = await client(nodes[1], "b2");
    });

    after(() => {
      for (const c of Object.values(clients)) c.close();
    });

    // [asking client, its node's name, a client of the other node, the other node's name]
    const directions = () => [
      [clients.a1, "A", clients.b1, "B"],
      [clients.b1, "B", clients.a1, "A"],
    ];

    test("each node counts two servers", async () => {
      assert.equal(await call(clients.a1, { op: "count" }), 2);
      assert.equal(await call(clients.b1, { op: "count" }), 2);
    });

    test("broadcasts reach every client, both ways", async () => {
      for (const [from] of directions()) {
        const got = Object.values(clients).map((c) => once(c, "hello"));
        await call(from, { op: "emit", event: "hello", args: ["x", { n: 1 }] });
        for (const args of await Promise.all(got)) assert.deepEqual(args, ["x", { n: 1 }]);
      }
    });

    test("room broadcasts reach the room only, both ways", async () => {
      const got = once(clients.b1, "to-rb");
      const quiet = [never(clients.b2, "to-rb"), never(clients.a1, "to-rb")];
      await call(clients.a1, { op: "emit", rooms: ["rb"], event: "to-rb", args: [1] });
      assert.deepEqual(await got, [1]);
      assert.deepEqual(await Promise.all(quiet), [true, true]);

      const back = once(clients.a1, "to-ra");
      const quietB = [never(clients.b1, "to-ra"), never(clients.b2, "to-ra")];
      await call(clients.b2, { op: "emit", rooms: ["ra"], event: "to-ra", args: [2] });
      assert.deepEqual(await back, [2]);
      assert.deepEqual(await Promise.all(quietB), [true, true]);
    });

    test("except excludes across nodes", async () => {
      const got = [once(clients.a1, "not-rb"), once(clients.b2, "not-rb")];
      const quiet = never(clients.b1, "not-rb");
      await call(clients.a1, { op: "emit", except: ["rb"], event: "not-rb", args: [] });
      await Promise.all(got);
      assert.equal(await quiet, true);
    });

    test("binary crosses both ways", async () => {
      for (const [from, , to] of directions()) {
        const got = once(to, "bin");
        await call(from, { op: "emit", event: "bin", args: ["b"], binary: true });
        const [text, data] = await got;
        assert.equal(text, "b");
        assert.deepEqual([...Buffer.from(data)], [1, 2, 3]);
      }
    });

    test("fetchSockets spans both nodes with handshake, rooms and data", async () => {
      for (const [from] of directions()) {
        const sockets = await call(from, { op: "fetch" });
        assert.equal(sockets.length, 3, JSON.stringify(sockets));
        const b1 = sockets.find((s) => s.id === clients.b1.id);
        assert.ok(b1, "b1 listed");
        assert.deepEqual(b1.data, { node: "B", user: "b1" });
        assert.deepEqual(b1.auth, { user: "b1", rooms: ["rb"] });
        assert.equal(b1.hasHeaders, true);
        assert.deepEqual(b1.rooms, [clients.b1.id, "rb"].sort());
        const a1 = sockets.find((s) => s.id === clients.a1.id);
        assert.deepEqual(a1.data, { node: "A", user: "a1" });
        const inRb = await call(from, { op: "fetch", rooms: ["rb"] });
        assert.deepEqual(inRb.map((s) => s.id), [clients.b1.id]);
      }
    });

    test("allRooms lists the rooms of both nodes", async () => {
      for (const [from] of directions()) {
        const rooms = await call(from, { op: "rooms" });
        for (const r of ["ra", "rb", clients.a1.id, clients.b2.id]) assert.ok(rooms.includes(r), r);
      }
    });

    test("remote join and leave, both ways", async () => {
      for (const [from, , to] of directions()) {
        await call(from, { op: "join", rooms: [to.id], room: ["joined"] });
        const got = once(to, "in-joined");
        await call(from, { op: "emit", rooms: ["joined"], event: "in-joined", args: [] });
        await got;
        await call(from, { op: "leave", rooms: [to.id], room: ["joined"] });
        const quiet = never(to, "in-joined");
        await call(from, { op: "emit", rooms: ["joined"], event: "in-joined", args: [] });
        assert.equal(await quiet, true);
      }
    });

    test("serverSideEmit reaches the other node's handlers, both ways", async () => {
      for (const [from, fromName, to, toName] of directions()) {
        const seen = once(to, "ss-note-seen");
        const quiet = never(from, "ss-note-seen");
        await call(from, { op: "ssemit", event: "ss-note", args: ["n", 1] });
        assert.deepEqual(await seen, [toName, ["n", 1]]);
        assert.equal(await quiet, true, `${fromName} must not run its own handler`);
      }
    });

    test("serverSideEmitWithAck collects the other node's answer, both ways", async () => {
      for (const [from, , , toName] of directions()) {
        assert.deepEqual(await call(from, { op: "ssemitack", event: "ss-ping", args: ["p"] }), [`${toName}:p`]);
      }
    });

    test("broadcast with acks collects every client's answer, both ways", async () => {
      for (const [from] of directions()) {
        const answers = await call(from, { op: "bcastack", event: "ask", args: ["q"], timeout: 2000 });
        assert.deepEqual(answers, ["a1:q", "b1:q", "b2:q"]);
        const inRb = await call(from, { op: "bcastack", rooms: ["rb"], event: "ask", args: ["r"] });
        assert.deepEqual(inRb, ["b1:r"]);
      }
    });

    test("remote disconnect, both ways", async () => {
      const spareA = await client(nodes[0], "sa");
      const spareB = await client(nodes[1], "sb");
      const goneB = once(spareB, "disconnect");
      await call(clients.a1, { op: "disconnect", rooms: [spareB.id] });
      assert.equal((await goneB)[0], "io server disconnect");
      const goneA = once(spareA, "disconnect");
      await call(clients.b1, { op: "disconnect", rooms: [spareA.id] });
      assert.equal((await goneA)[0], "io server disconnect");
      assert.equal(clients.a1.connected && clients.b1.connected, true);
    });

    test("remote disconnect closing the connection, both ways", async () => {
      for (const [from, to] of [[clients.a1, nodes[1]], [clients.b1, nodes[0]]]) {
        const spare = await client(to, "sc");
        const gone = once(spare, "disconnect");
        await call(from, { op: "disconnect", rooms: [spare.id], close: true });
        assert.equal((await gone)[0], "io server disconnect");
        await new Promise((r) => setTimeout(r, 100));
        assert.equal(spare.io.engine.readyState, "closed", "the connection is closed too");
      }
      assert.equal(clients.a1.connected && clients.b1.connected, true);
    });
  });
}
