"""Faults on the scaled-out stack (two of each server behind balancers, PostgreSQL, Redis): a Rasa
server, an action server, a gateway and the database connections are killed mid-conversation.
Every inbound message is stored once, every client gets an answer (or an honest "give me a
moment" and then the answer), and each chat's messages are answered in order."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, select, text

from bot.gateway import gateway_text, load_texts
from bot.models import Message
from bot.settings import Settings
from bot.stack import MODEL_PATH, Stack, free_port
from tests.e2e.fault_chat import Chat
from tests.services import PostgresDatabase, RedisTarget, truncate_all

pytestmark = pytest.mark.e2e
CLIENTS = 4
MOMENT = gateway_text(load_texts(), "rasa_unavailable", "en", Settings())


@pytest.fixture(scope="module")
def scaled(
    tmp_path_factory: pytest.TempPathFactory,
    postgres_database: PostgresDatabase,
    redis_target: RedisTarget,
) -> Iterator[Stack]:
    if not MODEL_PATH.exists():
        pytest.fail(f"no trained model at {MODEL_PATH}: `make test` trains it first")
    # The run's database is shared with the integration tests: start from empty tables, so only
    # this module's conversations are counted at the end.
    truncate_all(postgres_database.url)
    workdir = tmp_path_factory.mktemp("scaled")
    stack = Stack(
        rasa_port=free_port(), action_port=free_port(), gateway_port=free_port(),
        database_url=postgres_database.url, tracker_db=str(workdir / "unused.db"),
        log_dir=workdir / "log", replicas=2, redis_url=redis_target.url,
        redis_prefix=redis_target.prefix, extra_env={"RASA_TIMEOUT_SECONDS": "20"},
    )
    stack.start(timeout=300)
    yield stack
    stack.stop()


def kill(stack: Stack, name: str) -> None:
    process = stack.process(name)
    assert process.popen is not None
    os.killpg(process.popen.pid, signal.SIGKILL)
    process.popen.wait()


def wait_ready(stack: Stack, name: str, timeout: float = 180) -> None:
    process = stack.process(name)
    deadline = time.monotonic() + timeout
    while not process.ready():
        assert process.alive(), process.log_tail()
        assert time.monotonic() < deadline, f"{name} did not come back"
        time.sleep(0.5)


async def answered(chat: Chat, words: str) -> list[str]:
    """An answer, or "give me a moment" followed by the answer when the client writes again."""
    _, replies = await chat.exchange(words)
    if replies == [MOMENT]:
        _, replies = await chat.exchange(words + ", again")
    assert replies and MOMENT not in replies, replies
    return replies


async def conversation_under(stack: Stack, fault) -> None:  # type: ignore[no-untyped-def]
    chats = [await Chat(stack.gateway_url).open() for _ in range(CLIENTS)]
    try:
        await asyncio.gather(*(answered(c, "I had a long day at work") for c in chats))
        in_flight = [asyncio.create_task(answered(c, "my sister came over")) for c in chats]
        await asyncio.sleep(0.05)
        fault()
        await asyncio.gather(*in_flight)
        await asyncio.gather(*(answered(c, "we cooked dinner together") for c in chats))
    finally:
        for chat in chats:
            await chat.close()


async def test_a_rasa_server_killed_mid_conversation(scaled: Stack) -> None:
    await conversation_under(scaled, lambda: kill(scaled, "rasa 1"))
    scaled.process("rasa 1").start()  # comes back while the next faults run


async def test_an_action_server_killed_mid_conversation(scaled: Stack) -> None:
    await conversation_under(scaled, lambda: kill(scaled, "action server 1"))
    scaled.process("action server 1").start()
    wait_ready(scaled, "action server 1")


async def test_a_gateway_killed_mid_conversation(scaled: Stack) -> None:
    await conversation_under(scaled, lambda: kill(scaled, "gateway 1"))
    scaled.process("gateway 1").start()
    wait_ready(scaled, "gateway 1")


async def test_database_connections_killed_mid_conversation(
    scaled: Stack, postgres_database: PostgresDatabase
) -> None:
    admin = create_engine(postgres_database.url, isolation_level="AUTOCOMMIT")

    def cut() -> None:
        with admin.connect() as conn:
            killed = conn.execute(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )).scalar()
        assert killed > 0

    try:
        await conversation_under(scaled, cut)
    finally:
        admin.dispose()


def test_nothing_was_lost_doubled_or_answered_out_of_order(
    scaled: Stack, postgres_database: PostgresDatabase
) -> None:
    wait_ready(scaled, "rasa 1")  # the killed Rasa server is back and serving
    engine = create_engine(postgres_database.url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(
                Message.id, Message.client_id, Message.direction, Message.client_msg_id,
                Message.answered_at, Message.text, Message.created_at,
            ).order_by(Message.id)).all()
    finally:
        engine.dispose()
    inbound = [r for r in rows if r.direction == "in"]
    assert len(inbound) >= 4 * CLIENTS * 3
    ids = [(r.client_id, r.client_msg_id) for r in inbound]
    assert len(ids) == len(set(ids))  # resends were stored once
    unanswered = [(r.id, r.client_id, r.text, r.created_at) for r in inbound if r.answered_at is None]
    assert unanswered == []
    for client_id in {r.client_id for r in inbound}:
        times = [r.answered_at for r in inbound if r.client_id == client_id]
        assert times == sorted(times)
