"""Namespaces: `/admin` with its auth middleware, multiplexed with `/` over one connection."""

import pytest
import socketio

from helpers import ADMIN_AUTH, TRANSPORTS, URL, Recorder, call, run


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_two_namespaces_share_one_connection(transport):
    async def body(clients):
        client = clients.new()
        root_echoes = Recorder(client, "echo", namespace="/")
        admin_echoes = Recorder(client, "echo", namespace="/admin")
        await clients.connect(
            client, transports=[transport], namespaces=["/", "/admin"], auth=ADMIN_AUTH
        )
        who_root = await call(client, "whoami", namespace="/")
        who_admin = await call(client, "whoami", namespace="/admin")
        assert who_root["namespace"] == "/"
        assert who_admin["namespace"] == "/admin"
        assert who_root["id"] == client.get_sid("/")
        assert who_admin["id"] == client.get_sid("/admin")
        assert who_root["id"] != who_admin["id"]
        assert who_root["engineId"] == client.eio.sid, "the server sees the client's session"
        assert who_admin["engineId"] == who_root["engineId"], "one server session"

        assert await call(client, "echo", "to root", namespace="/") == "to root"
        assert await call(client, "echo", "to admin", namespace="/admin") == "to admin"
        assert await root_echoes.wait_count(1) == [("to root",)]
        assert await admin_echoes.wait_count(1) == [("to admin",)]

    run(body)


def test_auth_accepted_admin_connects_and_echoes():
    async def body(clients):
        client = await clients.connect(namespaces=["/admin"], auth=ADMIN_AUTH)
        assert await call(client, "echo", {"secure": True}, namespace="/admin") == {"secure": True}
        assert (await call(client, "whoami", namespace="/admin"))["namespace"] == "/admin"

    run(body)


@pytest.mark.parametrize("auth", [{"token": "wrong"}, None], ids=["wrong-token", "no-auth"])
def test_auth_rejected_with_unauthorized_and_its_data(auth):
    async def body(clients):
        client = clients.new()
        errors = Recorder(client, "connect_error", namespace="/admin")
        with pytest.raises(socketio.exceptions.ConnectionError):
            await clients.connect(client, namespaces=["/admin"], auth=auth)
        (data,) = await errors.first()
        assert data == {"message": "unauthorized", "data": {"reason": "bad token"}}
        assert not client.connected

    run(body)


def test_a_rejected_admin_leaves_root_on_the_same_connection_working():
    async def body(clients):
        client = clients.new()
        root_connects = Recorder(client, "connect", namespace="/")
        errors = Recorder(client, "connect_error", namespace="/admin")
        # Without waiting: python-socketio's waiting connect drops the whole connection as soon
        # as one namespace fails, and this test is about the server keeping the others.
        await client.connect(
            URL,
            transports=["websocket"],
            namespaces=["/", "/admin"],
            auth={"token": "wrong"},
            wait=False,
        )
        (data,) = await errors.first()
        assert data["message"] == "unauthorized"
        await root_connects.first()
        assert await call(client, "echo", "still here") == "still here"
        assert client.eio.state == "connected"

    run(body)


def test_an_unknown_namespace_is_refused():
    async def body(clients):
        client = clients.new()
        errors = Recorder(client, "connect_error", namespace="/no-such-namespace")
        with pytest.raises(socketio.exceptions.ConnectionError):
            await clients.connect(client, namespaces=["/no-such-namespace"])
        (data,) = await errors.first()
        assert data["message"] == "Invalid namespace"

    run(body)
