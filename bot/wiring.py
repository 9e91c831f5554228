"""The one place where the gateway's parts are built and connected."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette

from actions.values import ValueDetector
from bot.db import make_engine, make_sessionmaker
from bot.gateway import Gateway
from bot.rasa_client import RasaClient
from bot.safety.screen import SafetyScreen
from bot.settings import Settings
from bot.shared import build_shared
from bot.store import Store
from bot.web.app import create_app


def build_app(settings: Settings) -> Starlette:
    engine = make_engine(settings.database_url)
    shared = build_shared(settings)
    hub = shared.hub
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
        locks=shared.locks,
    )
    app = create_app(gateway, hub, limiter=shared.limiter)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await shared.start()
        yield
        await shared.stop()
        await rasa.aclose()
        engine.dispose()

    app.router.lifespan_context = lifespan
    return app
