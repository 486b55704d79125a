"""A TCP forwarder standing in for Traefik in the swarm tests (no Traefik image here).

Listens on LISTEN_PORT and, per connection, connects to one of the task addresses behind
TARGET (e.g. tasks.hello_web:8080), the way Traefik's swarm provider reaches task IPs.
"""

import asyncio
import os
import socket

LISTEN = int(os.environ.get("LISTEN_PORT", "8080"))
HOST, _, PORT = os.environ["TARGET"].rpartition(":")


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except OSError:
        pass
    finally:
        writer.close()


async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(HOST, int(PORT), type=socket.SOCK_STREAM)
    except OSError:
        infos = []
    for *_, addr in infos:
        try:
            up_r, up_w = await asyncio.wait_for(asyncio.open_connection(addr[0], addr[1]), 2)
        except (TimeoutError, OSError):
            continue
        await asyncio.gather(pipe(client_r, up_w), pipe(up_r, client_w))
        return
    client_w.close()


async def main() -> None:
    server = await asyncio.start_server(handle, "0.0.0.0", LISTEN)
    async with server:
        await server.serve_forever()


asyncio.run(main())
