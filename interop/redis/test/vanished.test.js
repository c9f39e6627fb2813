// A client whose process is killed (SIGKILL) leaves the cluster at once: the node it was on
// notices its connection close (over long-polling, the held GET's), and the other node's
// fetchSockets no longer counts it, well before the heartbeat (25 s + 20 s) would give up.

"use strict";

const { describe, before, after, test } = require("node:test");
const assert = require("node:assert/strict");
const { call, client, clientProcess, sleep, startNode, startRedis, stopAll } = require("../lib/cluster");

after(stopAll);

describe("vanished clients", () => {
  const nodes = {};
  const observers = {};

  before(async () => {
    const redis = await startRedis();
    nodes.node = await startNode("node", redis.url, "N");
    nodes.wsio = await startNode("wsio", redis.url, "W");
    observers.node = await client(nodes.node, "watch-n");
    observers.wsio = await client(nodes.wsio, "watch-w");
  });

  after(() => {
    for (const c of Object.values(observers)) c.close();
  });

  /** Ids of every socket of the cluster, as the node `observer` is on sees them. */
  const ids = async (observer) => (await call(observer, { op: "fetch" })).map((s) => s.id);

  for (const [on, seenFrom] of [
    ["wsio", "node"],
    ["node", "wsio"],
  ]) {
    for (const transport of ["polling", "websocket"]) {
      test(`a ${transport} client of the ${on} node, killed, leaves the ${seenFrom} node's count at once`, async (t) => {
        const { child, id } = await clientProcess(nodes[on], `doomed-${transport}`, transport);
        assert.ok((await ids(observers[seenFrom])).includes(id));
        // A polling client's next GET is held by now.
        await sleep(100);
        const killedAt = Date.now();
        process.kill(child.pid, "SIGKILL");
        let elapsed;
        for (;;) {
          elapsed = Date.now() - killedAt;
          if (!(await ids(observers[seenFrom])).includes(id)) break;
          assert.ok(elapsed < 3000, `still counted ${elapsed} ms after SIGKILL`);
          await sleep(20);
        }
        t.diagnostic(`gone from the cluster count ${elapsed} ms after SIGKILL`);
        assert.ok(elapsed < 1000, `gone from the cluster count only ${elapsed} ms after SIGKILL`);
      });
    }
  }
});
