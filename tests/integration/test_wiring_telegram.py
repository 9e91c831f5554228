"""The wired gateway: Telegram on when a token is set, the alert loop running either way."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from bot.casework import CaseStore
from bot.db import make_engine, make_sessionmaker, migrate
from bot.settings import Settings
from bot.stack import free_port
from bot.wiring import build_app
from tests.support.bot_api import FakeBotApi, text_update
from tests.support.telegram_gateway import TOKEN

pytestmark = pytest.mark.integration


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    server = FakeBotApi(TOKEN).start()
    yield server
    server.stop()


@contextlib.asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The wired app on a free port, lifespan and all."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(build_app(settings), host="127.0.0.1", port=port, log_level="warning", ws="none")
    )
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            await asyncio.sleep(0.01)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            yield http
    finally:
        server.should_exit = True
        await task


def settings_for(tmp_path: Path, **extra: object) -> Settings:
    url = f"sqlite:///{tmp_path}/wired.db"
    migrate(url)
    # Rasa is not running: risk messages are still answered and alerted.
    return Settings(database_url=url, rasa_url="http://127.0.0.1:9", rasa_timeout_seconds=0.5, **extra)


async def test_polling_gateway_alerts_an_on_call_worker(tmp_path: Path, api: FakeBotApi) -> None:
    settings = settings_for(
        tmp_path, telegram_token=TOKEN, telegram_mode="polling", telegram_api_base_url=api.base_url
    )
    engine = make_engine(settings.database_url)
    CaseStore(make_sessionmaker(engine)).add_worker("Sam", 8002, on_call=True)
    engine.dispose()
    async with serving(settings) as http:
        await api.wait_for(lambda: api.sent(method="deleteWebhook"))
        api.push(text_update(7001, "I want to kill myself"))
        [alert] = await api.wait_for(lambda: [p for p in api.sent(8002) if "URGENT alert" in p["text"]])
        assert "Take over" in str(alert["reply_markup"])
        await api.wait_for(lambda: any("988" in text for text in api.texts(7001)))
        assert (await http.post("/telegram/webhook")).status_code == 404


async def test_webhook_route_refuses_a_missing_secret_and_no_token_means_no_telegram(
    tmp_path: Path, api: FakeBotApi
) -> None:
    settings = settings_for(
        tmp_path, telegram_token=TOKEN, telegram_api_base_url=api.base_url,
        public_url="https://companion.example.org",
    )
    async with serving(settings) as http:
        await api.wait_for(lambda: api.webhook)
        assert api.webhook[0] == "https://companion.example.org/telegram/webhook"
        assert (await http.post("/telegram/webhook", json={"update_id": 1})).status_code == 403
    async with serving(Settings(database_url=settings.database_url)) as http:
        assert (await http.post("/telegram/webhook")).status_code == 404
