"""One conversation at a time per client: a lock in this process, or one shared through Redis.

The gateway holds a client's lock while it handles one of their messages, so each conversation's
messages are answered in order. With several gateways the lock must be shared: a Redis lock is a
lease that the holder renews while it works, so a gateway that dies frees its clients' locks after
at most one lease. If Redis cannot be reached the gateway goes on under its own lock: a client is
never left unanswered because a lock server is down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections.abc import AsyncIterator
from typing import Protocol

log = logging.getLogger(__name__)


class ChatLocks(Protocol):
    def hold(self, client_id: int) -> contextlib.AbstractAsyncContextManager[None]:
        """Hold the client's lock for the `async with` block."""


class LocalLocks:
    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()

    def lock(self, client_id: int) -> asyncio.Lock:
        lock = self._locks.get(client_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[client_id] = lock
        return lock

    def hold(self, client_id: int) -> contextlib.AbstractAsyncContextManager[None]:
        return self.lock(client_id)  # type: ignore[return-value]


class RedisLocks:
    def __init__(
        self, redis: object, *, prefix: str = "companion", lease_seconds: float = 10.0
    ) -> None:
        self._redis = redis
        self._prefix = prefix
        self._lease = lease_seconds
        # Waiters in this process queue locally first, so they do not all poll Redis.
        self._local = LocalLocks()

    @contextlib.asynccontextmanager
    async def hold(self, client_id: int) -> AsyncIterator[None]:
        async with self._local.lock(client_id):
            lock = self._redis.lock(  # type: ignore[attr-defined]
                f"{self._prefix}:chatlock:{client_id}", timeout=self._lease, sleep=0.02
            )
            waited = time.monotonic()
            try:
                await lock.acquire()
            except Exception as exc:  # noqa: BLE001  (Redis away)
                # Answering matters more than order across gateways: this process's lock still
                # keeps the order of what reaches this gateway, and a risk message is answered.
                log.error(
                    "Redis is unreachable (%s): client %s is answered under this gateway's "
                    "lock only", exc, client_id,
                )
                yield
                return
            waited = time.monotonic() - waited
            if waited > self._lease:
                log.warning("waited %.1fs for the chat lock of client %s", waited, client_id)
            done = asyncio.Event()
            renew = asyncio.create_task(self._renew(lock, done))
            try:
                yield
            finally:
                # Stopped by a signal, not cancelled: a Redis command cancelled half-way can
                # leave the renewal running, and the lease held, forever.
                done.set()
                with contextlib.suppress(Exception):
                    await renew
                try:
                    await lock.release()
                except Exception as exc:  # noqa: BLE001  (an expired lease is already free)
                    log.warning("chat lock for client %s was lost: %s", client_id, exc)

    async def _renew(self, lock: object, done: asyncio.Event) -> None:
        while not done.is_set():
            try:
                await asyncio.wait_for(done.wait(), self._lease / 3)
            except asyncio.TimeoutError:
                await lock.reacquire()  # type: ignore[attr-defined]
