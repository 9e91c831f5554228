"""What the staff pages and the export read: conversations (one check-in each), transcripts,
trends; and what they write: review notes and the audit log. Worker users are scoped to their
own clients here, in every query, not in the templates."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import Select, false, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.models import (
    AlertOutbox,
    CheckIn,
    Client,
    ClientValue,
    Escalation,
    Message,
    ReviewNote,
    TranscriptView,
    Worker,
)
from bot.mood import weekly_moods_in
from bot.pseudonym import pseudonym
from bot.safety.screen import LEVELS, max_level
from bot.staff.auth import SignedIn


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class Filters:
    since: dt.date | None = None
    until: dt.date | None = None
    channel: str | None = None
    escalated: bool | None = None


@dataclass
class Conversation:
    checkin_id: int
    client: str  # pseudonym
    client_id: int
    channel: str
    started_at: dt.datetime
    messages: int = 0
    top_level: str | None = None
    levels: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Line:
    id: int
    at: dt.datetime
    sender: str
    text: str
    risk_level: str | None
    escalation: dict | None


@dataclass(frozen=True)
class EscalationRow:
    id: int
    client: str  # pseudonym
    checkin_id: int | None  # the conversation it was raised in
    level: str
    cues: list[str]
    source: str
    status: str
    created_at: dt.datetime
    acknowledged_at: dt.datetime | None
    acknowledged_by: str | None
    resolved_at: dt.datetime | None

    @property
    def minutes_to_acknowledge(self) -> float | None:
        if self.acknowledged_at is None:
            return None
        return round((self.acknowledged_at - self.created_at).total_seconds() / 60, 1)


ESCALATION_STATUSES = ("open", "alerted", "acknowledged", "resolved")
LEVEL_ORDER = LEVELS[1:]  # the escalation levels, lowest first


@dataclass
class Transcript:
    conversation: Conversation
    lines: list[Line]
    notes: list[dict]
    anonymised: bool


def known_names(session: Session) -> list[str]:
    """Names the system knows and the anonymiser always removes: workers' names, and the client
    names and contacts a program stores (wired in `extra_known_names`)."""
    names = list(session.scalars(select(Worker.name)))
    return names + list(extra_known_names(session))


def extra_known_names(session: Session) -> Iterable[str]:
    """The names clients asked to be called by."""
    return session.scalars(select(Client.preferred_name).where(Client.preferred_name.is_not(None)))


def mood_series(session: Session) -> list[tuple[str, float]]:
    """Mean recorded mood per week (weeks with too few answering clients left out, so no one
    stands out); empty hides the chart."""
    return [(week.week_start.isoformat(), week.average) for week in weekly_moods_in(session)]


class Review:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        pseudonym_key: str,
        anonymise: Callable[[str, list[str]], str],
    ) -> None:
        self._sessions = sessions
        self._key = pseudonym_key
        self._anonymise = anonymise

    # --- scope ------------------------------------------------------------------------------
    @staticmethod
    def _scoped(query: Select, user: SignedIn, client_column) -> Select:  # type: ignore[no-untyped-def]
        if user.role == "worker":
            if user.worker_id is None:
                return query.where(false())
            mine = select(Client.id).where(Client.worker_id == user.worker_id)
            return query.where(client_column.in_(mine))
        return query

    def sees_raw_text(self, user: SignedIn) -> bool:
        # A case worker reads their own clients' words; staff and admins only anonymised text.
        return user.role == "worker"

    # --- conversations ----------------------------------------------------------------------
    def _bounds(self, session: Session, checkin: CheckIn) -> tuple[dt.datetime, dt.datetime | None]:
        following = session.scalar(
            select(CheckIn.started_at)
            .where(CheckIn.client_id == checkin.client_id, CheckIn.started_at > checkin.started_at)
            .order_by(CheckIn.started_at)
            .limit(1)
        )
        return checkin.started_at - dt.timedelta(seconds=5), following

    def _window(self, query: Select, column, bounds) -> Select:  # type: ignore[no-untyped-def]
        start, end = bounds
        query = query.where(column >= start)
        return query.where(column < end) if end is not None else query

    def conversations(self, user: SignedIn, filters: Filters, limit: int = 200) -> list[Conversation]:
        query = select(CheckIn).order_by(CheckIn.started_at.desc())
        query = self._scoped(query, user, CheckIn.client_id)
        if filters.since:
            query = query.where(CheckIn.started_at >= dt.datetime.combine(filters.since, dt.time()))
        if filters.until:
            end = dt.datetime.combine(filters.until + dt.timedelta(days=1), dt.time())
            query = query.where(CheckIn.started_at < end)
        if filters.channel:
            query = query.where(CheckIn.channel == filters.channel)
        found = []
        with self._sessions.begin() as session:
            for checkin in session.scalars(
                query.limit(limit * 3 if filters.escalated is not None else limit)
            ):
                conversation = self._conversation(session, checkin)
                if filters.escalated is not None and bool(conversation.levels) != filters.escalated:
                    continue
                found.append(conversation)
                if len(found) >= limit:
                    break
        return found

    def _conversation(self, session: Session, checkin: CheckIn) -> Conversation:
        bounds = self._bounds(session, checkin)
        count = session.scalar(
            self._window(
                select(func.count()).select_from(Message).where(Message.client_id == checkin.client_id),
                Message.created_at,
                bounds,
            )
        )
        levels = list(
            session.scalars(
                self._window(
                    select(Escalation.level).where(Escalation.client_id == checkin.client_id),
                    Escalation.created_at,
                    bounds,
                )
            )
        )
        return Conversation(
            checkin_id=checkin.id,
            client=pseudonym(checkin.client_id, self._key),
            client_id=checkin.client_id,
            channel=checkin.channel,
            started_at=_aware(checkin.started_at),
            messages=count or 0,
            top_level=max_level(*levels) if levels else None,
            levels=levels,
        )

    def transcript(self, user: SignedIn, checkin_id: int) -> Transcript | None:
        """The conversation as `user` may see it, or None if it is not theirs to see. Every
        transcript returned is written to the audit log in the same transaction."""
        anonymised = not self.sees_raw_text(user)
        with self._sessions.begin() as session:
            query = self._scoped(select(CheckIn).where(CheckIn.id == checkin_id), user, CheckIn.client_id)
            checkin = session.scalars(query).first()
            if checkin is None:
                return None
            conversation = self._conversation(session, checkin)
            bounds = self._bounds(session, checkin)
            messages = session.scalars(
                self._window(
                    select(Message).where(Message.client_id == checkin.client_id).order_by(Message.id),
                    Message.created_at,
                    bounds,
                )
            ).all()
            escalations = {
                e.message_id: e
                for e in session.scalars(select(Escalation).where(Escalation.client_id == checkin.client_id))
            }
            names = known_names(session) if anonymised else []
            lines = []
            for message in messages:
                escalation = escalations.get(message.id)
                lines.append(
                    Line(
                        id=message.id,
                        at=_aware(message.created_at),
                        sender=message.sender,
                        text=self._anonymise(message.text, names) if anonymised else message.text,
                        risk_level=message.risk_level,
                        escalation=escalation
                        and {
                            "level": escalation.level,
                            "cues": list(escalation.cues or []),
                            "source": escalation.source,
                            "status": escalation.status,
                            "acknowledged_at": escalation.acknowledged_at
                            and _aware(escalation.acknowledged_at),
                        },
                    )
                )
            notes = [
                {
                    "tag": n.tag,
                    "note": self._anonymise(n.note, names) if anonymised and n.note else n.note,
                    "at": _aware(n.created_at),
                }
                for n in session.scalars(
                    select(ReviewNote).where(ReviewNote.checkin_id == checkin.id).order_by(ReviewNote.id)
                )
            ]
            session.add(
                TranscriptView(
                    user_id=user.id,
                    username=user.username,
                    checkin_id=checkin.id,
                    client_id=checkin.client_id,
                    anonymised=anonymised,
                )
            )
        return Transcript(conversation, lines, notes, anonymised)

    def add_note(self, user: SignedIn, checkin_id: int, tag: str | None, note: str | None) -> bool:
        with self._sessions.begin() as session:
            query = self._scoped(select(CheckIn.id).where(CheckIn.id == checkin_id), user, CheckIn.client_id)
            if session.scalar(query) is None:
                return False
            session.add(ReviewNote(checkin_id=checkin_id, user_id=user.id, tag=tag, note=note))
            return True

    def channels(self) -> list[str]:
        with self._sessions.begin() as session:
            return sorted(set(session.scalars(select(CheckIn.channel))))

    # --- escalations ------------------------------------------------------------------------
    def escalations(
        self,
        user: SignedIn,
        *,
        status: str | None = None,
        level: str | None = None,
        limit: int = 200,
    ) -> list[EscalationRow]:
        """Escalations newest first, as `user` may see them: levels, cues and times, no text.
        `status` "unresolved" means open, alerted or acknowledged."""
        query = self._scoped(
            select(Escalation).order_by(Escalation.created_at.desc(), Escalation.id.desc()),
            user,
            Escalation.client_id,
        )
        if status == "unresolved":
            query = query.where(Escalation.status != "resolved")
        elif status in ESCALATION_STATUSES:
            query = query.where(Escalation.status == status)
        if level in LEVEL_ORDER:
            query = query.where(Escalation.level == level)
        with self._sessions.begin() as session:
            workers = dict(session.execute(select(Worker.id, Worker.name)).all())
            found = []
            for e in session.scalars(query.limit(limit)):
                found.append(
                    EscalationRow(
                        id=e.id,
                        client=pseudonym(e.client_id, self._key),
                        checkin_id=self._checkin_of(session, e),
                        level=e.level,
                        cues=list(e.cues or []),
                        source=e.source,
                        status=e.status,
                        created_at=_aware(e.created_at),
                        acknowledged_at=e.acknowledged_at and _aware(e.acknowledged_at),
                        acknowledged_by=workers.get(e.acknowledged_by) if e.acknowledged_by else None,
                        resolved_at=e.resolved_at and _aware(e.resolved_at),
                    )
                )
        return found

    @staticmethod
    def _checkin_of(session: Session, escalation: Escalation) -> int | None:
        """The check-in the escalation was raised in (the same few seconds' grace as `_bounds`)."""
        return session.scalar(
            select(CheckIn.id)
            .where(
                CheckIn.client_id == escalation.client_id,
                CheckIn.started_at <= escalation.created_at + dt.timedelta(seconds=5),
            )
            .order_by(CheckIn.started_at.desc())
            .limit(1)
        )

    def resolve(self, user: SignedIn, escalation_id: int, note: str | None) -> bool:
        """A worker closes one of their clients' escalations: it is acknowledged (if it was not)
        and resolved, its alert's ladder stops, the note is kept on the conversation, and the
        client's open risk drops to what is still unresolved. False if it is not theirs."""
        if user.role != "worker" or user.worker_id is None:
            return False
        now = dt.datetime.now(dt.timezone.utc)
        with self._sessions.begin() as session:
            query = self._scoped(
                select(Escalation).where(Escalation.id == escalation_id), user, Escalation.client_id
            )
            escalation = session.scalars(query).first()
            if escalation is None:
                return False
            if escalation.status == "resolved":
                return True
            if escalation.acknowledged_at is None:
                escalation.acknowledged_at = now
                escalation.acknowledged_by = user.worker_id
            escalation.status = "resolved"
            escalation.resolved_at = now
            for row in session.scalars(
                select(AlertOutbox).where(
                    AlertOutbox.escalation_id == escalation.id, AlertOutbox.closed_at.is_(None)
                )
            ):
                row.closed_at = now
            remaining = session.scalars(
                select(Escalation.level).where(
                    Escalation.client_id == escalation.client_id,
                    Escalation.status != "resolved",
                    Escalation.id != escalation.id,
                )
            ).all()
            session.get_one(Client, escalation.client_id).open_risk_level = max_level(*remaining)
            checkin_id = self._checkin_of(session, escalation)
            if checkin_id is not None:
                session.add(
                    ReviewNote(
                        checkin_id=checkin_id,
                        user_id=user.id,
                        tag="resolved",
                        note=(note or "").strip()[:4000] or None,
                    )
                )
        return True

    # --- trends -----------------------------------------------------------------------------
    def trends(self, user: SignedIn) -> dict:
        with self._sessions.begin() as session:
            starts = session.scalars(self._scoped(select(CheckIn.started_at), user, CheckIn.client_id))
            weeks = Counter(_aware(s).strftime("%G-W%V") for s in starts)
            escalations = session.scalars(self._scoped(select(Escalation), user, Escalation.client_id)).all()
            by_level = Counter(e.level for e in escalations)
            waits = sorted(
                (_aware(e.acknowledged_at) - _aware(e.created_at)).total_seconds() / 60
                for e in escalations
                if e.acknowledged_at is not None
            )
            values = Counter(
                session.scalars(self._scoped(select(ClientValue.value), user, ClientValue.client_id))
            )
            mood = mood_series(session)
        return {
            "checkins_per_week": sorted(weeks.items()),
            "escalations_by_level": [
                (level, by_level.get(level, 0)) for level in LEVEL_ORDER
            ],
            "acknowledge_minutes": {
                "count": len(waits),
                "median": statistics.median(waits) if waits else None,
                "p90": _percentile(waits, 0.9) if waits else None,
                "unacknowledged": sum(1 for e in escalations if e.acknowledged_at is None),
            },
            "values": values.most_common(12),
            "mood": mood,
        }

    # --- export -----------------------------------------------------------------------------
    def export(self, since: dt.date) -> Iterable[dict]:
        """Every conversation since `since`, anonymised, with the client as a pseudonym."""
        start = dt.datetime.combine(since, dt.time())
        with self._sessions.begin() as session:
            ids = list(
                session.scalars(
                    select(CheckIn.id).where(CheckIn.started_at >= start).order_by(CheckIn.started_at)
                )
            )
            names = known_names(session)
        for checkin_id in ids:
            with self._sessions.begin() as session:
                checkin = session.get_one(CheckIn, checkin_id)
                conversation = self._conversation(session, checkin)
                messages = session.scalars(
                    self._window(
                        select(Message).where(Message.client_id == checkin.client_id).order_by(Message.id),
                        Message.created_at,
                        self._bounds(session, checkin),
                    )
                ).all()
                yield {
                    "conversation": checkin_id,
                    "client": conversation.client,
                    "channel": conversation.channel,
                    "started_at": conversation.started_at.isoformat(),
                    "escalation_levels": conversation.levels,
                    "messages": [
                        {
                            "at": _aware(m.created_at).isoformat(),
                            "sender": m.sender,
                            "risk_level": m.risk_level,
                            "text": self._anonymise(m.text, names),
                        }
                        for m in messages
                    ],
                }


def _percentile(ordered: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ordered list."""
    rank = max(1, min(len(ordered), int(-(-fraction * len(ordered) // 1))))
    return ordered[rank - 1]
