#!/usr/bin/env python3
"""N concurrent HTTPS downloads, each read at about RATE bytes/s, like VT132s on Wi-Fi.

Prints one line: completed downloads, failures, and the bytes received. Bounded: every
download stops after --seconds even if unfinished (that counts as completed-in-time only
if all bytes arrived). Loopback targets only.
"""
import argparse
import asyncio
import socket
import ssl
import sys
import time


RCVBUF = 8192


async def download(host, port, path, ctx, rate, deadline, results):
    try:
        # A device-sized TCP window (the ESP32's lwIP uses about 5.7 KB): without it the
        # kernel would buffer the whole image on loopback and no server thread would wait.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
        sock.setblocking(False)
        await asyncio.wait_for(asyncio.get_running_loop().sock_connect(sock, (host, port)), timeout=30)
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(sock=sock, ssl=ctx, server_hostname=host), timeout=30)
    except Exception as e:  # noqa: BLE001 - any failure counts, the reason is printed once
        results["fail"] += 1
        results.setdefault("why", repr(e))
        return
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    got = 0
    start = time.monotonic()
    chunk = 4096
    try:
        while time.monotonic() < deadline:
            data = await asyncio.wait_for(reader.read(chunk), timeout=30)
            if not data:
                break
            got += len(data)
            # Keep to `rate`: sleep until the time these bytes "should" have taken.
            ahead = got / rate - (time.monotonic() - start)
            if ahead > 0:
                await asyncio.sleep(ahead)
    except Exception as e:  # noqa: BLE001
        results["fail"] += 1
        results.setdefault("why", repr(e))
        writer.close()
        return
    results["bytes"] += got
    results["done" if got >= results["expect"] else "short"] += 1
    writer.close()


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--path", required=True)
    ap.add_argument("--cacert", required=True)
    ap.add_argument("--clients", type=int, default=1000)
    ap.add_argument("--rate", type=int, default=50 * 1024)
    ap.add_argument("--seconds", type=float, default=40)
    ap.add_argument("--expect-bytes", type=int, required=True, help="response size incl. headers, roughly")
    a = ap.parse_args()
    if a.host not in ("127.0.0.1", "::1", "localhost"):
        sys.exit("loopback targets only")
    ctx = ssl.create_default_context(cafile=a.cacert)
    deadline = time.monotonic() + a.seconds
    results = {"done": 0, "short": 0, "fail": 0, "bytes": 0, "expect": a.expect_bytes}
    tasks = []
    for _ in range(min(a.clients, 5000)):
        tasks.append(asyncio.create_task(download(a.host, a.port, a.path, ctx, a.rate, deadline, results)))
        await asyncio.sleep(0.002)  # a 2 s ramp, as devices do not all start in the same ms
    await asyncio.gather(*tasks)
    print(f"slow clients: {results['done']} complete, {results['short']} unfinished at the deadline, "
          f"{results['fail']} failed, {results['bytes'] / 1e6:.1f} MB received"
          + (f" (first failure: {results['why']})" if "why" in results else ""))


asyncio.run(main())
