"""Several gateways claiming alert outbox rows at once never take the same row: on SQLite with
compare-and-set updates, on PostgreSQL with SELECT … FOR UPDATE SKIP LOCKED."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from bot.casework import CaseStore
from bot.db import make_engine, make_sessionmaker, migrate
from bot.models import utcnow
from bot.store import Store

pytestmark = pytest.mark.integration

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1/test"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/claims.db"
        return
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    name = f"claims_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError:
        admin.dispose()
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1")
    try:
        yield POSTGRES.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def queue_alerts(store: Store, count: int) -> None:
    client_id = store.client_for("web", "claims")
    for i in range(count):
        inbound, _ = store.store_inbound(client_id, f"message {i}", "web", f"m-{i}")
        store.record_escalation(
            client_id=client_id, message=inbound, level="urgent", cues=["test"], source="screen"
        )


def test_concurrent_claims_are_disjoint_and_leases_expire(database_url: str) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    try:
        sessions = make_sessionmaker(engine)
        queue_alerts(Store(sessions), 24)
        casework = CaseStore(sessions)
        now = utcnow() + dt.timedelta(seconds=1)
        lease = dt.timedelta(seconds=60)
        start = threading.Barrier(4)
        claimed: dict[str, list[int]] = {}

        def claim(owner: str) -> None:
            start.wait()
            claimed[owner] = [item.id for item in casework.claim_due(owner, now, lease, limit=10)]

        threads = [threading.Thread(target=claim, args=(f"gw-{i}",)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        taken = [row for rows in claimed.values() for row in rows]
        assert len(taken) == len(set(taken)), claimed
        assert len(taken) == 24
        # Held rows are not handed out again while the lease lasts, and are after it ends.
        assert casework.claim_due("late", now + dt.timedelta(seconds=30), lease) == []
        again = casework.claim_due("late", now + dt.timedelta(seconds=61), lease, limit=50)
        assert len(again) == 24
    finally:
        engine.dispose()
