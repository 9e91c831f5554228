"""The gateway's tables. Schema changes go through Alembic migrations in `migrations/`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {dt.datetime: DateTime(timezone=True)}


class Client(Base):
    """A person checking in. `external_id` is the channel's id (a hash of the widget token on the web)."""

    __tablename__ = "clients"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    notice_shown_at: Mapped[dt.datetime | None]
    last_seen_at: Mapped[dt.datetime | None]
    # The highest risk level still open; later messages never lower it silently.
    open_risk_level: Mapped[str] = mapped_column(String(16), default="none")
    # The client's case worker; None sends their alerts to the on-call workers.
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("workers.id", ondelete="SET NULL"))
    # Consent at first contact (bot/consent.py): None until the client answers, then given or
    # refused; every answer is also kept in consent_records with the wording's version.
    consent: Mapped[str | None] = mapped_column(String(16))
    consent_version: Mapped[str | None] = mapped_column(String(32))
    consent_at: Mapped[dt.datetime | None]
    consent_asked_at: Mapped[dt.datetime | None]
    # The client's own terms (bot/terms.py): what to call them, asked once, and their language.
    preferred_name: Mapped[str | None] = mapped_column(String(80))
    pronouns: Mapped[str | None] = mapped_column(String(40))
    name_asked_at: Mapped[dt.datetime | None]
    name_settled_at: Mapped[dt.datetime | None]
    language: Mapped[str | None] = mapped_column(String(8))
    # A language the client chose is kept; one only detected follows what they write.
    language_chosen: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # An IANA zone ("America/Chicago") for the client's reminders; None: the program's zone.
    timezone: Mapped[str | None] = mapped_column(String(64))
    # Set by "stop": no reminders and no opening until the client writes again.
    stopped_at: Mapped[dt.datetime | None]
    # When the client last had their data deleted; only what the program must keep remains.
    data_deleted_at: Mapped[dt.datetime | None]

    messages: Mapped[list[Message]] = relationship(back_populates="client")


class ConsentRecord(Base):
    """Each consent answer a client gives: what they decided, to which wording, and when."""

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    decision: Mapped[str] = mapped_column(String(16))  # given | refused
    version: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8))
    channel: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Worker(Base):
    """A case worker, reached on Telegram; on-call workers take alerts for unassigned clients."""

    __tablename__ = "workers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    on_call: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class User(Base):
    """Someone who signs in to the staff pages. A worker user is linked to their worker row."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))  # staff | worker | admin
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("workers.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Message(Base):
    """One message. A client's message sent before they agreed is kept with empty text (not kept),
    unless it carried a risk cue: safety comes before data minimisation."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("client_id", "client_msg_id"),
        Index("ix_messages_client_id_id", "client_id", "id"),
        # Ids only grow, even after a client's messages are deleted: the widget resumes by id.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(3))  # "in" | "out"
    sender: Mapped[str] = mapped_column(String(16))  # client | companion | worker | system
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    channel: Mapped[str] = mapped_column(String(20))
    # Set by the sender's device so a resend after a dropped connection is stored once.
    client_msg_id: Mapped[str | None] = mapped_column(String(64))
    risk_level: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # When retention replaced the raw text by its anonymised form.
    anonymised_at: Mapped[dt.datetime | None]
    # When the gateway finished answering a client's message; a resend of one never answered (its
    # gateway died mid-way) is answered then.
    answered_at: Mapped[dt.datetime | None]

    client: Mapped[Client] = relationship(back_populates="messages")


class Escalation(Base):
    __tablename__ = "escalations"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    level: Mapped[str] = mapped_column(String(16))
    cues: Mapped[list[str]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(16))  # screen | dialogue
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    alerted_at: Mapped[dt.datetime | None]
    acknowledged_at: Mapped[dt.datetime | None]
    resolved_at: Mapped[dt.datetime | None]
    acknowledged_by: Mapped[int | None] = mapped_column(
        ForeignKey("workers.id", ondelete="SET NULL")
    )


