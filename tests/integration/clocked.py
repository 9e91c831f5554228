"""The gateway on a real SQLite file with an injected clock, a scripted Rasa, and a scheduler:
several of these may share one database file, as several gateways share one database."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import httpx
from sqlalchemy import select

from actions.values import ValueDetector
from bot.anonymise import shared_anonymiser
from bot.controls import ClientControls
from bot.db import make_engine, make_sessionmaker, migrate
from bot.gateway import Gateway, load_texts
from bot.hub import Hub
from bot.rasa_client import RasaClient
from bot.rasa_tracker import RasaTrackerStore
from bot.safety.screen import SafetyScreen
from bot.scheduler import Scheduler
from bot.settings import Settings
from bot.store import Store
from tests.integration.test_gateway import default_replies, scripted_rasa
from tests.support.consent import agree_for

# A Monday, in the future so check-ins stored at the real time are long over.
MONDAY = dt.datetime(2027, 1, 4, 12, 0, tzinfo=dt.timezone.utc)

# Rasa 3.6 `SQLTrackerStore.SQLEvent`, as it creates the table.
TRACKER_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id INTEGER NOT NULL PRIMARY KEY,
    sender_id VARCHAR(255) NOT NULL,
    type_name VARCHAR(255) NOT NULL,
    timestamp FLOAT,
    intent_name VARCHAR(255),
    action_name VARCHAR(255),
    data TEXT
);
CREATE INDEX IF NOT EXISTS ix_events_sender_id ON events (sender_id);
"""


class Clock:
    def __init__(self, now: dt.datetime = MONDAY) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


def write_tracker_events(path: Path, sender: str, texts: list[str], timestamp: float) -> None:
    with sqlite3.connect(path) as conn:
        conn.executescript(TRACKER_SCHEMA)
        conn.executemany(
            "INSERT INTO events (sender_id, type_name, timestamp, intent_name, data) VALUES (?,?,?,?,?)",
            [(sender, "user", timestamp, "share_event", json.dumps({"event": "user", "text": t}))
             for t in texts],
        )


def tracker_count(path: Path, sender: str) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0]


class Clocked:
    """One gateway (with its own hub and scheduler) on the database file in `workdir`."""

    def __init__(
        self,
        workdir: Path,
        *,
        clock: Clock | None = None,
        replies=default_replies,
        calls: list[dict] | None = None,
        external_id: str = "client-token-digest",
        channel: str = "web",
        database_url: str | None = None,
        **settings: object,
    ) -> None:
        url = database_url or f"sqlite:///{workdir}/gateway.db"
        migrate(url)
        self.workdir = workdir
        self.tracker_path = workdir / "tracker.db"
        self.clock = clock or Clock()
        self.calls = [] if calls is None else calls
        self.engine = make_engine(url)
        self.sessions = make_sessionmaker(self.engine)
        self.hub = Hub()
        settings.setdefault("rasa_tracker_url", f"sqlite:///{self.tracker_path}")
        self.settings = Settings(database_url=url, **settings)
        store = Store(self.sessions)
        texts = load_texts()
        self.tracker = RasaTrackerStore(self.settings.rasa_tracker_url)
        self.controls = ClientControls(
            store=store, settings=self.settings, texts=texts, tracker=self.tracker, clock=self.clock
        )
        self.gateway = Gateway(
            settings=self.settings,
            store=store,
            rasa=RasaClient(
                rasa_url="http://rasa.test",
                action_server_url="http://actions.test",
                timeout_seconds=self.settings.rasa_timeout_seconds,
                http=httpx.AsyncClient(transport=scripted_rasa(replies, self.calls)),
            ),
            screen=SafetyScreen(),
            values=ValueDetector(),
            hub=self.hub,
            texts=texts,
            controls=self.controls,
        )
        self.scheduler = Scheduler(
            gateway=self.gateway, settings=self.settings, anonymiser=shared_anonymiser(), clock=self.clock
        )
        self.texts = texts
        self.channel = channel
        self.client_id = self.new_client(external_id, channel)

    def new_client(self, external_id: str, channel: str = "web") -> int:
        client_id = self.gateway.store.client_for(channel, external_id)
        assert client_id is not None
        agree_for(self.gateway.store, client_id, channel)
        return client_id

    def text(self, key: str, language: str = "en", **fields: object) -> str:
        return self.controls.text(key, language, **fields)

    async def say(self, text: str, client_id: int | None = None) -> list[str]:
        return [m.text for m in await self.say_full(text, client_id)]

    async def say_full(self, text: str, client_id: int | None = None):
        return await self.gateway.handle_client_message(
            client_id=client_id or self.client_id, channel=self.channel, text=text
        )

    def rows(self, model):
        with self.sessions() as session:
            return session.scalars(select(model).order_by(*model.__table__.primary_key.columns)).all()

    def close(self) -> None:
        self.tracker.dispose()
        self.engine.dispose()
