"""A gateway with Telegram on, against the loopback Bot API server and a real SQLite database."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import shutil
import tempfile
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from actions.values import ValueDetector
from bot.alerts import AlertLoop
from bot.casework import CaseStore
from bot.db import make_engine, make_sessionmaker, migrate
from bot.gateway import Gateway
from bot.handoff import Takeover
from bot.hub import Hub
from bot.models import utcnow
from bot.pseudonym import pseudonym
from bot.rasa_client import RasaClient
from bot.safety.screen import SafetyScreen
from bot.settings import Settings
from bot.store import Store
from bot.telegram.channel import TelegramChannel
from tests.support.bot_api import FakeBotApi
from tests.support.consent import agree_for

TOKEN = "123456:TEST-token"
SUPERVISOR_CHAT = -100500


_template: Path | None = None


def prepare(url: str) -> None:
    """Bring the database to the newest schema; a new SQLite file is copied from one migrated
    template instead of running the migrations for every test."""
    global _template
    path = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None
    if path is None or path.exists():
        migrate(url)
        return
    if _template is None:
        template = Path(tempfile.mkdtemp(prefix="companion-schema-")) / "template.db"
        migrate(f"sqlite:///{template}")
        _template = template
    shutil.copyfile(_template, path)


class Clock:
    """Real time plus whatever the test has skipped ahead."""

    def __init__(self) -> None:
        self.offset = dt.timedelta()

    def __call__(self) -> dt.datetime:
        return utcnow() + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += dt.timedelta(**delta)


class TelegramGateway:
    def __init__(
        self,
        url: str,
        api: FakeBotApi,
        rasa: httpx.MockTransport,
        *,
        mode: str = "polling",
        public_url: str = "http://gateway.test",
        **settings: Any,
    ) -> None:
        prepare(url)
        self.engine = make_engine(url)
        self.sessions = make_sessionmaker(self.engine)
        self.hub = Hub()
        self.api = api
        self.settings = Settings(
            database_url=url,
            telegram_token=TOKEN,
            telegram_mode=mode,
            telegram_api_base_url=api.base_url,
            public_url=public_url,
            pseudonym_key="test-pseudonym-key",
            supervisor_chat_id=SUPERVISOR_CHAT,
            alert_poll_seconds=0.2,
            **settings,
        )
        self.rasa = RasaClient(
            rasa_url="http://rasa.test",
            action_server_url="http://actions.test",
            timeout_seconds=self.settings.rasa_timeout_seconds,
            http=httpx.AsyncClient(transport=rasa),
        )
        self.gateway = Gateway(
            settings=self.settings,
            store=Store(self.sessions),
            rasa=self.rasa,
            screen=SafetyScreen(),
            values=ValueDetector(),
            hub=self.hub,
        )
        self.casework = CaseStore(self.sessions)
        self.clock = Clock()
        self.alerts = AlertLoop(casework=self.casework, settings=self.settings, clock=self.clock)
        self.gateway.on_outbox(self.alerts.wake)
        self.takeover = Takeover(gateway=self.gateway, casework=self.casework, settings=self.settings)
        self.gateway.attach_takeover(self.takeover)
        self.sleeps: list[float] = []
        self.channel = TelegramChannel(
            settings=self.settings,
            gateway=self.gateway,
            casework=self.casework,
            takeover=self.takeover,
            alerts=self.alerts,
            sender_options={"sleep": self._sleep},
        )
        self._loop_task: asyncio.Task[None] | None = None

    async def _sleep(self, seconds: float) -> None:
        # Backoff is recorded, not slept: the tests inject time.
        self.sleeps.append(seconds)
        await asyncio.sleep(0)

    async def start(self, *, alerts: bool = True) -> TelegramGateway:
        await self.channel.start()
        if alerts:
            self._loop_task = asyncio.create_task(self.alerts.run())
        return self

    async def stop(self) -> None:
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
        await self.channel.stop()
        await self.rasa.aclose()
        self.engine.dispose()

    async def agreed_client(self, chat_id: int | str, channel: str = "telegram") -> int:
        """A client who has agreed to the notice and settled the name question, for tests about
        something else (tests/integration/test_consent.py covers first contact)."""
        store = self.gateway.store

        def agree() -> int:
            client_id = store.client_for(channel, str(chat_id))
            assert client_id is not None
            agree_for(store, client_id, channel)
            return client_id

        return await asyncio.to_thread(agree)

    def name_of(self, client_id: int) -> str:
        return pseudonym(client_id, self.settings.pseudonym_key)

    def client_id(self, chat_id: int) -> int | None:
        return self.gateway.store.client_for("telegram", str(chat_id), create=False)

    def rows(self, model):  # type: ignore[no-untyped-def]
        with self.sessions() as session:
            return session.scalars(select(model).order_by(model.id)).all()
