"""A small round-robin load balancer for loopback: each TCP connection (HTTP or WebSocket) goes to
the next upstream that accepts it; an upstream that refuses is skipped for that connection.

It stands in for a real load balancer (an ingress, a cloud balancer) when several replicas run on
one machine: `python -m bot.balancer --port 8000 --upstream 127.0.0.1:8001 --upstream ...`.
Connections already open to an upstream that dies are cut; clients reconnect and land elsewhere.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import signal

CONNECT_TIMEOUT = 1.0
CHUNK = 65536


class Balancer:
    def __init__(self, upstreams: list[tuple[str, int]], *, host: str = "127.0.0.1", port: int = 0):
        if not upstreams:
            raise ValueError("a balancer needs at least one upstream")
        self._upstreams = upstreams
        self._turn = itertools.cycle(range(len(upstreams)))
        self._host = host
        self._port = port
        self._server: asyncio.base_events.Server | None = None
        self.connections = [0] * len(upstreams)

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.sockets[0].getsockname()[1]

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, self._host, self._port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        first = next(self._turn)
        for offset in range(len(self._upstreams)):
            index = (first + offset) % len(self._upstreams)
            host, port = self._upstreams[index]
            try:
                streams = await asyncio.wait_for(asyncio.open_connection(host, port), CONNECT_TIMEOUT)
            except (OSError, asyncio.TimeoutError):
                continue
            self.connections[index] += 1
            return streams
        return None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream = await self._connect()
        if upstream is None:
            writer.write(b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n"
                         b"connection: close\r\n\r\n")
            with contextlib.suppress(OSError):
                await writer.drain()
            writer.close()
            return
        up_reader, up_writer = upstream
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
    except (OSError, asyncio.IncompleteReadError):
        pass
    finally:
        with contextlib.suppress(OSError, RuntimeError):
            writer.close()


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host or "127.0.0.1", int(port)


async def _serve(port: int, upstreams: list[tuple[str, int]]) -> None:
    balancer = Balancer(upstreams, port=port)
    await balancer.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    await balancer.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", action="append", type=_address, required=True)
    args = parser.parse_args(argv)
    asyncio.run(_serve(args.port, args.upstream))


if __name__ == "__main__":
    main()
