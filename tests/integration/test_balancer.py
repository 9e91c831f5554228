"""The loopback balancer: round robin over upstreams, skipping one that refuses connections."""

from __future__ import annotations

import asyncio
import socket

from bot.balancer import Balancer


async def upstream(name: bytes) -> asyncio.base_events.Server:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readline()
        writer.write(name)
        await writer.drain()
        writer.close()

    return await asyncio.start_server(answer, "127.0.0.1", 0)


def dead_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def ask(port: int) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET / HTTP/1.1\r\n")
    await writer.drain()
    answer = await reader.read()
    writer.close()
    return answer


async def test_connections_take_turns_and_a_dead_upstream_is_skipped() -> None:
    one, two = await upstream(b"one"), await upstream(b"two")
    ports = [s.sockets[0].getsockname()[1] for s in (one, two)]
    balancer = Balancer([("127.0.0.1", ports[0]), ("127.0.0.1", dead_port()), ("127.0.0.1", ports[1])])
    await balancer.start()
    try:
        answers = [await ask(balancer.port) for _ in range(6)]
        assert set(answers) == {b"one", b"two"}
        assert balancer.connections[1] == 0 and sum(balancer.connections) == 6
    finally:
        await balancer.stop()
        one.close()
        two.close()


async def test_no_upstream_left_is_a_503() -> None:
    balancer = Balancer([("127.0.0.1", dead_port())])
    await balancer.start()
    try:
        assert (await ask(balancer.port)).startswith(b"HTTP/1.1 503")
    finally:
        await balancer.stop()
