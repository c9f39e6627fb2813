"""Writes crates/event-proto/tests/fixtures/msgpack/python.jsonl: packets as python-socketio's
msgpack serializer (socketio.msgpack_packet.MsgPackPacket) encodes them.

Each line is {"name", "msgpack": hex, "json": the default serializer's text, "attachments":
[hex]}. python-socketio's own decoder accepts every vector but event_int_keys (msgpack's
strict_map_key refuses integer keys, which its encoder writes). The packets are built with the calls python-socketio's server and client make
(socketio/async_server.py, async_client.py): CONNECT with {'sid'} or the auth ({} when none),
CONNECT_ERROR with a string or {'message'}, DISCONNECT without data, events and acks.

Usage: pip install -r requirements.txt && python generate.py   (from this folder)
"""

import json
import os

from socketio import packet
from socketio.msgpack_packet import MsgPackPacket

OUT = os.path.join(os.path.dirname(__file__),
                   '../../crates/event-proto/tests/fixtures/msgpack/python.jsonl')

VECTORS = [
    ('connect_client', packet.CONNECT, {}, '/', None),
    ('connect_client_auth', packet.CONNECT, {'token': 'abc'}, '/admin', None),
    ('connect_server', packet.CONNECT, {'sid': 'aBcD1234'}, '/', None),
    ('connect_error_string', packet.CONNECT_ERROR, 'Unable to connect', '/x', None),
    ('connect_error_object', packet.CONNECT_ERROR,
     {'message': 'Connection rejected by server'}, '/', None),
    ('connect_error_data', packet.CONNECT_ERROR,
     {'message': 'nope', 'data': {'retry': False}}, '/', None),
    ('disconnect', packet.DISCONNECT, None, '/chat', None),
    ('event', packet.EVENT, ['hello'], '/', None),
    ('event_ack', packet.EVENT, ['chat', 'hi', 1], '/chat', 7),
    ('event_numbers', packet.EVENT,
     ['n', 0, 127, 128, 255, 256, 65535, 65536, 2 ** 32, 2 ** 64 - 1, -1, -32, -33, -129,
      -2 ** 31, -2 ** 63, 1.0, 1.5, -0.25, 1e300], '/', None),
    ('event_strings', packet.EVENT,
     ['s', '', 'x' * 31, 'x' * 32, 'é✓😀', 'z' * 256], '/', None),
    ('event_containers', packet.EVENT,
     ['c', [], {}, list(range(16)), {'k%d' % i: i for i in range(16)},
      {'nested': {'deeper': [[[None, True, False]]]}}, (1, 2)], '/', None),
    ('event_binary', packet.EVENT,
     ['file', b'\x01\x02\x03', {'inner': bytes(300), 'list': [bytearray(b'')]}],
     '/upload', None),
    ('event_int_keys', packet.EVENT, ['k', {1: 'one', 2: 'two'}], '/', None),
    ('ack', packet.ACK, ['ok', b'\x09'], '/', 12),
    ('ack_empty', packet.ACK, [], '/', 0),
    ('ack_big_id', packet.ACK, [], '/', 2 ** 32),
]


def main():
    lines = []
    for name, kind, data, namespace, ack_id in VECTORS:
        encoded = MsgPackPacket(kind, data=data, namespace=namespace, id=ack_id).encode()
        # python-socketio's decoder refuses what its encoder writes for integer map keys
        # (msgpack's strict_map_key); event-proto reads them as JavaScript does.
        try:
            MsgPackPacket(encoded_packet=encoded)
        except ValueError:
            assert name == 'event_int_keys', name
        text = packet.Packet(kind, data=data, namespace=namespace, id=ack_id).encode()
        head, attachments = (text[0], text[1:]) if isinstance(text, list) else (text, [])
        lines.append({'name': name, 'msgpack': encoded.hex(), 'json': head,
                      'attachments': [bytes(a).hex() for a in attachments]})
    with open(OUT, 'w') as f:
        for line in lines:
            f.write(json.dumps(line, ensure_ascii=False) + '\n')
    print('%d vectors written to %s' % (len(lines), os.path.relpath(OUT)))


if __name__ == '__main__':
    main()
