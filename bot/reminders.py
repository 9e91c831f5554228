"""Check-in reminders: schedules in the client's own time zone, quiet hours, and the database rows
that gateways claim so each reminder goes out once.

Times in the database are UTC; a schedule is local wall-clock time ("Monday at 18:00") read in the
client's zone (`Client.timezone`, else the program's), so it follows daylight saving.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.models import Client, Reminder, utcnow
from bot.reminder_parser import Schedule

UTC = dt.timezone.utc
# A reminder more than this late (the gateways were down, or a web client never had the widget
# open) is skipped, not sent: "your Monday evening check-in" on Tuesday morning helps nobody.
MISSED_AFTER = dt.timedelta(hours=2)


def aware(moment: dt.datetime) -> dt.datetime:
    """SQLite gives back naive datetimes; every time stored here is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def zone_named(name: str | None, default: str) -> zoneinfo.ZoneInfo:
    for candidate in (name, default):
        if candidate:
            try:
                return zoneinfo.ZoneInfo(candidate)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                continue
    return zoneinfo.ZoneInfo("UTC")


@dataclass(frozen=True)
class QuietHours:
    """Local hours with no reminders, e.g. 21:00-08:00 (wrapping midnight). Empty: none."""

    start: dt.time | None = None
    end: dt.time | None = None

    @classmethod
    def parse(cls, raw: str) -> QuietHours:
        if not raw:
            return cls()
        start, _, end = raw.replace(" ", "").partition("-")
        return cls(dt.time.fromisoformat(start), dt.time.fromisoformat(end))

    @property
    def wraps(self) -> bool:
        return self.start is not None and self.end is not None and self.start > self.end

    def contains(self, moment: dt.time) -> bool:
        if self.start is None or self.end is None or self.start == self.end:
            return False
        if self.wraps:
            return moment >= self.start or moment < self.end
        return self.start <= moment < self.end

    def fit(self, schedule: Schedule) -> tuple[Schedule, bool]:
        """The schedule moved to the end of quiet hours if it falls inside them (a late-evening
        time moves to the next morning), and whether it moved."""
        if not self.contains(schedule.at):
            return schedule, False
        assert self.start is not None and self.end is not None
        days = schedule.weekdays
        if self.wraps and schedule.at >= self.start:
            days = tuple((d + 1) % 7 for d in days)
        return Schedule(days, self.end), True

    def end_after(self, local: dt.datetime) -> dt.datetime:
        """When the quiet period that `local` (an aware local time inside it) is in ends."""
        assert self.end is not None
        end = dt.datetime.combine(local.date(), self.end, tzinfo=local.tzinfo)
        return end if end > local else end + dt.timedelta(days=1)

    def say(self) -> str:
        assert self.start is not None and self.end is not None
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


def next_due(schedule: Schedule, zone: dt.tzinfo, after: dt.datetime) -> dt.datetime:
    """The first moment (UTC) strictly after `after` that the schedule names, in `zone`."""
    local = aware(after).astimezone(zone)
    for offset in range(8):
        day = local.date() + dt.timedelta(days=offset)
        if day.weekday() not in schedule.weekdays:
            continue
        candidate = dt.datetime.combine(day, schedule.at, tzinfo=zone).astimezone(UTC)
        if candidate > aware(after):
            return candidate
    raise AssertionError("a weekly schedule always has a day within eight")


@dataclass(frozen=True)
class Plan:
    """What the client is told after asking: the schedule as kept, whether quiet hours moved it,
    and the first time it comes (local to the client)."""

    schedule: Schedule
    moved: bool
    first_at: dt.datetime


@dataclass(frozen=True)
class DueItem:
    id: int
    client_id: int
    channel: str
    kind: str  # reminder | suggestion
    schedule: Schedule
    language: str
    timezone: str | None
    next_due_at: dt.datetime | None


def is_stopped(client: Client) -> bool:
    """"stop" holds until the client writes again."""
    if client.stopped_at is None:
        return False
    return client.last_seen_at is None or aware(client.last_seen_at) <= aware(client.stopped_at)


