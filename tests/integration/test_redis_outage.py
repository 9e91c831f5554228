"""Redis goes away under two gateways: clients are still answered, a risk message is still
escalated, each gateway's widgets still see their frames, and sharing resumes when Redis is back.

Runs its own redis-server on a free port, so stopping it touches nothing else."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
import time
from collections.abc import Iterator

import pytest
import redis
from sqlalchemy import select

from bot.db import make_engine, make_sessionmaker
from bot.models import Escalation
from bot.ratelimit import RedisRateLimiter
from bot.safety.screen import safety_reply
from bot.stack import free_port
from tests.integration.test_shared_redis import (
    connection,
    frames_until,
    gateway_replica,
    mid_checkin,
)
from tests.services import RedisTarget

pytestmark = pytest.mark.integration


class OwnRedis:
    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def target(self) -> RedisTarget:
        return RedisTarget(url=f"redis://127.0.0.1:{self.port}/0", prefix="outage")

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis(port=self.port, socket_timeout=1).ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    server = OwnRedis()
    server.start()
    yield server
    server.stop()


def texts_of(frames: list[dict]) -> list[str]:
    return [f["text"] for f in frames if f["type"] == "message"]


async def test_with_redis_down_clients_are_answered_and_a_risk_message_escalated(
    pg_url: str, own_redis: OwnRedis
) -> None:
    target = own_redis.target
    async with gateway_replica(pg_url, target) as (a, hub_a), \
            gateway_replica(pg_url, target) as (b, hub_b):
        client_id = mid_checkin(a, "digest-outage")
        on_a, on_b = hub_a.subscribe(client_id), hub_b.subscribe(client_id)
        await a.handle_client_message(client_id=client_id, channel="web", text="hello")
        assert texts_of(await frames_until(on_b, 2))[0] == "hello"  # shared through Redis
        await frames_until(on_a, 2)

        own_redis.stop()
        replies = await asyncio.wait_for(
            a.handle_client_message(client_id=client_id, channel="web", text="I want to die"),
            15,
        )
        assert [r.text for r in replies] == safety_reply("urgent")
        engine = make_engine(pg_url)
        with make_sessionmaker(engine).begin() as session:
            escalations = session.scalars(select(Escalation)).all()
            assert [(e.level, e.client_id) for e in escalations] == [("urgent", client_id)]
        engine.dispose()
        frames = await frames_until(on_a, 1 + len(safety_reply("urgent")))
        assert texts_of(frames)[0] == "I want to die"  # this gateway's widget still sees it
        assert texts_of(frames)[1:] == safety_reply("urgent")
        answered = await asyncio.wait_for(
            b.handle_client_message(client_id=client_id, channel="web", text="my week was ok"),
            15,
        )
        assert [r.text for r in answered] == ["It sounds like my week was ok."]

        own_redis.start()  # the same port: the gateways find it again
        deadline = time.monotonic() + 15
        while True:
            await a.handle_client_message(client_id=client_id, channel="web", text="back again")
            try:
                seen = texts_of(await frames_until(on_b, 1))
            except asyncio.TimeoutError:
                seen = []
            if "back again" in seen or time.monotonic() > deadline:
                break
        assert "back again" in seen


async def test_the_rate_limit_is_counted_per_gateway_while_redis_is_down(
    own_redis: OwnRedis,
) -> None:
    target = own_redis.target
    async with connection(target) as conn:
        limiter = RedisRateLimiter(conn, limit=3, window_seconds=60, prefix=target.prefix)
        assert await limiter.allow("web:1")
        own_redis.stop()
        allowed = [await limiter.allow("web:1") for _ in range(5)]
        assert allowed == [True, True, True, False, False]


async def test_a_gateway_starts_with_redis_down_and_shares_frames_once_it_is_back(
    pg_url: str, own_redis: OwnRedis
) -> None:
    own_redis.stop()
    target = own_redis.target
    async with gateway_replica(pg_url, target) as (a, hub_a):
        client_id = mid_checkin(a, "digest-late")
        on_a = hub_a.subscribe(client_id)
        await a.handle_client_message(client_id=client_id, channel="web", text="anyone there")
        assert texts_of(await frames_until(on_a, 2)) == [
            "anyone there", "It sounds like anyone there."
        ]
        own_redis.start()
        async with gateway_replica(pg_url, target) as (_, hub_b):
            on_b = hub_b.subscribe(client_id)
            deadline = time.monotonic() + 15
            seen: list[str] = []
            while "still here" not in seen and time.monotonic() < deadline:
                await a.handle_client_message(client_id=client_id, channel="web", text="still here")
                with contextlib.suppress(asyncio.TimeoutError):
                    seen += texts_of(await frames_until(on_b, 1))
            assert "still here" in seen
