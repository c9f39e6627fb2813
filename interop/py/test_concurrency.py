"""Many clients emitting at once, each seeing its own events in order."""

import asyncio

from helpers import Recorder, call, run

CLIENTS = 20
MESSAGES = 50


def test_many_clients_echo_concurrently_keeping_per_client_order():
    async def body(clients):
        opened = [clients.new() for _ in range(CLIENTS)]
        recorders = [Recorder(client, "echo") for client in opened]
        await asyncio.gather(
            *(
                clients.connect(client, transports=["websocket" if i % 2 == 0 else "polling"])
                for i, client in enumerate(opened)
            )
        )

        async def exercise(c):
            client = opened[c]
            acks = await asyncio.gather(
                *(call(client, "echo", {"client": c, "n": n}) for n in range(MESSAGES))
            )
            events = await recorders[c].wait_count(MESSAGES, timeout=15)
            expected = [{"client": c, "n": n} for n in range(MESSAGES)]
            assert acks == expected, f"acks of client {c}"
            assert [args[0] for args in events] == expected, f"echo events of client {c} in order"

        await asyncio.gather(*(exercise(c) for c in range(CLIENTS)))

    run(body, timeout=25)
