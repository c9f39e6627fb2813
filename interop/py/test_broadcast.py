"""`broadcast`: every other socket of the namespace gets `bcast`, the sender does not."""

from helpers import ADMIN_AUTH, Recorder, call, run, unique


def test_bcast_reaches_every_other_client_and_not_the_sender():
    async def body(clients):
        sender, by_websocket, by_polling = clients.new(), clients.new(), clients.new()
        at_sender = Recorder(sender, "bcast")
        receivers = [Recorder(by_websocket, "bcast"), Recorder(by_polling, "bcast")]
        await clients.connect(sender)
        await clients.connect(by_websocket)
        await clients.connect(by_polling, transports=["polling"])

        token = unique("bcast")
        await sender.emit("broadcast", (token, {"from": "sender"}, [1, 2, 3], b"\x00\xff"))
        for recorder in receivers:
            args = await recorder.wait_for(lambda t, *rest: t == token)
            assert args == (token, {"from": "sender"}, [1, 2, 3], b"\x00\xff")
        await call(sender, "echo", "flush")
        assert [args for args in at_sender.received if args[0] == token] == []

    run(body)


def test_bcast_stays_in_its_namespace():
    async def body(clients):
        sender, receiver, admin = clients.new(), clients.new(), clients.new()
        at_receiver = Recorder(receiver, "bcast")
        at_admin = Recorder(admin, "bcast", namespace="/admin")
        await clients.connect(sender)
        await clients.connect(receiver)
        await clients.connect(admin, namespaces=["/admin"], auth=ADMIN_AUTH)

        token = unique("bcast-ns")
        await sender.emit("broadcast", token)
        await at_receiver.wait_for(lambda t, *rest: t == token)
        await call(admin, "echo", "flush", namespace="/admin")
        assert at_admin.received == []

    run(body)
