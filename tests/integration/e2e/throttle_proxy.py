#!/usr/bin/env python3
"""A TCP relay on loopback that slows the server-to-client direction to a device-like rate, so
a test can restart the server in the middle of a download. Bytes pass through untouched (TLS
stays end to end). When the upstream side closes or fails, the client side is closed too.

    throttle_proxy.py LISTEN_PORT UPSTREAM_PORT BYTES_PER_SECOND
Stops by itself after 120 seconds.
"""
import asyncio
import socket
import sys

CHUNK = 4096


async def pipe(reader, writer, rate):
    try:
        while True:
            data = await reader.read(CHUNK)
            if not data:
                break
            writer.write(data)
            await writer.drain()
            if rate:
                await asyncio.sleep(len(data) / rate)
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def handle(client_reader, client_writer, upstream_port, rate):
    try:
        # A small receive buffer keeps the server's bytes in the server until the relay
        # forwards them; otherwise the kernel would take the whole image at once.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", upstream_port))
        up_reader, up_writer = await asyncio.open_connection(sock=sock)
    except OSError:
        client_writer.close()
        return
    down = asyncio.ensure_future(pipe(up_reader, client_writer, rate))
    up = asyncio.ensure_future(pipe(client_reader, up_writer, 0))
    await asyncio.wait([down, up], return_when=asyncio.FIRST_COMPLETED)
    for task in (down, up):
        task.cancel()
    client_writer.close()
    up_writer.close()


async def main():
    listen_port, upstream_port, rate = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    server = await asyncio.start_server(
        lambda r, w: handle(r, w, upstream_port, rate), "127.0.0.1", listen_port)
    async with server:
        await asyncio.sleep(120)


asyncio.run(main())
