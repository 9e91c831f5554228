"""A Spanish check-in through the real widget and stack, addressed by the name the client chose.

The browser runs sync Playwright: asyncio tests of the same stack are in
test_spanish_welcome_back.py."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from bot.language import detect
from bot.stack import Stack
from tests.e2e.test_widget_checkin import companion_messages, strip_sender, wait_for_more_companion_messages

pytestmark = pytest.mark.e2e

TURNS = [
    "Me siento muy cansada esta semana",
    "Mi casero dice que tengo que mudarme a fin de mes",
    "eso es todo por hoy",
]


def send(page: Page, text: str) -> list[str]:
    seen = len(companion_messages(page))
    page.get_by_role("textbox", name="Message").fill(text)
    page.get_by_role("button", name="Send").click()
    wait_for_more_companion_messages(page, seen)
    return [strip_sender(t) for t in companion_messages(page)[seen:]]


def test_a_spanish_checkin_gets_spanish_replies_and_uses_the_clients_name(
    stack: Stack, browser
) -> None:
    page = browser.new_page()
    page.goto(stack.gateway_url + "/")
    log = page.get_by_role("log")
    expect(log).to_contain_text("not a person", timeout=30_000)
    page.get_by_role("button", name="Español").click()
    expect(log).to_contain_text("no una persona", timeout=10_000)
    page.get_by_role("button", name="Acepto").click()
    expect(log).to_contain_text("¿Cómo te gustaría que te llame?", timeout=10_000)
    opening = send(page, "Me llamo Rosa")
    assert opening[0] == "Gracias, Rosa. Así te llamaré."
    assert opening[-1].startswith("¿") and detect(opening[-1]) != "en", opening

    replies_by_turn = [send(page, turn) for turn in TURNS]
    assert "te sientes muy cansada" in " ".join(replies_by_turn[0]).lower(), replies_by_turn[0]
    assert "tu casero" in " ".join(replies_by_turn[1]).lower(), replies_by_turn[1]
    for replies in replies_by_turn:
        assert all(detect(reply) != "en" for reply in replies), replies
    summary = " ".join(replies_by_turn[-1])
    assert "Rosa" in summary and "casero" in summary, summary
    page.close()
