"""The whole stack on loopback (trained model, Rasa, action server, gateway, SQLite) and Chromium."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from bot.stack import MODEL_PATH, Stack
from tests.support.bot_api import FakeBotApi

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]




TELEGRAM_TOKEN = "654321:E2E-token"


@pytest.fixture(scope="session")
def bot_api() -> Iterator[FakeBotApi]:
    """The Bot API server on loopback that the stack's gateway polls for Telegram updates."""
    server = FakeBotApi(TELEGRAM_TOKEN).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, bot_api: FakeBotApi) -> Iterator[Stack]:
    if not MODEL_PATH.exists():
        pytest.fail(f"no trained model at {MODEL_PATH}: `make test` trains it first")
    telegram = {
        "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_MODE": "polling",
        "TELEGRAM_API_BASE_URL": bot_api.base_url,
        "PSEUDONYM_KEY": "e2e-pseudonym-key",
    }
    running = Stack.in_workdir(
        tmp_path_factory.mktemp("stack"), extra_env={"PROGRAM_NAME": "Harbor Housing", **telegram}
    )
    running.start()
    yield running
    running.stop()


# Module scope: sync Playwright runs its own event loop, which must be gone before any
# asyncio test in another module starts.
@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is needed: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
