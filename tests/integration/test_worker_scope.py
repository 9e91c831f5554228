"""Which workers may act for a client (take over, acknowledge): their own worker, an on-call
worker, or a worker an alert about the client was sent to; on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from bot.casework import CaseStore, Event
from bot.db import make_engine, make_sessionmaker
from bot.models import AlertOutbox, utcnow
from bot.store import Store

pytestmark = pytest.mark.integration


def test_only_the_clients_own_on_call_or_alerted_workers_may_act(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        sessions = make_sessionmaker(engine)
        store, casework = Store(sessions), CaseStore(sessions)
        own = casework.add_worker("Maria", 101)
        on_call = casework.add_worker("Sam", 102, on_call=True)
        colleague = casework.add_worker("Lee", 103)
        stranger = casework.add_worker("Ana", 104)
        client_id = store.client_for("web", "scope")
        casework.assign(client_id, own.id)
        inbound, _ = store.store_inbound(client_id, "I want to die", "web", "m-1")
        escalation_id = store.record_escalation(
            client_id=client_id, message=inbound, level="urgent", cues=["x"], source="screen"
        )
        assert casework.client_of_escalation(escalation_id) == client_id
        assert casework.client_of_escalation(escalation_id + 1000) is None

        allowed = {w.name: casework.may_act_for(w.id, client_id) for w in casework.workers()}
        assert allowed == {"Maria": True, "Sam": True, "Lee": False, "Ana": False}

        # An alert about this client sent to the colleague (say, covering a shift) lets them act.
        with sessions.begin() as session:
            [outbox_id] = [row.id for row in session.query(AlertOutbox)]
        casework.step_delivered(
            outbox_id, utcnow(), next_step=0, next_at=None,
            events=[Event("sent", 0, colleague.telegram_id, colleague.id)],
        )
        assert casework.may_act_for(colleague.id, client_id)
        # A failed send to someone is not being told.
        casework.step_delivered(
            outbox_id, utcnow(), next_step=0, next_at=None,
            events=[Event("failed", 0, stranger.telegram_id, stranger.id)],
        )
        assert not casework.may_act_for(stranger.id, client_id)
        assert casework.may_act_for(on_call.id, client_id)
        assert not casework.may_act_for(stranger.id + 1000, client_id)
    finally:
        engine.dispose()
