"""The optional 0-10 mood question: offered once in a check-in, recorded per check-in, and read
back as a client's trend (for their worker) or as anonymised weekly averages (for staff)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.models import CheckIn, Client, Mood, utcnow
from bot.reminders import aware

MOOD_PAYLOAD = re.compile(r"^/mood_(10|[0-9])$")
SKIP_PAYLOAD = "/mood_skip"
_BARE_SCORE = re.compile(r"^\s*(10|[0-9])(\s*(/|out of|de)\s*10)?\s*[.!]?\s*$")
# Staff see a week only when at least this many clients answered in it.
MIN_CLIENTS_PER_WEEK = 3


class HasSessions(Protocol):
    @property
    def sessions(self) -> sessionmaker[Session]: ...


def mood_buttons(skip_title: str) -> list[dict[str, str]]:
    return [{"title": str(n), "payload": f"/mood_{n}"} for n in range(11)] + [
        {"title": skip_title, "payload": SKIP_PAYLOAD}
    ]


def score_of(text: str, *, after_question: bool) -> int | None:
    """A mood score from a button ("/mood_7"), or a bare number typed right after the question."""
    match = MOOD_PAYLOAD.match(text.strip())
    if match:
        return int(match.group(1))
    if after_question:
        match = _BARE_SCORE.match(text)
        if match:
            return int(match.group(1))
    return None


@dataclass(frozen=True)
class MoodPoint:
    checkin_id: int
    at: dt.datetime
    score: int


@dataclass(frozen=True)
class WeeklyMood:
    week_start: dt.date
    average: float
    answers: int
    clients: int


class MoodBook:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def should_offer(self, client_id: int) -> bool:
        """Once per check-in, never at a client's first check-in, and not while a risk is open."""
        with self._sessions.begin() as session:
            client = session.get_one(Client, client_id)
            if client.open_risk_level != "none":
                return False
            checkins = session.scalars(
                select(CheckIn).where(CheckIn.client_id == client_id).order_by(CheckIn.id.desc()).limit(2)
            ).all()
            return len(checkins) == 2 and checkins[0].mood_offered_at is None

    def mark_offered(self, client_id: int, now: dt.datetime | None = None) -> None:
        with self._sessions.begin() as session:
            current = self._current(session, client_id)
            if current is not None:
                current.mood_offered_at = now or utcnow()

    def record(self, client_id: int, score: int, now: dt.datetime | None = None) -> bool:
        """Keep the score for the current check-in (a second answer replaces the first)."""
        if not 0 <= score <= 10:
            raise ValueError(f"a mood score is 0 to 10, got {score}")
        with self._sessions.begin() as session:
            current = self._current(session, client_id)
            if current is None:
                return False
            row = session.scalars(select(Mood).where(Mood.checkin_id == current.id)).first()
            if row is None:
                session.add(Mood(client_id=client_id, checkin_id=current.id, score=score,
                                 created_at=now or utcnow()))
            else:
                row.score = score
                row.created_at = now or utcnow()
            return True

    @staticmethod
    def _current(session: Session, client_id: int) -> CheckIn | None:
        return session.scalars(
            select(CheckIn).where(CheckIn.client_id == client_id).order_by(CheckIn.id.desc()).limit(1)
        ).first()


def mood_trend(store: HasSessions, client_id: int, limit: int = 52) -> list[MoodPoint]:
    """A client's mood answers, oldest first, one per check-in: for their worker's view."""
    with store.sessions.begin() as session:
        rows = session.execute(
            select(Mood.checkin_id, CheckIn.started_at, Mood.score)
            .join(CheckIn, CheckIn.id == Mood.checkin_id)
            .where(Mood.client_id == client_id)
            .order_by(CheckIn.started_at.desc())
            .limit(limit)
        ).all()
    return [MoodPoint(checkin_id, aware(at), score) for checkin_id, at, score in reversed(rows)]


def weekly_mood_averages(
    store: HasSessions,
    *,
    since: dt.datetime | None = None,
    min_clients: int = MIN_CLIENTS_PER_WEEK,
) -> list[WeeklyMood]:
    """Average mood per ISO week (Monday, UTC) across all clients, with no client identifiers;
    weeks with fewer than `min_clients` answering clients are left out so no one stands out."""
    with store.sessions.begin() as session:
        return weekly_moods_in(session, since=since, min_clients=min_clients)


def weekly_moods_in(
    session: Session,
    *,
    since: dt.datetime | None = None,
    min_clients: int = MIN_CLIENTS_PER_WEEK,
) -> list[WeeklyMood]:
    """`weekly_mood_averages` inside a session the caller holds (the staff pages' own)."""
    query = select(Mood.client_id, Mood.score, Mood.created_at)
    if since is not None:
        query = query.where(Mood.created_at >= since)
    rows = session.execute(query).all()
    weeks: dict[dt.date, list[tuple[int, int]]] = {}
    for client_id, score, at in rows:
        day = aware(at).date()
        weeks.setdefault(day - dt.timedelta(days=day.weekday()), []).append((client_id, score))
    result = []
    for week_start in sorted(weeks):
        answers = weeks[week_start]
        clients = len({client for client, _ in answers})
        if clients < min_clients:
            continue
        average = round(sum(score for _, score in answers) / len(answers), 2)
        result.append(WeeklyMood(week_start, average, len(answers), clients))
    return result

