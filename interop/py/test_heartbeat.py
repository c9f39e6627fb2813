"""Heartbeat with the contract's test settings (pingInterval 300 ms, pingTimeout 2000 ms)."""

import asyncio

import engineio.packet
import pytest

from helpers import TRANSPORTS, Recorder, call, run


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_handshake_advertises_the_test_heartbeat_settings(transport):
    async def body(clients):
        client = await clients.connect(transports=[transport])
        assert client.eio.ping_interval == 0.3
        assert client.eio.ping_timeout == 2.0

    run(body)


def count_pings(client):
    """Counts the Engine.IO pings the client receives.

    python-engineio exposes no ping event, so this wraps its packet handler.
    """
    pings = []
    receive = client.eio._receive_packet

    async def counting(pkt):
        if pkt.packet_type == engineio.packet.PING:
            pings.append(pkt)
        return await receive(pkt)

    client.eio._receive_packet = counting
    return pings


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_an_idle_connection_stays_up_for_2_seconds_of_pings(transport):
    async def body(clients):
        client = clients.new()
        pings = count_pings(client)
        disconnects = Recorder(client, "disconnect")
        await clients.connect(client, transports=[transport])
        await asyncio.sleep(2)  # the idle period under test: no application traffic
        assert disconnects.received == []
        assert client.connected
        assert len(pings) >= 3, f"expected at least 3 pings in 2 s, got {len(pings)}"
        assert await call(client, "echo", "still alive") == "still alive"

    run(body)
