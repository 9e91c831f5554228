"""The hub shared through Redis pub/sub, so a frame published on one gateway reaches a widget
connected to another.

Every frame goes through Redis, even to local subscribers, so each subscriber sees one order. One
connection publishes, in the order frames were handed over; one pattern subscription per gateway
receives every client's frames and hands them to the local subscribers, if any. While Redis is
away, a frame that cannot be published goes to this gateway's subscribers directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

from bot.hub import Frame, Hub

log = logging.getLogger(__name__)
RETRY_SECONDS = 0.5
START_TIMEOUT_SECONDS = 5.0


class RedisHub(Hub):
    def __init__(self, redis: object, *, prefix: str = "companion", queue_size: int = 1000) -> None:
        super().__init__(queue_size)
        self._redis = redis
        self._channel_prefix = f"{prefix}:hub:"
        self._outbox: asyncio.Queue[tuple[int, Frame]] | None = None
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Subscribe (and wait until Redis confirms it), then start publishing. With Redis
        away the gateway still starts; the subscription is retried in the background."""
        self._outbox = asyncio.Queue()
        pubsub: object | None
        try:
            pubsub = await asyncio.wait_for(self._subscribe(), START_TIMEOUT_SECONDS)
        except Exception as exc:  # noqa: BLE001
            log.error("Redis is unreachable at start (%s): frames go to this gateway only", exc)
            pubsub = None
        self._tasks = [
            asyncio.create_task(self._read(pubsub)),
            asyncio.create_task(self._write(self._outbox)),
        ]

    async def stop(self) -> None:
        if self._outbox is not None:
            # Hand over what is already queued before closing.
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._drained(), 2.0)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def _drained(self) -> None:
        assert self._outbox is not None
        while not self._outbox.empty():
            await asyncio.sleep(0.01)

    def publish(self, client_id: int, frame: Frame) -> None:
        if self._outbox is None:
            raise RuntimeError("RedisHub.start() must run before frames are published")
        self._outbox.put_nowait((client_id, frame))

    async def _subscribe(self) -> object:
        pubsub = self._redis.pubsub(ignore_subscribe_messages=False)  # type: ignore[attr-defined]
        await pubsub.psubscribe(f"{self._channel_prefix}*")
        while True:
            message = await pubsub.get_message(timeout=5.0)
            if message is not None and message["type"] == "psubscribe":
                return pubsub

    async def _write(self, outbox: asyncio.Queue[tuple[int, Frame]]) -> None:
        while True:
            client_id, frame = await outbox.get()
            payload = json.dumps(frame)
            try:
                await self._redis.publish(  # type: ignore[attr-defined]
                    f"{self._channel_prefix}{client_id}", payload
                )
            except Exception as exc:  # noqa: BLE001  (Redis away)
                # This gateway's widgets still see the frame now; widgets on other gateways
                # catch up from the database when they reconnect.
                log.warning("could not publish a frame to Redis, delivered here only: %s", exc)
                super().publish(client_id, frame)

    async def _read(self, pubsub: object | None) -> None:
        while True:
            if pubsub is None:
                await asyncio.sleep(RETRY_SECONDS)
                with contextlib.suppress(Exception):
                    pubsub = await asyncio.wait_for(self._subscribe(), START_TIMEOUT_SECONDS)
                continue
            try:
                message = await pubsub.get_message(  # type: ignore[attr-defined]
                    ignore_subscribe_messages=True, timeout=1.0
                )
            except Exception as exc:  # noqa: BLE001  (reconnect and subscribe again)
                log.warning("lost the Redis subscription: %s", exc)
                pubsub = None
                continue
            if message is None or message["type"] != "pmessage":
                continue
            channel = message["channel"]
            channel = channel.decode() if isinstance(channel, bytes) else channel
            try:
                client_id = int(channel.removeprefix(self._channel_prefix))
                frame = json.loads(message["data"])
            except ValueError:
                continue
            super().publish(client_id, frame)