class ReminderBook:
    """The reminders table, one short transaction per call."""

    def __init__(
        self, sessions: sessionmaker[Session], *, program_timezone: str, quiet_hours: QuietHours
    ) -> None:
        self._sessions = sessions
        self._program_timezone = program_timezone
        self.quiet = quiet_hours

    def zone(self, client_timezone: str | None) -> zoneinfo.ZoneInfo:
        return zone_named(client_timezone, self._program_timezone)

    def client_zone(self, client_id: int) -> zoneinfo.ZoneInfo:
        with self._sessions.begin() as session:
            return self.zone(session.get_one(Client, client_id).timezone)

    def set_timezone(self, client_id: int, name: str, now: dt.datetime | None = None) -> bool:
        """Keep a client's IANA zone (from their browser, or a worker); False if it is unknown."""
        try:
            zone = zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            return False
        with self._sessions.begin() as session:
            client = session.get_one(Client, client_id)
            if client.timezone == name:
                return True
            client.timezone = name
            # An active schedule keeps its wall-clock time in the new zone.
            for row in session.scalars(
                select(Reminder).where(Reminder.client_id == client_id, Reminder.status == "active")
            ):
                row.next_due_at = next_due(Schedule.decode(row.schedule), zone, now or utcnow())
        return True

    def set(
        self,
        client_id: int,
        schedule: Schedule,
        language: str,
        *,
        source: str = "client",
        now: dt.datetime | None = None,
    ) -> Plan:
        """The client's one schedule: replaces any earlier schedule or pending suggestion."""
        now = now or utcnow()
        kept, moved = self.quiet.fit(schedule)
        with self._sessions.begin() as session:
            zone = self.zone(session.get_one(Client, client_id).timezone)
            first = next_due(kept, zone, now)
            session.execute(
                delete(Reminder).where(
                    Reminder.client_id == client_id, Reminder.status.in_(("active", "suggested"))
                )
            )
            session.add(
                Reminder(
                    client_id=client_id, schedule=kept.encode(), language=language,
                    status="active", source=source, next_due_at=first,
                )
            )
        return Plan(kept, moved, first.astimezone(zone))

    def stop(self, client_id: int) -> int:
        """End the client's reminders (and decline a pending suggestion); how many were active."""
        with self._sessions.begin() as session:
            stopped = session.execute(
                update(Reminder)
                .where(Reminder.client_id == client_id, Reminder.status == "active")
                .values(status="stopped", next_due_at=None)
            ).rowcount
            session.execute(
                update(Reminder)
                .where(Reminder.client_id == client_id, Reminder.status == "suggested")
                .values(status="declined")
            )
            return stopped

    def active(self, client_id: int) -> Schedule | None:
        with self._sessions.begin() as session:
            raw = session.scalar(
                select(Reminder.schedule).where(
                    Reminder.client_id == client_id, Reminder.status == "active"
                )
            )
            return Schedule.decode(raw) if raw else None

    # --- a worker's suggestion -----------------------------------------------------------------
    def suggest(self, client_id: int, schedule: Schedule, language: str) -> Schedule:
        """Queue a worker's suggestion (moved out of quiet hours); a gateway sends it to the
        client, who may accept it. Returns the schedule as it will be offered."""
        schedule, _ = self.quiet.fit(schedule)
        with self._sessions.begin() as session:
            session.execute(
                delete(Reminder).where(
                    Reminder.client_id == client_id, Reminder.status == "suggested"
                )
            )
            session.add(
                Reminder(
                    client_id=client_id, schedule=schedule.encode(), language=language,
                    status="suggested", source="worker",
                )
            )
        return schedule

    def pending_suggestion(self, client_id: int) -> tuple[Schedule, str] | None:
        with self._sessions.begin() as session:
            row = session.scalars(
                select(Reminder).where(
                    Reminder.client_id == client_id,
                    Reminder.status == "suggested",
                    Reminder.suggestion_sent_at.is_not(None),
                )
            ).first()
            return (Schedule.decode(row.schedule), row.language) if row else None

    def decline(self, client_id: int) -> None:
        with self._sessions.begin() as session:
            session.execute(
                update(Reminder)
                .where(Reminder.client_id == client_id, Reminder.status == "suggested")
                .values(status="declined")
            )

    # --- due rows and their claims ---------------------------------------------------------------
    def due(self, now: dt.datetime, limit: int = 100) -> list[DueItem]:
        """Active reminders whose time has come, and suggestions not yet sent, for clients who
        have not said stop."""
        # Two queries, so suggestions waiting for a widget never crowd out due reminders.
        with self._sessions.begin() as session:
            rows = [
                *session.execute(
                    select(Reminder, Client)
                    .join(Client, Client.id == Reminder.client_id)
                    .where(Reminder.status == "active", Reminder.next_due_at <= now)
                    .order_by(Reminder.next_due_at, Reminder.id)
                    .limit(limit)
                ).all(),
                *session.execute(
                    select(Reminder, Client)
                    .join(Client, Client.id == Reminder.client_id)
                    .where(Reminder.status == "suggested", Reminder.suggestion_sent_at.is_(None))
                    .order_by(Reminder.id)
                    .limit(limit)
                ).all(),
            ]
            return [
                DueItem(
                    id=reminder.id,
                    client_id=client.id,
                    channel=client.channel,
                    kind="reminder" if reminder.status == "active" else "suggestion",
                    schedule=Schedule.decode(reminder.schedule),
                    language=reminder.language,
                    timezone=client.timezone,
                    next_due_at=reminder.next_due_at and aware(reminder.next_due_at),
                )
                for reminder, client in rows
                if not is_stopped(client)
            ]

    def claim(
        self, item: DueItem, new_due: dt.datetime, *, sent_at: dt.datetime | None = None
    ) -> bool:
        """Move a due reminder on to `new_due` if no one else has: a compare-and-set on the
        `next_due_at` this gateway read. True means this gateway owns this occurrence."""
        values: dict[str, object] = {"next_due_at": new_due}
        if sent_at is not None:
            values["last_sent_at"] = sent_at
        with self._sessions.begin() as session:
            return session.execute(
                update(Reminder)
                .where(
                    Reminder.id == item.id,
                    Reminder.status == "active",
                    Reminder.next_due_at == item.next_due_at,
                )
                .values(**values)
                .execution_options(synchronize_session=False)
            ).rowcount == 1

    def claim_suggestion(self, item: DueItem, now: dt.datetime) -> bool:
        with self._sessions.begin() as session:
            return session.execute(
                update(Reminder)
                .where(
                    Reminder.id == item.id,
                    Reminder.status == "suggested",
                    Reminder.suggestion_sent_at.is_(None),
                )
                .values(suggestion_sent_at=now)
                .execution_options(synchronize_session=False)
            ).rowcount == 1
