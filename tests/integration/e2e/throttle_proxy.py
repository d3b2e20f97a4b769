#!/usr/bin/env python3
"""A TCP relay on loopback that slows the server-to-client direction to a device-like rate, so
a test can restart the server in the middle of a download. Bytes pass through untouched (TLS
stays end to end).

    throttle_proxy.py UPSTREAM_PORT BYTES_PER_SECOND

Listens on a free loopback port and prints, one line each, flushed, for the test to wait on:
    listening PORT
    connection N: B bytes to client      each time connection N passes another 64 KiB
When the upstream side closes or fails, the client side is closed too. A new connection whose
upstream refuses is held (up to 30 s) until the upstream listens again, as a device's request
would wait on a slow link while the server restarts. Stops by itself after 120 seconds.
"""
import asyncio
import itertools
import socket
import sys

CHUNK = 4096
REPORT_EVERY = 64 * 1024
UPSTREAM_WAIT_S = 30


def say(line):
    print(line, flush=True)


async def pipe(reader, writer, rate, on_bytes):
    try:
        while True:
            data = await reader.read(CHUNK)
            if not data:
                break
            writer.write(data)
            await writer.drain()
            on_bytes(len(data))
            if rate:
                await asyncio.sleep(len(data) / rate)
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def connect_upstream(port):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + UPSTREAM_WAIT_S
    while True:
        # A small receive buffer keeps the server's bytes in the server until the relay
        # forwards them; otherwise the kernel would take the whole image at once.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
        sock.setblocking(False)
        try:
            await loop.sock_connect(sock, ("127.0.0.1", port))
            return await asyncio.open_connection(sock=sock)
        except OSError:
            sock.close()
            if loop.time() > deadline:
                raise
            await asyncio.sleep(0.05)


class Counter:
    def __init__(self, number):
        self.number = number
        self.total = 0

    def add(self, n):
        before = self.total // REPORT_EVERY
        self.total += n
        if self.total // REPORT_EVERY > before:
            say(f"connection {self.number}: {self.total} bytes to client")


async def handle(client_reader, client_writer, upstream_port, rate, number):
    try:
        up_reader, up_writer = await connect_upstream(upstream_port)
    except OSError:
        client_writer.close()
        return
    counter = Counter(number)
    down = asyncio.ensure_future(pipe(up_reader, client_writer, rate, counter.add))
    up = asyncio.ensure_future(pipe(client_reader, up_writer, 0, lambda n: None))
    await asyncio.wait([down, up], return_when=asyncio.FIRST_COMPLETED)
    for task in (down, up):
        task.cancel()
    client_writer.close()
    up_writer.close()


async def main():
    upstream_port, rate = int(sys.argv[1]), int(sys.argv[2])
    numbers = itertools.count(1)
    server = await asyncio.start_server(
        lambda r, w: handle(r, w, upstream_port, rate, next(numbers)), "127.0.0.1", 0)
    say(f"listening {server.sockets[0].getsockname()[1]}")
    async with server:
        await asyncio.sleep(120)


asyncio.run(main())
