"""Each Engine.IO transport, alone and with the polling-to-websocket upgrade."""

import pytest

from helpers import TRANSPORTS, Recorder, call, run


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_single_transport_connection_echoes_and_reports_its_transport(transport):
    async def body(clients):
        client = await clients.connect(transports=[transport])
        assert client.transport() == transport
        assert await call(client, "echo", f"over {transport}") == f"over {transport}"
        who = await call(client, "whoami")
        assert who == {
            "id": client.get_sid("/"),
            "namespace": "/",
            "engineId": client.eio.sid,
            "transport": transport,
        }

    run(body)


def test_polling_connection_upgrades_to_websocket():
    async def body(clients):
        client = await clients.connect(transports=["polling", "websocket"])
        # The handshake went over polling (it offered the upgrade), the session now runs on
        # websocket, and the server agrees.
        assert client.eio.upgrades == ["websocket"]
        assert client.transport() == "websocket"
        who = await call(client, "whoami")
        assert who["transport"] == "websocket"
        assert who["engineId"] == client.eio.sid
        assert await call(client, "echo", "after upgrade") == "after upgrade"

    run(body)


def test_many_events_in_order_over_polling():
    async def body(clients):
        client = clients.new()
        echoes = Recorder(client, "echo")
        await clients.connect(client, transports=["polling"])
        for n in range(40):
            await client.emit("echo", n)
        received = await echoes.wait_count(40)
        assert [args for args in received] == [(n,) for n in range(40)]

    run(body)
