"""Decodes packets written by event-proto with python-socketio's msgpack serializer and writes
each back with its default JSON serializer, so the caller can compare the two.

Input (a file named on the command line): one hex-encoded MessagePack packet per line.
Output (stdout): one JSON line per input line, {"json": text, "attachments": [hex]} or
{"error": the exception}.

Run by crates/event-proto/tests/msgpack_interop.rs when python-socketio and msgpack import.
"""

import json
import sys

from socketio import packet
from socketio.msgpack_packet import MsgPackPacket


def main():
    with open(sys.argv[1]) as f:
        lines = [line.strip() for line in f if line.strip()]
    for line in lines:
        try:
            p = MsgPackPacket(encoded_packet=bytes.fromhex(line))
            text = packet.Packet(p.packet_type, data=p.data, namespace=p.namespace,
                                 id=p.id).encode()
        except Exception as e:  # noqa: BLE001 -- any refusal is reported to the caller
            print(json.dumps({'error': repr(e)}))
            continue
        head, attachments = (text[0], text[1:]) if isinstance(text, list) else (text, [])
        print(json.dumps({'json': head,
                          'attachments': [bytes(a).hex() for a in attachments]}))


if __name__ == '__main__':
    main()
