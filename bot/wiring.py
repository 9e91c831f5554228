"""The one place where the gateway's parts are built and connected."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette

from actions.values import ValueDetector
from bot.anonymise import shared_anonymiser
from bot.db import make_engine, make_sessionmaker
from bot.gateway import Gateway
from bot.hub import Hub
from bot.rasa_client import RasaClient
from bot.safety.screen import SafetyScreen
from bot.settings import Settings
from bot.staff.wiring import build_staff_app
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
    anonymiser = shared_anonymiser()
    staff = build_staff_app(settings, gateway.store.sessions, anonymiser)
    app = create_app(gateway, hub, staff=staff)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        # The anonymiser's name lists take a few seconds: load them before staff need them.
        loading = asyncio.create_task(asyncio.to_thread(anonymiser.load))
        yield
        await loading
        await rasa.aclose()
        engine.dispose()

    app.router.lifespan_context = lifespan
    return app
