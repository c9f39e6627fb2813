"""Checks once that the server answers an Engine.IO handshake, so a server that does not
answer stops the suite at once instead of every test timing out in turn."""

import urllib.request

import pytest

from helpers import URL


@pytest.fixture(scope="session", autouse=True)
def server_answers_handshake():
    probe = f"{URL}/socket.io/?EIO=4&transport=polling"
    try:
        with urllib.request.urlopen(probe, timeout=3) as response:
            body = response.read(200).decode("utf-8", "replace")
    except Exception as err:  # noqa: BLE001 - any failure means the server is unusable
        pytest.exit(f"no Engine.IO handshake from {probe}: {err}", returncode=1)
    if not body.startswith("0{"):
        pytest.exit(f"no Engine.IO handshake from {probe}: got {body!r}", returncode=1)