class AlertOutbox(Base):
    """Notes for a client's worker waiting for delivery, written in the same transaction as the
    event that raised them (an escalation, a follow-up after a risk cue, a request for a person)."""

    __tablename__ = "alert_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    escalation_id: Mapped[int | None] = mapped_column(
        ForeignKey("escalations.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(24))  # alert | risk_followup | person_request
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    # Step of the ladder the row is at: 0 the client's worker, 1 on-call workers, 2 supervisor.
    step: Mapped[int] = mapped_column(Integer, default=0)
    # A gateway delivering the row holds it until `claimed_until`, so replicas never double-send.
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[dt.datetime | None]
    # Nothing more to do: a note delivered, an alert acknowledged or the ladder's end reached.
    closed_at: Mapped[dt.datetime | None]


class ClientValue(Base):
    """A value a client has named, in canonical form, with the words they used."""

    __tablename__ = "client_values"
    __table_args__ = (UniqueConstraint("client_id", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    value: Mapped[str] = mapped_column(String(32))
    words: Mapped[str] = mapped_column(Text)
    times_said: Mapped[int] = mapped_column(Integer, default=1)
    first_said_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_said_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_recalled_at: Mapped[dt.datetime | None]


class CheckIn(Base):
    """One check-in: the messages of a client with no gap longer than the program's setting."""

    __tablename__ = "checkins"
    __table_args__ = (Index("ix_checkins_client_id_started_at", "client_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_message_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # The optional 0-10 mood question is offered once per check-in.
    mood_offered_at: Mapped[dt.datetime | None]


class LoginAttempt(Base):
    """A failed sign-in to the staff pages; recent ones throttle the username and the address."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_username_at", "username", "at"),
        Index("ix_login_attempts_ip_at", "ip", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class TranscriptView(Base):
    """The audit log: who opened which conversation, and whether they saw it anonymised."""

    __tablename__ = "transcript_views"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    username: Mapped[str] = mapped_column(String(64))
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("checkins.id", ondelete="SET NULL"))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="SET NULL"))
    anonymised: Mapped[bool] = mapped_column(Boolean)
    viewed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ReviewNote(Base):
    """A staff tag or note on a conversation (one check-in)."""

    __tablename__ = "review_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkins.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    tag: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AlertDelivery(Base):
    """Each step of an alert's life: sent or failed to a chat, escalated a step, acknowledged."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (Index("ix_alert_deliveries_outbox_id", "outbox_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("alert_outbox.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(16))  # sent | failed | escalated | acknowledged
    step: Mapped[int] = mapped_column(Integer)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("workers.id", ondelete="SET NULL"))
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Handoff(Base):
    """A worker holding a client's conversation. `active_client_id` is set only while it lasts,
    and is unique, so a conversation has at most one worker at a time."""

    __tablename__ = "handoffs"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id", ondelete="CASCADE"))
    active_client_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[dt.datetime | None]


class TelegramUpdate(Base):
    """Telegram updates taken in: a redelivered update is handled once, and one kept but never
    handled (its gateway died) is handled by the next gateway to look. The update itself is kept
    only until it has been handled."""

    __tablename__ = "telegram_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # A gateway handling it holds it until then; a lease that runs out frees it again.
    claimed_until: Mapped[dt.datetime | None]
    handled_at: Mapped[dt.datetime | None]


class Reminder(Base):
    """A client's check-in reminder schedule ("0,4@18:00": Monday and Friday at 18:00 local time).

    `next_due_at` is claimed with a compare-and-set update, so each reminder goes out once even
    with several gateways on one database. A worker's suggestion waits as `suggested` until the
    client accepts it."""

    __tablename__ = "reminders"
    __table_args__ = (Index("ix_reminders_status_next_due_at", "status", "next_due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    schedule: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8), default="en")
    status: Mapped[str] = mapped_column(String(16))  # active | suggested | stopped | declined
    source: Mapped[str] = mapped_column(String(16), default="client")  # client | worker
    next_due_at: Mapped[dt.datetime | None]
    last_sent_at: Mapped[dt.datetime | None]
    suggestion_sent_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Mood(Base):
    """A client's answer to the optional 0-10 question, one per check-in."""

    __tablename__ = "moods"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkins.id", ondelete="CASCADE"), unique=True)
    score: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ScheduledJob(Base):
    """A periodic job the gateways share (retention); the one that moves `next_run_at` runs it."""

    __tablename__ = "scheduled_jobs"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    next_run_at: Mapped[dt.datetime]
    last_run_at: Mapped[dt.datetime | None]
