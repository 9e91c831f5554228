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

    messages: Mapped[list[Message]] = relationship(back_populates="client")


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
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("client_id", "client_msg_id"),
        Index("ix_messages_client_id_id", "client_id", "id"),
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
