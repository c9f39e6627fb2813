"""Rooms: join, leave, listing, and messages addressed to a room."""

from helpers import Recorder, call, run, unique


def test_a_fresh_socket_is_in_no_room():
    async def body(clients):
        client = await clients.connect()
        assert await call(client, "rooms") == []

    run(body)


def test_join_acks_true_and_rooms_are_listed_sorted():
    async def body(clients):
        client = await clients.connect()
        b, a = unique("room-b"), unique("room-a")
        assert await call(client, "join", b) is True
        assert await call(client, "join", a) is True
        assert await call(client, "rooms") == sorted([a, b])

    run(body)


def test_to_room_reaches_members_including_sender_and_no_one_else():
    async def body(clients):
        room = unique("room")
        sender, member, outsider = clients.new(), clients.new(), clients.new()
        at_sender = Recorder(sender, "room-message")
        at_member = Recorder(member, "room-message")
        at_outsider = Recorder(outsider, "room-message")
        for client in (sender, member, outsider):
            await clients.connect(client)
        assert await call(sender, "join", room) is True
        assert await call(member, "join", room) is True

        token = unique("token")
        await sender.emit("to-room", (room, token, {"n": 1}, b"\x07"))
        for recorder in (at_sender, at_member):
            args = await recorder.wait_for(lambda t, *rest: t == token)
            assert args == (token, {"n": 1}, b"\x07")
        # Anything the server had wrongly sent the outsider arrives before this round trip ends.
        await call(outsider, "echo", "flush")
        assert at_outsider.received == []

    run(body)


def test_leave_acks_true_and_stops_room_messages():
    async def body(clients):
        room = unique("room")
        leaver, stayer = clients.new(), clients.new()
        at_leaver = Recorder(leaver, "room-message")
        at_stayer = Recorder(stayer, "room-message")
        for client in (leaver, stayer):
            await clients.connect(client)
            assert await call(client, "join", room) is True
        assert await call(leaver, "leave", room) is True
        assert await call(leaver, "rooms") == []
        assert await call(stayer, "rooms") == [room]

        token = unique("token")
        await stayer.emit("to-room", (room, token))
        await at_stayer.wait_for(lambda t, *rest: t == token)
        await call(leaver, "echo", "flush")
        assert at_leaver.received == []

    run(body)
