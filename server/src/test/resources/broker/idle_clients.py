"""Idle MQTT 5 clients in a process of their own, so that a test's heap holds only the broker's side of them.

usage: idle_clients.py PORT tcp|ws COUNT PREFIX
Opens COUNT connections (clean start, keep-alive 60 s), each with its CONNECT answered by a successful CONNACK; over
ws, each first upgrades to WebSocket on /mqtt. Prints "ready N" once all are connected, then holds them until its
standard input closes, and closes them.
"""
import os
import socket
import struct
import sys


def connect_packet(client_id):
    cid = client_id.encode()
    # protocol name, level 5, flags: clean start, keep-alive 60, no properties
    variable = b"\x00\x04MQTT\x05\x02\x00\x3c\x00"
    payload = struct.pack(">H", len(cid)) + cid
    body = variable + payload
    return bytes([0x10, len(body)]) + body


def read_exactly(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise SystemExit("connection closed by the broker")
        data += chunk
    return data


def open_tcp(port, client_id):
    s = socket.create_connection(("127.0.0.1", port), timeout=60)
    s.sendall(connect_packet(client_id))
    head = read_exactly(s, 2)
    rest = read_exactly(s, head[1])
    if head[0] != 0x20 or rest[1] != 0:
        raise SystemExit("CONNACK refused: " + head.hex() + rest.hex())
    return s


def open_ws(port, client_id):
    s = socket.create_connection(("127.0.0.1", port), timeout=60)
    s.sendall(("GET /mqtt HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
               "Sec-WebSocket-Protocol: mqtt\r\n\r\n" % port).encode())
    response = b""
    while b"\r\n\r\n" not in response:
        chunk = s.recv(1)
        if not chunk:
            raise SystemExit("upgrade refused")
        response += chunk
    if not response.startswith(b"HTTP/1.1 101"):
        raise SystemExit("upgrade refused: " + response.decode(errors="replace"))
    packet = connect_packet(client_id)
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(packet))
    s.sendall(bytes([0x82, 0x80 | len(packet)]) + mask + masked)
    frame = read_exactly(s, 2)
    body = read_exactly(s, frame[1] & 0x7F)
    if body[0] != 0x20 or body[3] != 0:
        raise SystemExit("CONNACK refused: " + body.hex())
    return s


def main():
    port, transport, count, prefix = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
    opener = open_ws if transport == "ws" else open_tcp
    sockets = [opener(port, "%s-%d" % (prefix, i)) for i in range(count)]
    print("ready %d" % len(sockets), flush=True)
    sys.stdin.read()
    for s in sockets:
        s.close()


main()
