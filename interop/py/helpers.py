"""Shared helpers of the python-socketio suite.

Each test runs one coroutine under ``run`` with its own time limit; the clients it opens
through the ``Clients`` pool it is handed are disconnected afterwards, whatever happened.
"""

import asyncio
import itertools
import os

import engineio.payload
import socketio

# python-engineio refuses a long-polling response of more than 16 packets (a guard meant for
# its servers, applied to its client too). Servers may batch every queued packet into one
# response, as socket.io's does, so bursts of events over polling need a higher limit.
engineio.payload.Payload.max_decode_packets = 1024

URL = os.environ.get("WSIO_URL")
if not URL:
    raise RuntimeError("WSIO_URL is not set (e.g. WSIO_URL=http://127.0.0.1:3000)")

#: Upper bound for any single wait on the server, in seconds.
WAIT = 5.0

TRANSPORTS = ["websocket", "polling"]

#: The Socket.IO parser of the server under test, from ``WSIO_PARSER``: ``json`` (the default)
#: or ``msgpack`` (python-socketio's ``serializer='msgpack'``).
PARSER = os.environ.get("WSIO_PARSER", "json")
if PARSER not in ("json", "msgpack"):
    raise RuntimeError(f"WSIO_PARSER must be json or msgpack, not {PARSER}")

ADMIN_AUTH = {"token": "secret"}


class Recorder:
    """Records every occurrence of one event of one namespace and lets a test await them."""

    def __init__(self, client, event, namespace="/"):
        self.received = []
        self._changed = asyncio.Condition()
        client.on(event, self._handle, namespace=namespace)

    async def _handle(self, *args):
        # Recorded before the first await, so the order is the order the client dispatched.
        self.received.append(args)
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, accept, timeout=WAIT):
        """Returns the arguments of the first recorded event accepted by ``accept``."""

        async def matching():
            async with self._changed:
                while True:
                    for args in self.received:
                        if accept(*args):
                            return args
                    await self._changed.wait()

        return await asyncio.wait_for(matching(), timeout)

    async def wait_count(self, count, timeout=WAIT):
        """Waits until at least ``count`` events were recorded and returns them."""

        async def enough():
            async with self._changed:
                await self._changed.wait_for(lambda: len(self.received) >= count)
                return list(self.received)

        return await asyncio.wait_for(enough(), timeout)

    async def first(self, timeout=WAIT):
        """Arguments of the first recorded event, waiting for it if need be."""
        return (await self.wait_count(1, timeout))[0]


class Clients:
    """Opens clients for one test and disconnects them all at the end."""

    def __init__(self):
        self.opened = []

    def new(self):
        """A client that is not connected yet, so handlers can be added before it connects."""
        client = socketio.AsyncClient(
            reconnection=False, serializer="msgpack" if PARSER == "msgpack" else "default"
        )
        self.opened.append(client)
        return client

    async def connect(self, client=None, transports=("websocket",), namespaces=("/",), auth=None):
        """Connects ``client`` (or a new one) and returns it."""
        client = client or self.new()
        await client.connect(
            URL,
            transports=list(transports),
            namespaces=list(namespaces),
            auth=auth,
            wait_timeout=WAIT,
        )
        return client

    async def close(self):
        for client in self.opened:
            try:
                await asyncio.wait_for(client.disconnect(), WAIT)
            except Exception:  # noqa: BLE001 - cleanup of a failed test must not mask its error
                pass
        self.opened.clear()


def run(body, timeout=10.0):
    """Runs ``body(clients)`` on a fresh event loop, failing after ``timeout`` seconds."""

    async def main():
        clients = Clients()
        try:
            await asyncio.wait_for(body(clients), timeout)
        finally:
            await clients.close()

    asyncio.run(main())


async def call(client, event, data=None, namespace="/"):
    """Emits ``event`` and returns the ack as python-socketio's ``call`` does, bounded in time."""
    return await client.call(event, data, namespace=namespace, timeout=WAIT)


async def call_all(client, event, data=None, namespace="/"):
    """Emits ``event`` and returns every ack argument as a list."""
    answered = asyncio.get_running_loop().create_future()

    def callback(*args):
        if not answered.done():
            answered.set_result(list(args))

    await client.emit(event, data, namespace=namespace, callback=callback)
    return await asyncio.wait_for(answered, WAIT)


_counter = itertools.count(1)


def unique(prefix):
    """A token unique to this process and call, for rooms and payloads shared with other tests."""
    return f"{prefix}-py-{os.getpid()}-{next(_counter)}"
