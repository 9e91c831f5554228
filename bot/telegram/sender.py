"""Sending to Telegram chats: in order for each chat, with retries on flood control and on
server or network errors."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import warnings
import weakref
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, NetworkError, RetryAfter

log = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[Any]]
# (label, callback data) rows of inline buttons.
Buttons = list[list[tuple[str, str]]]


class DeliveryFailed(RuntimeError):
    """Telegram refused the call, or it kept failing after every retry."""


def retry_after_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        # python-telegram-bot 22 warns that the int form of retry_after becomes a timedelta.
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def keyboard(buttons: Buttons | None) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in buttons]
    )


class ChatSender:
    def __init__(
        self,
        bot: Bot,
        *,
        attempts: int = 6,
        base_delay: float = 0.5,
        max_delay: float = 30.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._bot = bot
        self._attempts = attempts
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._sleep = sleep
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()
        self._pending: set[asyncio.Task[Any]] = set()

    @property
    def bot(self) -> Bot:
        return self._bot

    async def call(self, make_call: Callable[[], Awaitable[T]], what: str) -> T:
        """Run one Bot API call, retrying flood control (after the time Telegram asks for),
        server and network errors (with exponential backoff). Bad requests are not retried."""
        for attempt in range(1, self._attempts + 1):
            try:
                return await make_call()
            except RetryAfter as exc:
                delay = retry_after_seconds(exc)
                error: Exception = exc
            except BadRequest as exc:
                raise DeliveryFailed(f"{what}: {exc}") from exc
            except NetworkError as exc:
                delay = min(self._max_delay, self._base_delay * 2 ** (attempt - 1))
                error = exc
            except Exception as exc:  # noqa: BLE001  (Forbidden, InvalidToken, …: not retried)
                raise DeliveryFailed(f"{what}: {exc}") from exc
            if attempt == self._attempts:
                raise DeliveryFailed(f"{what}: {error}") from error
            log.warning("telegram %s failed (%s), retry %d in %.1fs", what, error, attempt, delay)
            await self._sleep(delay)
        raise AssertionError("unreachable")

    def _lock(self, chat_id: int) -> asyncio.Lock:
        lock = self._locks.get(chat_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[chat_id] = lock
        return lock

    def post(
        self, chat_id: int, text: str, *, buttons: Buttons | None = None, silent: bool = False
    ) -> asyncio.Task[int]:
        """Queue a message for the chat without waiting; messages to one chat leave in the order
        they were posted. The task's result is Telegram's message id."""
        # Tasks start in creation order and the lock is fair, so posting order is sending order.
        task = asyncio.create_task(self._send_in_order(chat_id, text, buttons, silent))
        self._pending.add(task)
        task.add_done_callback(self._done)
        return task

    async def send(
        self, chat_id: int, text: str, *, buttons: Buttons | None = None, silent: bool = False
    ) -> int:
        return await self.post(chat_id, text, buttons=buttons, silent=silent)

    async def _send_in_order(
        self, chat_id: int, text: str, buttons: Buttons | None, silent: bool
    ) -> int:
        async with self._lock(chat_id):
            message = await self.call(
                lambda: self._bot.send_message(
                    chat_id, text, reply_markup=keyboard(buttons), disable_notification=silent
                ),
                "sendMessage",
            )
            return message.message_id

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._pending.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("telegram message not delivered: %s", task.exception())

    async def drain(self, timeout: float = 5.0) -> None:
        """Let queued messages go out before shutting down."""
        if self._pending:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(
                    asyncio.gather(*self._pending, return_exceptions=True), timeout
                )
