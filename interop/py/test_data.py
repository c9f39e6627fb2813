"""Payload types round-tripped through `echo`, as an event and as an ack, on each transport."""

import os

import pytest

from helpers import PARSER, TRANSPORTS, Recorder, call_all, run

UNICODE = [
    "héllo wörld",
    "日本語のテキスト",
    "emoji 🎉👍🏽 and a family 👨‍👩‍👧‍👦",
    "combining e\u0301 and RTL \u05e9\u05dc\u05d5\u05dd",
    "controls \u0000 \u001e \u2028 \u2029 \t\n\r",
    "quotes \" ' \\ and a json-ish [1,{\"a\":2}]",
]

NESTED = {
    "name": "nested",
    "list": [1, "two", {"three": [3, 3, 3]}, [], {}],
    "deep": {"a": {"b": {"c": {"d": {"e": "bottom"}}}}},
    "flags": {"yes": True, "no": False, "nothing": None},
    "key with spaces and ü": 1,
}

MIB = 1024 * 1024

# name -> the arguments of one `echo` (python-socketio sends a tuple as several arguments)
CASES = {
    "string": ("hello",),
    "empty-string": ("",),
    "long-string": ("a" * 10000,),
    "integers": (0, -1, 42, 2**53 - 1),
    # Node's socket.io-msgpack-parser writes integral floats as integers and wraps those beyond
    # 2^64, so 1e21 only round-trips through JSON.
    "floats": (3.14159, -2.5e-8, 1e21) if PARSER == "json" else (3.14159, -2.5e-8, 1e15),
    "booleans-and-null": (True, False, None),
    "nested-objects-and-arrays": (NESTED, [NESTED, [NESTED]]),
    "several-arguments": (1, "two", {"three": 3}, [4], None, True),
    "no-arguments": (),
    "unicode": tuple(UNICODE),
    "unicode-keys": ({UNICODE[1]: UNICODE[2]},),
    "one-mib-string": ("x" * (MIB - 7) + "-end-ü",),
    "bytes": (bytes([0, 1, 2, 3, 254, 255]),),
    "empty-bytes": (b"",),
    "bytes-nested-in-objects-and-arrays": (
        {
            "file": b"first attachment",
            "list": [bytes([9, 8, 7]), {"deep": bytes([0xDE, 0xAD, 0xBE, 0xEF])}, "text"],
            "count": 3,
        },
        b"second argument",
        "plain",
    ),
    "one-mib-bytes": (os.urandom(MIB),),
}


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("case", list(CASES))
def test_echo_round_trip(transport, case):
    args = CASES[case]

    async def body(clients):
        client = clients.new()
        echoes = Recorder(client, "echo")
        await clients.connect(client, transports=[transport])
        acked = await call_all(client, "echo", args)
        assert acked == list(args), "ack arguments"
        assert await echoes.first() == args, "echo event arguments"

    run(body, timeout=15)
