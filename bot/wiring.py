"""The one place where the gateway's parts are built and connected."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import secrets
from collections.abc import AsyncIterator

from starlette.applications import Starlette

from actions.values import ValueDetector
from bot.alerts import AlertLoop
from bot.anonymise import shared_anonymiser
from bot.casework import CaseStore
from bot.db import make_engine, make_sessionmaker
from bot.gateway import Gateway
from bot.handoff import Takeover
from bot.rasa_client import RasaClient
from bot.safety.screen import SafetyScreen
from bot.scheduler import Scheduler
from bot.settings import Settings
from bot.shared import build_shared
from bot.staff.wiring import build_staff_app
from bot.store import Store
from bot.web.app import create_app

log = logging.getLogger(__name__)


def with_pseudonym_key(settings: Settings) -> Settings:
    """Pseudonyms need a key; without the setting a random one serves until the next start, so
    alert links and staff pages agree within one run (exports refuse to run without it)."""
    if settings.pseudonym_key:
        return settings
    log.warning("PSEUDONYM_KEY is not set: client pseudonyms change at every start")
    return dataclasses.replace(settings, pseudonym_key=secrets.token_hex(32))


def build_app(settings: Settings) -> Starlette:
    settings = with_pseudonym_key(settings)
    engine = make_engine(settings.database_url)
    shared = build_shared(settings)
    hub = shared.hub
    rasa = RasaClient(
        rasa_url=settings.rasa_url,
        action_server_url=settings.action_server_url,
        timeout_seconds=settings.rasa_timeout_seconds,
    )
    screen = SafetyScreen()
    gateway = Gateway(
        settings=settings,
        store=Store(make_sessionmaker(engine)),
        rasa=rasa,
        screen=screen,
        values=ValueDetector(),
        hub=hub,
        locks=shared.locks,
    )
    anonymiser = shared_anonymiser()
    staff = build_staff_app(settings, gateway.store.sessions, anonymiser)
    app = create_app(
        gateway, hub, staff=staff, limiter=shared.limiter, session_limiter=shared.session_limiter
    )
    casework = CaseStore(make_sessionmaker(engine))
    alerts = AlertLoop(casework=casework, settings=settings)
    gateway.on_outbox(alerts.wake)
    takeover = Takeover(gateway=gateway, casework=casework, settings=settings)
    gateway.attach_takeover(takeover)
    telegram = None
    if settings.telegram_token:
        # Imported only when configured: building the application is the costly part.
        from bot.telegram.channel import TelegramChannel  # noqa: PLC0415

        telegram = TelegramChannel(
            settings=settings, gateway=gateway, casework=casework, takeover=takeover, alerts=alerts
        )
        if settings.telegram_mode == "webhook":
            app.router.routes.extend(telegram.routes())

    async def start_telegram() -> None:
        assert telegram is not None
        delay = 1.0
        while True:
            try:
                await telegram.start()
                return
            except Exception as exc:  # noqa: BLE001  (Telegram down must not stop the widget)
                log.warning("telegram not started (%s); retrying in %.0fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(60.0, delay * 2)

    # Reminders and the daily retention run, which rewrites old text through the same anonymiser
    # the staff pages use.
    scheduler = Scheduler(gateway=gateway, settings=settings, anonymiser=anonymiser)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        # The anonymiser's name lists take a few seconds: load them before staff need them.
        loading = asyncio.create_task(asyncio.to_thread(anonymiser.load))
        # The screen's reader learns (or reads back its cache) before the first message, not on it.
        await asyncio.to_thread(screen.warm)
        await shared.start()
        tasks = [asyncio.create_task(alerts.run()), asyncio.create_task(scheduler.run())]
        if telegram is not None:
            tasks.append(asyncio.create_task(start_telegram()))
        yield
        await loading
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if telegram is not None:
            with contextlib.suppress(Exception):
                await telegram.stop()
        await shared.stop()
        await rasa.aclose()
        gateway.controls.tracker.dispose()
        engine.dispose()

    app.router.lifespan_context = lifespan
    return app
