"""Rasa's SQL tracker store as the gateway needs it: forgetting a client's conversation and
events past retention. Rasa 3.6's `SQLTrackerStore` keeps every event in one `events` table
(`sender_id`, `type_name`, `timestamp` as epoch seconds, `intent_name`, `action_name`, `data`)."""

from __future__ import annotations

from sqlalchemy import Engine, inspect, text

from bot.db import make_engine


def sender_id(client_id: int) -> str:
    """The id the gateway gives Rasa for a client (see `Gateway._ask_rasa`)."""
    return f"client-{client_id}"


class RasaTrackerStore:
    def __init__(self, url: str) -> None:
        self._url = url
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        # Built on first use: nothing touches the tracker database at import or start-up.
        if self._engine is None:
            self._engine = make_engine(self._url)
        return self._engine

    def _has_events(self) -> bool:
        # Before Rasa's first conversation there is no table, and so nothing to delete.
        return inspect(self.engine).has_table("events")

    def delete_sender(self, sender: str) -> int:
        if not self._has_events():
            return 0
        with self.engine.begin() as conn:
            return conn.execute(text("DELETE FROM events WHERE sender_id = :s"), {"s": sender}).rowcount

    def delete_before(self, timestamp: float) -> int:
        if not self._has_events():
            return 0
        with self.engine.begin() as conn:
            return conn.execute(
                text("DELETE FROM events WHERE timestamp < :t"), {"t": timestamp}
            ).rowcount

    def count_before(self, timestamp: float) -> int:
        if not self._has_events():
            return 0
        with self.engine.connect() as conn:
            return int(conn.execute(
                text("SELECT COUNT(*) FROM events WHERE timestamp < :t"), {"t": timestamp}
            ).scalar_one())

    def count_sender(self, sender: str) -> int:
        if not self._has_events():
            return 0
        with self.engine.connect() as conn:
            return int(conn.execute(
                text("SELECT COUNT(*) FROM events WHERE sender_id = :s"), {"s": sender}
            ).scalar_one())

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
