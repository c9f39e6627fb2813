"""Disconnection from either side, with the reasons python-socketio reports."""

import pytest

from helpers import ADMIN_AUTH, TRANSPORTS, Recorder, call, run


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_server_initiated_disconnect_reports_server_disconnect(transport):
    async def body(clients):
        client = clients.new()
        disconnects = Recorder(client, "disconnect")
        await clients.connect(client, transports=[transport])
        await client.emit("disconnect-me")
        assert await disconnects.first() == (client.reason.SERVER_DISCONNECT,)
        assert client.reason.SERVER_DISCONNECT == "server disconnect"
        await client.eio.wait()  # the last namespace gone, the client closes its connection
        assert not client.connected

    run(body)


def test_client_initiated_disconnect_reports_client_disconnect():
    async def body(clients):
        client = clients.new()
        disconnects = Recorder(client, "disconnect")
        await clients.connect(client)
        await client.disconnect()
        assert await disconnects.first() == ("client disconnect",)
        assert not client.connected

    run(body)


def test_server_disconnect_of_root_keeps_admin_on_the_same_connection():
    async def body(clients):
        client = clients.new()
        root_disconnects = Recorder(client, "disconnect", namespace="/")
        await clients.connect(client, namespaces=["/", "/admin"], auth=ADMIN_AUTH)
        await client.emit("disconnect-me")
        assert await root_disconnects.first() == ("server disconnect",)
        assert await call(client, "echo", "admin survives", namespace="/admin") == "admin survives"
        assert client.connected
        assert client.eio.state == "connected"

    run(body)
