// Rooms: join, leave, listing, and messages addressed to a room.
"use strict";

const { test } = require("node:test");
const assert = require("node:assert/strict");
const { ack, connect, onceMatching, unique } = require("../lib/helpers");

const open = () => connect("/", { transports: ["websocket"] });

test("a fresh socket is in no room besides its own", { timeout: 10000 }, async () => {
  const client = await open();
  assert.deepEqual(await ack(client, "rooms"), []);
});

test("join acks true and the room is listed, sorted", { timeout: 10000 }, async () => {
  const client = await open();
  const b = unique("room-b");
  const a = unique("room-a");
  assert.equal(await ack(client, "join", b), true);
  assert.equal(await ack(client, "join", a), true);
  assert.deepEqual(await ack(client, "rooms"), [a, b].sort());
});

test("to-room reaches every member, sender included, and no one else", { timeout: 10000 }, async () => {
  const room = unique("room");
  const [sender, member, outsider] = await Promise.all([open(), open(), open()]);
  await Promise.all([ack(sender, "join", room), ack(member, "join", room)]);
  const outsiderGot = [];
  outsider.on("room-message", (...args) => outsiderGot.push(args));

  const token = unique("token");
  const atSender = onceMatching(sender, "room-message", (t) => t === token);
  const atMember = onceMatching(member, "room-message", (t) => t === token);
  sender.emit("to-room", room, token, { n: 1 }, Buffer.from([7]));
  for (const args of await Promise.all([atSender, atMember])) {
    assert.equal(args.length, 3);
    assert.equal(args[0], token);
    assert.deepEqual(args[1], { n: 1 });
    assert.deepEqual(Buffer.from(args[2]), Buffer.from([7]));
  }
  // Anything the server had wrongly sent the outsider arrives before this round trip ends.
  await ack(outsider, "echo", "flush");
  assert.deepEqual(outsiderGot, []);
});

test("a non-member can address a room it is not in", { timeout: 10000 }, async () => {
  const room = unique("room");
  const [sender, member] = await Promise.all([open(), open()]);
  await ack(member, "join", room);
  const senderGot = [];
  sender.on("room-message", (...args) => senderGot.push(args));
  const token = unique("token");
  const atMember = onceMatching(member, "room-message", (t) => t === token);
  sender.emit("to-room", room, token);
  assert.deepEqual(await atMember, [token]);
  await ack(sender, "echo", "flush");
  assert.deepEqual(senderGot, []);
});

test("leave acks true, removes the room and stops room messages", { timeout: 10000 }, async () => {
  const room = unique("room");
  const [leaver, stayer] = await Promise.all([open(), open()]);
  await Promise.all([ack(leaver, "join", room), ack(stayer, "join", room)]);
  assert.equal(await ack(leaver, "leave", room), true);
  assert.deepEqual(await ack(leaver, "rooms"), []);
  assert.deepEqual(await ack(stayer, "rooms"), [room]);

  const leaverGot = [];
  leaver.on("room-message", (...args) => leaverGot.push(args));
  const token = unique("token");
  const atStayer = onceMatching(stayer, "room-message", (t) => t === token);
  stayer.emit("to-room", room, token);
  await atStayer;
  await ack(leaver, "echo", "flush");
  assert.deepEqual(leaverGot, []);
});

test("leaving a room the socket is not in still acks true", { timeout: 10000 }, async () => {
  const client = await open();
  assert.equal(await ack(client, "leave", unique("never-joined")), true);
  assert.deepEqual(await ack(client, "rooms"), []);
});
