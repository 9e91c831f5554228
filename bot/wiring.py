"""The one place where the gateway's parts are built and connected."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette

from actions.values import ValueDetector
from bot.alerts import AlertLoop
from bot.casework import CaseStore
from bot.db import make_engine, make_sessionmaker
from bot.gateway import Gateway
from bot.handoff import Takeover
from bot.hub import Hub
from bot.rasa_client import RasaClient
from bot.safety.screen import SafetyScreen
from bot.settings import Settings
from bot.store import Store
from bot.web.app import create_app

log = logging.getLogger(__name__)


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

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        loop_task = asyncio.create_task(alerts.run())
        start_task = asyncio.create_task(start_telegram()) if telegram else None
        yield
        for task in (start_task, loop_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if telegram is not None:
            with contextlib.suppress(Exception):
                await telegram.stop()
        await rasa.aclose()
        engine.dispose()

    app.router.lifespan_context = lifespan
    return app
