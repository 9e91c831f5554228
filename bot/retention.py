"""Retention: raw message text older than `RETENTION_DAYS` is replaced by its anonymised form.

Covers the gateway's messages, the words copied into queued worker alerts, and Rasa's tracker
events (which hold the raw text too; Rasa only loads the current session, so old events are
deleted rather than rewritten). Any anonymiser with `anonymise(text) -> str` will do.

The same daily run prunes the Telegram update ids kept so a redelivered update is handled once
(`telegram_updates`): Telegram keeps an undelivered update for at most 24 hours, so an id older
than `TELEGRAM_UPDATE_DAYS` can never come again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.models import AlertOutbox, Message, TelegramUpdate, utcnow
from bot.rasa_tracker import RasaTrackerStore

BATCH = 500
# Well past the 24 hours Telegram keeps an update it could not deliver.
TELEGRAM_UPDATE_DAYS = 7


class TextAnonymiser(Protocol):
    def anonymise(self, text: str) -> str: ...


@dataclass(frozen=True)
class RetentionReport:
    cutoff: dt.datetime
    messages: int
    alerts: int
    tracker_events: int
    dry_run: bool
    telegram_updates: int = 0


def apply_retention(
    sessions: sessionmaker[Session],
    anonymiser: TextAnonymiser,
    *,
    days: int,
    tracker: RasaTrackerStore | None = None,
    now: dt.datetime | None = None,
    dry_run: bool = False,
) -> RetentionReport:
    now = now or utcnow()
    cutoff = now - dt.timedelta(days=days)
    old_messages = (Message.created_at < cutoff) & Message.anonymised_at.is_(None)
    old_updates = TelegramUpdate.received_at < now - dt.timedelta(days=TELEGRAM_UPDATE_DAYS)
    if dry_run:
        with sessions.begin() as session:
            messages = session.scalar(select(func.count()).where(old_messages)) or 0
            alerts = sum(
                1 for payload in session.scalars(
                    select(AlertOutbox.payload).where(AlertOutbox.created_at < cutoff)
                )
                if isinstance(payload.get("message_text"), str) and not payload.get("anonymised")
            )
            updates = session.scalar(select(func.count()).where(old_updates)) or 0
        events = tracker.count_before(cutoff.timestamp()) if tracker else 0
        return RetentionReport(cutoff, int(messages), alerts, events, True, int(updates))

    messages = 0
    while True:
        # Short transactions in batches, so the gateway keeps answering during a long first run.
        with sessions.begin() as session:
            rows = session.scalars(select(Message).where(old_messages).limit(BATCH)).all()
            for row in rows:
                row.text = anonymiser.anonymise(row.text)
                row.anonymised_at = now
            messages += len(rows)
        if len(rows) < BATCH:
            break
    alerts = 0
    with sessions.begin() as session:
        for alert in session.scalars(select(AlertOutbox).where(AlertOutbox.created_at < cutoff)):
            payload = alert.payload
            if isinstance(payload.get("message_text"), str) and not payload.get("anonymised"):
                alert.payload = {
                    **payload, "message_text": anonymiser.anonymise(payload["message_text"]),
                    "anonymised": True,
                }
                alerts += 1
    with sessions.begin() as session:
        updates = session.execute(delete(TelegramUpdate).where(old_updates)).rowcount
    events = tracker.delete_before(cutoff.timestamp()) if tracker else 0
    return RetentionReport(cutoff, messages, alerts, events, False, updates)
