"""Two gateways sharing PostgreSQL and Redis: live frames, per-chat order and rate limits."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
from collections.abc import AsyncIterator

import httpx
import redis.asyncio
from sqlalchemy import select

from actions.values import ValueDetector
from bot.db import make_engine, make_sessionmaker
from bot.gateway import Gateway
from bot.locks import RedisLocks
from bot.models import Message
from bot.rasa_client import RasaClient
from bot.ratelimit import RedisRateLimiter
from bot.redis_hub import RedisHub
from bot.safety.screen import SafetyScreen
from bot.settings import Settings
from bot.store import Store
from tests.integration.test_gateway import default_replies, scripted_rasa
from tests.services import RedisTarget
from tests.support.consent import agree_for


class Clock:
    def __init__(self) -> None:
        self.now = 5_000.0

    def __call__(self) -> float:
        return self.now


@contextlib.asynccontextmanager
async def connection(target: RedisTarget) -> AsyncIterator[redis.asyncio.Redis]:
    conn = redis.asyncio.Redis.from_url(target.url)
    try:
        yield conn
    finally:
        await conn.aclose()


@contextlib.asynccontextmanager
async def gateway_replica(
    url: str, target: RedisTarget, transport: httpx.MockTransport | None = None
) -> AsyncIterator[tuple[Gateway, RedisHub]]:
    """One gateway as `companion serve` builds it with REDIS_URL set, minus the web server."""
    engine = make_engine(url)
    async with connection(target) as conn:
        hub = RedisHub(conn, prefix=target.prefix)
        await hub.start()
        gateway = Gateway(
            settings=Settings(database_url=url),
            store=Store(make_sessionmaker(engine)),
            rasa=RasaClient(
                rasa_url="http://rasa.test", action_server_url="http://actions.test",
                timeout_seconds=5,
                http=httpx.AsyncClient(transport=transport or scripted_rasa(default_replies, [])),
            ),
            screen=SafetyScreen(),
            values=ValueDetector(),
            hub=hub,
            locks=RedisLocks(conn, prefix=target.prefix, lease_seconds=3),
        )
        try:
            yield gateway, hub
        finally:
            await hub.stop()
            engine.dispose()


def mid_checkin(gateway: Gateway, digest: str) -> int:
    client_id = gateway.store.client_for("web", digest)
    agree_for(gateway.store, client_id)
    gateway.store.mark_notice_shown(client_id)
    gateway.store.touch_checkin(client_id, "web", dt.timedelta(hours=1))
    return client_id


async def frames_until(queue: asyncio.Queue, count: int) -> list[dict]:
    frames = []
    while len([f for f in frames if f["type"] == "message"]) < count:
        frames.append(await asyncio.wait_for(queue.get(), 5))
    return frames


async def test_a_reply_made_on_one_gateway_reaches_a_widget_on_the_other(
    pg_url: str, redis_target: RedisTarget
) -> None:
    async with gateway_replica(pg_url, redis_target) as (a, _), \
            gateway_replica(pg_url, redis_target) as (b, hub_b):
        client_id = mid_checkin(a, "digest-1")
        watching_on_b = hub_b.subscribe(client_id)
        await a.handle_client_message(client_id=client_id, channel="web", text="hello from A")
        frames = await frames_until(watching_on_b, 2)
        texts = [f["text"] for f in frames if f["type"] == "message"]
        assert texts[0] == "hello from A"
        assert texts[1].startswith("It sounds like hello from A")
        assert hub_b.watchers(client_id) == 1


async def test_one_chat_through_two_gateways_takes_one_turn_at_a_time(
    pg_url: str, redis_target: RedisTarget
) -> None:
    busy = {"now": 0, "most": 0}
    calls: list[str] = []

    async def rasa(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        busy["now"] += 1
        busy["most"] = max(busy["most"], busy["now"])
        await asyncio.sleep(0.02)
        busy["now"] -= 1
        calls.append(body["message"])
        return httpx.Response(200, json=default_replies(body))

    async def serve(gateway: Gateway, client_id: int, texts: list[str]) -> None:
        for text in texts:
            await gateway.handle_client_message(client_id=client_id, channel="web", text=text)

    transport = httpx.MockTransport(rasa)
    async with gateway_replica(pg_url, redis_target, transport=transport) as (a, _), \
            gateway_replica(pg_url, redis_target, transport=transport) as (b, _):
        client_id = mid_checkin(a, "digest-2")
        await asyncio.gather(
            serve(a, client_id, [f"a{i}" for i in range(5)]),
            serve(b, client_id, [f"b{i}" for i in range(5)]),
        )
        engine = make_engine(pg_url)
        try:
            with make_sessionmaker(engine)() as session:
                rows = session.scalars(
                    select(Message).where(Message.client_id == client_id).order_by(Message.id)
                ).all()
        finally:
            engine.dispose()
    # The lock is shared: one message at a time reaches the dialogue engine, and the answers
    # were stored in the order the messages were answered.
    assert busy["most"] == 1
    inbound = sorted((r for r in rows if r.direction == "in"), key=lambda r: r.answered_at)
    outbound = [r.text for r in rows if r.direction == "out"]
    assert len(inbound) == 10 and calls == [r.text for r in inbound]
    assert outbound == [f"It sounds like {r.text}." for r in inbound]
    assert [r.text for r in inbound if r.text.startswith("a")] == [f"a{i}" for i in range(5)]


async def test_the_redis_rate_limit_is_shared_between_gateways(redis_target: RedisTarget) -> None:
    clock = Clock()
    async with connection(redis_target) as one, connection(redis_target) as two:
        on_a = RedisRateLimiter(one, limit=3, window_seconds=60, prefix=redis_target.prefix, clock=clock)
        on_b = RedisRateLimiter(two, limit=3, window_seconds=60, prefix=redis_target.prefix, clock=clock)
        allowed = [await limiter.allow("web:7") for limiter in (on_a, on_b, on_a, on_b)]
        assert allowed == [True, True, True, False]
        assert await on_b.allow("web:8")
        clock.now += 60
        assert await on_a.allow("web:7")


async def test_a_dead_holders_chat_lock_is_free_after_its_lease(redis_target: RedisTarget) -> None:
    async with connection(redis_target) as conn:
        stale = conn.lock(f"{redis_target.prefix}:chatlock:42", timeout=0.3)
        assert await stale.acquire()  # a gateway that took the lock and died
        locks = RedisLocks(conn, prefix=redis_target.prefix, lease_seconds=3)
        await asyncio.wait_for(_hold_once(locks, 42), 3)


async def _hold_once(locks: RedisLocks, client_id: int) -> None:
    async with locks.hold(client_id):
        pass


async def test_a_held_chat_lock_is_renewed_past_its_lease(redis_target: RedisTarget) -> None:
    async with connection(redis_target) as conn:
        locks = RedisLocks(conn, prefix=redis_target.prefix, lease_seconds=0.3)
        async with locks.hold(43):
            await asyncio.sleep(0.8)
            other = conn.lock(f"{redis_target.prefix}:chatlock:43", timeout=1)
            assert not await other.acquire(blocking=False)
        assert await other.acquire(blocking=False)
        await other.release()
