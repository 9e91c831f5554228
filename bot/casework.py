"""Units of work on workers, client assignment, handoffs, Telegram update ids and the alert ladder.

Kept apart from `bot/store.py` (the conversation's own records); same style: one short
transaction per method, synchronous, run by callers in a worker thread.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.models import (
    AlertDelivery,
    AlertOutbox,
    Client,
    Escalation,
    Handoff,
    TelegramUpdate,
    Worker,
    utcnow,
)

# How long a gateway holds a Telegram update it is handling; one that dies frees it after this.
UPDATE_LEASE = dt.timedelta(seconds=60)
# How long an update kept on arrival may wait for its handling before another gateway takes it.
UPDATE_SETTLE = dt.timedelta(seconds=10)

@dataclass(frozen=True)
class WorkerInfo:
    id: int
    name: str
    telegram_id: int | None
    on_call: bool

    @classmethod
    def of(cls, worker: Worker) -> WorkerInfo:
        return cls(worker.id, worker.name, worker.telegram_id, worker.on_call)


@dataclass(frozen=True)
class ClientInfo:
    id: int
    channel: str
    external_id: str
    worker: WorkerInfo | None
    open_risk_level: str
    last_seen_at: dt.datetime | None


@dataclass(frozen=True)
class OutboxItem:
    id: int
    client_id: int
    escalation_id: int | None
    kind: str
    payload: dict[str, Any]
    step: int
    attempts: int
    # The escalation's level and status when the row was claimed (None for rows without one).
    level: str | None
    escalation_status: str | None


@dataclass(frozen=True)
class Event:
    """One step of an alert's life, written to `alert_deliveries`."""

    event: str  # sent | failed | escalated | acknowledged
    step: int
    chat_id: int | None = None
    worker_id: int | None = None
    telegram_message_id: int | None = None
    detail: str | None = None
    at: dt.datetime | None = None

    def row(self, outbox_id: int) -> AlertDelivery:
        return AlertDelivery(
            outbox_id=outbox_id, event=self.event, step=self.step, chat_id=self.chat_id,
            worker_id=self.worker_id, telegram_message_id=self.telegram_message_id,
            detail=self.detail, created_at=self.at or utcnow(),
        )


class CaseStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @property
    def dialect(self) -> str:
        return self._sessions.kw["bind"].dialect.name

    # --- workers and clients -----------------------------------------------------------------
    def add_worker(self, name: str, telegram_id: int | None, on_call: bool = False) -> WorkerInfo:
        with self._sessions.begin() as session:
            worker = Worker(name=name, telegram_id=telegram_id, on_call=on_call)
            session.add(worker)
            session.flush()
            return WorkerInfo.of(worker)

    def workers(self) -> list[WorkerInfo]:
        with self._sessions.begin() as session:
            return [WorkerInfo.of(w) for w in session.scalars(select(Worker).order_by(Worker.id))]

    def worker_by_telegram(self, telegram_id: int) -> WorkerInfo | None:
        with self._sessions.begin() as session:
            worker = session.scalars(select(Worker).where(Worker.telegram_id == telegram_id)).first()
            return worker and WorkerInfo.of(worker)

    def find_worker(self, ref: str) -> WorkerInfo | None:
        """A worker by row id or by exact name."""
        with self._sessions.begin() as session:
            worker = session.get(Worker, int(ref)) if ref.isdigit() else None
            if worker is None:
                worker = session.scalars(select(Worker).where(Worker.name == ref)).first()
            return worker and WorkerInfo.of(worker)

    def clients(self) -> list[ClientInfo]:
        with self._sessions.begin() as session:
            rows = session.scalars(select(Client).order_by(Client.id)).all()
            workers = {w.id: WorkerInfo.of(w) for w in session.scalars(select(Worker))}
            return [
                ClientInfo(
                    c.id, c.channel, c.external_id, workers.get(c.worker_id) if c.worker_id else None,
                    c.open_risk_level, c.last_seen_at,
                )
                for c in rows
            ]

    def client(self, client_id: int) -> ClientInfo:
        return next(c for c in self.clients() if c.id == client_id)

    def client_ids(self) -> list[int]:
        with self._sessions.begin() as session:
            return list(session.scalars(select(Client.id)))

    def assign(self, client_id: int, worker_id: int | None) -> None:
        with self._sessions.begin() as session:
            session.get_one(Client, client_id).worker_id = worker_id

    def chat_of(self, client_id: int) -> tuple[str, str]:
        """The client's channel and their id on it."""
        with self._sessions.begin() as session:
            client = session.get_one(Client, client_id)
            return client.channel, client.external_id

    def ladder(self, client_id: int, supervisor_chat_id: int | None) -> list[list[tuple[int, int | None]]]:
        """Who is told at each step, as (chat id, worker id): the client's worker (the on-call
        workers for a client with none), then the on-call workers, then the supervisor's chat."""
        with self._sessions.begin() as session:
            worker_id = session.get_one(Client, client_id).worker_id
            on_call = [
                (w.telegram_id, w.id)
                for w in session.scalars(
                    select(Worker).where(Worker.on_call.is_(True), Worker.telegram_id.is_not(None))
                    .order_by(Worker.id)
                )
            ]
            own: list[tuple[int, int | None]] = []
            if worker_id is not None:
                worker = session.get(Worker, worker_id)
                if worker is not None and worker.telegram_id is not None:
                    own = [(worker.telegram_id, worker.id)]
            first = own or on_call
            second = [pair for pair in on_call if pair not in first]
            third = [(supervisor_chat_id, None)] if supervisor_chat_id is not None else []
            return [first, second, third]

    def may_act_for(self, worker_id: int, client_id: int) -> bool:
        """Whether a worker may take over this client or acknowledge their alerts: the client's
        own worker, an on-call worker, or a worker an alert about this client was sent to."""
        with self._sessions.begin() as session:
            worker = session.get(Worker, worker_id)
            client = session.get(Client, client_id)
            if worker is None or client is None:
                return False
            if worker.on_call or client.worker_id == worker_id:
                return True
            told = session.scalar(
                select(AlertDelivery.id)
                .join(AlertOutbox, AlertOutbox.id == AlertDelivery.outbox_id)
                .where(
                    AlertOutbox.client_id == client_id,
                    AlertDelivery.worker_id == worker_id,
                    AlertDelivery.event == "sent",
                )
                .limit(1)
            )
            return told is not None

    def client_of_escalation(self, escalation_id: int) -> int | None:
        with self._sessions.begin() as session:
            escalation = session.get(Escalation, escalation_id)
            return escalation.client_id if escalation else None

    # --- Telegram updates --------------------------------------------------------------------
    def keep_update(self, update_id: int, payload: dict[str, Any]) -> None:
        """Keep an update as it arrives, before Telegram is told it was received."""
        try:
            with self._sessions.begin() as session:
                session.add(TelegramUpdate(update_id=update_id, payload=payload))
        except IntegrityError:
            pass  # a redelivery: the update is kept already

    def take_update(
        self,
        update_id: int,
        payload: dict[str, Any] | None = None,
        *,
        lease: dt.timedelta = UPDATE_LEASE,
        now: dt.datetime | None = None,
    ) -> bool:
        """Claim an update for handling: True if this gateway is to handle it (new, or kept but
        not handled and not held by a living gateway), False for one handled or being handled."""
        now = now or utcnow()
        try:
            with self._sessions.begin() as session:
                session.add(
                    TelegramUpdate(update_id=update_id, payload=payload, claimed_until=now + lease)
                )
            return True
        except IntegrityError:
            pass
        with self._sessions.begin() as session:
            claimed = session.execute(
                update(TelegramUpdate)
                .where(
                    TelegramUpdate.update_id == update_id,
                    TelegramUpdate.handled_at.is_(None),
                    or_(
                        TelegramUpdate.claimed_until.is_(None),
                        TelegramUpdate.claimed_until < now,
                    ),
                )
                .values(claimed_until=now + lease)
            )
            return claimed.rowcount == 1

    def finish_update(self, update_id: int, now: dt.datetime | None = None) -> None:
        """Handled: the update's content is let go, its id kept to spot a redelivery."""
        with self._sessions.begin() as session:
            session.execute(
                update(TelegramUpdate)
                .where(TelegramUpdate.update_id == update_id)
                .values(handled_at=now or utcnow(), payload=None, claimed_until=None)
            )

    def unhandled_updates(
        self, now: dt.datetime | None = None, *, settle: dt.timedelta = UPDATE_SETTLE
    ) -> list[dict[str, Any]]:
        """Updates kept but not handled: never claimed `settle` after they came, or claimed by a
        gateway whose lease ran out (it died). Oldest first."""
        now = now or utcnow()
        with self._sessions.begin() as session:
            return list(
                session.scalars(
                    select(TelegramUpdate.payload)
                    .where(
                        TelegramUpdate.handled_at.is_(None),
                        TelegramUpdate.payload.is_not(None),
                        or_(
                            and_(
                                TelegramUpdate.claimed_until.is_(None),
                                TelegramUpdate.received_at < now - settle,
                            ),
                            TelegramUpdate.claimed_until < now,
                        ),
                    )
                    .order_by(TelegramUpdate.update_id)
                    .limit(100)
                )
            )

    # --- handoffs ----------------------------------------------------------------------------
    def holder(self, client_id: int) -> WorkerInfo | None:
        with self._sessions.begin() as session:
            worker = session.scalars(
                select(Worker).join(Handoff, Handoff.worker_id == Worker.id)
                .where(Handoff.active_client_id == client_id)
            ).first()
            return worker and WorkerInfo.of(worker)

    def held_by(self, worker_id: int) -> list[int]:
        """Clients whose conversation the worker holds, the latest taken first."""
        with self._sessions.begin() as session:
            return list(
                session.scalars(
                    select(Handoff.client_id)
                    .where(Handoff.worker_id == worker_id, Handoff.active_client_id.is_not(None))
                    .order_by(Handoff.id.desc())
                )
            )

    def start_handoff(self, client_id: int, worker_id: int) -> WorkerInfo | None:
        """Give the conversation to the worker unless someone holds it; returns the holder."""
        try:
            with self._sessions.begin() as session:
                session.add(Handoff(client_id=client_id, worker_id=worker_id, active_client_id=client_id))
        except IntegrityError:
            pass
        return self.holder(client_id)

    def end_handoff(self, client_id: int, worker_id: int, now: dt.datetime | None = None) -> bool:
        """End the worker's hold on the conversation and resolve the client's escalations."""
        now = now or utcnow()
        with self._sessions.begin() as session:
            handoff = session.scalars(
                select(Handoff).where(
                    Handoff.active_client_id == client_id, Handoff.worker_id == worker_id
                )
            ).first()
            if handoff is None:
                return False
            handoff.active_client_id = None
            handoff.ended_at = now
            for escalation in session.scalars(
                select(Escalation).where(
                    Escalation.client_id == client_id, Escalation.status != "resolved"
                )
            ):
                escalation.status = "resolved"
                escalation.resolved_at = now
            session.execute(
                update(AlertOutbox)
                .where(AlertOutbox.client_id == client_id, AlertOutbox.kind == "alert",
                       AlertOutbox.closed_at.is_(None))
                .values(closed_at=now)
            )
            session.get_one(Client, client_id).open_risk_level = "none"
            return True

    # --- alerts ------------------------------------------------------------------------------
    def claim_due(
        self, owner: str, now: dt.datetime, lease: dt.timedelta, limit: int = 20
    ) -> list[OutboxItem]:
        """Take the rows due now that no other gateway holds. PostgreSQL locks them with
        SKIP LOCKED; elsewhere each row is taken with a compare-and-set update."""
        due = (
            select(AlertOutbox)
            .where(
                AlertOutbox.closed_at.is_(None),
                AlertOutbox.next_attempt_at <= now,
                or_(AlertOutbox.claimed_until.is_(None), AlertOutbox.claimed_until < now),
            )
            .order_by(AlertOutbox.next_attempt_at, AlertOutbox.id)
            .limit(limit)
        )
        with self._sessions.begin() as session:
            if self.dialect == "postgresql":
                rows = session.scalars(due.with_for_update(skip_locked=True)).all()
                for row in rows:
                    row.claimed_by, row.claimed_until = owner, now + lease
                claimed = list(rows)
            else:
                claimed = []
                # Others may take some of the same candidates first: look a little further.
                for row in session.scalars(due.limit(limit * 5)).all():
                    if len(claimed) == limit:
                        break
                    taken = session.execute(
                        update(AlertOutbox)
                        .where(
                            AlertOutbox.id == row.id,
                            AlertOutbox.closed_at.is_(None),
                            or_(AlertOutbox.claimed_until.is_(None), AlertOutbox.claimed_until < now),
                        )
                        .values(claimed_by=owner, claimed_until=now + lease)
                        .execution_options(synchronize_session=False)
                    )
                    if taken.rowcount == 1:
                        claimed.append(row)
            items = []
            for row in claimed:
                escalation = session.get(Escalation, row.escalation_id) if row.escalation_id else None
                items.append(
                    OutboxItem(
                        row.id, row.client_id, row.escalation_id, row.kind, dict(row.payload),
                        row.step, row.attempts,
                        escalation.level if escalation else None,
                        escalation.status if escalation else None,
                    )
                )
            return items

    def sent_chats(self, outbox_id: int, step: int) -> set[int]:
        with self._sessions.begin() as session:
            return set(
                session.scalars(
                    select(AlertDelivery.chat_id).where(
                        AlertDelivery.outbox_id == outbox_id,
                        AlertDelivery.step == step,
                        AlertDelivery.event == "sent",
                    )
                )
            )

    def step_delivered(
        self,
        outbox_id: int,
        now: dt.datetime,
        *,
        next_step: int,
        next_at: dt.datetime | None,
        events: Sequence[Event] = (),
    ) -> None:
        """A step went out: wait for the next one at `next_at`, or close the row (None)."""
        with self._sessions.begin() as session:
            session.add_all(event.row(outbox_id) for event in events)
            row = session.get_one(AlertOutbox, outbox_id)
            row.delivered_at = row.delivered_at or now
            row.attempts = 0
            row.last_error = None
            row.claimed_by = row.claimed_until = None
            row.step = next_step
            if next_at is None:
                row.closed_at = now
            else:
                row.next_attempt_at = next_at
            # A concern's note is its alert; a follow-up's note leaves its escalation as it is.
            if row.escalation_id is not None and row.kind in ("alert", "concern"):
                escalation = session.get_one(Escalation, row.escalation_id)
                if escalation.status == "open":
                    escalation.status = "alerted"
                    escalation.alerted_at = now

    def step_failed(
        self,
        outbox_id: int,
        now: dt.datetime,
        error: str,
        retry_at: dt.datetime,
        events: Sequence[Event] = (),
    ) -> None:
        with self._sessions.begin() as session:
            session.add_all(event.row(outbox_id) for event in events)
            row = session.get_one(AlertOutbox, outbox_id)
            row.attempts += 1
            row.last_error = error[:500]
            row.next_attempt_at = retry_at
            row.claimed_by = row.claimed_until = None

    def close(self, outbox_id: int, now: dt.datetime) -> None:
        with self._sessions.begin() as session:
            row = session.get_one(AlertOutbox, outbox_id)
            row.closed_at = now
            row.claimed_by = row.claimed_until = None

    def acknowledge(
        self, escalation_id: int, worker_id: int | None, now: dt.datetime | None = None
    ) -> bool:
        """Mark the escalation acknowledged (the first time) and stop its ladder."""
        now = now or utcnow()
        with self._sessions.begin() as session:
            escalation = session.get(Escalation, escalation_id)
            if escalation is None or escalation.status not in ("open", "alerted"):
                return False
            escalation.status = "acknowledged"
            escalation.acknowledged_at = now
            escalation.acknowledged_by = worker_id
            for row in session.scalars(
                select(AlertOutbox).where(
                    AlertOutbox.escalation_id == escalation_id, AlertOutbox.kind == "alert"
                )
            ):
                row.closed_at = row.closed_at or now
                session.add(
                    AlertDelivery(
                        outbox_id=row.id, event="acknowledged", step=row.step,
                        worker_id=worker_id, created_at=now,
                    )
                )
            return True

    def acknowledge_client(self, client_id: int, worker_id: int, now: dt.datetime | None = None) -> None:
        """Taking over a conversation acknowledges what is open on it."""
        with self._sessions.begin() as session:
            ids = list(
                session.scalars(
                    select(Escalation.id).where(
                        Escalation.client_id == client_id,
                        Escalation.status.in_(("open", "alerted")),
                    )
                )
            )
        for escalation_id in ids:
            self.acknowledge(escalation_id, worker_id, now)
