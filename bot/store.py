"""The gateway's units of work on the database, one short transaction each.

Methods are synchronous; the gateway runs them in a worker thread so the event loop never waits
on the database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.models import AlertOutbox, CheckIn, Client, ClientValue, Escalation, Message, utcnow
from bot.safety.screen import LEVELS, max_level
from bot.terms_store import ClientTermsStore

PAGED_LEVELS = ("urgent", "emergency")


def _aware(moment: dt.datetime) -> dt.datetime:
    """SQLite returns naive datetimes; every time stored here is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def token_digest(token: str) -> str:
    """Widget tokens are bearer secrets: only their digest is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class StoredMessage:
    id: int
    client_id: int
    sender: str
    text: str
    buttons: list[dict[str, str]] | None
    client_msg_id: str | None
    created_at: dt.datetime

    @classmethod
    def of(cls, message: Message) -> StoredMessage:
        return cls(
            id=message.id,
            client_id=message.client_id,
            sender=message.sender,
            text=message.text,
            buttons=message.buttons,
            client_msg_id=message.client_msg_id,
            created_at=message.created_at,
        )


@dataclass(frozen=True)
class Outgoing:
    text: str
    buttons: list[dict[str, str]] | None = None
    sender: str = "companion"


class Store(ClientTermsStore):
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @property
    def sessions(self) -> sessionmaker[Session]:
        return self._sessions

    @property
    def engine(self) -> Engine:
        return self._sessions.kw["bind"]


    # --- clients -----------------------------------------------------------------------------
    def client_for(self, channel: str, external_id: str, *, create: bool = True) -> int | None:
        with self._sessions.begin() as session:
            client_id = session.scalar(
                select(Client.id).where(
                    Client.channel == channel, Client.external_id == external_id
                )
            )
            if client_id is not None or not create:
                return client_id
        try:
            with self._sessions.begin() as session:
                client = Client(channel=channel, external_id=external_id)
                session.add(client)
                session.flush()
                return client.id
        except IntegrityError:
            # Another request created the same client a moment ago.
            return self.client_for(channel, external_id, create=False)

    def needs_notice(self, client_id: int) -> bool:
        with self._sessions.begin() as session:
            client = session.get_one(Client, client_id)
            return client.notice_shown_at is None

    def mark_notice_shown(self, client_id: int) -> None:
        with self._sessions.begin() as session:
            client = session.get_one(Client, client_id)
            client.notice_shown_at = client.notice_shown_at or utcnow()

    def profile(self, client_id: int) -> dict[str, Any]:
        """What the dialogue engine may know about the client, passed as message metadata."""
        with self._sessions.begin() as session:
            client = session.get_one(Client, client_id)
            values = session.scalars(
                select(ClientValue)
                .where(ClientValue.client_id == client_id)
                .order_by(ClientValue.last_said_at.desc())
            ).all()
            return {
                "first_contact": client.notice_shown_at is None,
                "open_risk_level": client.open_risk_level,
                "consent": client.consent,
                "name": client.preferred_name,
                "pronouns": client.pronouns,
                "language": client.language or "en",
                "values": [
                    {
                        "value": v.value,
                        "words": v.words,
                        "times_said": v.times_said,
                        "last_said_at": v.last_said_at.isoformat(),
                        "last_recalled_at": v.last_recalled_at and v.last_recalled_at.isoformat(),
                    }
                    for v in values
                ],
            }

    # --- check-ins ---------------------------------------------------------------------------
    def checkin_is_stale(self, client_id: int, gap: dt.timedelta, now: dt.datetime | None = None) -> bool:
        """Whether the client's next message starts a new check-in."""
        now = now or utcnow()
        with self._sessions.begin() as session:
            last = session.scalar(
                select(CheckIn.last_message_at)
                .where(CheckIn.client_id == client_id)
                .order_by(CheckIn.id.desc())
                .limit(1)
            )
            return last is None or now - _aware(last) > gap

    def touch_checkin(
        self, client_id: int, channel: str, gap: dt.timedelta, now: dt.datetime | None = None
    ) -> bool:
        """Extend the client's current check-in, or start one after a gap; True when started."""
        now = now or utcnow()
        with self._sessions.begin() as session:
            current = session.scalars(
                select(CheckIn)
                .where(CheckIn.client_id == client_id)
                .order_by(CheckIn.id.desc())
                .limit(1)
            ).first()
            if current is not None and now - _aware(current.last_message_at) <= gap:
                current.last_message_at = now
                return False
            session.add(CheckIn(client_id=client_id, channel=channel, started_at=now, last_message_at=now))
            return True

    # --- values ------------------------------------------------------------------------------
    def remember_values(self, client_id: int, mentions: list[tuple[str, str]]) -> None:
        """Keep each (canonical value, the client's words) with when it was first and last said."""
        if not mentions:
            return
        now = utcnow()
        with self._sessions.begin() as session:
            for value, words in mentions:
                row = session.scalars(
                    select(ClientValue).where(
                        ClientValue.client_id == client_id, ClientValue.value == value
                    )
                ).first()
                if row is None:
                    session.add(
                        ClientValue(
                            client_id=client_id, value=value, words=words,
                            first_said_at=now, last_said_at=now,
                        )
                    )
                else:
                    row.words = words
                    row.times_said += 1
                    row.last_said_at = now

    def mark_value_recalled(self, client_id: int, value: str) -> None:
        with self._sessions.begin() as session:
            row = session.scalars(
                select(ClientValue).where(
                    ClientValue.client_id == client_id, ClientValue.value == value
                )
            ).first()
            if row is not None:
                row.last_recalled_at = utcnow()

    # --- messages ----------------------------------------------------------------------------
    def store_inbound(
        self, client_id: int, text: str, channel: str, client_msg_id: str | None
    ) -> tuple[StoredMessage, bool]:
        """Store a client's message; returns it and whether it was new (a resend is stored once)."""
        try:
            with self._sessions.begin() as session:
                message = Message(
                    client_id=client_id,
                    direction="in",
                    sender="client",
                    text=text,
                    channel=channel,
                    client_msg_id=client_msg_id,
                )
                session.add(message)
                session.get_one(Client, client_id).last_seen_at = utcnow()
                session.flush()
                return StoredMessage.of(message), True
        except IntegrityError:
            with self._sessions.begin() as session:
                existing = session.scalars(
                    select(Message).where(
                        Message.client_id == client_id, Message.client_msg_id == client_msg_id
                    )
                ).one()
                return StoredMessage.of(existing), False

    def store_outbound(
        self, client_id: int, channel: str, outgoing: list[Outgoing], answering: int | None = None
    ) -> list[StoredMessage]:
        """Store replies; `answering` marks the client's message they answer, in one transaction."""
        with self._sessions.begin() as session:
            # The answered message is gone when the answer confirms that the client's data was deleted.
            answered = session.get(Message, answering) if answering is not None else None
            if answered is not None:
                answered.answered_at = utcnow()
            rows = [
                Message(
                    client_id=client_id,
                    direction="out",
                    sender=item.sender,
                    text=item.text,
                    buttons=item.buttons,
                    channel=channel,
                )
                for item in outgoing
            ]
            session.add_all(rows)
            session.flush()
            return [StoredMessage.of(row) for row in rows]

    def is_answered(self, message_id: int) -> bool:
        with self._sessions.begin() as session:
            return session.get_one(Message, message_id).answered_at is not None

    def mark_answered(self, message_id: int) -> None:
        with self._sessions.begin() as session:
            message = session.get(Message, message_id)
            if message is not None:
                message.answered_at = utcnow()

    def set_risk_level(self, message_id: int, level: str) -> None:
        with self._sessions.begin() as session:
            session.get_one(Message, message_id).risk_level = level

    def messages_after(self, client_id: int, after_id: int, limit: int = 500) -> list[StoredMessage]:
        with self._sessions.begin() as session:
            rows = session.scalars(
                select(Message)
                .where(Message.client_id == client_id, Message.id > after_id)
                .where(Message.text != "")  # a message not kept without consent is not replayed
                .order_by(Message.id)
                .limit(limit)
            ).all()
            return [StoredMessage.of(row) for row in rows]

    def last_companion_text(self, client_id: int) -> str | None:
        """The text of the last message the companion sent this client, if any."""
        with self._sessions.begin() as session:
            return session.scalar(
                select(Message.text)
                .where(
                    Message.client_id == client_id,
                    Message.direction == "out",
                    Message.sender == "companion",
                )
                .order_by(Message.id.desc())
                .limit(1)
            )

    def recent_client_texts(self, client_id: int, before_id: int, limit: int = 5) -> list[str]:
        """The client's last few messages before `before_id`, oldest first: the screen's context."""
        with self._sessions.begin() as session:
            texts = session.scalars(
                select(Message.text)
                .where(
                    Message.client_id == client_id,
                    Message.direction == "in",
                    Message.id < before_id,
                    Message.text != "",
                )
                .order_by(Message.id.desc())
                .limit(limit)
            ).all()
            return list(reversed(texts))

    # --- escalations -------------------------------------------------------------------------
    def open_risk_level(self, client_id: int) -> str:
        with self._sessions.begin() as session:
            return session.get_one(Client, client_id).open_risk_level

    def record_escalation(
        self,
        *,
        client_id: int,
        message: StoredMessage,
        level: str,
        cues: list[str],
        source: str,
    ) -> int:
        """Open an escalation and, in the same transaction, queue the worker's alert.

        Once per message and source: a resend of a message whose first delivery was escalated
        but never answered (a gateway died in between) returns the escalation already recorded,
        with no second escalation and no second alert."""
        if level not in LEVELS or level == "none":
            raise ValueError(f"not an escalation level: {level!r}")
        with self._sessions.begin() as session:
            # The client's row is locked first (PostgreSQL; SQLite has one writer anyway), so two
            # gateways answering the same resend cannot both find nothing and both record.
            session.get_one(Client, client_id, with_for_update=True)
            existing = session.scalar(
                select(Escalation.id)
                .where(Escalation.message_id == message.id, Escalation.source == source)
                .order_by(Escalation.id)
                .limit(1)
            )
            if existing is not None:
                return existing
            escalation = Escalation(
                client_id=client_id,
                message_id=message.id,
                level=level,
                cues=cues,
                source=source,
            )
            session.add(escalation)
            session.flush()
            session.add(
                AlertOutbox(
                    client_id=client_id,
                    escalation_id=escalation.id,
                    # Concern is shown to the worker without paging them.
                    kind="alert" if level in PAGED_LEVELS else "concern",
                    payload={
                        "level": level,
                        "cues": cues,
                        "source": source,
                        "message_id": message.id,
                        "message_text": message.text,
                        "at": message.created_at.isoformat(),
                    },
                )
            )
            client = session.get_one(Client, client_id)
            client.open_risk_level = max_level(client.open_risk_level, level)
            session.get_one(Message, message.id).risk_level = level
            return escalation.id

    def record_risk_followup(self, *, client_id: int, message: StoredMessage) -> None:
        """A message after a risk cue that carries no cue of its own ("no", "I'm fine") still
        reaches the worker: the risk path is never closed silently."""
        with self._sessions.begin() as session:
            escalation_id = session.scalar(
                select(Escalation.id)
                .where(Escalation.client_id == client_id, Escalation.resolved_at.is_(None))
                .order_by(Escalation.id.desc())
                .limit(1)
            )
            session.add(
                AlertOutbox(
                    client_id=client_id,
                    escalation_id=escalation_id,
                    kind="risk_followup",
                    payload={
                        "message_id": message.id,
                        "message_text": message.text,
                        "at": message.created_at.isoformat(),
                    },
                )
            )

    def record_person_request(self, *, client_id: int, message: StoredMessage) -> None:
        with self._sessions.begin() as session:
            session.add(
                AlertOutbox(
                    client_id=client_id,
                    kind="person_request",
                    payload={"message_id": message.id, "message_text": message.text},
                )
            )
