"""Per-client rate limits: in this process by default, shared through Redis across gateways.

Both limiters count messages in fixed windows of `window_seconds` (the window is the clock's time
divided by its length), so they agree on what a flood is. The clock is injected for tests.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger(__name__)

Clock = Callable[[], float]


class RateLimiter(Protocol):
    async def allow(self, key: str) -> bool:
        """Count one event for `key`; False when it goes over the limit."""


class MemoryRateLimiter:
    def __init__(self, *, limit: int, window_seconds: float, clock: Clock = time.time) -> None:
        if limit < 1 or window_seconds <= 0:
            raise ValueError("a rate limit needs a positive count and window")
        self._limit = limit
        self._window = window_seconds
        self._clock = clock
        self._counts: dict[str, tuple[int, int]] = {}

    async def allow(self, key: str) -> bool:
        window = int(self._clock() // self._window)
        if len(self._counts) > 10_000:
            # Keep memory bounded: forget every key whose window has passed.
            self._counts = {k: v for k, v in self._counts.items() if v[0] == window}
        seen_window, count = self._counts.get(key, (window, 0))
        count = count + 1 if seen_window == window else 1
        self._counts[key] = (window, count)
        return count <= self._limit


class RedisRateLimiter:
    """The same fixed windows, counted with INCR on a key that expires with its window."""

    def __init__(
        self,
        redis: object,
        *,
        limit: int,
        window_seconds: float,
        prefix: str = "companion",
        clock: Clock = time.time,
    ) -> None:
        if limit < 1 or window_seconds <= 0:
            raise ValueError("a rate limit needs a positive count and window")
        self._redis = redis
        self._limit = limit
        self._window = window_seconds
        self._prefix = prefix
        self._clock = clock
        self._fallback = MemoryRateLimiter(limit=limit, window_seconds=window_seconds, clock=clock)

    async def allow(self, key: str) -> bool:
        window = int(self._clock() // self._window)
        name = f"{self._prefix}:rate:{key}:{window}"
        try:
            async with self._redis.pipeline(transaction=True) as pipe:  # type: ignore[attr-defined]
                pipe.incr(name)
                pipe.expire(name, max(1, int(self._window) + 1))
                count, _ = await pipe.execute()
        except Exception as exc:  # noqa: BLE001  (Redis away: count here, never drop the client)
            log.warning("Redis is unreachable (%s): rate limits are counted per gateway", exc)
            return await self._fallback.allow(key)
        return int(count) <= self._limit
