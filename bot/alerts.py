"""Alert delivery: the outbox loop that tells workers, climbs the ladder, and records each step.

Rows of `alert_outbox` are claimed so that several gateways never send the same step twice, then
sent on Telegram. A paged alert (urgent, emergency) that nobody acknowledges within the program's
time goes to the on-call workers, then to the supervisor's chat. Concerns, follow-ups after a risk
message and requests for a person are sent once, as quiet notes.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import logging
import os
import socket
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import yaml

from bot.casework import CaseStore, Event, OutboxItem
from bot.models import utcnow
from bot.pseudonym import pseudonym
from bot.settings import Settings
from bot.telegram.sender import Buttons, ChatSender, DeliveryFailed

log = logging.getLogger(__name__)

TEXTS_PATH = Path(__file__).parent / "telegram" / "texts.yml"
ICONS = {"urgent": "🟠", "emergency": "🔴"}
NO_RECIPIENT_RETRY = dt.timedelta(minutes=1)


def load_texts(path: Path = TEXTS_PATH) -> dict[str, str]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def format_time(iso: str | None, fallback: dt.datetime) -> str:
    moment = dt.datetime.fromisoformat(iso) if iso else fallback
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


class AlertLoop:
    def __init__(
        self,
        *,
        casework: CaseStore,
        settings: Settings,
        clock: Callable[[], dt.datetime] = utcnow,
        lease: dt.timedelta = dt.timedelta(seconds=60),
        owner: str | None = None,
        texts: dict[str, str] | None = None,
    ) -> None:
        self._casework = casework
        self._settings = settings
        self._clock = clock
        self._lease = lease
        self._owner = owner or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._texts = texts or load_texts()
        self._sender: ChatSender | None = None
        self._wake = asyncio.Event()
        # Own database threads: alerts never queue behind conversation traffic for a thread.
        self._threads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="alerts")
        self._inflight: set[asyncio.Task[None]] = set()

    async def _db(self, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._threads, functools.partial(call, *args, **kwargs))

    def attach(self, sender: ChatSender) -> None:
        """Deliver through this Telegram sender; until one is attached, rows wait in the outbox."""
        self._sender = sender

    def wake(self) -> None:
        """Something was written to the outbox: look now rather than at the next poll."""
        self._wake.set()

    def ack_window(self, level: str | None) -> dt.timedelta:
        minutes = (
            self._settings.ack_minutes_emergency
            if level == "emergency"
            else self._settings.ack_minutes_urgent
        )
        return dt.timedelta(minutes=minutes)

    async def run(self) -> None:
        """Claim and start what is due whenever woken (or every poll); deliveries run side by
        side, so a slow send never holds up the next alert."""
        try:
            while True:
                self._wake.clear()
                try:
                    await self._claim_and_start()
                except Exception:
                    log.exception("alert outbox not read")
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._settings.alert_poll_seconds)
        finally:
            for task in list(self._inflight):
                task.cancel()
            self._threads.shutdown(wait=False)

    async def tick(self) -> int:
        """Deliver every row due now and wait for it; returns how many were claimed."""
        tasks = await self._claim_and_start()
        await asyncio.gather(*tasks)
        return len(tasks)

    async def settle(self) -> None:
        """Wait for the deliveries under way to finish (and record what they did)."""
        while self._inflight:
            await asyncio.gather(*list(self._inflight), return_exceptions=True)

    async def _claim_and_start(self) -> list[asyncio.Task[None]]:
        if self._sender is None:
            return []
        now = self._clock()
        items = await self._db(self._casework.claim_due, self._owner, now, self._lease)
        tasks = [asyncio.create_task(self._deliver(item, now)) for item in items]
        self._inflight.update(tasks)
        for task in tasks:
            task.add_done_callback(self._inflight.discard)
        return tasks

    async def _deliver(self, item: OutboxItem, now: dt.datetime) -> None:
        try:
            await self._deliver_step(item, now)
        except Exception as exc:
            log.exception("alert %s could not be delivered", item.id)
            await self._db(
                self._casework.step_failed, item.id, now, repr(exc), now + self._backoff(item)
            )

    async def _deliver_step(self, item: OutboxItem, now: dt.datetime) -> None:
        assert self._sender is not None
        store = self._casework
        paged = item.kind == "alert"
        if paged and item.escalation_status in ("acknowledged", "resolved"):
            await self._db(store.close, item.id, now)
            return
        ladder = await self._db(store.ladder, item.client_id, self._settings.supervisor_chat_id)
        steps = [i for i in range(item.step, len(ladder)) if ladder[i]]
        if not paged and item.step == 0:
            steps = steps[:1]
        if not steps:
            if item.step == 0:
                await self._db(store.step_failed, item.id, now, "no one to tell", now + NO_RECIPIENT_RETRY)
            else:
                await self._db(store.close, item.id, now)
            return
        step = steps[0]
        # Only a retry can find some chats of this step already told.
        already = await self._db(store.sent_chats, item.id, step) if item.attempts else set()
        events: list[Event] = []
        if step > 0 and not already:
            events.append(Event("escalated", step, at=now))
        text, buttons = self.compose(item, step, now)
        failed = False
        for chat_id, worker_id in ladder[step]:
            if chat_id in already:
                continue
            try:
                message_id = await self._sender.send(chat_id, text, buttons=buttons, silent=not paged)
            except DeliveryFailed as exc:
                failed = True
                events.append(Event("failed", step, chat_id, worker_id, detail=str(exc), at=now))
                continue
            events.append(Event("sent", step, chat_id, worker_id, message_id, at=self._clock()))
        if failed:
            await self._db(
                store.step_failed, item.id, now, "a send failed", now + self._backoff(item), events
            )
            return
        later = [i for i in range(step + 1, len(ladder)) if ladder[i]] if paged else []
        await self._db(
            store.step_delivered,
            item.id,
            now,
            next_step=later[0] if later else step,
            next_at=now + self.ack_window(item.level) if later else None,
            events=events,
        )

    def _backoff(self, item: OutboxItem) -> dt.timedelta:
        return dt.timedelta(seconds=min(60.0, 2.0 ** item.attempts))

    def compose(self, item: OutboxItem, step: int, now: dt.datetime) -> tuple[str, Buttons]:
        name = pseudonym(item.client_id, self._settings.pseudonym_key)
        fields = {
            "client": name,
            "time": format_time(item.payload.get("at"), now),
            "text": item.payload.get("message_text", ""),
            "link": f"{self._settings.public_url}/staff/conversations/{name}",
        }
        take_over = (self._texts["button_take_over"], f"take:{item.client_id}")
        if item.kind == "alert":
            level = item.level or item.payload.get("level", "urgent")
            text = self._texts["alert"].format(
                icon=ICONS.get(level, "⚠️"), level=level.upper(), **fields
            )
            if step > 0:
                minutes = self.ack_window(level).total_seconds() / 60
                text += "\n" + self._texts["alert_escalated"].format(minutes=minutes)
            acknowledge = (self._texts["button_acknowledge"], f"ack:{item.escalation_id}")
            return text, [[acknowledge, take_over]]
        template = item.kind if item.kind in ("concern", "risk_followup", "person_request") else "concern"
        return self._texts[template].format(**fields), [[take_over]]
