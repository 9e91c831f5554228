"""The gateway's own initiative, driven from the database: due reminders, workers' suggestions,
and the daily retention run. Every gateway runs this loop; claims in the database (a
compare-and-set on `reminders.next_due_at`, on `scheduled_jobs.next_run_at`) make each reminder
go out once and retention run once a day, however many gateways share the database, and nothing
is lost when they restart.

Delivery: a Telegram client gets a reminder from whichever gateway claims it. A web client gets it
only while their widget is open, and only from the gateway that holds that socket (a gateway with
no open widget for the client leaves the row for the one that has it). If no widget is open within
`MISSED_AFTER` of the time, that occurrence is skipped: opening the widget later starts a check-in
by itself, so a stale "it's your check-in time" would only be noise. Nothing is sent while a
check-in is under way (the client is already here), in quiet hours (it moves to their end), or
to a client who said "stop".
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.gateway import Gateway
from bot.models import ScheduledJob, utcnow
from bot.reminders import MISSED_AFTER, UTC, DueItem, aware, next_due
from bot.retention import RetentionReport, TextAnonymiser, apply_retention
from bot.settings import Settings
from bot.store import Outgoing

log = logging.getLogger(__name__)

RETENTION_JOB = "retention"
RETENTION_EVERY = dt.timedelta(days=1)


def claim_job(
    sessions: sessionmaker[Session], name: str, now: dt.datetime, every: dt.timedelta
) -> bool:
    """True for exactly one caller per period of a shared job."""
    try:
        with sessions.begin() as session:
            row = session.get(ScheduledJob, name)
            if row is None:
                session.add(ScheduledJob(name=name, next_run_at=now + every, last_run_at=now))
                session.flush()
                return True
            if aware(row.next_run_at) > now:
                return False
            return session.execute(
                update(ScheduledJob)
                .where(ScheduledJob.name == name, ScheduledJob.next_run_at == row.next_run_at)
                .values(next_run_at=now + every, last_run_at=now)
                .execution_options(synchronize_session=False)
            ).rowcount == 1
    except IntegrityError:
        return False  # another gateway created the row first, and runs this period


@dataclass(frozen=True)
class Tick:
    reminders_sent: int
    suggestions_sent: int
    retention: RetentionReport | None


class Scheduler:
    def __init__(
        self,
        *,
        gateway: Gateway,
        settings: Settings,
        anonymiser: TextAnonymiser,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self._gateway = gateway
        self._controls = gateway.controls
        self._book = gateway.controls.reminders
        self._sessions = gateway.store.sessions
        self._settings = settings
        self._anonymiser = anonymiser
        self._clock = clock
        self._gap = dt.timedelta(minutes=settings.checkin_gap_minutes)

    async def run(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:  # noqa: BLE001  (the loop outlives any one bad tick)
                log.exception("scheduled work failed; trying again at the next tick")
            await asyncio.sleep(self._settings.reminder_poll_seconds)

    async def tick(self, now: dt.datetime | None = None) -> Tick:
        now = now or self._clock()
        reminders, suggestions = await self.send_due(now)
        return Tick(reminders, suggestions, await self.run_retention_if_due(now))

    async def run_retention_if_due(self, now: dt.datetime) -> RetentionReport | None:
        if not await asyncio.to_thread(claim_job, self._sessions, RETENTION_JOB, now, RETENTION_EVERY):
            return None
        report = await asyncio.to_thread(
            apply_retention,
            self._sessions,
            self._anonymiser,
            days=self._settings.retention_days,
            tracker=self._controls.tracker,
            now=now,
        )
        log.info(
            "retention: %d messages, %d alerts anonymised, %d tracker events and %d Telegram "
            "update ids removed",
            report.messages, report.alerts, report.tracker_events, report.telegram_updates,
        )
        return report

    async def send_due(self, now: dt.datetime) -> tuple[int, int]:
        reminders = suggestions = 0
        for item in await asyncio.to_thread(self._book.due, now):
            if item.channel == "web" and self._gateway.hub.watchers(item.client_id) == 0:
                await self._not_here(item, now)
            elif item.kind == "suggestion":
                if await asyncio.to_thread(self._book.claim_suggestion, item, now):
                    message = self._controls.suggestion_message(item.schedule, item.language)
                    await self._gateway.send_to_client(item.client_id, item.channel, [message])
                    suggestions += 1
            elif await self._remind(item, now):
                reminders += 1
        return reminders, suggestions

    async def _not_here(self, item: DueItem, now: dt.datetime) -> None:
        """A web client whose widget is not open on this gateway: leave the row for the gateway
        that has it open, until the occurrence is missed."""
        if item.kind == "reminder" and item.next_due_at and now - item.next_due_at > MISSED_AFTER:
            zone = self._book.zone(item.timezone)
            await asyncio.to_thread(self._book.claim, item, next_due(item.schedule, zone, now))

    async def _remind(self, item: DueItem, now: dt.datetime) -> bool:
        assert item.next_due_at is not None
        zone = self._book.zone(item.timezone)
        regular = next_due(item.schedule, zone, now)
        local = now.astimezone(zone)
        if now - item.next_due_at > MISSED_AFTER:
            await asyncio.to_thread(self._book.claim, item, regular)
            return False
        if self._book.quiet.contains(local.time()):
            later = self._book.quiet.end_after(local).astimezone(UTC)
            await asyncio.to_thread(self._book.claim, item, later)
            return False
        talking = not await asyncio.to_thread(
            self._gateway.store.checkin_is_stale, item.client_id, self._gap, now
        )
        if talking:
            await asyncio.to_thread(self._book.claim, item, regular)
            return False
        if not await asyncio.to_thread(self._book.claim, item, regular, sent_at=now):
            return False  # another gateway has this one
        text = self._controls.text("reminder_due", item.language)
        await self._gateway.send_to_client(item.client_id, item.channel, [Outgoing(text)])
        return True
