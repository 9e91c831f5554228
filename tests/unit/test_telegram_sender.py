"""Retries and per-chat order of the Telegram sender, with a fake bot."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

from bot.telegram.sender import ChatSender, DeliveryFailed


class FakeBot:
    def __init__(self, failures: list[Exception]) -> None:
        self.failures = failures
        self.sent: list[tuple[int, str]] = []

    async def send_message(self, chat_id: int, text: str, **kwargs: object) -> SimpleNamespace:
        await asyncio.sleep(0)
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((chat_id, text))
        return SimpleNamespace(message_id=len(self.sent))


def sender(bot: FakeBot, sleeps: list[float], **options: object) -> ChatSender:
    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    return ChatSender(bot, sleep=sleep, **options)  # type: ignore[arg-type]


async def test_flood_control_waits_as_long_as_telegram_asks_then_backs_off() -> None:
    sleeps: list[float] = []
    bot = FakeBot([RetryAfter(7), NetworkError("Internal Server Error"), TimedOut()])
    assert await sender(bot, sleeps).send(1, "hello") == 1
    assert sleeps == [7.0, 1.0, 2.0]
    assert bot.sent == [(1, "hello")]


async def test_a_bad_request_is_not_retried_and_a_dead_server_gives_up() -> None:
    sleeps: list[float] = []
    with pytest.raises(DeliveryFailed):
        await sender(FakeBot([BadRequest("chat not found")]), sleeps).send(1, "x")
    assert sleeps == []
    with pytest.raises(DeliveryFailed):
        await sender(FakeBot([NetworkError("down")] * 3), sleeps, attempts=3).send(1, "x")
    assert sleeps == [0.5, 1.0]


async def test_messages_to_one_chat_leave_in_order_even_when_some_are_retried() -> None:
    bot = FakeBot([NetworkError("flaky"), NetworkError("flaky")])
    chat = sender(bot, [])
    tasks = [chat.post(5, f"m{i}") for i in range(5)] + [chat.post(6, "other")]
    await asyncio.gather(*tasks)
    assert [text for chat_id, text in bot.sent if chat_id == 5] == [f"m{i}" for i in range(5)]
