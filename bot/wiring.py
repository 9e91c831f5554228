"""The one place where the gateway's parts are built and connected."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette

from actions.values import ValueDetector
from bot.db import make_engine, make_sessionmaker
from bot.gateway import Gateway
from bot.hub import Hub
from bot.rasa_client import RasaClient
from bot.retention import MinimalRedactor
from bot.safety.screen import SafetyScreen
from bot.scheduler import Scheduler
from bot.settings import Settings
from bot.store import Store
from bot.web.app import create_app


def build_app(settings: Settings) -> Starlette:
    engine = make_engine(settings.database_url)
    hub = Hub()
    rasa = RasaClient(
        rasa_url=settings.rasa_url,
        action_server_url=settings.action_server_url,
        timeout_seconds=settings.rasa_timeout_seconds,
    )
    gateway = Gateway(
        settings=settings,
        store=Store(make_sessionmaker(engine)),
        rasa=rasa,
        screen=SafetyScreen(),
        values=ValueDetector(),
        hub=hub,
    )
    app = create_app(gateway, hub)
    # Reminders and the daily retention run. The built-in redactor stands in for the program's
    # anonymiser until that is wired here.
    scheduler = Scheduler(gateway=gateway, settings=settings, anonymiser=MinimalRedactor())

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        scheduled = asyncio.create_task(scheduler.run())
        yield
        scheduled.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await scheduled
        await rasa.aclose()
        gateway.controls.tracker.dispose()
        engine.dispose()

    app.router.lifespan_context = lifespan
    return app
