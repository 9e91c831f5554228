"""The in-process rate limiter, on an injected clock."""

from __future__ import annotations

import pytest

from bot.ratelimit import MemoryRateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


async def test_a_flood_is_cut_off_at_the_limit_and_the_next_window_starts_fresh() -> None:
    clock = Clock()
    limiter = MemoryRateLimiter(limit=3, window_seconds=60, clock=clock)
    assert [await limiter.allow("web:1") for _ in range(5)] == [True, True, True, False, False]
    clock.now += 60
    assert await limiter.allow("web:1")


async def test_one_sender_flooding_does_not_limit_another() -> None:
    limiter = MemoryRateLimiter(limit=1, window_seconds=60, clock=Clock())
    assert await limiter.allow("web:1")
    assert not await limiter.allow("web:1")
    assert await limiter.allow("web:2")


async def test_memory_stays_bounded_under_many_senders() -> None:
    clock = Clock()
    limiter = MemoryRateLimiter(limit=1, window_seconds=1, clock=clock)
    for i in range(10_001):
        await limiter.allow(f"web:{i}")
    clock.now += 1
    await limiter.allow("web:new")
    assert len(limiter._counts) == 1


def test_a_limit_must_be_positive() -> None:
    with pytest.raises(ValueError):
        MemoryRateLimiter(limit=0, window_seconds=60)


async def test_the_shared_limits_include_new_widget_sessions_per_address() -> None:
    from bot.settings import Settings
    from bot.shared import build_shared

    shared = build_shared(Settings(widget_sessions_per_hour=2))
    assert shared.session_limiter is not None
    assert [await shared.session_limiter.allow("session:a") for _ in range(3)] == [True, True, False]
    assert await shared.limiter.allow("session:a")  # the message limit counts apart
