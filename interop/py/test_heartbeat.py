"""Heartbeat with the contract's test settings (pingInterval 300 ms, pingTimeout 2000 ms)."""

import asyncio

import pytest

from helpers import TRANSPORTS, Recorder, call, run


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_handshake_advertises_the_test_heartbeat_settings(transport):
    async def body(clients):
        client = await clients.connect(transports=[transport])
        assert client.eio.ping_interval == 0.3
        assert client.eio.ping_timeout == 2.0

    run(body)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_an_idle_connection_stays_up_for_3_seconds(transport):
    async def body(clients):
        client = clients.new()
        disconnects = Recorder(client, "disconnect")
        await clients.connect(client, transports=[transport])
        # The idle period under test: no application traffic. Over websocket the client gives
        # up after pingInterval + pingTimeout (2.3 s) without a ping, so the server must keep
        # pinging for the connection to outlive it.
        await asyncio.sleep(3)
        assert disconnects.received == []
        assert client.connected
        assert await call(client, "echo", "still alive") == "still alive"

    run(body)
