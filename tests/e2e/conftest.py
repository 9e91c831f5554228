"""The whole stack on loopback (trained model, Rasa, action server, gateway, SQLite) and Chromium."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from bot.stack import MODEL_PATH, Stack

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




@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not MODEL_PATH.exists():
        pytest.fail(f"no trained model at {MODEL_PATH}: `make test` trains it first")
    running = Stack.in_workdir(
        tmp_path_factory.mktemp("stack"), extra_env={"PROGRAM_NAME": "Harbor Housing"}
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
