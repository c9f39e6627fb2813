"""Acknowledgements in both directions."""

import asyncio

import pytest

from helpers import TRANSPORTS, call, call_all, run


def test_call_returns_the_echoed_value():
    async def body(clients):
        client = await clients.connect()
        assert await call(client, "echo", "acked") == "acked"
        assert await call(client, "echo", {"n": [1, 2, 3]}) == {"n": [1, 2, 3]}

    run(body)


def test_call_with_several_arguments_returns_a_tuple():
    async def body(clients):
        client = await clients.connect()
        assert await call(client, "echo", ("a", 2, {"c": 3})) == ("a", 2, {"c": 3})

    run(body)


def test_concurrent_calls_are_matched_to_their_requests():
    async def body(clients):
        client = await clients.connect()
        values = [f"request-{i}" for i in range(30)]
        answers = await asyncio.gather(*(call(client, "echo", v) for v in values))
        assert answers == values

    run(body)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_server_to_client_ack_returns_the_handler_value(transport):
    async def body(clients):
        client = clients.new()
        asked = []

        def on_request(message):
            asked.append(message)
            return "pong"

        client.on("server-ack-request", on_request)
        await clients.connect(client, transports=[transport])
        assert await call(client, "request-ack") == "pong"
        assert asked == ["ping"]

    run(body)


def test_server_to_client_ack_from_a_coroutine_handler_with_several_values():
    async def body(clients):
        client = clients.new()

        async def on_request(message):
            await asyncio.sleep(0)
            return (message, "pong", 2)

        client.on("server-ack-request", on_request)
        await clients.connect(client)
        assert await call_all(client, "request-ack") == ["ping", "pong", 2]

    run(body)


def test_server_to_client_ack_with_binary():
    async def body(clients):
        client = clients.new()
        client.on("server-ack-request", lambda message: {"ok": True, "data": bytes([1, 2, 3, 250])})
        await clients.connect(client)
        assert await call(client, "request-ack") == {"ok": True, "data": bytes([1, 2, 3, 250])}

    run(body)
