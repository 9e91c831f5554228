"""What the gateways share: in this process by default, through Redis when `REDIS_URL` is set."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.hub import Hub
from bot.locks import ChatLocks, LocalLocks, RedisLocks
from bot.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from bot.redis_hub import RedisHub
from bot.settings import Settings

SESSION_WINDOW_SECONDS = 3600.0


@dataclass
class Shared:
    hub: Hub
    locks: ChatLocks
    limiter: RateLimiter
    redis: Any = field(default=None, repr=False)
    # New widget sessions per address (see Settings.widget_sessions_per_hour).
    session_limiter: RateLimiter | None = None

    async def start(self) -> None:
        if isinstance(self.hub, RedisHub):
            await self.hub.start()

    async def stop(self) -> None:
        if isinstance(self.hub, RedisHub):
            await self.hub.stop()
        if self.redis is not None:
            await self.redis.aclose()


def build_shared(settings: Settings) -> Shared:
    if not settings.redis_url:
        return Shared(
            hub=Hub(),
            locks=LocalLocks(),
            limiter=MemoryRateLimiter(
                limit=settings.rate_limit_messages, window_seconds=settings.rate_limit_window_seconds
            ),
            session_limiter=MemoryRateLimiter(
                limit=settings.widget_sessions_per_hour, window_seconds=SESSION_WINDOW_SECONDS
            ),
        )
    import redis.asyncio  # noqa: PLC0415  (only the scale-out path needs it)

    # A timeout on every command: a lost answer must not hold a chat's lock forever.
    connection = redis.asyncio.Redis.from_url(
        settings.redis_url, health_check_interval=30, socket_timeout=10, socket_connect_timeout=5
    )
    prefix = settings.redis_prefix
    return Shared(
        hub=RedisHub(connection, prefix=prefix),
        locks=RedisLocks(connection, prefix=prefix),
        limiter=RedisRateLimiter(
            connection,
            limit=settings.rate_limit_messages,
            window_seconds=settings.rate_limit_window_seconds,
            prefix=prefix,
        ),
        redis=connection,
        session_limiter=RedisRateLimiter(
            connection,
            limit=settings.widget_sessions_per_hour,
            window_seconds=SESSION_WINDOW_SECONDS,
            prefix=f"{prefix}:sessions",
        ),
    )
